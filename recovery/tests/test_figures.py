"""The recovery monthly figures against register records, recoveries and baselines built
here (per cooperative)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from creditcoop.reporting.tests.helpers import D, take
from recovery.models import (
    NplRecord,
    RecoveryEntry,
    VintageScheme,
    VintageSegment,
    YearBaseline,
)

from .helpers import npl

pytestmark = pytest.mark.django_db
DAY = date(2026, 5, 20)
SPLIT = date(2004, 6, 1)


@pytest.fixture
def scheme():
    VintageScheme.objects.update(active=False)
    s = VintageScheme.objects.create(code="split", name="新老划段")
    old = VintageSegment.objects.create(scheme=s, name="老", ends_before=SPLIT)
    new = VintageSegment.objects.create(scheme=s, name="新", starts_on=SPLIT)
    return f"{s.pk}:{old.pk}", f"{s.pk}:{new.pk}"


def record(village, number, principal, drawn, expires_in, status="pursuing"):
    return npl(
        village,
        number=number,
        principal_owed=Decimal(principal),
        drawn_on=drawn,
        limitation_expires_on=DAY + timedelta(days=expires_in),
        status=status,
    )


def test_register_by_vintage_and_limitation_expiring(org, scheme):
    old, new = scheme
    a, b = org.village_a1, org.village_b1
    record(a, "A1", "15000", date(1998, 5, 1), 10)  # old, expires within 30
    record(a, "A2", "8000", date(2010, 1, 1), 45)  # new, within 60
    record(a, "A3", "2000", date(2012, 1, 1), 100)  # new, beyond 90
    record(a, "A4", "1000", date(1998, 5, 1), -1)  # old, already expired
    record(a, "A5", "0", date(2010, 1, 1), 5, status=NplRecord.Status.RECOVERED)
    record(b, "B1", "5000", date(2010, 1, 1), 80)  # new, within 90

    got = take(
        DAY,
        "npl_register_count",
        "npl_register_balance",
        "npl_vintage_count",
        "npl_vintage_balance",
        "limitation_expiring",
    )
    A, B = org.coop_a.pk, org.coop_b.pk
    assert got == {
        (A, None, "limitation_expiring", "30"): D(1),
        (A, None, "limitation_expiring", "60"): D(2),
        (A, None, "limitation_expiring", "90"): D(2),
        (A, None, "npl_register_balance", ""): D("26000.00"),
        (A, None, "npl_register_count", ""): D(4),
        (A, None, "npl_vintage_balance", new): D("10000.00"),
        (A, None, "npl_vintage_balance", old): D("16000.00"),
        (A, None, "npl_vintage_count", new): D(2),
        (A, None, "npl_vintage_count", old): D(2),
        (B, None, "limitation_expiring", "90"): D(1),
        (B, None, "npl_register_balance", ""): D("5000.00"),
        (B, None, "npl_register_count", ""): D(1),
        (B, None, "npl_vintage_balance", new): D("5000.00"),
        (B, None, "npl_vintage_count", new): D(1),
    }


def entry(rec, on, kind, principal, interest="0"):
    RecoveryEntry.objects.create(
        record=rec,
        cooperative=rec.cooperative,
        on=on,
        kind=kind,
        principal=Decimal(principal),
        interest=Decimal(interest),
    )


def test_recovered_in_the_month_and_year_against_the_baseline(org):
    a = record(org.village_a1, "A1", "15000", date(1998, 5, 1), 400)
    b = record(org.village_b1, "B1", "5000", date(2010, 1, 1), 400)
    entry(a, DAY, "cash", "3000", interest="200")
    entry(a, date(2026, 5, 1), "restructured", "1000")
    entry(a, date(2026, 2, 10), "cash", "500")  # this year, not this month
    entry(a, date(2025, 12, 31), "cash", "900")  # last year
    entry(b, date(2026, 5, 1), "cash", "700")
    YearBaseline.objects.create(
        cooperative=org.coop_a,
        year=2026,
        taken_on=date(2026, 1, 1),
        balance_0=Decimal("999"),
        balance_1=Decimal("888"),
        balance_2=Decimal("100"),
        balance_3=Decimal("200"),
        balance_4=Decimal("300"),
    )
    YearBaseline.objects.create(
        cooperative=org.coop_b, year=2025, taken_on=date(2025, 1, 1), balance_4=Decimal("50")
    )

    got = take(DAY, "recovered_amount", "recovered_year", "recovery_baseline")
    A, B = org.coop_a.pk, org.coop_b.pk
    assert got == {
        # Principal recovered (the interest is not counted).
        (A, None, "recovered_amount", ""): D("4000.00"),
        (A, None, "recovered_amount", "cash"): D("3000.00"),
        (A, None, "recovered_amount", "restructured"): D("1000.00"),
        (A, None, "recovered_year", ""): D("4500.00"),
        # 次级 + 可疑 + 损失 as the year began.
        (A, None, "recovery_baseline", ""): D("600.00"),
        (B, None, "recovered_amount", ""): D("700.00"),
        (B, None, "recovered_amount", "cash"): D("700.00"),
        (B, None, "recovered_year", ""): D("700.00"),
    }
