"""Entrusted collection by an outside firm (托管清收, docs/rules.md §7.9): the white list,
packages, the money the firm collects and hands over, the quarterly fee list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record
from creditcoop.models import Role, Staff
from creditcoop.permissions import may_write

from .. import limitation as L
from ..models import (
    Agency,
    AgencyFeeList,
    AgencyHandover,
    AgencyMember,
    AgencyPackage,
    AgencyPackageLine,
    LimitationEvent,
    NplRecord,
    RecoveryEntry,
    RecoveryPolicy,
)
from ._common import RecoveryError, _today, _union_staff, may_manage
from .board import recovery_entry_record
from .limitation import limitation_compute

FEN = Decimal("0.01")


def _fen(value) -> Decimal:
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def _insider(actor) -> bool:
    return may_write(actor) and not actor.is_outsider


def may_run_agencies(actor, union_id) -> bool:
    """Register firms and approve the white list: the union's asset-preservation staff and
    administrators, a cooperative's director or deputy (of the same union)."""
    return _insider(actor) and (
        actor.is_superuser
        or (
            actor.union_id == union_id
            and actor.has_role(Role.UNION_ASSET, Role.ADMIN, Role.DIRECTOR, Role.DEPUTY)
        )
    )


def may_run_package(actor, package: AgencyPackage) -> bool:
    """Create, settle hand-overs, compute and approve fees: the cooperative's director or
    deputy, the union's asset-preservation staff (a union-wide package: the union only)."""
    if not _insider(actor):
        return False
    if package.cooperative_id:
        return may_manage(actor, package.cooperative)
    return actor.is_superuser or (
        actor.has_role(Role.UNION_ASSET, Role.ADMIN) and actor.union_id == package.union_id
    )


def is_agency_member(actor, package: AgencyPackage) -> bool:
    return bool(getattr(actor, "pk", None)) and (
        actor.has_role(Role.AGENCY)
        and AgencyMember.objects.filter(staff_id=actor.pk, agency_id=package.agency_id).exists()
    )


# --- the white list -------------------------------------------------------------------


@transaction.atomic
def agency_create(
    *,
    actor,
    union,
    name: str,
    licence_number: str,
    legal_representative: str = "",
    contact_name: str = "",
    contact_phone: str = "",
) -> Agency:
    union_id = getattr(union, "pk", union)
    if not may_run_agencies(actor, union_id):
        raise RecoveryError(_("只有联社资产保全部或信用社主任、副主任可以登记托管清收机构。"))
    name, licence_number = (name or "").strip(), (licence_number or "").strip().upper()
    if not name:
        raise RecoveryError(_("请填写机构名称。"), field="name")
    if not licence_number:
        raise RecoveryError(_("请填写统一社会信用代码或登记号。"), field="licence_number")
    if Agency.objects.filter(union_id=union_id, licence_number=licence_number).exists():
        raise RecoveryError(_("该登记号的机构已经登记。"), field="licence_number")
    agency = Agency.objects.create(
        union_id=union_id,
        name=name[:100],
        licence_number=licence_number[:40],
        legal_representative=(legal_representative or "").strip()[:50],
        contact_name=(contact_name or "").strip()[:50],
        contact_phone=(contact_phone or "").strip()[:20],
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="recovery.agency_create",
        obj=agency,
        changes={"name": agency.name, "licence_number": agency.licence_number},
    )
    return agency


@transaction.atomic
def agency_whitelist(*, actor, agency: Agency, today: date | None = None) -> Agency:
    """Put a firm on the white list (L20): only then may it get a package."""
    today = _today(today)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if not (
        _insider(actor)
        and (
            actor.is_superuser
            or (
                actor.union_id == agency.union_id
                and actor.has_role(Role.UNION_ASSET, Role.DIRECTOR, Role.ADMIN)
            )
        )
    ):
        raise RecoveryError(_("只有联社资产保全部或信用社主任可以批准列入白名单。"))
    if agency.whitelisted:
        raise RecoveryError(_("该机构已在白名单内。"))
    if agency.created_by_id == actor.pk and not actor.is_superuser:
        raise RecoveryError(_("登记机构的人不能自己批准其列入白名单。"))
    agency.whitelisted, agency.whitelisted_on, agency.whitelisted_by = True, today, actor
    agency.save(update_fields=["whitelisted", "whitelisted_on", "whitelisted_by"])
    audit_record(
        actor=actor, action="recovery.agency_whitelist", obj=agency, changes={"whitelisted": True}
    )
    return agency


