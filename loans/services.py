"""Writes for credit granting, the counter, repayments, interest and classification.

Each service is one transaction: lock what changes (the contract before its loans, always in
that order), check, write, audit, queue side effects on commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record
from creditcoop.errors import DomainError
from creditcoop.jobs import job_lock
from creditcoop.models import Role
from creditcoop.money import ZERO, to_fen, yuan
from creditcoop.notify import notify_directors
from creditcoop.permissions import may_write, officer_or_director, require_may_write
from creditcoop.sms import sms_queue
from creditcoop.workflow import transition, transition_many
from ratings.models import CreditApplication
from villages.credit import family_credit_problem
from villages.idcard import mask_id, normalize_id

from . import interest
from .models import (
    NON_PERFORMING,
    ClassChange,
    CommitteeIncentive,
    CounterRefusal,
    CreditContract,
    GrantBatch,
    Loan,
    LoanCertificate,
    LoanSettings,
    Repayment,
    RiskClass,
    SettlementRun,
)

R = CounterRefusal.Reason
MAX_DRAWDOWN_MONTHS = 12
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


class LoanError(DomainError):
    """A lending rule refused the action; the message is meant for the user (Chinese)."""


class DrawdownRefused(LoanError):
    """The counter must refuse; recorded and reported to the director.

    `refusal_code` is the CounterRefusal.Reason the refusal is filed under.
    """

    def __init__(self, refusal_code, message, contract=None):
        super().__init__(message)
        self.refusal_code = refusal_code
        self.contract = contract


def _today(today=None) -> date:
    return today or timezone.localdate()


def _next(sequence: str) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(%s)", [sequence])
        return cur.fetchone()[0]


# ---------------------------------------------------------------------------
# Granting: contract, certificate, committee incentive
# ---------------------------------------------------------------------------


@dataclass
class GrantTerms:
    """What the contract says besides line and term (which come from the director's line)."""

    rate_kind: str = CreditContract.RateKind.LPR
    lpr_rate: Decimal | None = None
    basis_points: int | None = None
    fixed_rate: Decimal | None = None
    guarantee_type: str = CreditContract.Guarantee.CREDIT
    guarantors: str = ""
    collateral: str = ""

    def annual_rate(self) -> Decimal:
        if self.rate_kind == CreditContract.RateKind.FIXED:
            if self.fixed_rate is None:
                raise LoanError(_("请填写固定年利率。"))
            rate = Decimal(self.fixed_rate)
        else:
            if self.lpr_rate is None or self.basis_points is None:
                raise LoanError(_("LPR 加点方式须填写签约时的 LPR 和加点基点数。"))
            rate = Decimal(self.lpr_rate) + Decimal(self.basis_points) / Decimal(10000)
        if not (Decimal("0") < rate < Decimal("0.36")):
            raise LoanError(_("执行年利率须大于 0 且低于 36%。"))
        return rate.quantize(Decimal("0.000001"))


def signing_officers(cooperative):
    from creditcoop.models import Staff

    return Staff.objects.filter(
        cooperative=cooperative, is_active=True, roles__contains=[Role.OFFICER]
    ).order_by("username")


def _close_expired_contract(household, *, on: date, actor) -> None:
    """A household may hold one active contract: an expired, fully repaid one is closed and
    its certificate taken back before a new one is granted."""
    old = CreditContract.objects.select_for_update().filter(
        household=household, status=CreditContract.Status.ACTIVE
    )
    for contract in old:
        if contract.end_date >= on or contract.outstanding > 0:
            raise LoanError(
                _(
                    "该户已有有效授信合同 %(n)s（到期日 %(d)s，余额 %(b)s 元），到期结清前不重复授信。"
                )
                % {"n": contract.number, "d": contract.end_date, "b": yuan(contract.outstanding)}
            )
        transition(
            contract, CreditContract.Status.CLOSED, actor=actor, action="loans.contract_close"
        )
        reason = _("授信到期，换发新证")
        transition_many(
            LoanCertificate.objects.select_for_update().filter(
                contract=contract, status=LoanCertificate.Status.ACTIVE
            ),
            LoanCertificate.Status.REVOKED,
            actor=actor,
            reason=reason,
            action="loans.certificate_revoke",
            values={"revoked_on": on, "revoke_reason": reason},
        )


@transaction.atomic
def credit_grant(
    *,
    application: CreditApplication,
    actor,
    officer,
    signed_on: date,
    borrower_present: bool,
    terms: GrantTerms,
    batch: GrantBatch | None = None,
    today: date | None = None,
) -> CreditContract:
    """Grant one household's credit after its notice: contract signed face to face, loan
    certificate issued, the committee incentive for a first certificate."""
    from ratings.notices.gate import assert_grantable, signing_earliest

    require_may_write(actor)
    today = _today(today)
    app = (
        # Only the application row: the joined village, cooperative and member rows are read,
        # not locked, so an objection being filed meanwhile waits on the gate, not a deadlock.
        CreditApplication.objects.select_for_update(of=("self",))
        .select_related("village__cooperative", "household", "applicant")
        .get(pk=application.pk)
    )
    village = app.village
    if not officer_or_director(actor, village):
        raise LoanError(_("您无权为该村办理授信。"))
    if app.status != CreditApplication.Status.LINE_SET:
        raise LoanError(_("该申请尚未核定授信额度。"))
    if CreditContract.objects.filter(application=app).exists():
        raise LoanError(_("该申请已授信，不能重复授信。"))
    if not borrower_present:
        raise LoanError(_("借款人未到场：授信合同须由借款人本人与信贷员当面签订。"))
    if signed_on > today:
        raise LoanError(_("面签日期不能晚于今天。"))
    if (
        officer is None
        or officer.cooperative_id != village.cooperative_id
        or not officer.officer_may_investigate(app.final_line, village.cooperative)
    ):
        raise LoanError(_("面签信贷员须为本社有权办理该额度贷款的信贷员。"))
    assert_grantable(application=app, today=today)
    earliest = signing_earliest(application=app)
    if earliest is not None and signed_on < earliest:
        raise LoanError(
            _(
                "面签日期 %(s)s 早于公示期满、异议办结之日：合同须在公示期满且异议全部办结后"
                "当面签订，面签日期和合同起始日最早为 %(e)s。"
            )
            % {"s": signed_on, "e": earliest}
        )
    problem = family_credit_problem(app.household)
    if problem:
        raise LoanError(_("家庭信用核查未通过：%(r)s。") % {"r": problem})
    guarantee = terms.guarantee_type
    if guarantee not in CreditContract.Guarantee.values:
        raise LoanError(_("请选择担保方式。"))
    guarantors = (terms.guarantors or "").strip()
    collateral = (terms.collateral or "").strip()
    if guarantee in CreditContract.NEEDS_GUARANTORS and not guarantors:
        raise LoanError(_("保证或联保贷款须填写保证人。"))
    if guarantee in CreditContract.NEEDS_COLLATERAL and not collateral:
        raise LoanError(_("抵押或质押贷款须填写抵（质）押物。"))
    rate = terms.annual_rate()
    _close_expired_contract(app.household, on=signed_on, actor=actor)

    coop = village.cooperative
    lpr = terms.rate_kind == CreditContract.RateKind.LPR
    contract = CreditContract(
        number=f"SX{coop.code}{signed_on.year}{_next('loans_contract_seq'):06d}",
        application=app,
        cooperative=coop,
        village=village,
        household=app.household,
        borrower=app.applicant,
        batch=batch,
        grade=app.grade,
        line=app.final_line,
        term_months=app.term_months,
        start_date=signed_on,
        end_date=interest.add_months(signed_on, app.term_months),
        rate_kind=terms.rate_kind,
        lpr_rate=terms.lpr_rate if lpr else None,
        basis_points=terms.basis_points if lpr else None,
        annual_rate=rate,
        guarantee_type=guarantee,
        guarantors=guarantors,
        collateral=collateral,
        signed_on=signed_on,
        signed_by=officer,
        borrower_present=True,
        granted_by=actor,
    )
    try:
        with transaction.atomic():
            contract.save()
    except IntegrityError as e:
        raise LoanError(_contract_save_error(e, contract)) from e
    audit_record(
        actor=actor,
        action="loans.contract_sign",
        obj=contract,
        changes={
            "line": contract.line,
            "term_months": contract.term_months,
            "annual_rate": contract.annual_rate,
            "lpr_rate": contract.lpr_rate,
            "guarantee_type": guarantee,
            "signed_by": officer.name,
            "signed_on": signed_on,
        },
    )
    certificate_issue(contract=contract, actor=actor, on=signed_on)
    return contract


def constraint_name(error: IntegrityError) -> str:
    """The name of the database constraint an IntegrityError broke ("" when unknown)."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or ""


def _contract_save_error(error: IntegrityError, contract: CreditContract) -> str:
    """What to tell the officer when the database refuses a contract the checks let
    through (mostly a race with a concurrent grant)."""
    name = constraint_name(error)
    if name == "contract_one_active_per_household":
        return _("该户已有有效授信合同，不能重复授信。")
    if name == "loans_creditcontract_application_id_key":
        return _("该申请已授信，不能重复授信。")
    if name == "loans_creditcontract_number_key":
        return _("合同编号 %(n)s 已被占用，未授信，请联系系统管理员检查编号序列。") % {
            "n": contract.number
        }
    return _("授信合同不符合数据规则（%(c)s），未授信，请联系系统管理员。") % {
        "c": name or _("未知约束")
    }


def certificate_issue(*, contract: CreditContract, actor, on: date) -> LoanCertificate:
    """Issue the household's certificate; the first one ever earns the committee incentive."""
    household = contract.household
    first = not LoanCertificate.objects.filter(household=household).exists()
    certificate = LoanCertificate.objects.create(
        number=f"DKZ{contract.cooperative.code}{_next('loans_certificate_seq'):07d}",
        contract=contract,
        household=household,
        holder=contract.borrower,
        issued_on=on,
        issued_by=actor,
    )
    audit_record(actor=actor, action="loans.certificate_issue", obj=certificate)
    if first:
        s = LoanSettings.current()
        incentive = CommitteeIncentive.objects.create(
            village=contract.village,
            household=household,
            certificate=certificate,
            committee_amount=s.committee_incentive,
            assistant_amount=s.assistant_incentive,
            accrued_on=on,
        )
        audit_record(
            actor=actor,
            action="loans.incentive_accrue",
            obj=incentive,
            cooperative=contract.cooperative,
            changes={
                "committee": incentive.committee_amount,
                "assistant": incentive.assistant_amount,
            },
        )
    return certificate


@dataclass
class GrantResult:
    batch: GrantBatch
    contracts: list = field(default_factory=list)


def grantable_applications(village):
    """Applications of the village with a final line and no contract yet."""
    return (
        CreditApplication.objects.filter(
            village=village, status=CreditApplication.Status.LINE_SET, contract__isnull=True
        )
        .select_related("household__group", "applicant")
        .order_by("household__group__number", "household_id", "id")
    )


@dataclass
class HouseholdGuarantee:
    """One household's guarantee in a concentrated granting (credit when not given)."""

    guarantee_type: str = CreditContract.Guarantee.CREDIT
    guarantors: str = ""
    collateral: str = ""


@transaction.atomic
def village_credit_grant(
    *,
    village,
    actor,
    officer,
    signed_on: date,
    terms: GrantTerms,
    present_ids,
    idempotency_key,
    guarantees: dict | None = None,
    today: date | None = None,
) -> GrantBatch:
    """Concentrated credit granting (集中授信): every eligible household of the village, each
    through the notice gate. Only households in `present_ids` (the borrower signed face to
    face) are granted; `guarantees` maps an application to its household's guarantee. Who
    was not granted is listed with the reason."""
    require_may_write(actor)
    existing = GrantBatch.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing
    if not officer_or_director(actor, village):
        raise LoanError(_("您无权为该村办理授信。"))
    today = _today(today)
    present = {int(p) for p in present_ids}
    guarantees = {int(k): v for k, v in (guarantees or {}).items()}
    batch = GrantBatch.objects.create(
        village=village,
        signed_on=signed_on,
        officer=officer,
        created_by=actor,
        idempotency_key=idempotency_key,
    )
    refusals, count, total = [], 0, ZERO
    for app in list(grantable_applications(village)):
        row = {
            "application": app.pk,
            "name": app.applicant.name,
            "group": app.household.group.name,
            "line": str(app.final_line),
        }
        g = guarantees.get(app.pk) or HouseholdGuarantee()
        try:
            with transaction.atomic():
                credit_grant(
                    application=app,
                    actor=actor,
                    officer=officer,
                    signed_on=signed_on,
                    borrower_present=app.pk in present,
                    terms=replace(
                        terms,
                        guarantee_type=g.guarantee_type,
                        guarantors=g.guarantors,
                        collateral=g.collateral,
                    ),
                    batch=batch,
                    today=today,
                )
        except DomainError as e:
            refusals.append({**row, "reason": e.message})
        else:
            count += 1
            total += app.final_line
    batch.granted_count, batch.granted_total, batch.refusals = count, total, refusals
    batch.save(update_fields=["granted_count", "granted_total", "refusals"])
    audit_record(
        actor=actor,
        action="loans.village_grant",
        obj=batch,
        cooperative=village.cooperative,
        changes={"granted": count, "total": total, "refused": len(refusals)},
    )
    return batch


# ---------------------------------------------------------------------------
# The counter: drawdown with two certificates and one seal
# ---------------------------------------------------------------------------


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
    if certificate.status != LoanCertificate.Status.ACTIVE:
        raise DrawdownRefused(
            R.CERTIFICATE, _("贷款证 %(n)s 已收回，不能用于借款。") % {"n": number}, contract
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


# ---------------------------------------------------------------------------
# Repayments and reversals
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Periodic jobs: settlement, classification, reminders (set-based)
# ---------------------------------------------------------------------------


@transaction.atomic
def interest_settle(*, today: date | None = None) -> SettlementRun:
    """Settle the latest quarterly settlement date that is over (run on the 20th it does
    nothing new: the counter is open and repayments that day settle to the day; the job
    settles the 20th early on the 21st), and first every earlier one missed while the
    system was down, oldest first, so each quarter's interest bears compound interest from
    its own payment day. A second run adds nothing (settled loans are not selected again)."""
    job_lock("interest_settle")
    settle = interest.settle_date_due(_today(today))
    oldest = Loan.objects.filter(status=Loan.Status.OPEN, accrued_through__lt=settle).aggregate(
        d=Min("accrued_through")
    )["d"]
    missed = interest.settle_dates_between(oldest, settle)[:-1] if oldest else []
    settled_now = 0
    for day in [*missed, settle]:
        run, _created = SettlementRun.objects.select_for_update().get_or_create(settle_date=day)
        with connection.cursor() as cur:
            cur.execute(interest.SETTLE_SQL, interest.settle_params(day))
            count, interest_total, penalty_total = cur.fetchone()
        run.loan_count += count
        run.interest_total += interest_total
        run.penalty_total += penalty_total
        run.finished_at = timezone.now()
        run.save()
        settled_now += count
    run.settled_now = settled_now  # what this call settled (the run row keeps the quarter's)
    return run


CLASSIFY_SQL = """
WITH calc AS (
    SELECT l.id, l.risk_class AS old, d.days,
        GREATEST(COALESCE(l.manual_class, 0),
            CASE WHEN d.days > %(loss)s THEN 4
                 WHEN d.days > %(doubtful)s THEN 3
                 WHEN d.days > %(substandard)s THEN 2
                 WHEN d.days > %(watch)s THEN 1
                 ELSE 0 END) AS new
    FROM loans_loan l
    CROSS JOIN LATERAL (
        SELECT GREATEST(0, %(today)s::date - LEAST(
            CASE WHEN l.principal > 0 THEN l.due_date END,
            CASE WHEN l.interest_due > 0 THEN l.interest_due_since END)) AS days
    ) d
    WHERE l.status = 'open'
), changed AS (
    UPDATE loans_loan l SET risk_class = c.new
    FROM calc c
    -- l.risk_class = c.old: a loan another run reclassified meanwhile is left to it.
    WHERE l.id = c.id AND c.new <> c.old AND l.risk_class = c.old
    RETURNING l.id, c.old, c.new, c.days
)
INSERT INTO loans_classchange (loan_id, changed_on, from_class, to_class, days_overdue, by_id,
                               reason, at)
SELECT id, %(today)s::date, old, new, COALESCE(days, 0), NULL, %(reason)s, now() FROM changed
"""


def rule_class(days: int, s: LoanSettings) -> int:
    if days > s.days_loss:
        return RiskClass.LOSS
    if days > s.days_doubtful:
        return RiskClass.DOUBTFUL
    if days > s.days_substandard:
        return RiskClass.SUBSTANDARD
    if days > s.days_watch:
        return RiskClass.WATCH
    return RiskClass.NORMAL


@transaction.atomic
def loans_classify(*, today: date | None = None) -> int:
    """The nightly five-level classification of every open loan, in one statement. Returns
    how many loans changed class (each change is kept with its date)."""
    job_lock("loans_classify")
    s = LoanSettings.current()
    with connection.cursor() as cur:
        cur.execute(
            CLASSIFY_SQL,
            {
                "today": _today(today),
                "watch": s.days_watch,
                "substandard": s.days_substandard,
                "doubtful": s.days_doubtful,
                "loss": s.days_loss,
                "reason": _("按逾期天数自动分类"),
            },
        )
        return cur.rowcount


def may_classify(actor, loan) -> bool:
    return may_write(actor) and officer_or_director(actor, loan.contract.village)


@transaction.atomic
def loan_classify_manual(
    *, loan: Loan, actor, to_class: int, reason: str, today: date | None = None
) -> Loan:
    """An officer classifies a loan worse than the days rule, with a reason; never better."""
    today = _today(today)
    loan = (
        Loan.objects.select_for_update(of=("self",))
        .select_related("contract__village")
        .get(pk=loan.pk)
    )
    if not may_classify(actor, loan):
        raise LoanError(_("您无权认定该笔贷款的分类。"))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise LoanError(_("请写明认定理由。"))
    to_class = int(to_class)
    if to_class not in RiskClass.values:
        raise LoanError(_("请选择分类。"))
    days = interest.days_overdue(loan, today) if loan.status == Loan.Status.OPEN else 0
    floor = rule_class(days, LoanSettings.current())
    if to_class < floor:
        raise LoanError(
            _("逾期 %(d)s 天，按规则至少为%(c)s类，不能认定为更好的分类。")
            % {"d": days, "c": RiskClass(floor).label}
        )
    old = loan.risk_class
    loan.manual_class = to_class if to_class > floor else None
    loan.manual_reason = reason[:300] if loan.manual_class is not None else ""
    loan.risk_class = to_class
    loan.save(update_fields=["manual_class", "manual_reason", "risk_class"])
    if old != to_class:
        ClassChange.objects.create(
            loan=loan,
            changed_on=today,
            from_class=old,
            to_class=to_class,
            days_overdue=days,
            by=actor,
            reason=reason[:300],
        )
    audit_record(
        actor=actor,
        action="loans.loan_classify",
        obj=loan,
        cooperative=loan.contract.cooperative,
        changes={"risk_class": [old, to_class], "reason": reason},
    )
    return loan


@transaction.atomic
def drawdown_reminders_queue(*, today: date | None = None) -> int:
    """SMS the borrowers whose drawdown falls due in 7 days and in 1 day (never twice). A
    reminder day missed while the system was down is made up on the next run: each loan not
    yet due gets the reminder of the nearest window it has reached, once."""
    job_lock("drawdown_reminders")
    today = _today(today)
    s = LoanSettings.current()
    windows = sorted({s.reminder_days_first, s.reminder_days_second})
    queued = 0
    loans = (
        Loan.objects.filter(
            status=Loan.Status.OPEN,
            principal__gt=0,
            due_date__gte=today,
            due_date__lte=today + timedelta(days=windows[-1]),
        )
        .select_related("contract__borrower", "contract__household", "contract__cooperative")
        .order_by("id")
    )
    for loan in loans.iterator(chunk_size=500):
        c = loan.contract
        phone = c.borrower.phone or c.household.phone
        text = _(
            "【%(coop)s】%(name)s您好，您的借款（借据 %(n)s）本金余额 %(p)s 元将于 %(d)s 到期，"
            "请按时归还。"
        ) % {
            "coop": c.cooperative.name,
            "name": c.borrower.name,
            "n": loan.number,
            "p": yuan(loan.principal),
            "d": loan.due_date,
        }
        days = next(d for d in windows if loan.due_date <= today + timedelta(days=d))
        if sms_queue(
            phone=phone, text=text, dedupe_key=f"loan-due:{loan.pk}:{loan.due_date}:{days}"
        ):
            queued += 1
    return queued
