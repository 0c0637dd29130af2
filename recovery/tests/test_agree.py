"""Repayment agreements: the cap, the approved exception, 借新还旧 after interest, signing and
paying as limitation events, broken promises flagged the day after by the nightly job."""

from datetime import date
from decimal import Decimal

import pytest

from creditcoop.errors import DomainError
from creditcoop.models import AuditLog, Notification, Role, WorkflowEvent
from recovery import limitation as L
from recovery import services
from recovery.models import (
    AgreementInstalment,
    AgreementPayment,
    LimitationEvent,
    NplRecord,
    RecoveryPolicy,
    RepaymentAgreement,
)
from recovery.tasks import agreement_broken_flag_nightly
from tests import factories as f

from .helpers import npl
from .helpers_agree import draft, rows, signed

pytestmark = pytest.mark.django_db
TODAY = date(2026, 5, 4)


@pytest.fixture
def record(org):
    # Due 2024-03-01: the limitation runs to 2027-03-01; collector officer1.
    return npl(org.village_a1)


def _nothing_saved(before):
    assert (
        RepaymentAgreement.objects.count(),
        AgreementInstalment.objects.count(),
        LimitationEvent.objects.count(),
        AuditLog.objects.count(),
    ) == before


def _counts():
    return (
        RepaymentAgreement.objects.count(),
        AgreementInstalment.objects.count(),
        LimitationEvent.objects.count(),
        AuditLog.objects.count(),
    )


def test_equal_schedule_adds_up_to_the_fen():
    schedule = services.equal_schedule(
        total=Decimal("1000.00"), count=3, first_due_on=date(2026, 1, 31)
    )
    assert [r.due_on for r in schedule] == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]
    assert [r.amount for r in schedule] == [Decimal("333.33"), Decimal("333.33"), Decimal("333.34")]


def test_cap_36_months_is_ok_37_is_refused_and_saves_nothing(org, record):
    a = draft(record, org.officer1, count=36)
    assert (a.months, a.exception_reasons, a.needs_approval) == (36, [], False)
    assert a.instalments.count() == 36
    services.agreement_cancel(actor=org.officer1, agreement=a, reason="重新编制")

    before = _counts()
    with pytest.raises(DomainError) as exc:
        draft(record, org.officer1, count=37)
    assert "37 个月" in exc.value.message and "36 个月" in exc.value.message
    _nothing_saved(before)


def test_the_cap_is_the_unions_policy(org, record):
    policy = RecoveryPolicy.current(org.union)
    policy.agreement_max_months = 24
    policy.save()
    with pytest.raises(DomainError, match="超过政策上限 24 个月"):
        draft(record, org.officer1, count=25)
    assert draft(record, org.officer1, count=24).months == 24


def test_typed_rows_one_day_past_36_months_is_37(org, record):
    with pytest.raises(DomainError, match="37 个月"):
        services.agreement_create(
            actor=org.officer1,
            record=record,
            starts_on=date(2026, 5, 1),
            total=Decimal("2000"),
            rows=rows((date(2027, 5, 1), "1000"), (date(2029, 5, 2), "1000")),
            today=TODAY,
        )
    a = services.agreement_create(
        actor=org.officer1,
        record=record,
        starts_on=date(2026, 5, 1),
        total=Decimal("2000"),
        rows=rows((date(2027, 5, 1), "1000"), (date(2029, 5, 1), "1000")),
        today=TODAY,
    )
    assert a.months == 36


def test_rows_must_add_up_and_nothing_is_saved(org, record):
    before = _counts()
    with pytest.raises(DomainError, match="合计 1500 元"):
        services.agreement_create(
            actor=org.officer1,
            record=record,
            starts_on=date(2026, 5, 1),
            total=Decimal("2000"),
            rows=rows((date(2026, 6, 1), "1000"), (date(2026, 7, 1), "500")),
            today=TODAY,
        )
    _nothing_saved(before)


