"""One family credit check at rating, granting and the counter (issue: NPLs were ignored).

A member of the household has a loan at the cooperative classed 次级: the household is
refused at the investigation, at granting (one household or the village's concentrated
granting) and at the counter, each time with the same reason naming the member and loan.
"""

import uuid
from datetime import date

import pytest

from loans import services
from loans.models import CreditContract, LoanCertificate, RiskClass
from loans.services import DrawdownRefused, LoanError
from loans.tests import factories as lf
from ratings.models import CreditApplication
from ratings.tests.factories import application, household
from villages.credit import family_credit_problem
from villages.models import Member

pytestmark = pytest.mark.django_db
S = CreditApplication.Status


@pytest.fixture
def npl(org):
    """Zhao Yun's own loan, drawn on her old household's contract, classed 次级."""
    other = lf.contract(org, signed_on=date(2027, 1, 4), today=date(2027, 1, 4))
    loan = lf.draw(org, other, "1000", today=date(2027, 1, 5), due_date=date(2027, 2, 5))
    services.loans_classify(today=date(2027, 5, 10))  # 94 days overdue
    loan.refresh_from_db()
    assert loan.risk_class == RiskClass.SUBSTANDARD
    return loan


def _move_in(npl, household):
    """The borrower of the bad loan marries into `household` (her loan stays where it was)."""
    member = npl.contract.borrower
    Member.objects.filter(pk=member.pk).update(household=household, relation="spouse")
    return member


def _says_npl(message, npl, member):
    return (
        "不良贷款" in message
        and member.name in message
        and npl.number in message
        and ("次级" in message)
    )


def test_the_investigation_refuses_the_household(org, npl):
    h = household(org.group_a1, spouse=False)
    member = _move_in(npl, h)
    app = application(org, status=S.INITIAL, h=h)
    assert app.status == S.REJECTED
    assert app.rejection_reason.startswith("家庭信用核查未通过：")
    assert _says_npl(app.rejection_reason, npl, member)
    assert "均无不良信用记录" not in app.history_note
    assert app.events.filter(action="history_block").exists()


def test_granting_refuses_the_household(org, npl):
    app = lf.passed_application(org)  # rated and noticed before she moved in
    member = _move_in(npl, app.household)
    with pytest.raises(LoanError) as exc:
        lf.contract(org, app=app, signed_on=date(2027, 5, 11), today=date(2027, 5, 11))
    assert _says_npl(str(exc.value), npl, member)
    assert not CreditContract.objects.filter(application=app).exists()
    assert not LoanCertificate.objects.filter(contract__application=app).exists()


def test_concentrated_granting_lists_the_household_with_the_reason(org, npl):
    app = lf.passed_application(org)
    member = _move_in(npl, app.household)
    batch = services.village_credit_grant(
        village=app.village,
        actor=org.director,
        officer=app.village.officer,
        signed_on=date(2027, 5, 11),
        terms=lf.TERMS,
        present_ids=[app.pk],
        idempotency_key=uuid.uuid4(),
        today=date(2027, 5, 11),
    )
    assert batch.granted_count == 0
    [refusal] = [r for r in batch.refusals if r["application"] == app.pk]
    assert _says_npl(refusal["reason"], npl, member)


def test_rating_granting_and_the_counter_give_the_same_reason(org, npl):
    contract = lf.contract(org, signed_on=date(2027, 1, 4), today=date(2027, 1, 4))
    member = _move_in(npl, contract.household)
    problem = family_credit_problem(contract.household)
    assert problem is not None and problem.code == "npl"
    with pytest.raises(DrawdownRefused) as exc:
        lf.draw(org, contract, "500", today=date(2027, 5, 12), due_date=date(2027, 11, 1))
    assert exc.value.message == str(problem)
    assert _says_npl(exc.value.message, npl, member)
    # Paid off, the family may borrow again.
    from loans import selectors

    quote = selectors.loan_quote(npl, on=date(2027, 5, 13))
    lf.repay(org, npl, quote.total, paid_on=date(2027, 5, 13))
    assert family_credit_problem(contract.household) is None
