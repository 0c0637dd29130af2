"""Public pages: no login, no private data, changes visible at once, abuse limits."""

import re
from decimal import Decimal

import pytest
import segno
from django.urls import reverse

from ratings.notices import services
from ratings.notices.models import Objection, ServicePromise
from villages.idcard import mask_name
from villages.models import Household, Member

pytestmark = pytest.mark.django_db

OUT = Objection.Outcome


def _private_values(village):
    values = set()
    for m in Member.objects.filter(household__village=village):
        values |= {m.id_number, m.phone, m.name if len(m.name) > 1 else ""}
    values |= {h.phone for h in Household.objects.filter(village=village)}
    values |= set(Objection.objects.values_list("contact_phone", flat=True))
    return {v for v in values if v}


# A full ID number (15 or 18 characters) or an 11-digit mobile number.
ID_OR_MOBILE = re.compile(r"(?<![\dA-Za-z])(\d{17}[\dXx]|\d{15}|1[3-9]\d{9})(?![\dA-Za-z])")


def _assert_nothing_private(response, secrets, published_phones, where):
    html = response.content.decode()
    leaked = [s for s in secrets if s in html]
    assert not leaked, (where, leaked)
    for phone in published_phones:  # the officer's and the committee's are public by design
        html = html.replace(phone, "")
    assert not ID_OR_MOBILE.search(html), (where, ID_OR_MOBILE.search(html).group())


def test_every_public_page_hides_ids_and_phones(client, org, village_notice):
    code = org.village_a1.code
    batch, past = village_notice["batch"], village_notice["past"]
    closed, opened = village_notice["closed"], village_notice["open"]
    assert Objection.objects.get(
        pk=closed.pk
    ).reply  # the status page after the cooperative's reply is scanned too
    services.objection_investigate(objection=opened, actor=org.director, findings="入户核实中")
    pages = {
        url: client.get(url)
        for url in [
            reverse("public_village", args=[code]),
            reverse("notices_public:village", args=[code]),
            reverse("notices_public:batch", args=[code, batch.pk]),
            reverse("notices_public:batch", args=[code, past.pk]),
            reverse("notices_public:poster", args=[code, batch.pk]),
            reverse("notices_public:poster", args=[code, batch.pk]) + "?size=a3",
            reverse("notices_public:objection", args=[code]),
            reverse("notices_public:objection_lookup"),
            reverse("notices_public:objection_status", args=[closed.reference]),
            reverse("notices_public:objection_status", args=[opened.reference]),
        ]
    }
    assert all(r.status_code == 200 for r in pages.values()), {
        u: r.status_code for u, r in pages.items()
    }
    # What the objection form answers: received, refused (400), rate-limited (429), bot.
    entry = batch.entries.get(application=village_notice["apps"][2])
    received = _post(client, code, ip="10.2.0.1", entry=entry.pk, text="该户常年在外")
    assert received.status_code == 200 and "受理编号" in received.content.decode()
    new = Objection.objects.latest("id")
    pages["received"] = received
    pages["new status"] = client.get(
        reverse("notices_public:objection_status", args=[new.reference])
    )
    pages["400"] = _post(client, code, ip="10.2.0.2", text="", entry=entry.pk)
    assert pages["400"].status_code == 400
    for _i in range(5):
        _post(client, code, ip="10.2.0.3", text="")
    pages["429"] = _post(client, code, ip="10.2.0.3", entry=entry.pk)
    assert pages["429"].status_code == 429
    pages["honeypot"] = _post(client, code, ip="10.2.0.4", website="http://spam.example")
    assert pages["honeypot"].status_code == 200

    secrets = _private_values(org.village_a1)
    assert len(secrets) > 10
    published = [org.officer1.phone, org.village_a1.committee.get().phone]
    for where, response in pages.items():
        _assert_nothing_private(response, secrets, published, where)


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
        "申请条件：本村信用户",
        "期限：1年以内",
        "利率：年利率 6.12%",
        _period_text(batch),
    ]:
        assert text in html, text
    entry = batch.entries.get(application=village_notice["apps"][1])
    assert entry.term_months == 24
    row = _row_of(html, entry)
    assert entry.masked_name in row and "20,000" in row and "24个月" in row


def _period_text(batch) -> str:
    return (
        f"公示期：{batch.start_date.year}年{batch.start_date.month}月{batch.start_date.day}日 至 "
        f"{batch.end_date.year}年{batch.end_date.month}月{batch.end_date.day}日（共 7 天）"
    )