def test_37_months_with_a_directors_approval_is_signed(org, record):
    a = draft(record, org.officer1, count=37, exception_request="债务人外出务工，收入不稳定")
    assert a.months == 37 and a.exception_reasons == ["over_cap"] and a.needs_approval
    with pytest.raises(DomainError, match="须经主任批准"):
        services.agreement_sign(actor=org.officer1, agreement=a, signed_on=TODAY, today=TODAY)
    assert RepaymentAgreement.objects.get().status == "draft"

    # Not a director; a director of another cooperative; a director who is the collector.
    with pytest.raises(DomainError, match="本社主任"):
        services.agreement_approve(actor=org.deputy, agreement=a, note="同意")
    with pytest.raises(DomainError, match="本社主任"):
        services.agreement_approve(actor=org.director_b, agreement=a, note="同意")
    NplRecord.objects.filter(pk=record.pk).update(collector=org.director)
    with pytest.raises(DomainError, match="清收责任人不能批准"):
        services.agreement_approve(actor=org.director, agreement=a, note="同意")
    a.refresh_from_db()
    assert a.approved_by is None
    NplRecord.objects.filter(pk=record.pk).update(collector=org.officer1)

    services.agreement_approve(actor=org.director, agreement=a, note="家庭困难，同意延长")
    a.refresh_from_db()
    assert (a.approved_by, a.approval_note) == (org.director, "家庭困难，同意延长")
    assert a.approved_at is not None
    log = AuditLog.objects.get(action="recovery.agreement_approve")
    assert log.actor == org.director
    services.agreement_sign(actor=org.officer1, agreement=a, signed_on=TODAY, today=TODAY)
    assert RepaymentAgreement.objects.get().status == "signed"


def test_renewal_refused_while_interest_is_owed_allowed_after(org, record):
    assert record.interest_owed == Decimal("1200.00")
    before = _counts()
    with pytest.raises(DomainError, match="尚欠利息 1200.00 元"):
        draft(
            record,
            org.officer1,
            kind=RepaymentAgreement.Kind.RENEWAL,
            exception_request="重签借据并追加抵押",
        )
    _nothing_saved(before)

    NplRecord.objects.filter(pk=record.pk).update(interest_owed=0)
    with pytest.raises(DomainError, match="借新还旧"):
        draft(record, org.officer1, kind=RepaymentAgreement.Kind.RENEWAL)
    a = draft(
        record,
        org.officer1,
        kind=RepaymentAgreement.Kind.RENEWAL,
        exception_request="利息已结清，重签借据并追加抵押",
    )
    assert a.exception_reasons == ["renewal"]
    services.agreement_approve(actor=org.director, agreement=a, note="利息已清，同意")
    services.agreement_sign(actor=org.officer1, agreement=a, signed_on=TODAY, today=TODAY)
    assert RepaymentAgreement.objects.get().status == "signed"


def test_signing_moves_the_limitation_and_records_the_event(org, record):
    assert record.limitation_expires_on == date(2027, 3, 1)
    g = services.npl_guarantor_add(actor=org.officer1, record=record, name="钱保")
    a = draft(record, org.officer1)
    services.agreement_sign(
        actor=org.officer1, agreement=a, signed_on=TODAY, guarantors=[g], today=TODAY
    )
    record.refresh_from_db()
    assert record.limitation_expires_on == date(2029, 5, 4)
    assert record.last_collection_on == TODAY
    event = LimitationEvent.objects.get(guarantor=None)
    assert (event.kind, event.occurred_on, event.signer_name) == (L.AGREEMENT, TODAY, "欧阳某")
    a.refresh_from_db()
    assert (a.status, a.signed_on, a.signing_event) == ("signed", TODAY, event)
    # The guarantor's signature is on file too; long after the guarantee period it revives
    # nothing, which the engine says.
    g_event = LimitationEvent.objects.get(guarantor=g)
    assert g_event.kind == L.AGREEMENT
    assert list(a.signed_guarantors.all()) == [g]
    assert WorkflowEvent.objects.filter(to_state="signed").count() == 1


def test_signing_date_must_be_before_the_first_instalment(org, record):
    a = draft(record, org.officer1)
    before = _counts()
    with pytest.raises(DomainError, match="早于第一期还款日"):
        services.agreement_sign(
            actor=org.officer1, agreement=a, signed_on=date(2026, 6, 1), today=date(2026, 6, 2)
        )
    _nothing_saved(before)
    a.refresh_from_db()
    assert a.status == "draft"


def test_payment_records_a_partial_payment_and_the_last_payment_date(org, record):
    a = signed(record, org.officer1)
    day = date(2026, 6, 10)
    services.agreement_payment_record(
        actor=org.officer1, agreement=a, paid_on=day, amount=Decimal("1500"), today=day
    )
    first, second = a.instalments.order_by("number")[:2]
    assert (first.paid_amount, second.paid_amount) == (Decimal("1000.00"), Decimal("500.00"))
    event = LimitationEvent.objects.get(kind=L.PARTIAL_PAYMENT)
    assert (event.occurred_on, event.amount) == (day, Decimal("1500.00"))
    record.refresh_from_db()
    assert record.last_payment_on == day
    assert record.limitation_expires_on == date(2029, 6, 10)
    # The register's amounts are not the plan's to change (the counter books the money).
    assert record.principal_owed == Decimal("15000.00")
    assert AgreementPayment.objects.get().event == event


