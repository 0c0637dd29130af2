"""Golden interest cases: figures computed by hand (daily rate = annual rate ÷ 360).

Contract rate: LPR 3.10% + 125 bp = 4.35%; penalty rate +50% = 6.525%.
The settlement of the 20th runs the next morning (the 21st), once that counter day is over.
"""

from datetime import date
from decimal import Decimal

import pytest

from loans import interest, services
from loans.models import Loan, LoanSettings, RiskClass, SettlementRun
from loans.tests import factories as lf

pytestmark = pytest.mark.django_db


def _loan(org, *, drawn, due, amount="10000.00"):
    c = lf.contract(org, signed_on=date(2027, 12, 1), today=date(2027, 12, 1))
    return lf.draw(org, c, amount, today=drawn, due_date=due)


def test_full_year_with_leap_day_settlements_partial_repayment_and_overdue(org):
    loan = _loan(org, drawn=date(2027, 12, 21), due=date(2028, 6, 21))
    assert loan.annual_rate == Decimal("0.043500")
    assert loan.penalty_rate == Decimal("0.065250")

    # 2028-03-20: days 2027-12-21 … 2028-03-20 = 11 + 31 + 29 (leap Feb) + 20 = 91.
    # 10,000 × 91 × 0.0435 / 360 = 109.958… → 109.96
    run = services.interest_settle(today=date(2028, 3, 21))
    loan.refresh_from_db()
    assert run.settle_date == date(2028, 3, 20)
    assert loan.interest_due == Decimal("109.96")
    assert loan.interest_due_since == date(2028, 3, 21)  # payable on the 21st (付息日)
    assert loan.penalty_due == Decimal("0.00")

    # Partial repayment of 3,000 on 2028-04-10: days 03-21 … 04-09 = 20.
    # interest 10,000 × 20 × 0.0435 / 360 = 24.1666… → 24.17
    # compound on the unpaid 109.96: 109.96 × 20 × 0.06525 / 360 = 0.3986… → 0.40
    # split: penalty 0.40, interest 109.96 + 24.17 = 134.13, principal 2,865.47
    r = lf.repay(org, loan, "3000.00", paid_on=date(2028, 4, 10))
    assert (r.to_penalty, r.to_interest, r.to_principal) == (
        Decimal("0.40"),
        Decimal("134.13"),
        Decimal("2865.47"),
    )
    loan.refresh_from_db()
    assert loan.principal == Decimal("7134.53")
    assert loan.interest_due == Decimal("0.00") and loan.interest_due_since is None
    assert loan.contract.outstanding == Decimal("7134.53")

    # 2028-06-20: days 04-10 … 06-20 = 21 + 31 + 20 = 72 (all before the due date).
    # 7,134.53 × 72 × 0.0435 / 360 = 62.0704… → 62.07
    services.interest_settle(today=date(2028, 6, 21))
    loan.refresh_from_db()
    assert loan.interest_due == Decimal("62.07")
    assert loan.penalty_due == Decimal("0.00")

    # Due 2028-06-21, not repaid. 2028-09-20: days 06-21 … 09-20 = 10 + 31 + 31 + 20 = 92,
    # all overdue: (7,134.53 principal + 62.07 unpaid interest) × 92 × 0.06525 / 360
    # = 662,087.20 × 0.06525 / 360 = 120.0033… → 120.00
    services.interest_settle(today=date(2028, 9, 21))
    loan.refresh_from_db()
    assert loan.interest_due == Decimal("62.07")
    assert loan.penalty_due == Decimal("120.00")

    # 92 days since the principal and the interest of 06-20 fell due on 06-21 → 次级.
    services.loans_classify(today=date(2028, 9, 21))
    loan.refresh_from_db()
    assert loan.risk_class == RiskClass.SUBSTANDARD

    # 2028-12-20: days 09-21 … 12-20 = 10 + 31 + 30 + 20 = 91:
    # 7,196.60 × 91 × 0.06525 / 360 = 118.6989… → 118.70 (penalty itself does not compound)
    services.interest_settle(today=date(2028, 12, 21))
    loan.refresh_from_db()
    assert loan.penalty_due == Decimal("238.70")
    assert loan.total_due == Decimal("7435.30")

    # Paying it all on 12-21, after the morning's settlement: nothing more accrued.
    r = lf.repay(org, loan, "7435.30", paid_on=date(2028, 12, 21))
    loan.refresh_from_db()
    assert loan.status == Loan.Status.CLOSED
    assert (r.to_penalty, r.to_interest, r.to_principal) == (
        Decimal("238.70"),
        Decimal("62.07"),
        Decimal("7134.53"),
    )
    assert loan.contract.outstanding == Decimal("0.00")
    assert loan.interest_paid == Decimal("196.20")  # 134.13 + 62.07


