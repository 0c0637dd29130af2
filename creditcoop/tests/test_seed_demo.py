"""`make run` seeds the demo once: running it again keeps the data as it is."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from creditcoop.models import AuditLog, FigureMonth, MonthlyFigure, Staff
from creditcoop.servicehall.models import Walkin
from loans.models import CreditContract, Loan, Repayment
from ratings.models import CreditApplication
from ratings.notices.models import NoticeBatch
from villages.models import Household, Member, Village

pytestmark = pytest.mark.django_db

MODELS = [
    Staff,
    Village,
    Household,
    Member,
    CreditApplication,
    NoticeBatch,
    CreditContract,
    Loan,
    Repayment,
    Walkin,
    AuditLog,
]


def counts():
    return {m._meta.label: m.objects.count() for m in MODELS}


def test_seeding_twice_loads_the_demo_once():
    # The real command, 2000 households and every stage's demo (about 10 s).
    first_out = StringIO()
    call_command("seed_demo_if_empty", stdout=first_out)
    after_first = counts()
    assert after_first["villages.Household"] == 2000
    for label in [
        "creditcoop.Staff",
        "ratings.CreditApplication",
        "notices.NoticeBatch",
        "loans.CreditContract",
        "loans.Repayment",
        "servicehall.Walkin",
    ]:
        assert after_first[label] > 0, label
    assert "O0101" in first_out.getvalue()  # the demo logins are printed
    # A year of monthly figures for the dashboards' trends, the running month included.
    assert FigureMonth.objects.filter(final=True).count() == 12
    assert FigureMonth.objects.filter(final=False).count() == 1
    assert (
        MonthlyFigure.objects.filter(metric="households").aggregate(n=Sum("value"))["n"]
        == 13 * 2000
    )

    second_out = StringIO()
    call_command("seed_demo_if_empty", stdout=second_out)
    assert counts() == after_first
    assert "数据库已有数据，跳过演示数据。" in second_out.getvalue()
    assert "O0101" in second_out.getvalue()  # and printed again
