"""Staff pages: lists with filters and pagination, detail pages, actions, role scoping."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ratings.models import CreditApplication
from ratings.notices import services
from ratings.notices.models import NoticeBatch, NoticeEntry, Objection

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(org, line_set):
    line_set()
    line_set()
    batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
    return services.batch_publish(batch=batch, actor=org.officer1)


def test_create_and_publish_through_pages(login, org, line_set):
    line_set()
    client = login(org.officer1)
    page = client.get(reverse("notices:batch_create") + f"?village={org.village_a1.pk}")
    assert page.status_code == 200 and "可公示的农户" in page.content.decode()
    r = client.post(
        reverse("notices:batch_create"),
        {"village": org.village_a1.pk, "period_days": 4, "supervision_phone": "0371-1"},
    )
    assert "不得少于 5 天" in r.content.decode() and 'value="0371-1"' in r.content.decode()
    assert not NoticeBatch.objects.exists()
    r = client.post(
        reverse("notices:batch_create"),
        {"village": org.village_a1.pk, "period_days": 7, "supervision_phone": "0371-9999"},
    )
    batch = NoticeBatch.objects.get()
    assert r.status_code == 302 and r.url == batch.get_absolute_url()
    r = client.post(
        reverse("notices:batch_edit", args=[batch.pk]),
        {"period_days": 8, "supervision_phone": "0371-8888", "title": "春季"},
    )
    batch.refresh_from_db()
    assert (batch.period_days, batch.title) == (8, "春季")
    client.post(reverse("notices:batch_edit", args=[batch.pk]), {"period_days": "x"})
    detail = client.get(batch.get_absolute_url()).content.decode()
    assert "发布公示" in detail and batch.entries.get().application.applicant.name in detail
    client.post(reverse("notices:batch_publish", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == NoticeBatch.Status.PUBLISHED
    assert batch.start_date == timezone.localdate()
    r = client.post(reverse("notices:batch_publish", args=[batch.pk]), follow=True)
    assert "不能执行此操作" in r.content.decode()


def test_staff_pages_show_full_names_the_public_page_masks_them(login, org, published):
    """Staff work with the household by name; only the public board and its poster mask it."""
    entry = published.entries.select_related("application__applicant").first()
    name = entry.application.applicant.name
    obj = services.objection_file(
        batch=published, entry=entry, text="该户常年在外", contact_phone="13900001111"
    )
    client = login(org.officer1)
    for url in (
        published.get_absolute_url(),
        reverse("notices:objection_list"),
        reverse("notices:objection_detail", args=[obj.pk]),
    ):
        html = client.get(url).content.decode()
        assert name in html, url
        assert entry.masked_name not in html, url
    client.logout()
    public = client.get(reverse("notices_public:village", args=[org.village_a1.code]))
    assert entry.masked_name in public.content.decode()
    assert name not in public.content.decode()


def test_drop_entry_from_draft_page(login, org, line_set):
    line_set()
    line_set()
    batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
    entry = batch.entries.first()
    client = login(org.director)
    url = reverse("notices:entry_drop", args=[batch.pk, entry.pk])
    client.post(url, {"reason": ""})
    assert batch.entries.count() == 2
    client.post(url, {"reason": "本人要求暂缓"})
    assert batch.entries.count() == 1
    assert client.post(url, {"reason": "x"}).status_code == 404


def test_batch_list_filters_pagination_and_queries(
    login, org, line_set, published, django_assert_max_num_queries
):
    for _i in range(22):
        NoticeBatch.objects.create(
            village=org.village_a2,
            number=100 + _i,
            supervision_phone="1",
            created_by=org.officer2,
        )
    client = login(org.director)
    with django_assert_max_num_queries(12):
        r = client.get(reverse("notices:batch_list"))
    html = r.content.decode()
    assert "第 1 页" in html and "下一页" in html
    r = client.get(
        reverse("notices:batch_list"), {"village": org.village_a1.pk, "status": "published"}
    )
    assert str(published) in r.content.decode() and "第100期" not in r.content.decode()
    r = client.get(reverse("notices:batch_list"), {"q": "李屯", "page": 2})
    assert "第 2 页" in r.content.decode()


def test_scoping_404_and_auditor_403(login, org, published):
    url = published.get_absolute_url()
    assert login(org.officer_b).get(url).status_code == 404
    assert (
        login(org.director_b)
        .get(reverse("notices:batch_list"))
        .content.decode()
        .count(str(published))
        == 0
    )
    assert login(org.officer2).get(url).status_code == 404  # not officer2's village
    auditor = login(org.auditor)
    assert auditor.get(url).status_code == 200
    assert auditor.post(reverse("notices:batch_publish", args=[published.pk])).status_code == 403
    assert auditor.get(reverse("notices:batch_create")).status_code == 403
    assert login(org.teller).get(reverse("notices:batch_create")).status_code == 404


def test_objection_register_and_handling_pages(login, org, published):
    entry = published.entries.first()
    client = login(org.teller)
    form = client.get(reverse("notices:objection_create") + f"?batch={published.pk}")
    assert form.status_code == 200
    r = client.post(
        reverse("notices:objection_create"),
        {
            "batch": published.pk,
            "entry": entry.pk,
            "channel": "phone",
            "text": "电话反映该户收入不实",
            "contact_name": "王先生",
            "contact_phone": "",
        },
    )
    obj = Objection.objects.get()
    assert r.status_code == 302 and obj.channel == "phone" and obj.recorded_by == org.teller
    # The investigator (officer2) sees it although the village is not theirs.
    inv = login(org.officer2)
    lst = inv.get(reverse("notices:objection_list"), {"mine": "1", "status": "open"})
    assert obj.reference in lst.content.decode()
    act = lambda a, **d: inv.post(reverse("notices:objection_action", args=[obj.pk, a]), d)  # noqa: E731
    assert act("investigate", findings="走访邻居").status_code == 302
    assert act("findings", findings="走访邻居三户，收入属实").status_code == 302
    r = act("decide", outcome="upheld_revised", findings="外债未计入", new_line="3000", reply="")
    assert r.status_code == 400 and "主任" in r.content.decode()
    assert (
        act("decide", outcome="rejected", findings="属实", reply="收入有账可查").status_code == 302
    )
    obj.refresh_from_db()
    assert obj.status == Objection.Status.CLOSED
    assert act("nonsense").status_code == 404
    detail = inv.get(obj.get_absolute_url()).content.decode()
    for label in ("受理异议", "开始调查", "记录调查情况", "异议不成立"):
        assert label in detail


def test_director_assigns_and_upholds_with_new_line(login, org, published):
    entry = published.entries.first()
    obj = services.objection_file(batch=published, entry=entry, text="额度偏高")
    client = login(org.director)
    r = client.post(
        reverse("notices:objection_action", args=[obj.pk, "assign"]),
        {"investigator": org.deputy.pk},
    )
    assert r.status_code == 302
    obj.refresh_from_db()
    assert obj.assigned_to == org.deputy
    client.post(reverse("notices:objection_action", args=[obj.pk, "investigate"]), {})
    r = client.post(
        reverse("notices:objection_action", args=[obj.pk, "decide"]),
        {"outcome": "upheld_revised", "findings": "外债未计入", "new_line": "6000"},
    )
    assert r.status_code == 302
    app = CreditApplication.objects.get(pk=entry.application_id)
    assert app.final_line == 6000
    new = NoticeEntry.objects.get(application=app, status="listed")
    detail = client.get(obj.get_absolute_url()).content.decode()
    assert str(new.batch) in detail


def test_objection_list_filters(login, org, published, django_assert_max_num_queries):
    e = published.entries.first()
    a = services.objection_file(batch=published, entry=e, text="a")
    b = services.objection_file(
        batch=published, text="b", channel="in_person", recorded_by=org.officer1
    )
    today = timezone.localdate()
    services.objection_deadlines(a.pk).update(
        started_on=today - timedelta(days=10),
        due_on=today - timedelta(days=1),
        remind_on=today - timedelta(days=2),
        late_from=today - timedelta(days=1),
        late_on=today,
    )
    client = login(org.director)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("notices:objection_list")).content.decode()
    assert a.reference in html and b.reference in html and "超时" in html
    html = client.get(reverse("notices:objection_list"), {"overdue": "1"}).content.decode()
    assert a.reference in html and b.reference not in html
    html = client.get(reverse("notices:objection_list"), {"channel": "in_person"}).content.decode()
    assert b.reference in html and a.reference not in html
    html = client.get(reverse("notices:objection_list"), {"q": b.reference}).content.decode()
    assert b.reference in html and a.reference not in html
    assert login(org.officer_b).get(a.get_absolute_url()).status_code == 404
    auditor = login(org.auditor)
    assert auditor.get(a.get_absolute_url()).status_code == 200
    assert (
        auditor.post(reverse("notices:objection_action", args=[a.pk, "investigate"])).status_code
        == 403
    )


def test_batch_detail_lists_refused_households(login, org, line_set):
    line_set()
    no = line_set()
    CreditApplication.objects.filter(pk=no.pk).update(publish_consent=False)
    batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
    html = login(org.officer1).get(batch.get_absolute_url()).content.decode()
    assert "不能列入公示" in html and "公示同意书" in html