@transaction.atomic
def agency_member_add(*, actor, agency: Agency, staff: Staff) -> AgencyMember:
    """Link a firm's login (role 托管清收机构人员 only) to the firm."""
    if not may_run_agencies(actor, agency.union_id):
        raise RecoveryError(_("只有联社资产保全部或信用社主任、副主任可以登记机构人员。"))
    if staff.roles != [Role.AGENCY] or staff.union_id != agency.union_id or staff.cooperative_id:
        raise RecoveryError(
            _("机构人员的账号只能有“托管清收机构人员”一个角色，且不属于任何信用社。")
        )
    if AgencyMember.objects.filter(staff=staff).exists():
        raise RecoveryError(_("该账号已是托管清收机构人员。"))
    member = AgencyMember.objects.create(staff=staff, agency=agency, added_by=actor)
    audit_record(
        actor=actor, action="recovery.agency_member_add", obj=agency, changes={"staff": str(staff)}
    )
    return member


# --- packages ---------------------------------------------------------------------------


def litigated() -> Exists:
    """A record with a lawsuit filed (起诉立案) not followed by the end of enforcement
    (执行终结) on or after it: in litigation, so not entrusted."""
    ended = LimitationEvent.objects.filter(
        record_id=OuterRef(OuterRef("pk")),
        kind=LimitationEvent.Kind.ENFORCEMENT_ENDED,
        occurred_on__gte=OuterRef("occurred_on"),
    )
    return Exists(
        LimitationEvent.objects.filter(
            record_id=OuterRef("pk"), kind=LimitationEvent.Kind.LAWSUIT
        ).filter(~Exists(ended))
    )


def in_live_package() -> Exists:
    return Exists(AgencyPackageLine.objects.filter(record_id=OuterRef("pk"), live=True))


@dataclass
class Candidates:
    records: object  # QuerySet[NplRecord] that would go into the package
    litigated: int
    elsewhere: int


def package_candidates(
    *, union_id, cooperative=None, drawn_before: date, village=None, book_status: str = ""
) -> Candidates:
    """The pursued records the filters select, less litigated ones and those already in a
    live package (their counts are shown on the preview)."""
    qs = NplRecord.objects.filter(
        cooperative__union_id=union_id,
        status=NplRecord.Status.PURSUING,
        drawn_on__lt=drawn_before,
    )
    if cooperative is not None:
        qs = qs.filter(cooperative=cooperative)
    if village is not None:
        qs = qs.filter(village=village)
    if book_status:
        qs = qs.filter(book_status=book_status)
    qs = qs.annotate(is_litigated=litigated(), is_elsewhere=in_live_package())
    n_lit = qs.filter(is_litigated=True).count()
    n_else = qs.filter(is_litigated=False, is_elsewhere=True).count()
    return Candidates(qs.filter(is_litigated=False, is_elsewhere=False), n_lit, n_else)


