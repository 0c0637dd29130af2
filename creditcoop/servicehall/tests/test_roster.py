from datetime import date

import pytest

from creditcoop.models import AuditLog
from creditcoop.servicehall import services
from creditcoop.servicehall.models import DutyPost, DutyRoster, DutyShift
from tests.html import text_of

pytestmark = pytest.mark.django_db

FEB = date(2026, 2, 1)


def test_empty_february_lists_every_working_day_including_make_up_saturdays(org):
    roster = services.roster_get_or_create(cooperative=org.coop_a, month=FEB)
    problems = services.roster_problems(roster)
    text = "\n".join(problems)
    assert "02月14日（工作日）没有安排值班信贷员" in text
    assert "02月28日（工作日）没有安排值班信贷员" in text
    assert "02月16日" not in text and "02月21日" not in text  # holidays, Saturday
    # 16 working days in February 2026 (incl. 2 make-up Saturdays); 3 weeks need the
    # director — the Spring Festival week (16–22 Feb) has no working day at all.
    assert len([p for p in problems if "信贷员" in p]) == 16
    assert len([p for p in problems if "主任" in p]) == 3
    assert "02月16日至02月22日" not in text


def test_publishing_a_month_with_gaps_is_refused_with_the_list(org):
    roster = services.roster_get_or_create(cooperative=org.coop_a, month=FEB)
    with pytest.raises(services.DomainError) as exc:
        services.roster_publish(roster_id=roster.pk, actor=org.director)
    assert "02月02日（工作日）没有安排值班信贷员" in str(exc.value)
    roster.refresh_from_db()
    assert not roster.is_published


def test_autofill_then_publish_then_locked(org):
    roster = services.roster_get_or_create(cooperative=org.coop_a, month=FEB)
    services.roster_autofill(roster_id=roster.pk, actor=org.director)
    assert services.roster_problems(roster) == []
    # Grade-3 officers may not investigate and are not put on the hall duty.
    assert not roster.shifts.filter(staff=org.officer3).exists()
    services.roster_publish(roster_id=roster.pk, actor=org.director)
    with pytest.raises(services.DomainError):
        services.shift_add(
            roster_id=roster.pk,
            actor=org.director,
            day=date(2026, 2, 2),
            post=DutyPost.OFFICER,
            staff=org.officer2,
        )
    assert AuditLog.objects.filter(action="servicehall.duty_roster_publish").count() == 1


def test_removing_the_weeks_director_day_reopens_the_gap(org):
    roster = services.roster_get_or_create(cooperative=org.coop_a, month=FEB)
    services.roster_autofill(roster_id=roster.pk, actor=org.director)
    shift = roster.shifts.filter(
        post=DutyPost.DIRECTOR, date__range=(date(2026, 2, 9), date(2026, 2, 15))
    ).get()
    services.shift_remove(shift_id=shift.pk, actor=org.director)
    assert services.roster_problems(roster) == ["02月09日至02月15日这一周没有安排主任坐班。"]


def test_shift_rules(org):
    roster = services.roster_get_or_create(cooperative=org.coop_a, month=FEB)
    cases = [
        (date(2026, 2, 17), DutyPost.OFFICER, org.officer1, "不是工作日"),
        (date(2026, 2, 2), DutyPost.OFFICER, org.teller, "只能安排信贷员"),
        (date(2026, 2, 2), DutyPost.DIRECTOR, org.deputy, "只能安排信用社主任"),
        (date(2026, 2, 2), DutyPost.OFFICER, org.officer_b, "本社在岗员工"),
        (date(2026, 3, 2), DutyPost.OFFICER, org.officer1, "不在本月"),
    ]
    for day, post, staff, message in cases:
        with pytest.raises(services.DomainError, match=message):
            services.shift_add(
                roster_id=roster.pk, actor=org.director, day=day, post=post, staff=staff
            )
    with pytest.raises(services.DomainError, match="主任、副主任"):
        services.shift_add(
            roster_id=roster.pk,
            actor=org.officer1,
            day=date(2026, 2, 14),
            post=DutyPost.OFFICER,
            staff=org.officer1,
        )
    services.shift_add(
        roster_id=roster.pk,
        actor=org.deputy,
        day=date(2026, 2, 14),
        post=DutyPost.OFFICER,
        staff=org.officer1,
    )
    assert DutyShift.objects.count() == 1


