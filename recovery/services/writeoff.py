"""Write-off dossiers (呆账核销) and recoveries after write-off (账销案存), docs/rules.md §7.10."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record
from creditcoop.permissions import may_write
from creditcoop.workflow import transition

from ..models import (
    NplRecord,
    RecoveryEntry,
    WriteOffApproval,
    WriteOffCondition,
    WriteOffDossier,
    WriteOffLevel,
    WriteOffRecovery,
    WriteOffTick,
)
from ._common import RecoveryError, _today, may_pursue
from .board import recovery_entry_record
from .limitation import _lock

CENT = Decimal("0.01")
Status = WriteOffDossier.Status


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def _lock_dossier(dossier: WriteOffDossier) -> WriteOffDossier:
    return (
        WriteOffDossier.objects.select_for_update(of=("self",))
        .select_related("record", "cooperative", "condition")
        .get(pk=dossier.pk)
    )


def levels() -> list[WriteOffLevel]:
    return list(WriteOffLevel.objects.filter(active=True).order_by("position"))


def next_level(dossier: WriteOffDossier) -> WriteOffLevel | None:
    """The first active level of the chain without an approval on the dossier."""
    done = set(dossier.approvals.values_list("position", flat=True))
    return next((lv for lv in levels() if lv.position not in done), None)


def missing_evidence(dossier: WriteOffDossier) -> list[str]:
    ticked = set(dossier.ticks.exclude(document_ref="").values_list("evidence_id", flat=True))
    return [e.name for e in dossier.condition.evidence.filter(required=True) if e.pk not in ticked]


def _check_amounts(record: NplRecord, principal, interest_on, interest_off):
    if min(principal, interest_on, interest_off) < 0 or principal + interest_on + interest_off <= 0:
        raise RecoveryError(_("请填写核销的本金或利息。"), field="principal")
    if principal > record.principal_owed:
        raise RecoveryError(
            _("核销本金 %(p)s 元超过本金余额 %(b)s 元。")
            % {"p": principal, "b": record.principal_owed},
            field="principal",
        )
    owed = record.interest_owed + record.penalty_owed
    if interest_on + interest_off > owed:
        raise RecoveryError(
            _("核销利息 %(i)s 元超过欠息（含罚息）%(b)s 元。")
            % {"i": interest_on + interest_off, "b": owed},
            field="interest_on",
        )


@transaction.atomic
def writeoff_save(
    *,
    actor,
    condition: WriteOffCondition,
    principal,
    interest_on=Decimal("0"),
    interest_off=Decimal("0"),
    reason: str = "",
    ticks: dict[int, str] | None = None,
    record: NplRecord | None = None,
    dossier: WriteOffDossier | None = None,
) -> WriteOffDossier:
    """Prepare a dossier for a record (or edit a draft): the condition, the amounts to write
    off, the evidence items ticked with where each document is (`ticks`: evidence id →
    reference). Only the condition's own evidence items are kept."""
    if dossier is not None:
        dossier = _lock_dossier(dossier)
        if dossier.status != Status.DRAFT:
            raise RecoveryError(_("只有草稿状态的核销申报可以修改。"))
        record = dossier.record
    record = _lock(record)
    if not may_pursue(actor, record):
        raise RecoveryError(_("您无权为该笔不良贷款申报核销。"))
    if dossier is None:
        if record.book_status == NplRecord.BookStatus.WRITTEN_OFF:
            raise RecoveryError(_("该笔贷款已核销（账销案存），不能重复申报。"))
        if record.status != NplRecord.Status.PURSUING:
            raise RecoveryError(_("只有清收中的不良贷款可以申报核销。"))
        if record.writeoffs.exclude(status=Status.REFUSED).exists():
            raise RecoveryError(_("该笔贷款已有核销申报，请在原申报上办理。"))
    if condition is None or not condition.active:
        raise RecoveryError(_("请选择核销条件。"), field="condition")
    principal, interest_on, interest_off = (
        _money(principal),
        _money(interest_on),
        _money(interest_off),
    )
    _check_amounts(record, principal, interest_on, interest_off)
    items = {e.pk: e for e in condition.evidence.all()}
    clean = {}
    for pk, ref in (ticks or {}).items():
        ref = (ref or "").strip()
        if int(pk) not in items:
            raise RecoveryError(_("所选证据材料不属于该核销条件。"))
        if not ref:
            raise RecoveryError(
                _("请填写“%(e)s”的文件编号或存放位置。") % {"e": items[int(pk)].name}
            )
        clean[int(pk)] = ref[:120]
    values = {
        "condition": condition,
        "principal": principal,
        "interest_on": interest_on,
        "interest_off": interest_off,
        "reason": (reason or "").strip(),
    }
    if dossier is None:
        dossier = WriteOffDossier.objects.create(
            record=record, cooperative_id=record.cooperative_id, prepared_by=actor, **values
        )
        action = "recovery.writeoff_prepare"
    else:
        for k, v in values.items():
            setattr(dossier, k, v)
        dossier.save()
        dossier.ticks.all().delete()
        action = "recovery.writeoff_edit"
    WriteOffTick.objects.bulk_create(
        WriteOffTick(dossier=dossier, evidence_id=pk, document_ref=ref) for pk, ref in clean.items()
    )
    audit_record(
        actor=actor,
        action=action,
        obj=dossier,
        cooperative=record.cooperative,
        changes={
            "condition": condition.name,
            "principal": principal,
            "interest_on": interest_on,
            "interest_off": interest_off,
            "evidence": len(clean),
        },
    )
    return dossier


