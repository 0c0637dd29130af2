"""Debt-for-asset (以资抵债), docs/rules.md §7.11: the asset taken in settlement, its legal
disposal deadline on the deadline engine and the nightly lead-day warnings, leases, disposal,
own use after approval at the policy's discount."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop import workdays
from creditcoop.audit import audit_record
from creditcoop.deadlines.engine import deadline_open, deadline_stop
from creditcoop.jobs import job_lock
from creditcoop.models import Role, Staff
from creditcoop.notify import directors_of, notify
from creditcoop.permissions import directs_cooperative, may_write
from creditcoop.workflow import transition

from ..deadline_kinds import DEBT_ASSET_DISPOSAL
from ..models import (
    DebtAsset,
    DebtAssetDisposal,
    DebtAssetLease,
    DebtAssetOwnUse,
    DebtAssetSettlement,
    DebtAssetWarning,
    NplRecord,
    RecoveryEntry,
    RecoveryPolicy,
)
from ..models.assets import AssetKind, disposal_deadline
from ._common import RecoveryError, _today, may_pursue
from .board import recovery_entry_record

CENT = Decimal("0.01")
Status = DebtAsset.Status


@dataclass(frozen=True)
class Settles:
    """What the asset settles of one record."""

    record: NplRecord
    principal: Decimal = Decimal("0")
    interest: Decimal = Decimal("0")


def _lock_asset(asset: DebtAsset) -> DebtAsset:
    return (
        DebtAsset.objects.select_for_update(of=("self",))
        .select_related("cooperative", "custodian")
        .get(pk=asset.pk)
    )


def may_keep(actor, asset: DebtAsset) -> bool:
    """Lease, dispose, ask for own use: the custodian, the cooperative's director or deputy,
    the union's asset staff."""
    from ._common import may_manage

    return may_write(actor) and (
        asset.custodian_id == actor.pk or may_manage(actor, asset.cooperative)
    )


