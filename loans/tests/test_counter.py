"""The counter: every refusal is shown, recorded and reported; revolving use; idempotency."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from creditcoop.errors import DomainError
from creditcoop.models import AuditLog, Notification
from loans import selectors, services
from loans.models import (
    CounterRefusal,
    CreditContract,
    Loan,
    LoanCertificate,
    Repayment,
    RiskClass,
)
from loans.services import DrawdownRefused, LoanError
from loans.tests import factories as lf
from tests.factories import MemberFactory
from villages.models import BadCreditRecord, Member

pytestmark = pytest.mark.django_db
TODAY = date(2027, 3, 1)


@pytest.fixture
def contract(org):
    # Line 20,000 for 24 months from 2027-01-04.
    return lf.contract(org, signed_on=date(2027, 1, 4), today=date(2027, 1, 4))


def _refused(org, contract, reason, **kwargs):
    amount = kwargs.pop("amount", "1000")
    with pytest.raises(DrawdownRefused) as exc:
        lf.draw(org, contract, amount, today=kwargs.pop("today", TODAY), **kwargs)
    row = CounterRefusal.objects.order_by("-id").first()
    assert row.reason == reason and row.message == exc.value.message
    # reported to the director's inbox
    assert Notification.objects.filter(
        recipient=org.director, text__contains=exc.value.message
    ).exists()
    assert not Notification.objects.filter(recipient=org.director_b).exists()
    assert Loan.objects.count() == 0
    contract.refresh_from_db()
    assert contract.outstanding == Decimal("0.00")
    return exc.value.message


def test_drawdown_within_line(org, contract):
    loan = lf.draw(org, contract, "12000", today=TODAY, due_date=date(2027, 9, 1))
    contract.refresh_from_db()
    assert contract.outstanding == Decimal("12000.00") and contract.available == Decimal("8000.00")
    assert loan.principal == Decimal("12000.00") and loan.teller == org.teller


def test_seal_not_ticked_is_a_keying_slip_not_a_refusal_reported_to_the_director(org, contract):
    """Only refusals under the rules (identity, bad credit, over the line or term) are
    recorded and reported; an unticked seal box is sent back to the teller to correct."""
    with pytest.raises(LoanError, match="印章") as exc:
        lf.draw(org, contract, "1000", today=TODAY, seal_checked=False)
    assert not isinstance(exc.value, DrawdownRefused)
    assert not CounterRefusal.objects.exists()
    assert not Notification.objects.filter(recipient=org.director).exists()
    assert Loan.objects.count() == 0


def test_refused_unknown_certificate(org, contract):
    with pytest.raises(DrawdownRefused):
        services.loan_draw(
            teller=org.teller,
            certificate_number="DKZ0000",
            id_number=contract.borrower.id_number,
            seal_checked=True,
            amount=Decimal("100"),
            due_date=date(2027, 6, 1),
            idempotency_key=uuid.uuid4(),
            today=TODAY,
        )
    assert CounterRefusal.objects.get().reason == "certificate"


def test_refused_revoked_certificate(org, contract):
    contract.certificate.status = "revoked"
    contract.certificate.save()
    assert "已收回" in _refused(org, contract, "certificate")


def test_refused_when_id_does_not_match_certificate(org, contract):
    spouse = contract.household.members.exclude(relation="head").first()
    with pytest.raises(DrawdownRefused, match="不符"):
        services.loan_draw(
            teller=org.teller,
            certificate_number=contract.certificate.number,
            id_number=spouse.id_number,
            seal_checked=True,
            amount=Decimal("100"),
            due_date=date(2027, 6, 1),
            idempotency_key=uuid.uuid4(),
            today=TODAY,
        )
    assert CounterRefusal.objects.get().reason == "identity"
    assert Notification.objects.filter(recipient=org.director).exists()


def test_refused_when_line_expired(org, contract):
    assert "到期" in _refused(
        org, contract, "expired", today=date(2029, 1, 5), due_date=date(2029, 3, 1)
    )


def test_refused_over_available_balance(org, contract):
    lf.draw(org, contract, "15000", today=TODAY, due_date=date(2027, 9, 1))
    with pytest.raises(DrawdownRefused, match="超过可用额度 5,000.00 元"):
        lf.draw(org, contract, "5000.01", today=TODAY, due_date=date(2027, 9, 1))
    assert CounterRefusal.objects.get().reason == "over_limit"
    contract.refresh_from_db()
    assert contract.outstanding == Decimal("15000.00")


def test_refused_drawdown_longer_than_one_year(org, contract):
    assert "1 年" in _refused(org, contract, "term", due_date=date(2028, 3, 2))


def test_one_year_exactly_is_allowed(org, contract):
    lf.draw(org, contract, "100", today=TODAY, due_date=date(2028, 3, 1))


def test_refused_drawdown_beyond_the_line_end(org, contract):
    msg = _refused(org, contract, "term", today=date(2028, 6, 1), due_date=date(2029, 2, 1))
    assert "2029-01-04" in msg


@pytest.mark.parametrize("who", ["borrower", "family"])
def test_refused_when_borrower_or_family_blacklisted(org, contract, who):
    person = contract.borrower if who == "borrower" else MemberFactory(household=contract.household)
    BadCreditRecord.objects.create(id_number=person.id_number, name=person.name, kind="blacklist")
    assert "黑名单" in _refused(org, contract, "bad_record")


def _npl_loan(org, contract, borrower, *, meanwhile=None):
    """`borrower` draws on `contract` and the nightly classification makes the loan 次级
    (`meanwhile` runs between the drawdown and that classification)."""
    CreditContract.objects.filter(pk=contract.pk).update(borrower=borrower)
    LoanCertificate.objects.filter(contract=contract).update(holder=borrower)
    contract.refresh_from_db()
    loan = lf.draw(org, contract, "1000", today=date(2027, 1, 5), due_date=date(2027, 2, 5))
    if meanwhile:
        meanwhile()
    services.loans_classify(today=date(2027, 5, 10))  # 94 days overdue
    loan.refresh_from_db()
    assert loan.risk_class == RiskClass.SUBSTANDARD
    return loan


def _assert_refused_for_npl(org, contract, npl, member):
    with pytest.raises(DrawdownRefused, match="不良贷款") as exc:
        lf.draw(org, contract, "500", today=date(2027, 5, 12), due_date=date(2027, 11, 1))
    message = exc.value.message
    assert member.name in message and npl.number in message and "次级" in message
    row = CounterRefusal.objects.get()
    assert (row.reason, row.contract_id, row.message) == ("npl", contract.pk, message)
    assert row.certificate_number == contract.certificate.number
    note = Notification.objects.get(recipient=org.director)
    assert message in note.text and contract.certificate.number in note.text
    assert note.link == reverse("loans:refusal_list")
    assert not Notification.objects.filter(recipient=org.director_b).exists()
    assert list(Loan.objects.values_list("pk", flat=True)) == [npl.pk]
    contract.refresh_from_db()
    assert contract.outstanding == Decimal("0.00")


def test_refused_when_family_member_has_npl_on_an_earlier_household_contract(org):
    # The spouse signed the household's earlier contract and her loan went bad; that
    # contract was terminated (the loan handed to collection) and the head signed anew.
    earlier = lf.contract(org, signed_on=date(2027, 1, 4), today=date(2027, 1, 4))
    household = earlier.household
    spouse = household.members.get(relation="spouse")
    spouse.name = "钱秀英"
    spouse.save()
    granted = []

    def regrant():
        # Granted while her loan was overdue but not yet classed bad: a family with a
        # non-performing loan is refused at granting already.
        CreditContract.objects.filter(pk=earlier.pk).update(status="closed")
        LoanCertificate.objects.filter(contract=earlier).update(status="revoked")
        app = lf.passed_application(org, h=household)
        granted.append(
            lf.contract(org, app=app, signed_on=date(2027, 5, 7), today=date(2027, 5, 7))
        )

    npl = _npl_loan(org, earlier, spouse, meanwhile=regrant)
    [current] = granted
    assert current.borrower.relation == "head"

    _assert_refused_for_npl(org, current, npl, spouse)

    # Once the spouse's loan is paid off, the head may draw again.
    quote = selectors.loan_quote(npl, on=date(2027, 5, 13))
    lf.repay(org, npl, quote.total, paid_on=date(2027, 5, 13))
    loan = lf.draw(org, current, "500", today=date(2027, 5, 13), due_date=date(2027, 11, 1))
    assert loan.contract_id == current.pk


def test_refused_when_a_member_who_moved_in_has_npl_on_another_household(org, contract):
    other = lf.contract(org, signed_on=date(2027, 1, 4), today=date(2027, 1, 4))
    newcomer = other.borrower
    npl = _npl_loan(org, other, newcomer)
    # She married into the borrower's household; her old loan stays on her old contract.
    Member.objects.filter(pk=newcomer.pk).update(household=contract.household, relation="spouse")
    _assert_refused_for_npl(org, contract, npl, newcomer)


def test_refused_when_teller_approved_this_line(org, contract):
    from creditcoop.models import Role

    org.director.roles = [Role.DIRECTOR, Role.TELLER]
    org.director.save()
    assert "审贷分离" in _refused(org, contract, "separation", teller=org.director)


def test_double_submit_disburses_once(org, contract):
    key = uuid.uuid4()
    first = lf.draw(org, contract, "3000", today=TODAY, key=key)
    again = lf.draw(org, contract, "3000", today=TODAY, key=key)
    assert first.pk == again.pk
    contract.refresh_from_db()
    assert contract.outstanding == Decimal("3000.00")
    assert Loan.objects.count() == 1


def test_repeated_refused_submit_is_recorded_once(org, contract):
    key = uuid.uuid4()
    for _ in range(2):
        with pytest.raises(DrawdownRefused):
            lf.draw(org, contract, "99999", today=TODAY, key=key)
    assert CounterRefusal.objects.count() == 1


def test_revolving_use_repayment_frees_the_line(org, contract):
    loan = lf.draw(org, contract, "20000", today=TODAY, due_date=date(2027, 6, 1))
    with pytest.raises(DrawdownRefused):
        lf.draw(org, contract, "1", today=TODAY)
    # Repaid the same day: no interest, all to principal.
    r = lf.repay(org, loan, "6000", paid_on=TODAY)
    assert r.to_principal == Decimal("6000.00")
    lf.draw(org, contract, "6000", today=TODAY)
    contract.refresh_from_db()
    assert contract.outstanding == Decimal("20000.00")


def test_repayment_idempotent_and_receipt_unique(org, contract):
    loan = lf.draw(org, contract, "5000", today=TODAY)
    key = uuid.uuid4()
    a = lf.repay(org, loan, "1000", paid_on=TODAY, key=key)
    b = lf.repay(org, loan, "1000", paid_on=TODAY, key=key)
    c = lf.repay(org, loan, "1000", paid_on=TODAY)
    assert a.pk == b.pk and a.receipt_number != c.receipt_number
    loan.refresh_from_db()
    assert loan.principal == Decimal("3000.00")


def test_overpayment_refused_and_changes_nothing(org, contract):
    loan = lf.draw(org, contract, "5000", today=TODAY)
    with pytest.raises(LoanError, match="超过应还合计"):
        lf.repay(org, loan, "5000.01", paid_on=TODAY)
    assert Repayment.objects.count() == 0
    loan.refresh_from_db()
    assert loan.principal == Decimal("5000.00")


def test_reversal_restores_loan_and_line_and_keeps_the_receipt(org, contract):
    loan = lf.draw(org, contract, "5000", today=TODAY, due_date=date(2027, 12, 1))
    r = lf.repay(org, loan, "2000", paid_on=date(2027, 3, 31))  # 30 days of interest first
    assert r.to_interest == Decimal("18.13")  # 5,000 × 30 × 0.0435 / 360 = 18.125
    with pytest.raises(LoanError, match="原因"):
        services.repayment_reverse(
            repayment=r, actor=org.teller, reason="", authoriser=org.director
        )
    services.repayment_reverse(
        repayment=r, actor=org.teller, reason="金额录错", authoriser=org.director
    )
    loan.refresh_from_db()
    contract.refresh_from_db()
    assert loan.principal == Decimal("5000.00") and loan.interest_due == Decimal("0.00")
    assert loan.accrued_through == TODAY
    assert contract.outstanding == Decimal("5000.00")
    r.refresh_from_db()
    assert r.is_reversed and r.reversal_reason == "金额录错"
    assert Repayment.objects.filter(pk=r.pk).exists()
    assert r.reversal_authorised_by == org.director
    with pytest.raises(LoanError, match="已冲正"):
        services.repayment_reverse(
            repayment=r, actor=org.teller, reason="再次", authoriser=org.director
        )


def test_a_reversal_needs_a_second_persons_authorisation(org, contract):
    """A teller does not reverse her own receipt alone: the director or deputy, another
    person, authorises, and the record says who."""
    loan = lf.draw(org, contract, "5000", today=TODAY, due_date=date(2027, 12, 1))
    r = lf.repay(org, loan, "1000", paid_on=TODAY)
    for authoriser in (None, org.teller, org.officer1, org.director_b):
        with pytest.raises(LoanError, match="授权"):
            services.repayment_reverse(
                repayment=r, actor=org.teller, reason="金额录错", authoriser=authoriser
            )
    with pytest.raises(LoanError, match="授权"):
        services.repayment_reverse(
            repayment=r, actor=org.director, reason="金额录错", authoriser=org.director
        )
    r.refresh_from_db()
    assert not r.is_reversed
    services.repayment_reverse(
        repayment=r, actor=org.teller, reason="金额录错", authoriser=org.deputy
    )
    r.refresh_from_db()
    assert r.is_reversed and r.reversal_authorised_by == org.deputy
    row = AuditLog.objects.get(action="loans.repayment_reverse")
    assert org.deputy.username in row.changes["authorised_by"]


def test_receipt_numbers_are_unique_in_the_database(org, contract):
    from django.db import IntegrityError, transaction

    loan = lf.draw(org, contract, "5000", today=TODAY, due_date=date(2027, 12, 1))
    first = lf.repay(org, loan, "100", paid_on=TODAY)
    second = lf.repay(org, loan, "100", paid_on=TODAY)
    assert first.receipt_number != second.receipt_number
    with pytest.raises(IntegrityError, match="loans_repayment_receipt_number_key"):
        with transaction.atomic():
            Repayment.objects.filter(pk=second.pk).update(receipt_number=first.receipt_number)


def test_reversal_refused_after_later_settlement(org, contract):
    loan = lf.draw(org, contract, "5000", today=TODAY, due_date=date(2027, 12, 1))
    r = lf.repay(org, loan, "1000", paid_on=date(2027, 3, 10))
    services.interest_settle(today=date(2027, 3, 21))
    with pytest.raises(LoanError, match="结息"):
        services.repayment_reverse(
            repayment=r, actor=org.teller, reason="金额录错", authoriser=org.director
        )


def test_reversal_refused_when_the_freed_line_is_used_again(org, contract):
    loan = lf.draw(org, contract, "20000", today=TODAY)
    r = lf.repay(org, loan, "5000", paid_on=TODAY)
    lf.draw(org, contract, "5000", today=TODAY)
    with pytest.raises(LoanError, match="占用"):
        services.repayment_reverse(
            repayment=r, actor=org.teller, reason="金额录错", authoriser=org.director
        )


def test_only_tellers_of_the_cooperative_disburse(org, contract):
    with pytest.raises(LoanError):
        lf.draw(org, contract, "100", today=TODAY, teller=org.officer1)
    with pytest.raises(DomainError, match="稽核"):
        lf.draw(org, contract, "100", today=TODAY, teller=org.auditor)


def test_reminders_7_days_and_1_day_before_due_never_twice(org, contract):
    from creditcoop.models import SmsMessage

    contract.borrower.phone = "13800138000"
    contract.borrower.save()
    loan = lf.draw(org, contract, "1000", today=TODAY, due_date=date(2027, 6, 10))
    from loans.tasks import drawdown_due_reminders

    assert drawdown_due_reminders(today="2027-06-02") == 0
    assert drawdown_due_reminders(today="2027-06-03") == 1
    assert drawdown_due_reminders(today="2027-06-03") == 0
    assert drawdown_due_reminders(today="2027-06-09") == 1
    assert drawdown_due_reminders(today="2027-06-09") == 0
    msgs = SmsMessage.objects.filter(phone="13800138000")
    assert msgs.count() == 2
    assert all(loan.number in m.text and "2027-06-10" in m.text for m in msgs)
    lf.repay(org, loan, "1000", paid_on=TODAY)
    assert drawdown_due_reminders(today="2027-06-09") == 0


def test_reminders_missed_during_an_outage_are_sent_late_once(org, contract):
    from creditcoop.models import SmsMessage
    from loans.tasks import drawdown_due_reminders

    contract.borrower.phone = "13800138000"
    contract.borrower.save()
    short = lf.draw(org, contract, "1000", today=TODAY, due_date=date(2027, 6, 10))
    long = lf.draw(org, contract, "2000", today=TODAY, due_date=date(2027, 6, 12))
    # Down 06-02 … 06-04 (the 7-day day of the first loan, 06-03, is missed).
    assert drawdown_due_reminders(today="2027-06-05") == 2  # both are within 7 days now
    for day in ("2027-06-05", "2027-06-06", "2027-06-07", "2027-06-08"):
        assert drawdown_due_reminders(today=day) == 0
    assert drawdown_due_reminders(today="2027-06-09") == 1  # the first loan's 1-day reminder
    # Down 06-10 … 06-12 (the second loan's 1-day day, 06-11, is missed): made up on its
    # due day, once.
    assert drawdown_due_reminders(today="2027-06-12") == 1
    assert drawdown_due_reminders(today="2027-06-12") == 0
    assert drawdown_due_reminders(today="2027-06-13") == 0
    texts = list(SmsMessage.objects.values_list("text", flat=True))
    assert sum(short.number in t for t in texts) == 2
    assert sum(long.number in t for t in texts) == 2


def test_reminder_after_a_long_outage_is_the_last_one_only(org, contract):
    from creditcoop.models import SmsMessage
    from loans.tasks import drawdown_due_reminders

    contract.borrower.phone = "13800138000"
    contract.borrower.save()
    loan = lf.draw(org, contract, "1000", today=TODAY, due_date=date(2027, 6, 10))
    # Down from 05-20 to the morning of 06-10: one reminder, on the due day, not two at once.
    assert drawdown_due_reminders(today="2027-06-10") == 1
    assert drawdown_due_reminders(today="2027-06-10") == 0
    msg = SmsMessage.objects.get()
    assert loan.number in msg.text and msg.dedupe_key.endswith(":1")


def test_paying_off_closes_the_loan_and_a_reversal_reopens_it_each_with_one_event(org, contract):
    from creditcoop.models import AuditLog, WorkflowEvent

    loan = lf.draw(org, contract, "1000", today=TODAY, due_date=date(2027, 12, 1))
    r = lf.repay(org, loan, "1000", paid_on=TODAY)
    loan.refresh_from_db()
    assert loan.status == Loan.Status.CLOSED
    services.repayment_reverse(
        repayment=r, actor=org.teller, reason="金额录错", authoriser=org.director
    )
    loan.refresh_from_db()
    assert loan.status == Loan.Status.OPEN
    moves = WorkflowEvent.objects.filter(object_type="loans.loan", object_id=str(loan.pk))
    assert [(e.from_state, e.to_state, e.actor) for e in moves] == [
        ("open", "closed", org.teller),
        ("closed", "open", org.teller),
    ]
    assert moves.last().reason == "金额录错" and moves.last().cooperative == contract.cooperative
    actions = AuditLog.objects.filter(object_type="loans.loan").values_list("action", flat=True)
    assert {"loans.loan_close", "loans.loan_reopen"} <= set(actions)