@transaction.atomic
def package_create(
    *,
    actor,
    agency: Agency,
    cooperative=None,
    drawn_before: date | None = None,
    village=None,
    book_status: str = "",
    staff: Staff,
    starts_on: date,
    ends_on: date,
    deposit: Decimal | None = None,
    fee_pct: Decimal | None = None,
    today: date | None = None,
) -> AgencyPackage:
    """Entrust the selected records to a white-listed firm against its deposit."""
    today = _today(today)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    union_id = agency.union_id
    if cooperative is not None:
        allowed = cooperative.union_id == union_id and may_manage(actor, cooperative)
    else:
        allowed = _insider(actor) and _union_staff(actor, agency)
    if not (allowed and _insider(actor)):
        raise RecoveryError(
            _("只有本社主任、副主任或联社资产保全部可以建立托管资产包（全联社的包只有联社）。")
        )
    if not agency.whitelisted:
        raise RecoveryError(
            _("%(a)s 不在白名单内，不能委托清收。") % {"a": agency.name}, field="agency"
        )
    policy = RecoveryPolicy.current(union_id)
    drawn_before = drawn_before or policy.agency_drawn_before
    deposit = _fen(policy.agency_deposit if deposit is None else deposit)
    fee_pct = Decimal(policy.agency_fee_pct if fee_pct is None else fee_pct)
    if deposit < 0:
        raise RecoveryError(_("保证金不能为负。"), field="deposit")
    if not (0 <= fee_pct <= 100):
        raise RecoveryError(_("费用比例须在 0 到 100 之间。"), field="fee_pct")
    if starts_on is None or ends_on is None or ends_on <= starts_on:
        raise RecoveryError(_("托管终止日须晚于起始日。"), field="ends_on")
    if (
        staff is None
        or not staff.is_active
        or staff.is_outsider
        or staff.union_id != union_id
        or staff.cooperative_id is None
        or (cooperative is not None and staff.cooperative_id != cooperative.pk)
    ):
        raise RecoveryError(_("陪同配合人员须是本社在岗员工。"), field="staff")
    found = package_candidates(
        union_id=union_id,
        cooperative=cooperative,
        drawn_before=drawn_before,
        village=village,
        book_status=book_status,
    )
    records = list(found.records.values("pk", "principal_owed", "interest_owed"))
    if not records:
        raise RecoveryError(_("没有符合条件的贷款。"))
    package = AgencyPackage.objects.create(
        union_id=union_id,
        cooperative=cooperative,
        agency=agency,
        number=f"TMP-{uuid.uuid4().hex[:20]}",
        rules={
            "drawn_before": drawn_before.isoformat(),
            "cooperative": cooperative.name if cooperative else "全联社",
            "village": village.name if village else "",
            "book_status": book_status,
            "excluded_litigated": found.litigated,
            "excluded_elsewhere": found.elsewhere,
        },
        deposit=deposit,
        deposit_balance=deposit,
        fee_pct=fee_pct,
        handover_days=policy.agency_handover_days,
        deduct_after_days=policy.agency_deduct_after_days,
        late_daily_rate=policy.agency_late_daily_rate,
        preserved_bonus=policy.agency_preserved_bonus,
        staff=staff,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    package.number = f"TG{today.year}{package.pk:05d}"
    package.save(update_fields=["number"])
    try:
        with transaction.atomic():
            AgencyPackageLine.objects.bulk_create(
                AgencyPackageLine(
                    package=package,
                    record_id=r["pk"],
                    principal_at_start=r["principal_owed"],
                    interest_at_start=r["interest_owed"],
                )
                for r in records
            )
    except IntegrityError as exc:
        raise RecoveryError(_("有贷款刚被放入另一个托管资产包，请重新预览。")) from exc
    audit_record(
        actor=actor,
        action="recovery.agency_package_create",
        obj=package,
        cooperative=cooperative,
        changes={"agency": agency.name, "records": len(records), "deposit": deposit},
    )
    return package


@transaction.atomic
def package_end(*, actor, package: AgencyPackage) -> AgencyPackage:
    package = AgencyPackage.objects.select_for_update().get(pk=package.pk)
    if not may_run_package(actor, package):
        raise RecoveryError(_("您无权结束该托管资产包。"))
    if not package.live:
        raise RecoveryError(_("该托管资产包已经结束。"))
    if package.handovers.filter(settlement=AgencyHandover.Settlement.OPEN).exists():
        raise RecoveryError(_("尚有未移交的收款，不能结束。"))
    package.status = AgencyPackage.Status.ENDED
    package.save(update_fields=["status"])
    package.lines.update(live=False)
    audit_record(
        actor=actor,
        action="recovery.agency_package_end",
        obj=package,
        cooperative=package.cooperative,
        changes={"status": package.status},
    )
    return package


# --- hand-overs -------------------------------------------------------------------------


def late_charges(package: AgencyPackage, amount: Decimal, days: int) -> Decimal:
    """Interest on money handed over late: the daily rate on the amount for every day past
    the grace days (day 5: nothing; day 6: one day)."""
    late_days = max(0, days - package.handover_days)
    return _fen(Decimal(amount) * package.late_daily_rate * late_days)


@transaction.atomic
def handover_report(
    *,
    actor,
    package: AgencyPackage,
    record: NplRecord,
    collected_on: date,
    principal: Decimal = Decimal("0"),
    interest: Decimal = Decimal("0"),
    receipt_number: str = "",
    today: date | None = None,
) -> AgencyHandover:
    """The firm (or the cooperative for it) records money collected on a record of the
    package; the clock of the hand-over starts on the day it was collected."""
    today = _today(today)
    package = AgencyPackage.objects.select_for_update().get(pk=package.pk)
    if not (
        is_agency_member(actor, package)
        or (_insider(actor) and (package.staff_id == actor.pk or may_run_package(actor, package)))
    ):
        raise RecoveryError(_("您无权为该托管资产包登记收款。"))
    if not package.live:
        raise RecoveryError(_("该托管资产包已经结束。"))
    if not package.lines.filter(record_id=record.pk, live=True).exists():
        raise RecoveryError(_("该笔贷款不在此托管资产包内。"), field="record")
    if collected_on is None or collected_on > today:
        raise RecoveryError(_("收款日期不能晚于今天。"), field="collected_on")
    if collected_on < package.starts_on:
        raise RecoveryError(_("收款日期不能早于托管起始日。"), field="collected_on")
    principal, interest = _fen(principal or 0), _fen(interest or 0)
    if principal < 0 or interest < 0 or principal + interest <= 0:
        raise RecoveryError(_("请填写收回的本金或利息。"), field="principal")
    record = NplRecord.objects.get(pk=record.pk)
    pending = package.handovers.filter(
        record=record, settlement=AgencyHandover.Settlement.OPEN
    ).aggregate(p=Sum("principal"), i=Sum("interest"))
    if principal + (pending["p"] or 0) > record.principal_owed:
        raise RecoveryError(
            _("收回本金超过本金余额 %(b)s 元（含待移交的收款）。") % {"b": record.principal_owed},
            field="principal",
        )
    if interest + (pending["i"] or 0) > record.interest_owed + record.penalty_owed:
        raise RecoveryError(_("收回利息超过欠息（含待移交的收款）。"), field="interest")
    handover = AgencyHandover.objects.create(
        package=package,
        record=record,
        collected_on=collected_on,
        principal=principal,
        interest=interest,
        amount=principal + interest,
        receipt_number=(receipt_number or "").strip()[:40],
        reported_by=actor,
    )
    audit_record(
        actor=actor,
        action="recovery.agency_handover_report",
        obj=package,
        cooperative=record.cooperative,
        changes={"record": record.loan_number, "amount": handover.amount},
    )
    return handover


@transaction.atomic
def handover_settle(
    *, actor, handover: AgencyHandover, on: date, today: date | None = None
) -> AgencyHandover:
    """The cooperative confirms the money on `on`. Within the grace days: no interest; after
    them: the daily rate per day late, charged on the fee list; past the deduction day the
    amount and its interest are taken from the deposit (never below nought: the rest is
    recorded as owed by the firm, its legal representative jointly liable). The amount
    received is booked as a recovery of the record."""
    today = _today(today)
    handover = AgencyHandover.objects.select_for_update().get(pk=handover.pk)
    package = AgencyPackage.objects.select_for_update().get(pk=handover.package_id)
    if not (_insider(actor) and (package.staff_id == actor.pk or may_run_package(actor, package))):
        raise RecoveryError(_("只有陪同配合人员或本社主任、联社资产保全部可以确认收款移交。"))
    if handover.settlement != AgencyHandover.Settlement.OPEN:
        raise RecoveryError(_("这笔收款已经确认。"))
    if on is None or on > today:
        raise RecoveryError(_("移交日期不能晚于今天。"), field="on")
    if on < handover.collected_on:
        raise RecoveryError(_("移交日期不能早于收款日期。"), field="on")
    days = (on - handover.collected_on).days
    interest_due = late_charges(package, handover.amount, days)
    handover.days_late, handover.late_interest = days, interest_due
    handover.handed_over_on, handover.settled_by = on, actor
    if days <= package.deduct_after_days:
        handover.settlement = AgencyHandover.Settlement.CASH
        principal, interest = handover.principal, handover.interest
    else:
        handover.settlement = AgencyHandover.Settlement.DEPOSIT
        due = handover.amount + interest_due
        handover.deducted = min(package.deposit_balance, due)
        handover.owed = due - handover.deducted
        package.deposit_balance -= handover.deducted
        package.save(update_fields=["deposit_balance"])
        covered = min(handover.deducted, handover.amount)
        interest = min(handover.interest, covered)
        principal = covered - interest
    if principal + interest > 0:
        handover.entry = recovery_entry_record(
            actor=actor,
            record=handover.record,
            on=on,
            kind=RecoveryEntry.Kind.CASH,
            principal=principal,
            interest=interest,
            note=_("托管清收 %(n)s") % {"n": package.number},
            today=today,
        )
    handover.save()
    audit_record(
        actor=actor,
        action="recovery.agency_handover_settle",
        obj=package,
        cooperative=package.cooperative,
        changes={
            "amount": handover.amount,
            "days_late": days,
            "late_interest": interest_due,
            "deducted": handover.deducted,
            "owed": handover.owed,
        },
    )
    return handover


# --- the quarterly fee list ---------------------------------------------------------------


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end


def _fee_figures(package: AgencyPackage, year: int, quarter: int, today: date) -> dict:
    start, end = quarter_bounds(year, quarter)
    entries = RecoveryEntry.objects.filter(
        agency_handover__package=package, on__gte=start, on__lt=end
    ).aggregate(p=Sum("principal"), i=Sum("interest"))
    recoveries = _fen((entries["p"] or 0) + (entries["i"] or 0))
    fee = _fen(recoveries * package.fee_pct / 100)
    # Preserved: an event the firm's staff recorded in the quarter (within the contract)
    # that the limitation engine counted.
    members = AgencyMember.objects.filter(agency_id=package.agency_id).values("staff_id")
    lo, hi = max(start, package.starts_on), min(end, package.ends_on + _one_day())
    events = LimitationEvent.objects.filter(
        record__agency_lines__package=package,
        recorded_by_id__in=members,
        occurred_on__gte=lo,
        occurred_on__lt=hi,
    ).select_related("record")
    by_record: dict[int, list] = {}
    for e in events:
        by_record.setdefault(e.record_id, []).append(e)
    preserved = []
    for record_events in by_record.values():
        record = record_events[0].record
        computed = limitation_compute(record)
        counted = [
            e
            for e in record_events
            if (step := computed.verdict_of(e)) is not None and step.verdict == L.COUNTED
        ]
        if counted:
            preserved.append(
                {
                    "record": record.pk,
                    "name": record.borrower_name,
                    "loan_number": record.loan_number,
                    "on": max(e.occurred_on for e in counted).isoformat(),
                }
            )
    bonus = _fen(package.preserved_bonus * len(preserved))
    # Lapsed in the firm's hands: the last day to act fell in the quarter, within the
    # contract, and has passed; the firm compensates the whole debt.
    last_day = min(end, package.ends_on + _one_day(), today)
    lapsed_records = NplRecord.objects.filter(
        agency_lines__package=package,
        status=NplRecord.Status.PURSUING,
        limitation_revived=False,
        limitation_expires_on__gte=max(start, package.starts_on),
        limitation_expires_on__lt=last_day,
    ).order_by("pk")
    lapsed = [
        {
            "record": r.pk,
            "name": r.borrower_name,
            "loan_number": r.loan_number,
            "expired_on": r.limitation_expires_on.isoformat(),
            "amount": str(r.principal_owed + r.interest_owed + r.penalty_owed),
        }
        for r in lapsed_records
    ]
    compensation = _fen(sum((Decimal(x["amount"]) for x in lapsed), Decimal("0")))
    late = package.handovers.filter(
        settlement=AgencyHandover.Settlement.CASH,
        handed_over_on__gte=start,
        handed_over_on__lt=end,
        late_interest__gt=0,
    )
    late_interest = _fen(late.aggregate(s=Sum("late_interest"))["s"] or 0)
    return {
        "recoveries": recoveries,
        "fee_pct": package.fee_pct,
        "fee": fee,
        "preserved_count": len(preserved),
        "preserved_bonus": bonus,
        "lapsed_count": len(lapsed),
        "compensation": compensation,
        "late_interest": late_interest,
        "payable": fee + bonus - compensation - late_interest,
        "details": {
            "preserved": preserved,
            "lapsed": lapsed,
            "late": [
                {
                    "record": h.record_id,
                    "collected_on": h.collected_on.isoformat(),
                    "handed_over_on": h.handed_over_on.isoformat(),
                    "days": h.days_late,
                    "amount": str(h.amount),
                    "interest": str(h.late_interest),
                }
                for h in late.order_by("handed_over_on", "pk")
            ],
        },
    }


def _one_day() -> timedelta:
    return timedelta(days=1)


@transaction.atomic
def fee_list_compute(
    *, actor, package: AgencyPackage, year: int, quarter: int, today: date | None = None
) -> AgencyFeeList:
    """Compute (or recompute, while not approved) a quarter's fee list."""
    today = _today(today)
    package = AgencyPackage.objects.select_for_update().get(pk=package.pk)
    if not may_run_package(actor, package):
        raise RecoveryError(_("您无权编制该资产包的费用清单。"))
    if quarter not in (1, 2, 3, 4) or not (2000 <= year <= today.year):
        raise RecoveryError(_("季度不正确。"), field="quarter")
    start, end = quarter_bounds(year, quarter)
    if start > today:
        raise RecoveryError(_("该季度尚未开始。"), field="quarter")
    if end <= package.starts_on or start > package.ends_on:
        raise RecoveryError(_("该季度不在托管期内。"), field="quarter")
    current = (
        AgencyFeeList.objects.select_for_update()
        .filter(package=package, year=year, quarter=quarter)
        .first()
    )
    if current and current.status == AgencyFeeList.Status.APPROVED:
        raise RecoveryError(_("该季度费用清单已审批，不能重算。"))
    figures = _fee_figures(package, year, quarter, today)
    fee_list = current or AgencyFeeList(package=package, year=year, quarter=quarter)
    for name, value in figures.items():
        setattr(fee_list, name, value)
    fee_list.computed_by = actor
    fee_list.save()
    audit_record(
        actor=actor,
        action="recovery.agency_fee_compute",
        obj=fee_list,
        cooperative=package.cooperative,
        changes={"quarter": f"{year}Q{quarter}", "payable": fee_list.payable},
    )
    return fee_list


@transaction.atomic
def fee_invoice(
    *, actor, fee_list: AgencyFeeList, invoice_number: str, invoice_amount: Decimal
) -> AgencyFeeList:
    fee_list = AgencyFeeList.objects.select_for_update().get(pk=fee_list.pk)
    if not may_run_package(actor, fee_list.package):
        raise RecoveryError(_("您无权登记该资产包的发票。"))
    if fee_list.status != AgencyFeeList.Status.DRAFT:
        raise RecoveryError(_("该季度费用清单已审批。"))
    invoice_number = (invoice_number or "").strip()
    if not invoice_number:
        raise RecoveryError(_("请填写发票号码。"), field="invoice_number")
    if invoice_amount is None or Decimal(invoice_amount) < 0:
        raise RecoveryError(_("请填写发票金额。"), field="invoice_amount")
    fee_list.invoice_number = invoice_number[:40]
    fee_list.invoice_amount = _fen(invoice_amount)
    fee_list.save(update_fields=["invoice_number", "invoice_amount"])
    audit_record(
        actor=actor,
        action="recovery.agency_fee_invoice",
        obj=fee_list,
        cooperative=fee_list.package.cooperative,
        changes={"invoice_number": fee_list.invoice_number, "amount": fee_list.invoice_amount},
    )
    return fee_list


@transaction.atomic
def fee_approve(*, actor, fee_list: AgencyFeeList) -> AgencyFeeList:
    """Approve the payment: only when the invoice matches the fee list to the fen."""
    fee_list = AgencyFeeList.objects.select_for_update().get(pk=fee_list.pk)
    if not may_run_package(actor, fee_list.package):
        raise RecoveryError(_("您无权审批该资产包的费用。"))
    if fee_list.status != AgencyFeeList.Status.DRAFT:
        raise RecoveryError(_("该季度费用清单已审批。"))
    if fee_list.payable < 0:
        raise RecoveryError(
            _("本季机构应向信用社赔付 %(a)s 元，不能凭发票结算费用。") % {"a": -fee_list.payable}
        )
    if fee_list.invoice_amount is None:
        raise RecoveryError(_("请先登记机构的发票。"))
    if not fee_list.matched:
        raise RecoveryError(
            _("发票金额 %(i)s 元与应付金额 %(p)s 元相差 %(d)s 元，不能审批。")
            % {"i": fee_list.invoice_amount, "p": fee_list.payable, "d": fee_list.difference}
        )
    fee_list.status = AgencyFeeList.Status.APPROVED
    fee_list.approved_by, fee_list.approved_at = actor, timezone.now()
    fee_list.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(
        actor=actor,
        action="recovery.agency_fee_approve",
        obj=fee_list,
        cooperative=fee_list.package.cooperative,
        changes={"payable": fee_list.payable},
    )
    return fee_list