@transaction.atomic
def debt_asset_create(
    *,
    actor,
    settles: list[Settles],
    description: str,
    kind: str,
    valuation,
    valuer: str,
    acquired_on: date,
    custodian: Staff,
    custody_place: str,
    right_ends_on: date | None = None,
    note: str = "",
    today: date | None = None,
) -> DebtAsset:
    """Register an asset taken in settlement. Each record's settled part is booked as a
    restructured recovery (`recovery_entry_record`, 转贷盘活: not cash); the disposal deadline
    is the law's (`disposal_deadline`) and its clock runs on the deadline engine, the
    custodian responsible."""
    today = _today(today)
    if not settles:
        raise RecoveryError(_("请选择所抵偿的不良贷款。"))
    coop_ids = {s.record.cooperative_id for s in settles}
    if len(coop_ids) != 1:
        raise RecoveryError(_("一项抵债资产只能抵偿同一信用社的贷款。"))
    if len({s.record.pk for s in settles}) != len(settles):
        raise RecoveryError(_("同一笔贷款不能重复抵偿。"))
    if kind not in AssetKind.values:
        raise RecoveryError(_("请选择资产类别。"), field="kind")
    description, valuer, custody_place = (
        (description or "").strip(),
        (valuer or "").strip(),
        (custody_place or "").strip(),
    )
    if not description:
        raise RecoveryError(_("请填写资产名称及描述。"), field="description")
    valuation = Decimal(valuation or 0).quantize(CENT)
    if valuation <= 0:
        raise RecoveryError(_("请填写评估价值。"), field="valuation")
    if not valuer:
        raise RecoveryError(_("请填写评估机构或评估人。"), field="valuer")
    if acquired_on is None or acquired_on > today:
        raise RecoveryError(_("取得日期不能晚于今天。"), field="acquired_on")
    if right_ends_on is not None and right_ends_on <= acquired_on:
        raise RecoveryError(_("权利有效期应晚于取得日期。"), field="right_ends_on")
    if (
        custodian is None
        or custodian.cooperative_id not in coop_ids
        and not custodian.is_union_wide
    ):
        raise RecoveryError(_("保管责任人应为本社或联社员工。"), field="custodian")
    if not custody_place:
        raise RecoveryError(_("请填写保管地点。"), field="custody_place")
    for s in settles:
        if not may_pursue(actor, s.record):
            raise RecoveryError(_("您无权为该笔不良贷款登记以资抵债。"))
    deadline = disposal_deadline(kind, acquired_on, right_ends_on)
    if deadline <= acquired_on:
        raise RecoveryError(_("权利有效期应晚于取得日期。"), field="right_ends_on")
    entries = [
        recovery_entry_record(
            actor=actor,
            record=s.record,
            on=acquired_on,
            kind=RecoveryEntry.Kind.RESTRUCTURED,
            principal=s.principal,
            interest=s.interest,
            note=_("以资抵债：%(d)s") % {"d": description[:80]},
            today=today,
        )
        for s in settles
    ]
    asset = DebtAsset.objects.create(
        cooperative_id=coop_ids.pop(),
        description=description[:300],
        kind=kind,
        valuation=valuation,
        valuer=valuer[:100],
        acquired_on=acquired_on,
        right_ends_on=right_ends_on,
        settled_value=sum((e.total for e in entries), Decimal("0.00")),
        custodian=custodian,
        custody_place=custody_place[:200],
        disposal_deadline=deadline,
        note=(note or "").strip(),
        created_by=actor,
    )
    DebtAssetSettlement.objects.bulk_create(
        DebtAssetSettlement(asset=asset, record=s.record, entry=e)
        for s, e in zip(settles, entries, strict=True)
    )
    # The engine counts working days: the n-th working day after the acquisition is the legal
    # deadline itself, or the last working day before it when it falls on a rest day.
    deadline_open(
        target=asset,
        kind=DEBT_ASSET_DISPOSAL,
        responsible=custodian,
        cooperative=asset.cooperative_id,
        working_days=workdays.working_days_between(acquired_on, deadline),
        start=acquired_on,
        amount=asset.settled_value,
        title=description[:80],
        actor=actor,
    )
    audit_record(
        actor=actor,
        action="recovery.asset_create",
        obj=asset,
        changes={
            "kind": kind,
            "valuation": valuation,
            "settled_value": asset.settled_value,
            "acquired_on": acquired_on,
            "disposal_deadline": deadline,
        },
    )
    return asset


def _check_open(asset: DebtAsset, actor):
    if not may_keep(actor, asset):
        raise RecoveryError(_("您无权办理该抵债资产。"))
    if not asset.is_open:
        raise RecoveryError(_("该抵债资产%(s)s，不能再办理。") % {"s": asset.get_status_display()})


@transaction.atomic
def debt_asset_lease(
    *, actor, asset: DebtAsset, lessee: str, starts_on: date, ends_on: date, rent
) -> DebtAssetLease:
    """Lease the asset while it waits for disposal (the deadline keeps running)."""
    asset = _lock_asset(asset)
    _check_open(asset, actor)
    lessee = (lessee or "").strip()
    if not lessee:
        raise RecoveryError(_("请填写承租人。"), field="lessee")
    if starts_on is None or ends_on is None or ends_on <= starts_on:
        raise RecoveryError(_("租期止应晚于租期起。"), field="ends_on")
    if starts_on < asset.acquired_on:
        raise RecoveryError(_("租期不能早于取得日期。"), field="starts_on")
    rent = Decimal(rent or 0).quantize(CENT)
    if rent < 0:
        raise RecoveryError(_("租金不能为负数。"), field="rent")
    if asset.leases.filter(starts_on__lt=ends_on, ends_on__gt=starts_on).exists():
        raise RecoveryError(_("与已登记的租期重叠。"), field="starts_on")
    lease = DebtAssetLease.objects.create(
        asset=asset,
        lessee=lessee[:100],
        starts_on=starts_on,
        ends_on=ends_on,
        rent=rent,
        recorded_by=actor,
    )
    if asset.status == Status.HELD:
        transition(
            asset,
            Status.LEASED,
            actor=actor,
            action="recovery.asset_lease",
            changes={"lessee": lessee, "rent": rent},
        )
    else:
        audit_record(
            actor=actor,
            action="recovery.asset_lease",
            obj=asset,
            changes={"lessee": lessee, "rent": rent},
        )
    return lease


