"""The counter: drawdown with two certificates and one seal, and the refusals recorded
and reported to the directors."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record
from creditcoop.models import Role
from creditcoop.money import to_fen, yuan
from creditcoop.notify import notify_directors
from creditcoop.permissions import require_may_write
from villages.credit import family_credit_problem
from villages.idcard import mask_id, normalize_id

from .. import hooks, interest
from ..models import (
    NON_PERFORMING,
    CounterRefusal,
    CreditContract,
    Loan,
    LoanCertificate,
    LoanSettings,
)
from ._common import DrawdownRefused, LoanError, _next, _today

R = CounterRefusal.Reason
MAX_DRAWDOWN_MONTHS = 12


def _approvers(contract: CreditContract) -> set[int]:
    app = contract.application
    ids = {
        app.investigated_by_id,
        app.reviewed_by_id,
        app.officer_line_by_id,
        app.review_line_by_id,
        app.line_set_by_id,
        contract.signed_by_id,
        contract.granted_by_id,
    }
    ids.discard(None)
    return ids


def npl_of_family(household) -> Loan | None:
    """An open non-performing loan of anyone in the household (by our classification): on
    any of the household's contracts, or a member's own loan from another household (a
    member who married in or whose household was merged)."""
    # Two index reads joined by UNION: an OR across the member join would scan every
    # contract of the union at each drawdown.
    contract_ids = list(
        CreditContract.objects.filter(household=household)
        .order_by()
        .values_list("pk", flat=True)
        .union(
            CreditContract.objects.filter(borrower__household=household)
            .order_by()
            .values_list("pk", flat=True)
        )
    )
    return (
        Loan.objects.filter(
            status=Loan.Status.OPEN,
            risk_class__in=NON_PERFORMING,
            contract_id__in=contract_ids,
        )
        .select_related("contract__borrower")
        .first()
    )


def npl_credit_problem(household) -> str | None:
    """The family credit source ``loans`` registers (``villages.credit``): an open loan of
    the family classed 次级 or worse blocks rating, granting and drawing alike."""
    npl = npl_of_family(household)
    if npl is None:
        return None
    return _("%(name)s 在本社有不良贷款（借据 %(n)s，%(c)s类），不得新增授信和借款") % {
        "name": npl.contract.borrower.name,
        "n": npl.number,
        "c": npl.get_risk_class_display(),
    }


def _check_holder(teller, certificate, contract, *, id_number) -> None:
    """Two certificates and one seal: the certificate still held, by the person at the
    counter, and a teller who took no part in approving the household."""
    if certificate.status != LoanCertificate.Status.ACTIVE:
        raise DrawdownRefused(
            R.CERTIFICATE,
            _("贷款证 %(n)s 已收回，不能用于借款。") % {"n": certificate.number},
            contract,
        )
    if normalize_id(id_number) != certificate.holder.id_number:
        raise DrawdownRefused(
            R.IDENTITY,
            _("身份证号码与贷款证持证人不符，贷款证不得转借他人使用。"),
            contract,
        )
    if teller.pk in _approvers(contract):
        raise DrawdownRefused(
            R.SEPARATION,
            _("审贷分离：您参与了该户的调查、审查或额度审批，不能为其办理放款。"),
            contract,
        )


def _check_drawdown(contract, *, amount, due_date, today) -> None:
    """The drawdown fits the contract: within its dates, a term of at most a year, the line
    still available, and the family's credit clean."""
    if contract.status != CreditContract.Status.ACTIVE or today > contract.end_date:
        raise DrawdownRefused(
            R.EXPIRED, _("授信已于 %(d)s 到期，不能再借款。") % {"d": contract.end_date}, contract
        )
    if today < contract.start_date:
        raise DrawdownRefused(R.EXPIRED, _("授信尚未生效。"), contract)
    latest = interest.add_months(today, MAX_DRAWDOWN_MONTHS)
    if due_date <= today:
        raise DrawdownRefused(R.TERM, _("借款到期日须晚于今天。"), contract)
    if due_date > latest:
        raise DrawdownRefused(
            R.TERM,
            _("单笔借款期限不得超过 1 年（最迟 %(d)s 到期）。") % {"d": latest},
            contract,
        )
    if due_date > contract.end_date:
        raise DrawdownRefused(
            R.TERM,
            _("借款到期日不得晚于授信到期日 %(d)s。") % {"d": contract.end_date},
            contract,
        )
    if amount > contract.available:
        raise DrawdownRefused(
            R.OVER_LIMIT,
            _("借款金额 %(a)s 元超过可用额度 %(v)s 元（授信额度 %(l)s 元，已用 %(o)s 元）。")
            % {
                "a": yuan(amount),
                "v": yuan(contract.available),
                "l": yuan(contract.line),
                "o": yuan(contract.outstanding),
            },
            contract,
        )
    problem = family_credit_problem(contract.household)
    if problem:
        raise DrawdownRefused(R(problem.code), str(problem), contract)