def _row_of(html, entry) -> str:
    """The table row of a household on the notice: the one linking to an objection about it."""
    rows = [
        r for r in re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S) if f'entry={entry.pk}"' in r
    ]
    assert len(rows) == 1, entry
    return rows[0]


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


def _qr_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules of a segno SVG, read back from its path (rows of horizontal runs),
    moved to the origin whatever the quiet zone and scale."""
    d = re.search(r'<svg[^>]*class="segno".*?<path[^>]* d="([^"]+)"', svg, flags=re.S).group(1)
    dark, x, y = set(), 0.0, 0.0
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", d):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark |= {(int(x) + i, int(y)) for i in range(int(a))}
            x += int(a)
    left, top = min(c for c, _r in dark), min(r for _c, r in dark)
    return {(c - left, r - top) for c, r in dark}


def _qr_of(text: str, error: str) -> set[tuple[int, int]]:
    qr = segno.make(text, error=error, boost_error=False, micro=False)
    return {(c, r) for r, row in enumerate(qr.matrix) for c, v in enumerate(row) if v}


def test_poster_qr_opens_the_village_page_with_print_sizes_dates_and_terms(
    client, org, village_notice
):
    code, batch = org.village_a1.code, village_notice["batch"]
    url = reverse("notices_public:poster", args=[code, batch.pk])
    a4 = client.get(url).content.decode()
    a3 = client.get(url + "?size=a3").content.decode()
    assert re.search(r"@page\s*\{\s*size:\s*A4 portrait", a4)
    assert re.search(r"@page\s*\{\s*size:\s*A3 portrait", a3)
    assert "A3" not in re.search(r"@page[^}]*}", a4).group()
    # The QR code encodes the absolute address of the village's public page.
    page_url = "http://testserver" + reverse("notices_public:village", args=[code])
    for html in (a4, a3):
        found = _qr_modules(html)
        assert any(found == _qr_of(page_url, e) for e in "lmqh")
        assert not any(found == _qr_of(page_url + "x", e) for e in "lmqh")
    assert "监督电话" in a4 and batch.supervision_phone in a4 and "盖章" in a4
    assert _period_text(batch) in a4
    for entry in batch.entries.filter(status="listed"):
        assert re.search(
            rf"<td>{re.escape(entry.masked_name)}</td><td>{entry.grade}</td>"
            rf"<td[^>]*>[\d,.]+</td><td>{entry.term_months}</td>",
            a4,
        ), entry


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


def test_flood_is_refused_before_any_work_on_the_notice(
    client, org, village_notice, django_assert_max_num_queries
):
    code = org.village_a1.code
    for _i in range(5):
        _post(client, code, ip="10.3.0.1", text="")  # refused as empty, but counted
    before = Objection.objects.count()
    # Only the village is read: no notice, no household rows.
    with django_assert_max_num_queries(1):
        r = _post(client, code, ip="10.3.0.1", text="该户有外债未申报")
    html = r.content.decode()
    assert r.status_code == 429
    assert "提交过于频繁，请稍后再试" in html and org.coop_a.supervision_phone in html
    assert "该户有外债未申报" in html  # what was typed is kept to copy
    # The flood goes on: the village is known now, so turning it away reads nothing at all.
    with django_assert_max_num_queries(0):
        for _i in range(20):
            r = _post(client, code, ip="10.3.0.1", text="再来一次")
    assert r.status_code == 429 and org.coop_a.supervision_phone in r.content.decode()
    with django_assert_max_num_queries(0):
        r = _post(client, code, ip="10.3.0.2", website="http://spam.example")
    assert r.status_code == 200 and "感谢您的反映" in r.content.decode()
    assert Objection.objects.count() == before
    assert client.get(reverse("notices_public:objection", args=[code])).status_code == 200


def _posted_households(org, n):
    """A running notice of village A2 with `n` households (plain inserts for the set-up, the
    notice itself through the services)."""
    from ratings.models import CreditApplication
    from villages.idcard import check_digit

    village, group = org.village_a2, org.group_a2
    households = Household.objects.bulk_create(
        [
            Household(village=village, group=group, head_name=f"赵{i}", phone=f"1380000{i:04d}")
            for i in range(n)
        ]
    )
    members = []
    for i, h in enumerate(households):
        first17 = f"41999919800101{i:03d}"
        id_number = first17 + check_digit(first17)
        members.append(
            Member(
                household=h,
                village_id=village.pk,
                name=h.head_name,
                relation=Member.Relation.HEAD,
                id_number=id_number,
                id_reversed=id_number[::-1],
                initials="z",
            )
        )
    members = Member.objects.bulk_create(members)
    CreditApplication.objects.bulk_create(
        CreditApplication(
            household=h,
            applicant=m,
            village=village,
            status=CreditApplication.Status.LINE_SET,
            requested_amount=Decimal("30000"),
            grade="AA",
            final_line=Decimal("30000"),
            term_months=24,
            publish_consent=True,
        )
        for h, m in zip(households, members, strict=True)
    )
    batch = services.batch_create_draft(village=village, actor=org.officer2)
    return services.batch_publish(batch=batch, actor=org.officer2)


def test_objection_form_of_a_500_household_notice_needs_no_query_per_row(
    client, org, django_assert_max_num_queries
):
    batch = _posted_households(org, 500)
    assert batch.entries.count() == 500
    with django_assert_max_num_queries(3):
        r = client.get(reverse("notices_public:objection", args=[org.village_a2.code]))
    assert r.status_code == 200
    assert r.content.decode().count("<option value=") == 501  # the whole notice + each one


def test_names_are_masked_to_the_first_character():
    assert mask_name("张三丰") == "张**"
    assert mask_name("张三") == "张*"
    assert mask_name("王") == "王*"  # never the bare name
    assert mask_name("欧阳修") == "欧**"  # compound surnames keep only the first character too
    assert mask_name(" 李四 ") == "李*"
    assert mask_name("") == ""


def test_household_removed_after_upheld_objection_vanishes_from_public_pages(
    client, org, line_set, django_capture_on_commit_callbacks
):
    from tests.factories import HouseholdFactory

    code = org.village_a1.code
    keep = line_set()
    removed = line_set(h=HouseholdFactory(group=org.group_a1, head_name="欧阳修"))
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
        batch = services.batch_publish(batch=batch, actor=org.officer1)
    entry = batch.entries.get(application=removed)
    page = reverse("notices_public:village", args=[code])
    poster = reverse("notices_public:poster", args=[code, batch.pk])
    assert entry.masked_name == "欧**" and "欧**" in client.get(page).content.decode()
    assert "欧**" in client.get(poster).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        obj = services.objection_file(batch=batch, entry=entry, text="该户虚报收入")
        services.objection_investigate(objection=obj, actor=org.director, findings="虚报属实")
        services.objection_decide(objection=obj, actor=org.director, outcome=OUT.UPHELD_REMOVED)
    html = client.get(page).content.decode()
    assert "欧**" not in html and "共 1 户" in html
    assert batch.entries.get(application=keep).masked_name in html
    assert "欧**" not in client.get(poster).content.decode()
    assert (
        "欧**" not in client.get(reverse("notices_public:objection", args=[code])).content.decode()
    )


def test_status_page_while_under_investigation(client, org, village_notice):
    obj = services.objection_investigate(
        objection=village_notice["open"], actor=org.director, findings="已约谈村干部，入户核实中"
    )
    html = client.get(
        reverse("notices_public:objection_status", args=[obj.reference])
    ).content.decode()
    assert "调查核实中" in html and "应办结" in html
    assert f"{obj.due_on.year}年{obj.due_on.month}月{obj.due_on.day}日前" in html
    assert 'id="objection-outcome"' not in html and "已办结" not in html
    assert "入户核实中" not in html  # the investigator's findings are not public


def test_twenty_submissions_a_day_per_address(client, org, village_notice):
    from django.core.cache import cache

    from ratings.notices import ratelimit

    assert (86400, 20) in ratelimit.OBJECTION_LIMITS
    address = "10.4.0.1"
    for i in range(20):
        if i % 5 == 0:  # ten minutes pass: the short window starts again
            cache.delete(f"notices:rl:objection:600:{address}")
        assert ratelimit.allow("objection", address), i
    cache.delete(f"notices:rl:objection:600:{address}")
    r = _post(client, org.village_a1.code, ip=address)
    assert r.status_code == 429 and "提交过于频繁" in r.content.decode()
    assert ratelimit.allow("objection", "10.4.0.2")