def test_settlement_twice_adds_nothing(org):
    loan = _loan(org, drawn=date(2028, 1, 1), due=date(2028, 12, 1))
    services.interest_settle(today=date(2028, 3, 21))
    # 10,000 × 80 days (Jan 31 + Feb 29 + Mar 20) × 0.0435 / 360 = 96.666… → 96.67
    services.interest_settle(today=date(2028, 3, 21))
    services.interest_settle(today=date(2028, 3, 25))  # the daily job later that week
    loan.refresh_from_db()
    assert loan.interest_due == Decimal("96.67")
    run = SettlementRun.objects.get(settle_date=date(2028, 3, 20))
    assert run.loan_count == 1 and run.interest_total == Decimal("96.67")


def test_settlement_sql_and_python_agree_to_the_fen(org):
    """The counter's settlement (Python) and the quarterly job (SQL) round the same way."""
    loans = [
        _loan(org, drawn=date(2028, 1, 5), due=date(2028, 2, 10), amount=a)
        for a in ("3333.33", "12345.67", "999.99")
    ]
    for loan in loans:
        expected = Loan.objects.get(pk=loan.pk)
        interest.loan_accrue_to(expected, date(2028, 3, 21))
        interest.loan_settle(expected, date(2028, 3, 20))
        loan.expected = (expected.interest_due, expected.penalty_due)
    services.interest_settle(today=date(2028, 3, 21))
    for loan in loans:
        loan.refresh_from_db()
        assert (loan.interest_due, loan.penalty_due) == loan.expected
    # 3,333.33 × 36 days (01-05 … 02-09) × 0.0435 / 360 = 14.4999… → 14.50;
    # overdue 02-10 … 03-20 = 40 days: 3,333.33 × 40 × 0.06525 / 360 = 24.1666… → 24.17
    assert loans[0].expected == (Decimal("14.50"), Decimal("24.17"))


def test_penalty_markup_is_configurable_between_30_and_50_percent(org):
    s = LoanSettings.current()
    s.penalty_markup = Decimal("0.30")
    s.save()
    loan = _loan(org, drawn=date(2028, 1, 1), due=date(2028, 2, 1))
    assert loan.penalty_rate == Decimal("0.056550")  # 4.35% × 1.3
    from django.db import IntegrityError, transaction

    s.penalty_markup = Decimal("0.60")
    with pytest.raises(IntegrityError), transaction.atomic():
        s.save()


def test_quarter_dates():
    assert interest.settle_date_on_or_before(date(2028, 3, 19)) == date(2027, 12, 20)
    assert interest.settle_date_on_or_before(date(2028, 3, 20)) == date(2028, 3, 20)
    assert interest.settle_date_on_or_before(date(2028, 12, 31)) == date(2028, 12, 20)
    assert interest.add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert interest.add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)


