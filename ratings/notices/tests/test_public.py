"""Public pages: no login, no private data, changes visible at once, abuse limits."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ratings.notices import services
from ratings.notices.models import Objection, ServicePromise
from villages.models import Household, Member

pytestmark = pytest.mark.django_db

OUT = Objection.Outcome


@pytest.fixture
def village_notice(org, line_set, django_capture_on_commit_callbacks):
    """Village A1 with a running notice of two households, a past notice of one, a closed and
    an open objection; every household member has a phone number."""
    with django_capture_on_commit_callbacks(execute=True):
        old = line_set()
        past = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
        past = services.batch_publish(
            batch=past, actor=org.officer1, today=timezone.localdate() - timedelta(days=20)
        )
        services.notice_end_expired()
        a, b = line_set(), line_set()
        batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
        batch = services.batch_publish(batch=batch, actor=org.officer1)
        for i, m in enumerate(Member.objects.filter(household__village=org.village_a1)):
            if not m.phone:
                m.phone = f"1501234{i:04d}"
                m.save()
        closed = services.objection_file(
            batch=batch,
            entry=batch.entries.get(application=a),
            text="x",
            contact_phone="13311112222",
        )
        services.objection_investigate(objection=closed, actor=org.director, findings="核实")
        services.objection_decide(
            objection=closed, actor=org.director, outcome=OUT.REJECTED, reply="情况不属实"
        )
        opened = services.objection_file(
            batch=batch,
            entry=batch.entries.get(application=b),
            text="y",
            contact_phone="13344445555",
        )
    return {"past": past, "batch": batch, "closed": closed, "open": opened, "apps": [old, a, b]}


def _private_values(village):
    values = set()
    for m in Member.objects.filter(household__village=village):
        values |= {m.id_number, m.phone, m.name if len(m.name) > 1 else ""}
    values |= {h.phone for h in Household.objects.filter(village=village)}
    values |= set(Objection.objects.values_list("contact_phone", flat=True))
    return {v for v in values if v}


def test_every_public_page_hides_ids_and_phones(client, org, village_notice):
    code = org.village_a1.code
    batch, past = village_notice["batch"], village_notice["past"]
    urls = [
        reverse("notices_public:village", args=[code]),
        reverse("notices_public:batch", args=[code, batch.pk]),
        reverse("notices_public:batch", args=[code, past.pk]),
        reverse("notices_public:poster", args=[code, batch.pk]),
        reverse("notices_public:poster", args=[code, batch.pk]) + "?size=a3",
        reverse("notices_public:objection", args=[code]),
        reverse("notices_public:objection_lookup"),
        reverse("notices_public:objection_status", args=[village_notice["closed"].reference]),
        reverse("notices_public:objection_status", args=[village_notice["open"].reference]),
    ]
    secrets = _private_values(org.village_a1)
    committee_phone = org.village_a1.committee.get().phone
    assert len(secrets) > 10
    for url in urls:
        html = client.get(url).content.decode()
        assert client.get(url).status_code == 200, url
        leaked = [s for s in secrets if s in html]
        assert not leaked, (url, leaked)
        # No 15/18-character ID number and no 11-digit mobile number at all.
        published = html.replace(org.officer1.phone, "").replace(committee_phone, "")
        assert not re.search(r"(?<!\d)(\d{17}[\dX]|1[3-9]\d{9})(?!\d)", published), url


def test_village_page_shows_notice_board_committee_and_promises(client, org, village_notice):
    ServicePromise.objects.create(
        cooperative=org.coop_a,
        loan_type="农户小额信用贷款",
        term="1年以内",
        rate="年利率 6.12%",
        eligibility="本村信用户",
        time_limit="5个工作日内答复",
    )
    html = client.get(
        reverse("notices_public:village", args=[org.village_a1.code])
    ).content.decode()
    batch = village_notice["batch"]
    for text in [
        str(batch),
        "今天第 1 天",
        batch.supervision_phone,
        "异议核查中",
        "提异议",
        str(village_notice["past"]),
        org.officer1.name,
        org.officer1.username,
        org.officer1.phone,
        org.coop_a.complaint_phone,
        "孙书记",
        "农户小额信用贷款",
        "5个工作日内答复",
    ]:
        assert text in html, text
    entry = batch.entries.get(application=village_notice["apps"][1])
    assert entry.masked_name in html and "20,000" in html


def test_service_promises_fall_back_to_hall_loan_types(client, org, village_notice):
    from creditcoop.servicehall.models import LoanType

    LoanType.objects.create(
        name="创业担保贷款", answer_days=5, approval_days=10, annual_rate="0.0435"
    )
    html = client.get(
        reverse("notices_public:village", args=[org.village_a1.code])
    ).content.decode()
    assert "创业担保贷款" in html and "4.35%" in html


def test_cached_page_needs_no_query_and_any_change_shows_at_once(
    client,
    org,
    line_set,
    village_notice,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    url = reverse("notices_public:village", args=[org.village_a1.code])
    client.get(url)
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200
    # Upholding the open objection revises the line: the page shows the new line at once.
    obj = village_notice["open"]
    with django_capture_on_commit_callbacks(execute=True):
        services.objection_investigate(objection=obj, actor=org.director, findings="外债未计入")
        services.objection_decide(
            objection=obj, actor=org.director, outcome=OUT.UPHELD_REVISED, new_line="7300"
        )
    html = client.get(url).content.decode()
    assert "7,300" in html and "调整后重新公示" in html
    # A new notice shows at once too.
    line_set(amount=12345)
    with django_capture_on_commit_callbacks(execute=True):
        b = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
        services.batch_publish(batch=b, actor=org.officer1)
    assert str(b) in client.get(url).content.decode()


def test_draft_and_unknown_pages_are_404(client, org, line_set):
    line_set()
    draft = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
    code = org.village_a1.code
    assert client.get(reverse("notices_public:batch", args=[code, draft.pk])).status_code == 404
    assert client.get(reverse("notices_public:poster", args=[code, draft.pk])).status_code == 404
    assert client.get(reverse("notices_public:village", args=["NOPE"])).status_code == 404
    html = client.get(reverse("notices_public:village", args=[code])).content.decode()
    assert "没有正在公示" in html
    assert (
        client.get(reverse("notices_public:objection_status", args=["YY0000-XXXX"])).status_code
        == 404
    )


def test_poster_has_qr_code_and_print_sizes(client, org, village_notice):
    url = reverse("notices_public:poster", args=[org.village_a1.code, village_notice["batch"].pk])
    a4 = client.get(url).content.decode()
    a3 = client.get(url + "?size=a3").content.decode()
    assert "<svg" in a4 and "size: A4" in a4 and "size: A3" in a3
    assert f"/p/village/{org.village_a1.code}/notice/" in a4
    assert "监督电话" in a4 and "盖章" in a4


def _post(client, code, ip="10.0.0.1", **data):
    data = {
        "text": "该户长期在外地",
        "contact_name": "",
        "contact_phone": "",
        "website": "",
        **data,
    }
    return client.post(reverse("notices_public:objection", args=[code]), data, REMOTE_ADDR=ip)


def test_public_objection_form_flow(client, org, village_notice):
    code = org.village_a1.code
    entry = village_notice["batch"].entries.get(application=village_notice["apps"][1])
    page = client.get(reverse("notices_public:objection", args=[code]) + f"?entry={entry.pk}")
    assert f'value="{entry.pk}" selected' in page.content.decode()
    r = _post(client, code, entry=entry.pk, text="<script>alert(1)</script>该户有外债")
    obj = Objection.objects.latest("id")
    assert obj.reference in r.content.decode() and obj.entry == entry
    assert obj.text.startswith("<script>")  # stored as typed…
    status = client.get(reverse("notices_public:objection_status", args=[obj.reference]))
    assert "已受理" in status.content.decode()
    lookup = client.get(reverse("notices_public:objection_lookup"), {"ref": obj.reference.lower()})
    assert lookup.status_code == 302
    missing = client.get(reverse("notices_public:objection_lookup"), {"ref": "YY1-NOPE"})
    assert "未找到" in missing.content.decode()
    # …and shown escaped to staff.
    staff = client
    staff.force_login(org.director)
    html = staff.get(reverse("notices:objection_detail", args=[obj.pk])).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_closed_status_page_shows_plain_outcome(client, village_notice):
    obj = village_notice["closed"]
    html = client.get(
        reverse("notices_public:objection_status", args=[obj.reference])
    ).content.decode()
    assert "已办结" in html and "不属实" in html and "情况不属实" in html
    assert obj.contact_phone not in html


def test_form_errors_keep_what_was_typed(client, org, village_notice):
    r = _post(client, org.village_a1.code, text="", contact_name="老王")
    assert r.status_code == 400
    html = r.content.decode()
    assert "请填写异议内容" in html and 'value="老王"' in html
    r = _post(client, org.village_a1.code, text="字" * 1001)
    assert "不能超过 1000 个字" in r.content.decode()


def test_honeypot_stores_nothing(client, org, village_notice):
    before = Objection.objects.count()
    r = _post(client, org.village_a1.code, website="http://spam.example")
    assert r.status_code == 200 and "感谢您的反映" in r.content.decode()
    assert Objection.objects.count() == before


def test_rate_limit_per_address(client, org, village_notice, django_assert_max_num_queries):
    code = org.village_a1.code
    before = Objection.objects.count()
    for _i in range(5):
        assert _post(client, code, ip="10.0.0.9").status_code == 200
    r = _post(client, code, ip="10.0.0.9")
    assert r.status_code == 429 and "提交过于频繁" in r.content.decode()
    assert Objection.objects.count() == before + 5
    # Another address is not affected, and the page itself still comes from the cache.
    assert _post(client, code, ip="10.0.0.10").status_code == 200
    url = reverse("notices_public:village", args=[code])
    client.get(url)
    with django_assert_max_num_queries(0):
        assert client.get(url).status_code == 200


def test_no_objection_form_without_running_notice(client, org):
    r = client.get(reverse("notices_public:objection", args=[org.village_a2.code]))
    assert "没有正在公示" in r.content.decode()
    r = _post(client, org.village_a2.code)
    assert "没有正在公示" in r.content.decode()


def test_village_page_links_to_notice(client, org):
    from django.template.loader import render_to_string

    html = render_to_string("notices/_public_village_notice.html", {"village": org.village_a1})
    assert reverse("notices_public:village", args=[org.village_a1.code]) in html