def test_overpayment_is_refused_and_saves_nothing(org, record):
    a = signed(record, org.officer1, count=2, total=Decimal("2000"))
    before = (_counts(), AgreementPayment.objects.count())
    with pytest.raises(DomainError, match="尚欠的 2000.00 元"):
        services.agreement_payment_record(
            actor=org.officer1,
            agreement=a,
            paid_on=date(2026, 6, 1),
            amount=Decimal("2000.01"),
            today=date(2026, 6, 1),
        )
    assert (_counts(), AgreementPayment.objects.count()) == before


def test_paying_everything_keeps_the_agreement(org, record):
    a = signed(record, org.officer1, count=2, total=Decimal("2000"))
    day = date(2026, 6, 1)
    services.agreement_payment_record(
        actor=org.officer1, agreement=a, paid_on=day, amount=Decimal("2000"), today=day
    )
    a.refresh_from_db()
    assert a.status == "kept"
    # Nothing more to break.
    assert services.agreement_broken_flag(today=date(2026, 9, 1))["instalments"] == 0


def test_broken_exactly_the_day_after_the_due_date_and_once(org, record):
    a = signed(record, org.officer1)  # first instalment due 2026-06-01
    assert services.agreement_broken_flag(today=date(2026, 6, 1))["instalments"] == 0
    assert not AgreementInstalment.objects.filter(broken=True).exists()

    result = agreement_broken_flag_nightly(today="2026-06-02")
    assert result == {"instalments": 1, "agreements": 1, "inbox": 1}
    inst = AgreementInstalment.objects.get(broken=True)
    assert (inst.number, inst.broken_on) == (1, date(2026, 6, 2))
    a.refresh_from_db()
    assert (a.status, a.broken_on) == ("broken", date(2026, 6, 2))
    note = Notification.objects.get(dedupe_key__startswith="agree-broken:")
    assert note.recipient == org.officer1
    assert "欧阳某" in note.text and "第 1 期" in note.text and "1000.00" in note.text
    assert note.link == f"/recovery/agreements/{a.pk}/"
    assert AuditLog.objects.filter(action="recovery.agreement_broken").count() == 1
    assert WorkflowEvent.objects.filter(to_state="broken").count() == 1

    counts = (Notification.objects.count(), AuditLog.objects.count())
    assert services.agreement_broken_flag(today=date(2026, 6, 2)) == {
        "instalments": 0,
        "agreements": 0,
        "inbox": 0,
    }
    assert counts == (Notification.objects.count(), AuditLog.objects.count())


def test_catch_up_dates_each_instalment_on_its_own_day(org, record):
    signed(record, org.officer1)
    services.agreement_broken_flag(today=date(2026, 8, 5))
    assert list(
        AgreementInstalment.objects.filter(broken=True).values_list("number", "broken_on")
    ) == [(1, date(2026, 6, 2)), (2, date(2026, 7, 2)), (3, date(2026, 8, 2))]
    assert Notification.objects.filter(recipient=org.officer1).count() == 3


def test_a_partly_paid_instalment_is_broken_a_paid_one_is_not(org, record):
    a = signed(record, org.officer1)
    services.agreement_payment_record(
        actor=org.officer1,
        agreement=a,
        paid_on=date(2026, 6, 1),
        amount=Decimal("1500"),
        today=date(2026, 6, 1),
    )
    services.agreement_broken_flag(today=date(2026, 7, 2))
    assert list(AgreementInstalment.objects.filter(broken=True).values_list("number")) == [(2,)]


def test_drafts_and_cancelled_agreements_are_not_flagged(org, record):
    a = draft(record, org.officer1)
    assert services.agreement_broken_flag(today=date(2026, 9, 1))["instalments"] == 0
    services.agreement_cancel(actor=org.officer1, agreement=a, reason="债务人拒签")
    assert services.agreement_broken_flag(today=date(2026, 9, 1))["instalments"] == 0


def test_one_open_agreement_per_record(org, record):
    draft(record, org.officer1)
    with pytest.raises(DomainError, match="未结束的还款协议"):
        draft(record, org.officer1)


def test_only_pursuers_write(org, record):
    before = _counts()
    other = f.StaffFactory(
        username="O777", cooperative=org.coop_a, union=org.union, roles=[Role.OFFICER]
    )
    with pytest.raises(DomainError, match="无权"):
        draft(record, other)
    _nothing_saved(before)