def test_repayment_on_the_settlement_day_after_the_morning_job(org):
    """The 20th is an ordinary counter day: the job that ran that morning left it alone, a
    repayment settles to the day, and the next morning's run does not bill that loan again."""
    from loans.tasks import interest_settle_due

    repaid = _loan(org, drawn=date(2028, 1, 2), due=date(2028, 12, 1))
    untouched = _loan(org, drawn=date(2028, 1, 2), due=date(2028, 12, 1))

    assert interest_settle_due(today="2028-03-20") == 0  # the 02:00-ish run of the 20th
    repaid.refresh_from_db()
    assert repaid.accrued_through == date(2028, 1, 2) and repaid.interest_due == Decimal("0.00")

    # 1,000 paid on 03-20: interest for 01-02 … 03-19 = 78 days:
    # 10,000 × 78 × 0.0435 / 360 = 94.25; the rest repays principal.
    r = lf.repay(org, repaid, "1000.00", paid_on=date(2028, 3, 20))
    assert (r.to_penalty, r.to_interest, r.to_principal) == (
        Decimal("0.00"),
        Decimal("94.25"),
        Decimal("905.75"),
    )
    repaid.refresh_from_db()
    assert repaid.principal == Decimal("9094.25") and repaid.interest_due == Decimal("0.00")
    assert repaid.contract.outstanding == Decimal("9094.25")

    # The morning of the 21st: the untouched loan is settled through the 20th (79 days:
    # 10,000 × 79 × 0.0435 / 360 = 95.458… → 95.46), payable that day; the loan repaid on
    # the 20th owes no one-day remainder.
    assert interest_settle_due(today="2028-03-21") == 1
    assert interest_settle_due(today="2028-03-21") == 0  # safe twice
    repaid.refresh_from_db()
    untouched.refresh_from_db()
    assert untouched.interest_due == Decimal("95.46")
    assert untouched.interest_due_since == date(2028, 3, 21)
    assert repaid.interest_due == Decimal("0.00") and repaid.accrued_through == date(2028, 3, 20)

    # The settlement day itself runs on into the next quarter: 03-20 … 06-20 = 93 days on
    # 9,094.25: 9,094.25 × 93 × 0.0435 / 360 = 102.196… → 102.20.
    services.interest_settle(today=date(2028, 6, 21))
    repaid.refresh_from_db()
    assert repaid.interest_due == Decimal("102.20")
    assert repaid.last_settled_on == date(2028, 6, 20)


def test_settled_interest_is_not_overdue_on_its_payment_day(org):
    """Interest settled for the 20th is payable on the 21st: not overdue that day, 关注 from
    the 22nd when still unpaid (any overdue → 关注)."""
    loan = _loan(org, drawn=date(2028, 1, 2), due=date(2028, 12, 1))
    services.interest_settle(today=date(2028, 3, 21))
    services.loans_classify(today=date(2028, 3, 21))
    loan.refresh_from_db()
    assert loan.interest_due == Decimal("95.46")
    assert loan.risk_class == RiskClass.NORMAL
    assert not loan.class_changes.exists()

    services.loans_classify(today=date(2028, 3, 22))
    loan.refresh_from_db()
    assert loan.risk_class == RiskClass.WATCH
    change = loan.class_changes.get()
    assert (change.changed_on, change.days_overdue) == (date(2028, 3, 22), 1)


def test_settlement_waits_until_the_settlement_day_is_over(org):
    loan = _loan(org, drawn=date(2028, 1, 2), due=date(2028, 12, 1))
    run = services.interest_settle(today=date(2028, 3, 20))
    assert run.settle_date == date(2027, 12, 20) and run.loan_count == 0
    loan.refresh_from_db()
    assert loan.interest_due == Decimal("0.00") and loan.last_settled_on is None


def test_the_settlement_task_settles_once_and_only_the_latest_ended_date(org):
    from loans.tasks import interest_settle_due

    loan = _loan(org, drawn=date(2028, 1, 2), due=date(2028, 12, 1))
    # Days between settlement dates find nothing to settle.
    assert interest_settle_due(today="2028-03-10") == 0
    assert interest_settle_due(today="2028-03-20") == 0
    assert interest_settle_due(today="2028-03-21") == 1
    assert interest_settle_due(today="2028-03-21") == 0
    assert interest_settle_due(today="2028-04-15") == 0
    loan.refresh_from_db()
    assert loan.interest_due == Decimal("95.46")
    run = SettlementRun.objects.get(settle_date=date(2028, 3, 20))
    assert run.loan_count == 1 and run.interest_total == Decimal("95.46")
    assert not SettlementRun.objects.filter(settle_date=date(2028, 6, 20)).exists()
    # A run missed on the 21st is caught up later in the quarter.
    assert interest_settle_due(today="2028-06-25") == 1
    loan.refresh_from_db()
    assert loan.last_settled_on == date(2028, 6, 20)