def _draw(
    *, teller, certificate_number, id_number, seal_checked, amount, due_date, key, today
) -> Loan:
    number = (certificate_number or "").strip().upper()
    certificate = (
        LoanCertificate.objects.select_related("holder", "contract")
        .filter(number=number, contract__cooperative_id=teller.cooperative_id)
        .first()
    )
    if certificate is None:
        raise DrawdownRefused(R.CERTIFICATE, _("贷款证编号不存在，或不是本社发放的贷款证。"))
    contract = (
        CreditContract.objects.select_for_update(of=("self",))
        .select_related("application", "household", "village")
        .get(pk=certificate.contract_id)
    )
    done = Loan.objects.filter(idempotency_key=key).first()
    if done is not None:
        return done  # a double click or a retried request: the first drawdown stands
    if not seal_checked:
        # A keying slip, corrected on the spot: not a refusal reported to the director.
        raise LoanError(_("请核验借款人印章并勾选（两证一章缺一不可）。"))
    _check_holder(teller, certificate, contract, id_number=id_number)
    _check_drawdown(contract, amount=amount, due_date=due_date, today=today)
    s = LoanSettings.current()
    loan = Loan.objects.create(
        number=f"JJ{today:%Y%m%d}{_next('loans_loan_seq'):07d}",
        contract=contract,
        amount=amount,
        principal=amount,
        drawn_on=today,
        due_date=due_date,
        annual_rate=contract.annual_rate,
        penalty_rate=interest.penalty_rate_for(contract.annual_rate, s.penalty_markup),
        accrued_through=today,
        teller=teller,
        seal_checked=True,
        idempotency_key=key,
    )
    contract.outstanding += amount
    contract.save(update_fields=["outstanding"])
    audit_record(
        actor=teller,
        action="loans.loan_draw",
        obj=loan,
        cooperative=contract.cooperative,
        changes={"amount": amount, "due_date": due_date, "outstanding": contract.outstanding},
    )
    hooks.loan_drawn(loan=loan, actor=teller)
    return loan


def loan_draw(
    *,
    teller,
    certificate_number: str,
    id_number: str,
    seal_checked: bool,
    amount: Decimal,
    due_date: date,
    idempotency_key,
    today: date | None = None,
) -> Loan:
    """Disburse at the counter, or raise DrawdownRefused after recording the refusal and
    telling the directors."""
    require_may_write(teller)
    if not teller.has_role(Role.TELLER):
        raise LoanError(_("只有柜员可以办理放款。"))
    amount = to_fen(amount)
    if amount <= 0:
        raise LoanError(_("借款金额须大于 0。"))
    key = uuid.UUID(str(idempotency_key))
    today = _today(today)
    try:
        with transaction.atomic():
            return _draw(
                teller=teller,
                certificate_number=certificate_number,
                id_number=id_number,
                seal_checked=seal_checked,
                amount=amount,
                due_date=due_date,
                key=key,
                today=today,
            )
    except DrawdownRefused as refusal:
        counter_refusal_record(
            teller=teller,
            refusal=refusal,
            certificate_number=certificate_number,
            id_number=id_number,
            amount=amount,
            key=key,
        )
        raise


@transaction.atomic
def counter_refusal_record(*, teller, refusal, certificate_number, id_number, amount, key):
    row, created = CounterRefusal.objects.get_or_create(
        idempotency_key=key,
        defaults={
            "cooperative_id": teller.cooperative_id,
            "contract": refusal.contract,
            "certificate_number": (certificate_number or "").strip().upper()[:30],
            "id_number_masked": mask_id(normalize_id(id_number))[:18],
            "amount": amount,
            "reason": refusal.refusal_code,
            "message": refusal.message[:300],
            "teller": teller,
        },
    )
    if created:
        audit_record(
            actor=teller,
            action="loans.counter_refuse",
            obj=row,
            cooperative=teller.cooperative,
            changes={"reason": refusal.refusal_code, "message": refusal.message},
        )
        if teller.cooperative_id:
            notify_directors(
                cooperative=teller.cooperative,
                text=_("柜面拒绝放款：%(t)s 办理贷款证 %(c)s，%(m)s")
                % {"t": teller.name, "c": row.certificate_number, "m": refusal.message},
                link=reverse("loans:refusal_list"),
                dedupe_key=f"counter-refusal:{row.pk}",
            )
    return row
