"""Every periodic job run several times at once (an overlapping beat, several workers) does
its work once: no duplicate history rows, no message queued or sent twice."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from creditcoop.models import AuditLog, SmsMessage
from loans.models import ClassChange, Loan, SettlementRun
from loans.tests import factories as lf

pytestmark = pytest.mark.django_db(transaction=True)

RUNS = 6
SENT = []


class CountingBackend:
    def send(self, phone, text, *, key=""):
        SENT.append(key)


def run_together(task_name, **kwargs) -> list:
    """Start the task `RUNS` times at the same moment, each in its own connection."""
    from creditcoop.celery import app

    app.loader.import_default_modules()
    task = app.tasks[task_name]
    barrier = threading.Barrier(RUNS)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(task(**kwargs))
        except Exception as e:  # anything is a failure of the test
            errors.append(repr(e))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _i in range(RUNS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == RUNS
    return results


def _did_work(result) -> bool:
    return any(result.values()) if isinstance(result, dict) else bool(result)


def _loans(org, n=3, *, drawn, due):
    contract = lf.contract(org, signed_on=drawn - timedelta(days=30), today=drawn)
    contract.borrower.phone = "13800138000"
    contract.borrower.save()
    return [lf.draw(org, contract, "100.00", today=drawn, due_date=due) for _i in range(n)]


def test_classification_runs_at_once_record_each_change_once(org):
    today = timezone.localdate()
    # Enough loans that the runs' statements overlap.
    loans = _loans(org, 40, drawn=today - timedelta(days=60), due=today - timedelta(days=5))
    results = run_together("loans.tasks.loan_classify_nightly", today=today.isoformat())
    assert sorted(results) == [0] * (RUNS - 1) + [len(loans)]
    assert ClassChange.objects.count() == len(loans)
    assert set(Loan.objects.values_list("risk_class", flat=True)) == {1}


def test_settlement_runs_at_once_settle_each_loan_once(org):
    from datetime import date

    loans = _loans(org, drawn=date(2028, 1, 2), due=date(2028, 12, 1))
    results = run_together("loans.tasks.interest_settle_due", today="2028-03-21")
    assert sorted(results) == [0] * (RUNS - 1) + [len(loans)]
    # 100 × 79 days × 4.35% / 360 = 0.9545… → 0.95, once per loan.
    assert set(Loan.objects.values_list("interest_due", flat=True)) == {Decimal("0.95")}
    run = SettlementRun.objects.get(settle_date=date(2028, 3, 20))
    assert run.loan_count == len(loans) and run.interest_total == Decimal("2.85")


def test_reminder_runs_at_once_queue_each_reminder_once(org):
    today = timezone.localdate()
    loans = _loans(org, drawn=today - timedelta(days=10), due=today + timedelta(days=7))
    results = run_together("loans.tasks.drawdown_due_reminders", today=today.isoformat())
    assert sum(results) == len(loans)
    assert SmsMessage.objects.count() == len(loans)


def test_notice_end_runs_at_once_end_each_notice_once(org):
    from ratings.notices import services as notices
    from ratings.tests.factories import S, application

    app = application(org, status=S.LINE_SET)
    batch = notices.batch_create_draft(
        village=app.village, actor=org.officer1, period_days=7, applications=[app]
    )
    notices.batch_publish(
        batch=batch, actor=org.officer1, today=timezone.localdate() - timedelta(days=10)
    )
    results = run_together("ratings.notices.tasks.notice_end_expired")
    assert sum(results) == 1
    assert AuditLog.objects.filter(action="notices.batch_end").count() == 1


@pytest.fixture
def late_objection(org):
    """An objection filed 40 days ago on a notice, still not dealt with."""
    from ratings.notices import services as notices
    from ratings.tests.factories import S, application

    app = application(org, status=S.LINE_SET)
    batch = notices.batch_create_draft(
        village=app.village, actor=org.officer1, period_days=7, applications=[app]
    )
    batch = notices.batch_publish(
        batch=batch, actor=org.officer1, today=timezone.localdate() - timedelta(days=42)
    )
    return notices.objection_file(
        batch=batch,
        entry=batch.entries.get(),
        text="该户另有外债",
        now=timezone.now() - timedelta(days=40),
    )


def test_overdue_flag_runs_at_once_flag_each_objection_once(org, late_objection):
    from ratings.notices.models import ObjectionEvent

    results = run_together("ratings.notices.tasks.objection_flag_overdue")
    assert sum(results) == 1
    assert ObjectionEvent.objects.filter(objection=late_objection, action="overdue").count() == 1


def test_deadline_sweep_runs_at_once_do_the_work_once(org, late_objection):
    results = run_together("creditcoop.servicehall.tasks.deadline_sweep")
    assert sum(_did_work(r) for r in results) == 1, results


def test_outbox_runs_at_once_send_each_message_once(org, settings):
    settings.SMS_BACKEND = f"{__name__}.CountingBackend"
    SENT.clear()
    for i in range(5):
        SmsMessage.objects.create(phone="13800138000", text="测试", dedupe_key=f"t:{i}")
    results = run_together("creditcoop.tasks.sms_outbox_send")
    assert sum(results) == 5
    assert sorted(SENT) == [f"t:{i}" for i in range(5)]
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {"sent"}