def test_roster_page_shows_gaps_and_publish_refusal(org, login):
    client = login(org.director)
    page = client.get("/hall/roster/?month=2026-02")
    assert page.status_code == 200
    assert "本月尚未排班" in page.content.decode()
    response = client.post(
        "/hall/roster/action/", {"month": "2026-02", "action": "publish"}, follow=True
    )
    body = response.content.decode()
    assert "值班表不符合要求，不能发布" in body and "02月14日（工作日）没有安排值班信贷员" in body
    client.post(
        "/hall/roster/action/",
        {
            "month": "2026-02",
            "action": "add",
            "date": "2026-02-02",
            "post": "officer",
            "staff": org.officer1.pk,
        },
    )
    body = client.get("/hall/roster/?month=2026-02").content.decode()
    assert "缺值班信贷员" in body and org.officer1.name in body
    client.post("/hall/roster/action/", {"month": "2026-02", "action": "autofill"})
    client.post("/hall/roster/action/", {"month": "2026-02", "action": "publish"})
    assert DutyRoster.objects.get(cooperative=org.coop_a, month=FEB).is_published
    assert "已发布" in client.get("/hall/roster/?month=2026-02").content.decode()


def test_roster_permissions(org, login):
    assert login(org.officer1).get("/hall/roster/?month=2026-02").status_code == 200
    assert (
        login(org.officer1)
        .post("/hall/roster/action/", {"month": "2026-02", "action": "autofill"})
        .status_code
        == 403
    )
    assert (
        login(org.auditor).get(f"/hall/roster/?month=2026-02&coop={org.coop_a.pk}").status_code
        == 200
    )
    assert (
        login(org.auditor)
        .post("/hall/roster/action/", {"month": "2026-02", "action": "autofill"})
        .status_code
        == 403
    )
    assert login(org.director_b).get(f"/hall/roster/?coop={org.coop_a.pk}").status_code == 404
    assert login(org.committee).get("/hall/roster/").status_code == 403


def test_roster_page_names_the_week_without_a_director(org, login):
    roster = services.roster_get_or_create(cooperative=org.coop_a, month=FEB)
    services.roster_autofill(roster_id=roster.pk, actor=org.director)
    shift = roster.shifts.get(
        post=DutyPost.DIRECTOR, date__range=(date(2026, 2, 2), date(2026, 2, 8))
    )
    login(org.director).post(
        "/hall/roster/action/", {"month": "2026-02", "action": "remove", "shift": shift.pk}
    )
    body = login(org.director).get("/hall/roster/?month=2026-02").content.decode()
    assert text_of(body, "roster-gaps") == "排班缺口：02月02日至02月08日这一周没有安排主任坐班。"
    assert "每周均有主任坐班" not in body


@pytest.fixture
def admin_client(org, client):
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save()
    client.force_login(org.admin)
    return client


def test_published_roster_cannot_be_changed_in_the_admin(org, admin_client):
    roster = services.roster_get_or_create(cooperative=org.coop_a, month=FEB)
    services.roster_autofill(roster_id=roster.pk, actor=org.director)
    services.roster_publish(roster_id=roster.pk, actor=org.director)
    shifts = list(roster.shifts.order_by("id").values_list("id", "date", "post", "staff_id"))
    audit_rows = AuditLog.objects.count()
    url = f"/admin/servicehall/dutyroster/{roster.pk}/change/"

    page = admin_client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert org.officer1.name in body and "编排 / 发布" in body
    assert 'name="shifts-0-staff"' not in body and 'name="shifts-0-DELETE"' not in body

    first = roster.shifts.order_by("id").first()
    data = {
        "cooperative": org.coop_a.pk,
        "month": "2026-02-01",
        "shifts-TOTAL_FORMS": "1",
        "shifts-INITIAL_FORMS": "1",
        "shifts-MIN_NUM_FORMS": "0",
        "shifts-MAX_NUM_FORMS": "1000",
        "shifts-0-id": first.pk,
        "shifts-0-roster": roster.pk,
        "shifts-0-date": "2026-02-16",  # a Spring Festival holiday
        "shifts-0-post": "officer",
        "shifts-0-staff": org.teller.pk,
        "shifts-0-DELETE": "on",
    }
    assert admin_client.post(url, data).status_code == 403
    delete = f"/admin/servicehall/dutyroster/{roster.pk}/delete/"
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/servicehall/dutyroster/add/").status_code == 403
    assert admin_client.get("/admin/servicehall/dutyshift/").status_code == 404  # not registered

    roster.refresh_from_db()
    assert roster.is_published
    assert list(roster.shifts.order_by("id").values_list("id", "date", "post", "staff_id")) == (
        shifts
    )
    assert AuditLog.objects.count() == audit_rows
