from datetime import date, timedelta

import pytest

from loans import selectors, services
from loans.models import ClassChange, LoanSettings, RiskClass
from loans.services import LoanError
from loans.tasks import loan_classify_nightly
from loans.tests import factories as lf

pytestmark = pytest.mark.django_db
DUE = date(2028, 1, 10)


@pytest.fixture
def loan(org):
    c = lf.contract(org, signed_on=date(2027, 6, 1), today=date(2027, 6, 1))
    return lf.draw(org, c, "8000", today=date(2027, 7, 1), due_date=DUE)


def org_officer(loan):
    return loan.contract.village.officer


def _class_on(loan, days):
    services.loans_classify(today=DUE + timedelta(days=days))
    loan.refresh_from_db()
    return loan.risk_class


@pytest.mark.parametrize(
    "days, expected",
    [
        (0, RiskClass.NORMAL),
        (1, RiskClass.WATCH),
        (90, RiskClass.WATCH),
        (91, RiskClass.SUBSTANDARD),
        (270, RiskClass.SUBSTANDARD),
        (271, RiskClass.DOUBTFUL),
        (360, RiskClass.DOUBTFUL),
        (361, RiskClass.LOSS),
    ],
)
def test_days_overdue_edges(loan, days, expected):
    assert _class_on(loan, days) == expected


def test_every_change_is_kept_with_its_date(loan):
    for days in (1, 2, 91, 92, 271, 361):
        loan_classify_nightly(today=(DUE + timedelta(days=days)).isoformat())
    rows = list(
        ClassChange.objects.filter(loan=loan).values_list(
            "changed_on", "from_class", "to_class", "days_overdue"
        )
    )
    assert rows == [
        (DUE + timedelta(days=1), 0, 1, 1),
        (DUE + timedelta(days=91), 1, 2, 91),
        (DUE + timedelta(days=271), 2, 3, 271),
        (DUE + timedelta(days=361), 3, 4, 361),
    ]


def test_thresholds_are_configurable(loan):
    s = LoanSettings.current()
    s.days_substandard = 60
    s.save()
    assert _class_on(loan, 61) == RiskClass.SUBSTANDARD


def test_watch_doubtful_and_loss_thresholds_are_configurable(loan):
    s = LoanSettings.current()
    s.days_watch, s.days_doubtful, s.days_loss = 30, 200, 300
    s.save()
    assert _class_on(loan, 30) == RiskClass.NORMAL
    assert _class_on(loan, 31) == RiskClass.WATCH
    assert _class_on(loan, 200) == RiskClass.SUBSTANDARD
    assert _class_on(loan, 201) == RiskClass.DOUBTFUL
    assert _class_on(loan, 300) == RiskClass.DOUBTFUL
    assert _class_on(loan, 301) == RiskClass.LOSS
    # The officer's floor follows the same thresholds.
    with pytest.raises(LoanError, match="至少为损失"):
        services.loan_classify_manual(
            loan=loan,
            actor=org_officer(loan),
            to_class=RiskClass.DOUBTFUL,
            reason="借款人承诺还款",
            today=DUE + timedelta(days=301),
        )


def test_thresholds_must_stay_in_order(loan):
    from django.db import IntegrityError, transaction

    s = LoanSettings.current()
    s.days_doubtful = 80  # not above 次级's 90
    with pytest.raises(IntegrityError, match="loansettings_days_ordered"):
        with transaction.atomic():
            s.save()


def test_unpaid_settled_interest_counts_as_overdue_and_paying_it_cures(org):
    c = lf.contract(org, signed_on=date(2028, 1, 2), today=date(2028, 1, 2))
    loan = lf.draw(org, c, "10000", today=date(2028, 1, 2), due_date=date(2028, 12, 1))
    services.interest_settle(today=date(2028, 3, 21))
    services.loans_classify(today=date(2028, 3, 21))
    loan.refresh_from_db()
    assert loan.risk_class == RiskClass.NORMAL  # payable today, not yet overdue
    services.loans_classify(today=date(2028, 3, 22))
    loan.refresh_from_db()
    assert loan.risk_class == RiskClass.WATCH
    quote = selectors.loan_quote(loan, on=date(2028, 3, 22))
    assert quote.interest > loan.interest_due  # two more days accrued
    lf.repay(org, loan, quote.interest + quote.penalty, paid_on=date(2028, 3, 22))
    services.loans_classify(today=date(2028, 3, 23))
    loan.refresh_from_db()
    assert loan.risk_class == RiskClass.NORMAL
    assert [ch.to_class for ch in loan.class_changes.all()] == [1, 0]


def test_officer_may_classify_worse_with_reason_never_better(org, loan):
    assert _class_on(loan, 100) == RiskClass.SUBSTANDARD
    today = DUE + timedelta(days=100)
    with pytest.raises(LoanError, match="至少为次级"):
        services.loan_classify_manual(
            loan=loan,
            actor=org.officer1,
            to_class=RiskClass.WATCH,
            reason="借款人已承诺还款",
            today=today,
        )
    with pytest.raises(LoanError, match="理由"):
        services.loan_classify_manual(
            loan=loan, actor=org.officer1, to_class=4, reason="", today=today
        )
    services.loan_classify_manual(
        loan=loan,
        actor=org.officer1,
        to_class=RiskClass.DOUBTFUL,
        reason="借款人外出务工失联",
        today=today,
    )
    loan.refresh_from_db()
    assert loan.risk_class == RiskClass.DOUBTFUL
    # the nightly run keeps the officer's worse class …
    assert _class_on(loan, 101) == RiskClass.DOUBTFUL
    # … and the rule still wins once it is worse still
    assert _class_on(loan, 361) == RiskClass.LOSS
    change = ClassChange.objects.filter(loan=loan, by=org.officer1).get()
    assert change.reason == "借款人外出务工失联" and change.changed_on == today


def test_other_officers_and_tellers_may_not_classify(org, loan):
    for actor in (org.officer2, org.teller, org.officer_b):
        with pytest.raises(LoanError):
            services.loan_classify_manual(
                loan=loan, actor=actor, to_class=4, reason="认定为损失类", today=DUE
            )
