"""Granting: the contract signed face to face, the loan certificate, concentrated granting
of a village, and the committee incentive for a household's first certificate."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record
from creditcoop.errors import DomainError
from creditcoop.models import Role
from creditcoop.money import ZERO, yuan
from creditcoop.permissions import officer_or_director, require_may_write
from creditcoop.workflow import transition, transition_many
from ratings.models import CreditApplication
from villages.credit import family_credit_problem

from .. import hooks, interest
from ..models import CommitteeIncentive, CreditContract, GrantBatch, LoanCertificate, LoanSettings
from ._common import LoanError, _next, _today


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


def _check_grantable(app, *, actor, officer, signed_on: date, borrower_present, today) -> None:
    """Refuse a grant the application, the signing or the notice does not allow."""
    from ratings.notices.gate import assert_grantable, signing_earliest

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


def _guarantee_checked(terms: GrantTerms) -> tuple[str, str, str]:
    """The contract's guarantee type, guarantors and collateral, each required where the
    type needs it."""
    guarantee = terms.guarantee_type
    if guarantee not in CreditContract.Guarantee.values:
        raise LoanError(_("请选择担保方式。"))
    guarantors = (terms.guarantors or "").strip()
    collateral = (terms.collateral or "").strip()
    if guarantee in CreditContract.NEEDS_GUARANTORS and not guarantors:
        raise LoanError(_("保证或联保贷款须填写保证人。"))
    if guarantee in CreditContract.NEEDS_COLLATERAL and not collateral:
        raise LoanError(_("抵押或质押贷款须填写抵（质）押物。"))
    return guarantee, guarantors, collateral


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
    require_may_write(actor)
    today = _today(today)
    app = (
        # Only the application row: the joined village, cooperative and member rows are read,
        # not locked, so an objection being filed meanwhile waits on the gate, not a deadlock.
        CreditApplication.objects.select_for_update(of=("self",))
        .select_related("village__cooperative", "household", "applicant")
        .get(pk=application.pk)
    )
    _check_grantable(
        app,
        actor=actor,
        officer=officer,
        signed_on=signed_on,
        borrower_present=borrower_present,
        today=today,
    )
    guarantee, guarantors, collateral = _guarantee_checked(terms)
    rate = terms.annual_rate()
    _close_expired_contract(app.household, on=signed_on, actor=actor)

    village = app.village
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
    hooks.contract_signed(contract=contract, actor=actor)
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
