import pytest
from django.core.management import call_command

from loans.models import CreditContract, Loan, Repayment
from loans.tests import factories as lf
from ratings.models import CreditApplication
from ratings.tests.factories import application

pytestmark = pytest.mark.django_db


def test_demo_loans_grants_passed_notices_only_and_is_idempotent(org):
    passed = [lf.passed_application(org) for _ in range(3)]
    application(org, status=CreditApplication.Status.LINE_SET)  # no notice: left alone
    call_command("demo_loans")
    call_command("demo_loans")
    assert set(CreditContract.objects.values_list("application_id", flat=True)) == {
        a.pk for a in passed
    }
    assert Loan.objects.count() == 3
    assert Repayment.objects.count() == 1


def test_demo_loans_without_data_does_nothing(db, capsys):
    call_command("demo_loans")
    assert "跳过" in capsys.readouterr().out
