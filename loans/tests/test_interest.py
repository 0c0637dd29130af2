"""Golden interest cases: figures computed by hand (daily rate = annual rate ÷ 360).

Contract rate: LPR 3.10% + 125 bp = 4.35%; penalty rate +50% = 6.525%.
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
    run = services.interest_settle(today=date(2028, 3, 20))
    loan.refresh_from_db()
    assert run.settle_date == date(2028, 3, 20)
    assert loan.interest_due == Decimal("109.96")
    assert loan.interest_due_since == date(2028, 3, 20)
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
    services.interest_settle(today=date(2028, 6, 20))
    loan.refresh_from_db()
    assert loan.interest_due == Decimal("62.07")
    assert loan.penalty_due == Decimal("0.00")

    # Due 2028-06-21, not repaid. 2028-09-20: days 06-21 … 09-20 = 10 + 31 + 31 + 20 = 92,
    # all overdue: (7,134.53 principal + 62.07 unpaid interest) × 92 × 0.06525 / 360
    # = 662,087.20 × 0.06525 / 360 = 120.0033… → 120.00
    services.interest_settle(today=date(2028, 9, 20))
    loan.refresh_from_db()
    assert loan.interest_due == Decimal("62.07")
    assert loan.penalty_due == Decimal("120.00")

    # 92 days since the interest of 06-20 fell due → more than 90 → 次级.
    services.loans_classify(today=date(2028, 9, 20))
    loan.refresh_from_db()
    assert loan.risk_class == RiskClass.SUBSTANDARD

    # 2028-12-20: days 09-21 … 12-20 = 10 + 31 + 30 + 20 = 91:
    # 7,196.60 × 91 × 0.06525 / 360 = 118.6989… → 118.70 (penalty itself does not compound)
    services.interest_settle(today=date(2028, 12, 20))
    loan.refresh_from_db()
    assert loan.penalty_due == Decimal("238.70")
    assert loan.total_due == Decimal("7435.30")

    # Paying it all the next day: nothing more accrued for 12-21 before payment.
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
    services.interest_settle(today=date(2028, 3, 20))
    # 10,000 × 80 days (Jan 31 + Feb 29 + Mar 20) × 0.0435 / 360 = 96.666… → 96.67
    services.interest_settle(today=date(2028, 3, 20))
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
    services.interest_settle(today=date(2028, 3, 20))
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