@transaction.atomic
def debt_asset_dispose(
    *,
    actor,
    asset: DebtAsset,
    method: str,
    on: date,
    buyer: str,
    proceeds,
    today: date | None = None,
) -> DebtAssetDisposal:
    """Auction or sale: proceeds against the settled value (the difference is recorded, a
    negative one is the loss); the disposal deadline stops."""
    today = _today(today)
    asset = _lock_asset(asset)
    _check_open(asset, actor)
    if method not in DebtAssetDisposal.Method.values:
        raise RecoveryError(_("请选择处置方式。"), field="method")
    if on is None or on > today or on < asset.acquired_on:
        raise RecoveryError(_("处置日期应在取得日期和今天之间。"), field="on")
    buyer = (buyer or "").strip()
    if not buyer:
        raise RecoveryError(_("请填写买受人。"), field="buyer")
    proceeds = Decimal(proceeds or 0).quantize(CENT)
    if proceeds < 0:
        raise RecoveryError(_("处置收入不能为负数。"), field="proceeds")
    disposal = DebtAssetDisposal.objects.create(
        asset=asset,
        method=method,
        on=on,
        buyer=buyer[:100],
        proceeds=proceeds,
        settled_value=asset.settled_value,
        difference=proceeds - asset.settled_value,
        recorded_by=actor,
    )
    transition(
        asset,
        Status.DISPOSED,
        actor=actor,
        action="recovery.asset_dispose",
        changes={"method": method, "proceeds": proceeds, "difference": disposal.difference},
    )
    deadline_stop(
        target=asset,
        kind=DEBT_ASSET_DISPOSAL,
        reason=_("已处置（%(m)s）") % {"m": disposal.get_method_display()},
        on=max(on, asset.acquired_on),
        actor=actor,
    )
    return disposal


@transaction.atomic
def own_use_request(*, actor, asset: DebtAsset, purpose: str) -> DebtAssetOwnUse:
    """Ask to keep the asset for own use: booked at the valuation less the union's policy
    discount once the cooperative's director and the union approve."""
    asset = _lock_asset(asset)
    _check_open(asset, actor)
    purpose = (purpose or "").strip()
    if not purpose:
        raise RecoveryError(_("请填写自用用途。"), field="purpose")
    if asset.own_use.filter(status=DebtAssetOwnUse.Status.REQUESTED).exists():
        raise RecoveryError(_("该资产已有待审批的自用申请。"))
    pct = RecoveryPolicy.current(asset.cooperative.union_id).own_use_discount_pct
    booked = (asset.valuation * (Decimal("100") - pct) / Decimal("100")).quantize(CENT)
    req = DebtAssetOwnUse.objects.create(
        asset=asset,
        purpose=purpose[:200],
        discount_pct=pct,
        booked_value=booked,
        requested_by=actor,
    )
    audit_record(
        actor=actor,
        action="recovery.asset_own_use_request",
        obj=asset,
        changes={"purpose": purpose, "discount_pct": pct, "booked_value": booked},
    )
    return req


def _union_approver(actor, asset) -> bool:
    return (
        may_write(actor)
        and actor.has_role(Role.UNION_ASSET, Role.UNION_RISK, Role.ADMIN)
        and actor.union_id == asset.cooperative.union_id
    )


def own_use_next_step(req: DebtAssetOwnUse) -> str:
    if req.status != DebtAssetOwnUse.Status.REQUESTED:
        return ""
    return "director" if req.director_id is None else "union"


