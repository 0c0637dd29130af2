"""Repayments and their reversal (冲正)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record
from creditcoop.models import Role
from creditcoop.money import to_fen, yuan
from creditcoop.permissions import require_may_write
from creditcoop.workflow import transition

from .. import interest
from ..models import CreditContract, Loan, Repayment
from ._common import LoanError, _next, _today

# Loan fields a repayment changes; a reversal puts them back.
MONEY_STATE = [
    "principal",
    "accrued_through",
    "normal_product",
    "penalty_product",
    "interest_due",
    "interest_due_since",
    "penalty_due",
    "interest_paid",
    "penalty_paid",
    "status",
    "revision",
]


def _loan_state(loan) -> dict:
    state = {}
    for f in MONEY_STATE:
        v = getattr(loan, f)
        state[f] = v.isoformat() if isinstance(v, date) else (str(v) if v is not None else None)
    return state


def _restore(loan, state: dict) -> None:
    for f in MONEY_STATE:
        v = state[f]
        model_field = Loan._meta.get_field(f)
        setattr(loan, f, model_field.to_python(v) if v is not None else None)


def _may_take_money(actor, contract) -> bool:
    return (
        actor.has_role(Role.TELLER)
        and not actor.is_read_only
        and actor.cooperative_id == contract.cooperative_id
    )


def _check_not_over_owed(loan, amount) -> None:
    """Refuse more money than the loan owes today (principal, interest, penalty)."""
    owed = loan.total_due
    if amount > owed:
        raise LoanError(
            _(
                "还款金额 %(a)s 元超过应还合计 %(o)s 元（本金 %(p)s，利息 %(i)s，罚息及复利 %(f)s）。"
            )
            % {
                "a": yuan(amount),
                "o": yuan(owed),
                "p": yuan(loan.principal),
                "i": yuan(loan.interest_due),
                "f": yuan(loan.penalty_due),
            }
        )


def _apply_payment(loan, amount, *, arrears, paid_on) -> tuple[Decimal, Decimal, Decimal]:
    """Apply the money penalty first, then interest, then principal; returns the three
    parts. `arrears` is the interest that was due before today's settlement."""
    rest = amount
    to_penalty = min(rest, loan.penalty_due)
    rest -= to_penalty
    to_interest = min(rest, loan.interest_due)
    rest -= to_interest
    to_principal = rest
    loan.penalty_due -= to_penalty
    loan.interest_due -= to_interest
    loan.principal -= to_principal
    loan.penalty_paid += to_penalty
    loan.interest_paid += to_interest
    if loan.interest_due == 0:
        loan.interest_due_since = None
    elif to_interest >= arrears:
        # The old arrears are paid; what is left was settled today and is due from today.
        loan.interest_due_since = paid_on
    return to_penalty, to_interest, to_principal


@transaction.atomic
def loan_repay(
    *, loan: Loan, teller, amount: Decimal, idempotency_key, paid_on: date | None = None
) -> Repayment:
    """Settle interest to the day, then apply the money: penalty → interest → principal."""
    require_may_write(teller)
    key = uuid.UUID(str(idempotency_key))
    contract = CreditContract.objects.select_for_update().get(pk=loan.contract_id)
    done = Repayment.objects.filter(idempotency_key=key).first()
    if done is not None:
        return done
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if not _may_take_money(teller, contract):
        raise LoanError(_("只有本社柜员可以办理还款。"))
    paid_on = _today(paid_on)
    amount = to_fen(amount)
    if amount <= 0:
        raise LoanError(_("还款金额须大于 0。"))
    if loan.status != Loan.Status.OPEN:
        raise LoanError(_("该笔借款已结清。"))
    if paid_on < loan.accrued_through:
        raise LoanError(_("还款日期早于已结息日期，不能倒签。"))
    before = _loan_state(loan)
    arrears = loan.interest_due
    interest.loan_accrue_to(loan, paid_on)
    interest.loan_settle(loan, paid_on)
    _check_not_over_owed(loan, amount)
    to_penalty, to_interest, to_principal = _apply_payment(
        loan, amount, arrears=arrears, paid_on=paid_on
    )
    loan.revision += 1
    loan.save()
    if loan.total_due == 0:
        transition(
            loan,
            Loan.Status.CLOSED,
            actor=teller,
            action="loans.loan_close",
            cooperative=contract.cooperative,
        )
    contract.outstanding -= to_principal
    contract.save(update_fields=["outstanding"])
    repayment = Repayment.objects.create(
        receipt_number=f"HK{paid_on:%Y%m%d}{_next('loans_receipt_seq'):07d}",
        loan=loan,
        paid_on=paid_on,
        amount=amount,
        to_penalty=to_penalty,
        to_interest=to_interest,
        to_principal=to_principal,
        principal_after=loan.principal,
        teller=teller,
        idempotency_key=key,
        loan_before=before,
        loan_revision_after=loan.revision,
    )
    audit_record(
        actor=teller,
        action="loans.loan_repay",
        obj=repayment,
        cooperative=contract.cooperative,
        changes={
            "amount": amount,
            "to_penalty": to_penalty,
            "to_interest": to_interest,
            "to_principal": to_principal,
            "principal_after": loan.principal,
        },
    )
    return repayment


