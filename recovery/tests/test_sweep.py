"""The nightly limitation sweep: warnings at the lead days, exactly once."""

from datetime import date, timedelta

import pytest

from creditcoop.models import Notification, SmsMessage
from recovery import services
from recovery.models import LimitationWarning, RecoveryPolicy
from recovery.tasks import limitation_sweep_nightly

from .helpers import npl

pytestmark = pytest.mark.django_db
EXPIRY = date(2027, 3, 1)  # a debt due 2024-03-01


@pytest.fixture
def record(org):
    org.officer1.phone = "13800000001"
    org.officer1.save()
    org.director.phone = "13800000002"
    org.director.save()
    return npl(org.village_a1)


def test_warning_at_90_days_to_the_collector_and_the_director(org, record):
    assert record.limitation_expires_on == EXPIRY
    result = limitation_sweep_nightly(today=(EXPIRY - timedelta(days=90)).isoformat())
    assert result["warnings"] == 1
    w = LimitationWarning.objects.get()
    assert (w.lead_days, w.guarantor) == (90, None)
    inbox = Notification.objects.filter(dedupe_key__startswith="npl-warn:")
    assert {n.recipient for n in inbox} == {org.officer1, org.director}
    text = inbox.first().text
    assert "欧阳某" in text and "2027-03-01" in text and "还剩 90 天" in text
    assert inbox.first().link == f"/recovery/records/{record.pk}/"
    assert set(SmsMessage.objects.values_list("phone", flat=True)) == {
        "13800000001",
        "13800000002",
    }


def test_a_second_run_the_same_day_writes_and_sends_nothing(org, record):
    day = EXPIRY - timedelta(days=60)
    services.limitation_sweep(today=day)
    counts = (
        LimitationWarning.objects.count(),
        Notification.objects.count(),
        SmsMessage.objects.count(),
    )
    assert counts[0] == 1
    assert services.limitation_sweep(today=day) == {
        "recomputed": 0,
        "warnings": 0,
        "inbox": 0,
        "sms": 0,
    }
    assert counts == (
        LimitationWarning.objects.count(),
        Notification.objects.count(),
        SmsMessage.objects.count(),
    )


def test_each_lead_once_and_after_days_down_only_the_nearest(org, record):
    # Nothing before 90 days, then 90, nothing new at 89.
    assert services.limitation_sweep(today=EXPIRY - timedelta(days=91))["warnings"] == 0
    assert services.limitation_sweep(today=EXPIRY - timedelta(days=90))["warnings"] == 1
    assert services.limitation_sweep(today=EXPIRY - timedelta(days=89))["warnings"] == 0
    # Down from day 60 to day 25: one warning, the 30-day one.
    assert services.limitation_sweep(today=EXPIRY - timedelta(days=25))["warnings"] == 1
    assert sorted(LimitationWarning.objects.values_list("lead_days", flat=True)) == [30, 90]
    # Expired: nothing more.
    assert services.limitation_sweep(today=EXPIRY + timedelta(days=1))["warnings"] == 0


def test_guarantors_are_warned_and_the_lead_days_are_policy(org, record):
    policy = RecoveryPolicy.current(org.union)
    policy.warning_days = [45, 15]
    policy.save()
    g = services.npl_guarantor_add(
        actor=org.officer1,
        record=record,
        name="李保",
        contract_signed_on=date(2023, 3, 1),
        stated_type="joint",
    )
    assert g.limitation_expires_on == date(2024, 9, 1)
    services.limitation_sweep(today=date(2024, 9, 1) - timedelta(days=45))
    w = LimitationWarning.objects.get()
    assert (w.guarantor, w.lead_days) == (g, 45)
    assert "保证人 李保" in Notification.objects.filter(recipient=org.officer1).first().text


def test_a_new_expiry_warns_again(org, record):
    services.limitation_sweep(today=EXPIRY - timedelta(days=30))
    services.limitation_event_add(
        actor=org.officer1,
        record=record,
        kind="acknowledgement",
        occurred_on=EXPIRY - timedelta(days=29),
        today=EXPIRY - timedelta(days=29),
    )
    record.refresh_from_db()
    new = record.limitation_expires_on
    assert new == date(2030, 1, 31)
    assert services.limitation_sweep(today=new - timedelta(days=90))["warnings"] == 1


def test_recovered_records_are_not_warned(org, record):
    record.status = "recovered"
    record.save()
    assert services.limitation_sweep(today=EXPIRY - timedelta(days=30))["warnings"] == 0