@transaction.atomic
def own_use_decide(
    *, actor, request: DebtAssetOwnUse, approve: bool, opinion: str = ""
) -> DebtAssetOwnUse:
    """The cooperative's director (or deputy) first, then the union's asset or risk staff;
    neither may be the one who asked. The union's approval books the asset at the discounted
    value, makes it own use and stops the disposal deadline."""
    asset = _lock_asset(request.asset)
    req = DebtAssetOwnUse.objects.select_for_update().get(pk=request.pk)
    step = own_use_next_step(req)
    if not step:
        raise RecoveryError(_("该自用申请已审批完毕。"))
    if actor.pk == req.requested_by_id:
        raise RecoveryError(_("审批人不能是申请人。"))
    if step == "director" and not (
        may_write(actor) and directs_cooperative(actor, asset.cooperative_id)
    ):
        raise RecoveryError(_("自用申请须先经信用社主任审批。"))
    if step == "union" and not _union_approver(actor, asset):
        raise RecoveryError(_("自用申请须经联社审批。"))
    if step == "union" and actor.pk == req.director_id:
        raise RecoveryError(_("同一人不能两级审批。"))
    opinion = (opinion or "").strip()[:300]
    now = timezone.now()
    if step == "director":
        req.director, req.director_at = actor, now
    else:
        req.union_approver, req.union_at = actor, now
    req.opinion = "；".join(x for x in (req.opinion, opinion) if x)[:300]
    if not approve:
        req.status = DebtAssetOwnUse.Status.REFUSED
    elif step == "union":
        req.status = DebtAssetOwnUse.Status.APPROVED
    req.save()
    audit_record(
        actor=actor,
        action="recovery.asset_own_use_decide",
        obj=asset,
        changes={"step": step, "approve": approve, "opinion": opinion},
    )
    if req.status == DebtAssetOwnUse.Status.APPROVED:
        if not asset.is_open:
            raise RecoveryError(_("该抵债资产已%(s)s。") % {"s": asset.get_status_display()})
        asset.booked_value = req.booked_value
        transition(
            asset,
            Status.OWN_USE,
            actor=actor,
            fields=["booked_value"],
            action="recovery.asset_own_use",
            changes={"booked_value": req.booked_value},
        )
        deadline_stop(target=asset, kind=DEBT_ASSET_DISPOSAL, reason=_("批准转为自用"), actor=actor)
    return req


@transaction.atomic
def debt_asset_warn(*, today: date | None = None) -> dict:
    """Nightly (02:40): before each open asset's disposal deadline, at the union's lead days
    (default 90 and 30), an inbox message to the custodian and the cooperative's directors —
    once per (asset, deadline, lead), the nearest lead reached only after downtime."""
    job_lock("recovery.debt_asset_warn")
    today = _today(today)
    leads_of: dict[int, list[int]] = {}
    warned = 0
    assets = (
        DebtAsset.objects.filter(
            status__in=[Status.HELD, Status.LEASED], disposal_deadline__gte=today
        )
        .select_related("cooperative", "custodian")
        .order_by("id")
    )
    leads = [d for p in RecoveryPolicy.objects.all() for d in p.asset_lead_days()]
    horizon = max(leads + [max(RecoveryPolicy._meta.get_field("asset_warning_days").default())])
    assets = assets.filter(disposal_deadline__lte=today + timedelta(days=horizon))
    for asset in assets:
        union_id = asset.cooperative.union_id
        if union_id not in leads_of:
            leads_of[union_id] = RecoveryPolicy.current(union_id).asset_lead_days()
        left = (asset.disposal_deadline - today).days
        reached = [d for d in leads_of[union_id] if d >= left]
        if not reached:
            continue
        lead = min(reached)
        try:
            with transaction.atomic():
                warning = DebtAssetWarning.objects.create(
                    asset=asset, deadline=asset.disposal_deadline, lead_days=lead, queued_on=today
                )
        except IntegrityError:
            continue
        text = _(
            "【抵债资产处置预警】%(d)s（%(k)s）处置期限 %(on)s，剩余 %(n)s 天，请及时处置。"
        ) % {
            "d": asset.description[:60],
            "k": asset.get_kind_display(),
            "on": asset.disposal_deadline.isoformat(),
            "n": left,
        }
        link = reverse("recovery:asset_detail", args=[asset.pk])
        recipients = {s.pk: s for s in directors_of(asset.cooperative)}
        if asset.custodian.is_active:
            recipients[asset.custodian_id] = asset.custodian
        for staff in recipients.values():
            notify(
                recipient=staff,
                text=text,
                link=link,
                dedupe_key=f"asset-warn:{warning.pk}:{staff.pk}",
            )
        warned += 1
    return {"warnings": warned}