@transaction.atomic
def writeoff_submit(*, actor, dossier: WriteOffDossier) -> WriteOffDossier:
    """Send a draft up the approval chain: refused while a required evidence item of its
    condition has no document."""
    dossier = _lock_dossier(dossier)
    if not may_pursue(actor, dossier.record):
        raise RecoveryError(_("您无权提交该核销申报。"))
    if dossier.status != Status.DRAFT:
        raise RecoveryError(_("该核销申报已提交。"))
    missing = missing_evidence(dossier)
    if missing:
        raise RecoveryError(
            _("缺少必备的证据材料：%(m)s。") % {"m": "、".join(missing)}, field="evidence"
        )
    if not levels():
        raise RecoveryError(_("尚未设置核销审批层级，请联系系统管理员。"))
    dossier.submitted_at = timezone.now()
    transition(
        dossier,
        Status.IN_APPROVAL,
        actor=actor,
        fields=["submitted_at"],
        action="recovery.writeoff_submit",
        cooperative=dossier.cooperative,
    )
    return dossier


def may_approve_level(actor, dossier: WriteOffDossier, level: WriteOffLevel) -> bool:
    if not may_write(actor) or not actor.has_role(level.role):
        return False
    if level.cooperative_level:
        return actor.cooperative_id == dossier.cooperative_id
    return actor.union_id == dossier.cooperative.union_id


