"""The lending monthly figures against loans, repayments and class changes built here."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from creditcoop.reporting.tests.helpers import D, before_month, take, today
from loans.models import ClassChange, CreditContract, Loan, Repayment
from loans.tests import factories as lf

pytestmark = pytest.mark.django_db


def a_contract(org, line, *, group=None, **fields):
    c = lf.contract(org, group=group or org.group_a1)
    CreditContract.objects.filter(pk=c.pk).update(line=Decimal(line), **fields)
    return c


def a_loan(org, contract, amount, principal, *, drawn_on, risk_class=0, status="open"):
    return Loan.objects.create(
        number=f"JJ{uuid.uuid4().hex[:12]}",
        contract=contract,
        amount=D(amount),
        principal=D(principal),
        drawn_on=drawn_on,
        due_date=drawn_on + timedelta(days=180),
        annual_rate=Decimal("0.0435"),
        penalty_rate=Decimal("0.06525"),
        accrued_through=drawn_on,
        risk_class=risk_class,
        status=status,
        teller=org.teller,
        idempotency_key=uuid.uuid4(),
    )


def a_repayment(org, loan, amount, *, interest=0, paid_on, reversed_=False):
    return Repayment.objects.create(
        receipt_number=f"SJ{uuid.uuid4().hex[:12]}",
        loan=loan,
        paid_on=paid_on,
        amount=D(amount),
        to_penalty=D(0),
        to_interest=D(interest),
        to_principal=D(amount) - D(interest),
        principal_after=D(0),
        teller=org.teller,
        idempotency_key=uuid.uuid4(),
        loan_revision_after=2,
        reversed_at=timezone.now() if reversed_ else None,
        reversal_reason="输错金额" if reversed_ else "",
    )


def change(loan, on, from_class, to_class):
    ClassChange.objects.create(loan=loan, changed_on=on, from_class=from_class, to_class=to_class)


@pytest.fixture
def book(org):
    """Three villages' lines, loans of several classes, repayments and class changes: this
    month's on today, the month before's on its last day."""
    day, prev = today(), before_month(today())
    c1 = a_contract(org, "20000", outstanding=D(12100))
    c2 = a_contract(org, "30000", outstanding=D(6000))
    c3 = a_contract(org, "10000", group=org.group_a2)
    c4 = a_contract(org, "50000", outstanding=D(5000))
    CreditContract.objects.filter(pk=c4.pk).update(cooperative=org.coop_b, village=org.village_b1)
    # Not in force: a closed contract, and an active one whose term has ended.
    a_contract(org, "9000", status="closed")
    a_contract(org, "15000", start_date=day - timedelta(days=800), end_date=day - timedelta(days=1))

    l1 = a_loan(org, c1, 8000, 7100, drawn_on=day, risk_class=2)
    l2 = a_loan(org, c1, 5000, 5000, drawn_on=prev, risk_class=1)
    l3 = a_loan(org, c2, 6000, 6000, drawn_on=prev, risk_class=2)
    l4 = a_loan(org, c3, 4000, 0, drawn_on=day, status="closed")
    l5 = a_loan(org, c4, 7000, 5000, drawn_on=day, risk_class=3)
    a_loan(org, c1, 3000, 0, drawn_on=prev, status="closed")

    a_repayment(org, l1, 1000, interest=100, paid_on=day)
    a_repayment(org, l1, 700, paid_on=day, reversed_=True)
    a_repayment(org, l2, 500, paid_on=prev)
    a_repayment(org, l4, 4000, paid_on=day)
    a_repayment(org, l5, 2000, paid_on=day)

    change(l1, day, 0, 1)
    change(l1, day, 1, 2)  # 0 → 2 in the month
    change(l2, day, 1, 2)
    change(l2, day, 2, 1)  # back where it started: not counted
    change(l3, prev, 0, 1)  # last month
    change(l3, day, 1, 2)  # 1 → 2
    change(l5, day, 2, 3)
    return org


def test_lines_in_force_per_village(book):
    org = book
    got = take(None, "households_credit", "line_total", "line_used")
    a1, a2, b1 = org.village_a1.pk, org.village_a2.pk, org.village_b1.pk
    A, B = org.coop_a.pk, org.coop_b.pk
    assert got == {
        (A, a1, "households_credit", ""): D(2),
        (A, a1, "line_total", ""): D("50000.00"),
        (A, a1, "line_used", ""): D("18100.00"),
        (A, a2, "households_credit", ""): D(1),
        (A, a2, "line_total", ""): D("10000.00"),
        # line_used 0 in village A2 is not stored
        (B, b1, "households_credit", ""): D(1),
        (B, b1, "line_total", ""): D("50000.00"),
        (B, b1, "line_used", ""): D("5000.00"),
    }


def test_open_loans_by_five_level_class(book):
    org = book
    got = take(None, "class_count", "class_balance")
    a1, b1 = org.village_a1.pk, org.village_b1.pk
    A, B = org.coop_a.pk, org.coop_b.pk
    assert got == {
        (A, a1, "class_balance", "1"): D("5000.00"),
        (A, a1, "class_balance", "2"): D("13100.00"),
        (A, a1, "class_count", "1"): D(1),
        (A, a1, "class_count", "2"): D(2),
        (B, b1, "class_balance", "3"): D("5000.00"),
        (B, b1, "class_count", "3"): D(1),
    }


def test_drawdowns_and_repayments_of_the_month(book):
    org = book
    got = take(
        None,
        "drawdowns_count",
        "drawdowns_amount",
        "repayments_count",
        "repayments_amount",
        "repayments_principal",
    )
    a1, a2, b1 = org.village_a1.pk, org.village_a2.pk, org.village_b1.pk
    A, B = org.coop_a.pk, org.coop_b.pk
    assert got == {
        # Last month's drawdowns and repayment, and the reversed repayment, are not counted.
        (A, a1, "drawdowns_amount", ""): D("8000.00"),
        (A, a1, "drawdowns_count", ""): D(1),
        (A, a1, "repayments_amount", ""): D("1000.00"),
        (A, a1, "repayments_count", ""): D(1),
        (A, a1, "repayments_principal", ""): D("900.00"),
        (A, a2, "drawdowns_amount", ""): D("4000.00"),
        (A, a2, "drawdowns_count", ""): D(1),
        (A, a2, "repayments_amount", ""): D("4000.00"),
        (A, a2, "repayments_count", ""): D(1),
        (A, a2, "repayments_principal", ""): D("4000.00"),
        (B, b1, "drawdowns_amount", ""): D("7000.00"),
        (B, b1, "drawdowns_count", ""): D(1),
        (B, b1, "repayments_amount", ""): D("2000.00"),
        (B, b1, "repayments_count", ""): D(1),
        (B, b1, "repayments_principal", ""): D("2000.00"),
    }


def test_class_migration_from_first_to_last_change_of_the_month(book):
    org = book
    got = take(None, "migration_count", "migration_balance")
    a1, b1 = org.village_a1.pk, org.village_b1.pk
    A, B = org.coop_a.pk, org.coop_b.pk
    assert got == {
        (A, a1, "migration_balance", "0-2"): D("7100.00"),
        (A, a1, "migration_balance", "1-2"): D("6000.00"),
        (A, a1, "migration_count", "0-2"): D(1),
        (A, a1, "migration_count", "1-2"): D(1),
        (B, b1, "migration_balance", "2-3"): D("5000.00"),
        (B, b1, "migration_count", "2-3"): D(1),
    }


def test_last_month_keeps_its_own_flows(book):
    """Taken for last month (the first run after its end), the month before's drawdowns,
    repayment and change are its own."""
    org = book
    from creditcoop.reporting.snapshot import figures_take
    from creditcoop.reporting.tests.helpers import taken

    prev = before_month(today())
    figures_take(today=prev)  # the month was taken while it ran
    got = taken(prev, "drawdowns_count", "drawdowns_amount", "repayments_amount", "migration_count")
    A, a1 = org.coop_a.pk, org.village_a1.pk
    assert got == {
        (A, a1, "drawdowns_amount", ""): D("14000.00"),
        (A, a1, "drawdowns_count", ""): D(3),
        (A, a1, "repayments_amount", ""): D("500.00"),
        (A, a1, "migration_count", "0-1"): D(1),
    }
