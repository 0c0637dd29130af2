"""Lawsuits: filing interrupts the limitation, the enforcement application deadline with
worked dates and its warnings (exactly once), enforcement terminated."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from creditcoop.errors import DomainError
from creditcoop.models import AuditLog, Notification, SmsMessage
from recovery import limitation as L
from recovery import services
from recovery.models import EnforcementWarning, Lawsuit, LimitationEvent, NplRecord
from recovery.tasks import enforcement_sweep_nightly

from .helpers import npl

pytestmark = pytest.mark.django_db
TODAY = date(2026, 5, 4)


@pytest.fixture
def record(org):
    return npl(org.village_a1)  # due 2024-03-01, limitation to 2027-03-01


def _file(record, actor, *, filed_on=date(2025, 3, 10), case="（2025）湘0181民初1234号"):
    return services.lawsuit_file(
        actor=actor,
        record=record,
        court="浏阳市人民法院",
        case_number=case,
        filed_on=filed_on,
        claim_amount=Decimal("16200"),
        today=TODAY,
    )


def _judge(lawsuit, actor, *, judgment_on, effective_on, deadline=None, today=TODAY, **kw):
    return services.lawsuit_update(
        actor=actor,
        lawsuit=lawsuit,
        judgment_on=judgment_on,
        judgment_summary="被告偿还本金15000元及利息",
        judgment_amount=Decimal("16200"),
        effective_on=effective_on,
        performance_deadline=deadline,
        today=today,
        **kw,
    )


@pytest.mark.parametrize(
    "effective_on, deadline, apply_by",
    [
        # No performance period in the judgment: 2 years from the day it took effect.
        (date(2024, 3, 15), None, date(2026, 3, 15)),
        # A performance period: 2 years from its last day.
        (date(2024, 3, 15), date(2024, 4, 14), date(2026, 4, 14)),
        # From 29 February: the corresponding day does not exist, 28 February.
        (date(2024, 2, 29), None, date(2026, 2, 28)),
    ],
)
def test_enforcement_apply_by_worked_dates(effective_on, deadline, apply_by):
    got = services.enforcement_apply_by(effective_on=effective_on, performance_deadline=deadline)
    assert got == apply_by


def test_filing_interrupts_the_limitation(org, record):
    assert record.limitation_expires_on == date(2027, 3, 1)
    s = _file(record, org.officer1)
    record.refresh_from_db()
    event = LimitationEvent.objects.get()
    assert (event.kind, event.occurred_on) == (L.LAWSUIT, date(2025, 3, 10))
    assert s.filing_event == event and s.status == "filed"
    # The period does not run while the case goes on.
    assert record.limitation_expires_on is None
    assert "起诉中断时效" in s.filing_effect
    assert record.last_collection_on == date(2025, 3, 10)
    assert AuditLog.objects.filter(action="recovery.lawsuit_file").count() == 1


def test_a_lawsuit_after_expiry_is_kept_but_interrupts_nothing(org):
    old = npl(org.village_a1, number="XB-OLD", due_on=date(2020, 1, 10))
    assert old.limitation_expires_on == date(2023, 1, 10)
    s = _file(old, org.officer1, filed_on=date(2026, 4, 1))
    old.refresh_from_db()
    assert old.limitation_expires_on == date(2023, 1, 10)
    assert s.filing_event is None and "届满" in s.filing_effect
    assert not LimitationEvent.objects.exists()


def test_judgment_stores_the_deadline_and_the_status_follows_the_stages(org, record):
    s = _file(record, org.officer1)
    s = _judge(
        s,
        org.officer1,
        judgment_on=date(2025, 9, 1),
        effective_on=date(2025, 9, 20),
        deadline=date(2025, 10, 20),
    )
    assert (s.status, s.enforcement_apply_by) == ("judged", date(2027, 10, 20))
    s = services.lawsuit_update(
        actor=org.officer1,
        lawsuit=s,
        judgment_on=s.judgment_on,
        effective_on=s.effective_on,
        performance_deadline=s.performance_deadline,
        enforcement_applied_on=date(2025, 11, 3),
        enforcement_case_number="（2025）湘0181执567号",
        today=TODAY,
    )
    assert s.status == "enforcing"


def test_enforcement_terminated_records_the_event_and_the_difficulty(org, record):
    s = _file(record, org.officer1)
    s = _judge(
        s,
        org.officer1,
        judgment_on=date(2025, 9, 1),
        effective_on=date(2025, 9, 20),
        enforcement_applied_on=date(2025, 11, 3),
        enforcement_terminated_on=date(2026, 3, 1),
        mark_enforcement_ended=True,
    )
    assert s.status == "terminated"
    ended = LimitationEvent.objects.get(kind=L.ENFORCEMENT_ENDED)
    assert ended.occurred_on == date(2026, 3, 1) and s.termination_event == ended
    record.refresh_from_db()
    assert record.difficulty == NplRecord.Difficulty.ENFORCEMENT_ENDED


def test_stage_dates_out_of_order_are_refused_and_nothing_changes(org, record):
    s = _file(record, org.officer1)
    before = (AuditLog.objects.count(), LimitationEvent.objects.count())
    with pytest.raises(DomainError, match="判决日期不能早于起诉日期"):
        _judge(s, org.officer1, judgment_on=date(2025, 3, 1), effective_on=date(2025, 3, 20))
    with pytest.raises(DomainError, match="请先填写申请执行日期"):
        _judge(
            s,
            org.officer1,
            judgment_on=date(2025, 9, 1),
            effective_on=date(2025, 9, 20),
            enforcement_terminated_on=date(2026, 3, 1),
        )
    s.refresh_from_db()
    assert (s.status, s.judgment_on, s.enforcement_apply_by) == ("filed", None, None)
    assert before == (AuditLog.objects.count(), LimitationEvent.objects.count())


def test_a_duplicate_case_number_is_refused(org, record):
    _file(record, org.officer1)
    with pytest.raises(DomainError, match="案号已经登记"):
        _file(record, org.officer1)
    assert Lawsuit.objects.count() == 1


def test_the_deadline_warns_once_per_lead_day(org, record):
    org.officer1.phone = "13800000001"
    org.officer1.save()
    s = _file(record, org.officer1, filed_on=date(2024, 4, 1))
    # Effective 2024-06-30, no performance period: apply by 2026-06-30.
    _judge(s, org.officer1, judgment_on=date(2024, 6, 1), effective_on=date(2024, 6, 30))
    apply_by = date(2026, 6, 30)
    day = apply_by - timedelta(days=85)
    result = enforcement_sweep_nightly(today=day.isoformat())
    assert result == {"warnings": 1, "inbox": 2, "sms": 2}
    w = EnforcementWarning.objects.get()
    assert (w.lead_days, w.apply_by, w.queued_on) == (90, apply_by, day)
    inbox = Notification.objects.filter(dedupe_key__startswith="enf-warn:")
    assert {n.recipient for n in inbox} == {org.officer1, org.director}
    text = inbox.first().text
    assert "2026-06-30" in text and "还剩 85 天" in text
    assert inbox.first().link == f"/recovery/lawsuits/{s.pk}/"

    counts = (Notification.objects.count(), SmsMessage.objects.count())
    assert services.enforcement_sweep(today=day) == {"warnings": 0, "inbox": 0, "sms": 0}
    assert services.enforcement_sweep(today=day + timedelta(days=10)) == {
        "warnings": 0,
        "inbox": 0,
        "sms": 0,
    }
    assert counts == (Notification.objects.count(), SmsMessage.objects.count())
    # The next lead day warns again; once applied for, nothing more.
    assert services.enforcement_sweep(today=apply_by - timedelta(days=60))["warnings"] == 1
    s.refresh_from_db()
    _judge(
        s,
        org.officer1,
        judgment_on=s.judgment_on,
        effective_on=s.effective_on,
        enforcement_applied_on=date(2026, 5, 4),
    )
    assert services.enforcement_sweep(today=apply_by - timedelta(days=30))["warnings"] == 0