@transaction.atomic
def writeoff_approve(
    *,
    actor,
    dossier: WriteOffDossier,
    level: WriteOffLevel,
    decision: str,
    opinion: str,
    today: date | None = None,
) -> WriteOffDossier:
    """One level's decision. Levels go in order (a level cannot decide before the one
    before it); the approver holds the level's role (of the record's cooperative for a
    cooperative level, of its union otherwise), is not the preparer and has not decided at
    another level. A refusal ends the dossier; the last approval writes the record off: its
    book status becomes written off, it stays in the register and is still pursued. The
    loan's ledger is not touched (the accounting entry is made outside the system)."""
    today = _today(today)
    dossier = _lock_dossier(dossier)
    if dossier.status != Status.IN_APPROVAL:
        raise RecoveryError(_("该核销申报不在审批中。"))
    pending = next_level(dossier)
    if pending is None or level.position != pending.position:
        if dossier.approvals.filter(position=level.position).exists():
            raise RecoveryError(_("“%(l)s”已审批。") % {"l": level.name})
        raise RecoveryError(
            _("上一级“%(l)s”尚未审批，不能越级审批。") % {"l": pending.name if pending else ""}
        )
    if not may_approve_level(actor, dossier, level):
        raise RecoveryError(_("您不是“%(l)s”的审批人。") % {"l": level.name})
    if actor.pk == dossier.prepared_by_id:
        raise RecoveryError(_("审批人不能是核销申报的经办人。"))
    if dossier.approvals.filter(approver=actor).exists():
        raise RecoveryError(_("同一人不能在两个层级审批同一笔核销。"))
    if decision not in WriteOffApproval.Decision.values:
        raise RecoveryError(_("请选择审批结论。"), field="decision")
    opinion = (opinion or "").strip()
    if not opinion:
        raise RecoveryError(_("请填写审批意见。"), field="opinion")
    WriteOffApproval.objects.create(
        dossier=dossier,
        level=level,
        position=level.position,
        approver=actor,
        decision=decision,
        opinion=opinion[:500],
    )
    audit_record(
        actor=actor,
        action="recovery.writeoff_approve",
        obj=dossier,
        cooperative=dossier.cooperative,
        changes={"level": level.name, "decision": decision, "opinion": opinion[:200]},
    )
    if decision == WriteOffApproval.Decision.REFUSE:
        transition(
            dossier,
            Status.REFUSED,
            actor=actor,
            reason=opinion[:200],
            action="recovery.writeoff_refuse",
            cooperative=dossier.cooperative,
        )
        return dossier
    if next_level(dossier) is not None:
        return dossier
    transition(
        dossier,
        Status.APPROVED,
        actor=actor,
        action="recovery.writeoff_approved",
        cooperative=dossier.cooperative,
    )
    dossier.written_off_on = today
    transition(
        dossier,
        Status.WRITTEN_OFF,
        actor=actor,
        fields=["written_off_on"],
        action="recovery.writeoff_book",
        cooperative=dossier.cooperative,
    )
    record = _lock(dossier.record)
    before = record.book_status
    NplRecord.objects.filter(pk=record.pk).update(
        book_status=NplRecord.BookStatus.WRITTEN_OFF, updated_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action="recovery.record_write_off",
        obj=record,
        cooperative=record.cooperative,
        changes={"book_status": [before, NplRecord.BookStatus.WRITTEN_OFF], "dossier": dossier.pk},
    )
    return dossier


@transaction.atomic
def writeoff_recovery_record(
    *,
    actor,
    dossier: WriteOffDossier,
    on: date,
    principal=Decimal("0"),
    interest=Decimal("0"),
    note: str = "",
    today: date | None = None,
) -> RecoveryEntry:
    """A recovery on a written-off debt: booked through `recovery_entry_record` (the
    register's balances and the board follow) and counted against the dossier under its row
    lock — never above what was written off (the principal against the principal written
    off, the interest against the interest written off); the excess is refused with what
    remains. The CHECK constraints on the running totals are the database's own guard."""
    today = _today(today)
    dossier = _lock_dossier(dossier)
    if dossier.status != Status.WRITTEN_OFF:
        raise RecoveryError(_("只有已核销的贷款可以登记核销后收回。"))
    if on is not None and on < dossier.written_off_on:
        raise RecoveryError(_("核销后收回的日期不能早于核销日期。"), field="on")
    principal, interest = _money(principal), _money(interest)
    if principal > dossier.remaining_principal or interest > dossier.remaining_interest:
        raise RecoveryError(
            _(
                "核销后收回不能超过核销金额：本金尚可收回 %(p)s 元，利息尚可收回 %(i)s 元"
                "（合计 %(t)s 元）。"
            )
            % {
                "p": dossier.remaining_principal,
                "i": dossier.remaining_interest,
                "t": dossier.remaining,
            },
            field="principal" if principal > dossier.remaining_principal else "interest",
        )
    entry = recovery_entry_record(
        actor=actor,
        record=dossier.record,
        on=on,
        kind=RecoveryEntry.Kind.CASH,
        principal=principal,
        interest=interest,
        note=(note or _("核销后收回")),
        today=today,
    )
    WriteOffRecovery.objects.create(dossier=dossier, entry=entry)
    WriteOffDossier.objects.filter(pk=dossier.pk).update(
        recovered_principal=F("recovered_principal") + principal,
        recovered_interest=F("recovered_interest") + interest,
    )
    audit_record(
        actor=actor,
        action="recovery.writeoff_recover",
        obj=dossier,
        cooperative=dossier.cooperative,
        changes={"on": on, "principal": principal, "interest": interest},
    )
    return entry
