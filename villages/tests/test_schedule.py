"""Work schedule (工作配档表) per village and the upcoming-dates list."""

from datetime import date, timedelta

import pytest

from creditcoop.models import AuditLog
from villages import services
from villages.models import WorkSchedule

pytestmark = pytest.mark.django_db


def test_officer_saves_schedule_and_it_is_audited(org, login):
    resp = login(org.officer1).post(
        f"/villages/{org.village_a1.pk}/schedule/",
        {
            "rating_date": "2026-03-02",
            "credit_date": "2026-03-10",
            "certificate_date": "2026-03-20",
            "officer": org.officer1.pk,
        },
    )
    assert resp.status_code == 302
    schedule = WorkSchedule.objects.get(village=org.village_a1)
    assert schedule.credit_date == date(2026, 3, 10) and schedule.officer == org.officer1
    assert AuditLog.objects.filter(action="villages.schedule_save").exists()
    body = login(org.director).get(f"/villages/{org.village_a1.pk}/").content.decode()
    assert "2026-03-10" in body


@pytest.mark.parametrize(
    "data,message",
    [
        ({"rating_date": "2026-03-10", "credit_date": "2026-03-02"}, "集中授信日期不能早于"),
        ({"credit_date": "2026-03-10", "certificate_date": "2026-03-01"}, "贷款证日期不能早于"),
        ({}, "请至少填写一个日期"),
    ],
)
def test_dates_out_of_order_are_refused(org, login, data, message):
    resp = login(org.officer1).post(
        f"/villages/{org.village_a1.pk}/schedule/", dict(data, officer=org.officer1.pk)
    )
    assert message in resp.content.decode()
    assert not WorkSchedule.objects.exists()


def test_responsible_officer_must_be_of_the_cooperative(org, login):
    resp = login(org.officer1).post(
        f"/villages/{org.village_a1.pk}/schedule/",
        {"rating_date": "2026-03-02", "officer": org.officer_b.pk},
    )
    assert resp.status_code == 200 and not WorkSchedule.objects.exists()


def test_upcoming_list_per_cooperative_and_range(org, login):
    today = date.today()
    services.work_schedule_save(
        actor=org.officer1,
        village=org.village_a1,
        officer=org.officer1,
        rating_date=today + timedelta(days=3),
        credit_date=today + timedelta(days=200),
    )
    services.work_schedule_save(
        actor=org.officer_b,
        village=org.village_b1,
        officer=org.officer_b,
        rating_date=today + timedelta(days=5),
    )
    body = login(org.director).get("/villages/schedule/").content.decode()
    assert "张庄村" in body and "集中信用等级评定" in body
    assert "王湾村" not in body  # another cooperative
    assert "集中授信</td>" not in body  # 200 days away: outside the default 90 days
    client = login(org.union_risk)
    body = client.get("/villages/schedule/", {"cooperative": org.coop_b.pk}).content.decode()
    assert "王湾村" in body and "张庄村" not in body
    far = (today + timedelta(days=365)).isoformat()
    body = client.get("/villages/schedule/", {"date_to": far}).content.decode()
    assert "集中授信</td>" in body