def test_periodic_jobs_are_scheduled():
    import importlib

    from django.conf import settings

    schedule = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    for task in (
        "loans.tasks.interest_settle_due",
        "loans.tasks.loan_classify_nightly",
        "loans.tasks.drawdown_due_reminders",
        "creditcoop.tasks.sms_outbox_send",
    ):
        assert task in schedule, task
        module, name = task.rsplit(".", 1)
        assert getattr(importlib.import_module(module), name).name == task
    settle = schedule["loans.tasks.interest_settle_due"]
    classify = schedule["loans.tasks.loan_classify_nightly"]
    # Daily, and the settlement before the classification so the night's class sees it.
    assert settle.day_of_month == set(range(1, 32))
    assert (min(settle.hour), min(settle.minute)) < (min(classify.hour), min(classify.minute))


def test_loan_drawn_on_the_settlement_day_is_billed_that_day_in_its_quarter(org):
    """10,000 at 6.12% (3.10% + 302 bp) drawn on 20 March: 10,000 × 1 × 0.0612 / 360 = 1.70
    in the March settlement; June bills 03-21 … 06-20 = 92 days: 156.40."""
    terms = services.GrantTerms(lpr_rate=lf.LPR, basis_points=302)
    c = lf.contract(org, signed_on=date(2027, 12, 1), today=date(2027, 12, 1), terms=terms)
    assert c.annual_rate == Decimal("0.061200")
    loan = lf.draw(org, c, "10000.00", today=date(2028, 3, 20), due_date=date(2028, 12, 1))
    expected = Loan.objects.get(pk=loan.pk)
    interest.loan_accrue_to(expected, date(2028, 3, 21))
    interest.loan_settle(expected, date(2028, 3, 20))
    assert expected.interest_due == Decimal("1.70")

    assert services.interest_settle(today=date(2028, 3, 21)).settled_now == 1
    loan.refresh_from_db()
    assert loan.interest_due == expected.interest_due == Decimal("1.70")
    assert loan.last_settled_on == date(2028, 3, 20)
    assert loan.accrued_through == date(2028, 3, 21)
    assert services.interest_settle(today=date(2028, 3, 22)).settled_now == 0
    lf.repay(org, loan, "1.70", paid_on=date(2028, 3, 21))
    services.interest_settle(today=date(2028, 6, 21))
    loan.refresh_from_db()
    assert loan.interest_due == Decimal("156.40")


def test_settlement_after_a_three_day_outage_settles_the_quarter_once(org):
    loan = _loan(org, drawn=date(2028, 1, 2), due=date(2028, 12, 1))
    # Down from the 20th to the 23rd: the first run, on the 24th, settles 03-20 (79 days).
    assert services.interest_settle(today=date(2028, 3, 24)).settled_now == 1
    assert services.interest_settle(today=date(2028, 3, 25)).settled_now == 0
    loan.refresh_from_db()
    assert loan.interest_due == Decimal("95.46") and loan.last_settled_on == date(2028, 3, 20)


def test_settlement_dates_missed_during_a_long_outage_are_each_settled_once(org):
    """Down from 03-19 to 06-24: the run of 06-25 settles March first (79 days, 95.46,
    payable 03-21) and then June, where the unpaid March interest bears compound interest:
    normal 10,000 × 92 × 0.0435 / 360 = 111.17; compound 95.46 × 92 × 0.06525 / 360 = 1.59."""
    loan = _loan(org, drawn=date(2028, 1, 2), due=date(2028, 12, 1))
    assert services.interest_settle(today=date(2028, 6, 25)).settled_now == 2
    assert services.interest_settle(today=date(2028, 6, 26)).settled_now == 0
    loan.refresh_from_db()
    assert loan.interest_due == Decimal("206.63") and loan.penalty_due == Decimal("1.59")
    assert loan.interest_due_since == date(2028, 3, 21)
    runs = dict(SettlementRun.objects.values_list("settle_date", "loan_count"))
    assert runs[date(2028, 3, 20)] == 1 and runs[date(2028, 6, 20)] == 1
    # A year down: every quarter in between is settled in turn, each once.
    services.interest_settle(today=date(2029, 6, 22))
    loan.refresh_from_db()
    assert loan.last_settled_on == date(2029, 6, 20)
    assert SettlementRun.objects.filter(loan_count=1).count() == 6