@transaction.atomic
def repayment_reverse(*, repayment: Repayment, actor, reason: str, authoriser) -> Repayment:
    """Reverse (冲正) a repayment: the loan and the line go back to how they were before it.

    A reversal takes a second person: the cooperative's director or deputy director, not the
    one who reverses, authorises it, and is recorded with it."""
    require_may_write(actor)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise LoanError(_("请写明冲正原因。"))
    if (
        authoriser is None
        or authoriser.pk == actor.pk
        or not authoriser.is_active
        or authoriser.cooperative_id != actor.cooperative_id
        or not authoriser.has_role(Role.DIRECTOR, Role.DEPUTY)
    ):
        raise LoanError(_("冲正须经本社主任或副主任（冲正人以外的另一人）授权。"))
    loan = Loan.objects.get(pk=repayment.loan_id)
    contract = CreditContract.objects.select_for_update().get(pk=loan.contract_id)
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    repayment = Repayment.objects.select_for_update().get(pk=repayment.pk)
    if not (
        actor.cooperative_id == contract.cooperative_id
        and actor.has_role(Role.TELLER, Role.DIRECTOR, Role.DEPUTY)
    ):
        raise LoanError(_("只有本社柜员或主任可以冲正。"))
    if repayment.is_reversed:
        raise LoanError(_("该笔还款已冲正。"))
    if loan.revision != repayment.loan_revision_after:
        raise LoanError(
            _("该笔还款之后借据已有其他交易或结息，请先冲正之后的还款；已结息的须联系主任处理。")
        )
    if contract.outstanding + repayment.to_principal > contract.line:
        raise LoanError(_("还款释放的额度已被新的借款占用，不能冲正。"))
    reopens = (
        loan.status == Loan.Status.CLOSED and repayment.loan_before["status"] == Loan.Status.OPEN
    )
    _restore(loan, repayment.loan_before)
    loan.status = Loan.Status.CLOSED if reopens else loan.status
    loan.save()
    if reopens:
        transition(
            loan,
            Loan.Status.OPEN,
            actor=actor,
            reason=reason,
            action="loans.loan_reopen",
            cooperative=contract.cooperative,
        )
    contract.outstanding += repayment.to_principal
    contract.save(update_fields=["outstanding"])
    repayment.reversed_at = timezone.now()
    repayment.reversed_by = actor
    repayment.reversal_reason = reason[:300]
    repayment.reversal_authorised_by = authoriser
    repayment.save(
        update_fields=["reversed_at", "reversed_by", "reversal_reason", "reversal_authorised_by"]
    )
    audit_record(
        actor=actor,
        action="loans.repayment_reverse",
        obj=repayment,
        cooperative=contract.cooperative,
        changes={
            "amount": repayment.amount,
            "reason": reason,
            "authorised_by": f"{authoriser.username} {authoriser.name}",
        },
    )
    return repayment
