"""Retention and destruction (docs/rules.md §6.7).

A loan file is kept from 1 January of the year after its loan is settled: ``keep_until`` is
the last day it must still be kept (31 December of settled year + the class's years); a
permanent file, or one not settled yet, has none and is never destroyed. A destruction batch
is listed by the archivist, approved by the cooperative's director (not the person who
listed it) and destroyed by the archivist under a named supervisor; every file is checked
again, under row locks, when the batch is listed and when it is destroyed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record
from creditcoop.jobs import job_lock
from creditcoop.models import Role, Staff
from creditcoop.permissions import require_may_write
from creditcoop.workflow import transition, transition_many

from ..models import (
    ArchiveFile,
    ArchiveSettings,
    BorrowingLine,
    DestructionBatch,
    DestructionLine,
    FileStatus,
    Retention,
)
from ._common import ArchiveError, next_number, require_archivist, today_or

# --- the rule ---------------------------------------------------------------------------------


def keep_until(file: ArchiveFile, settings: ArchiveSettings | None = None) -> date | None:
    """The last day ``file`` must be kept, or None (permanent, or not settled yet).

    Loan files count from the year after ``settled_on``; management records (no contract)
    from the year after their record date."""
    s = settings or ArchiveSettings.current()
    years = s.retention_years(file.retention)
    if years is None:  # permanent
        return None
    base = file.settled_on if file.contract_id else (file.settled_on or file.record_date)
    if base is None:
        return None
    return date(base.year + years, 12, 31)


# settled_on: the contract is closed and none of its loans is open; the day is the latest
# repayment that is not reversed (the one that closed the last loan), else the day the
# contract was closed, else its end date. keep_until follows keep_until() above.
REFRESH_SQL = """
WITH calc AS (
    SELECT f.id,
        CASE WHEN f.contract_id IS NULL THEN f.settled_on
             WHEN c.status = 'closed' AND NOT EXISTS (
                 SELECT 1 FROM loans_loan l WHERE l.contract_id = c.id AND l.status = 'open')
             THEN COALESCE(
                 (SELECT MAX(r.paid_on) FROM loans_repayment r
                    JOIN loans_loan l ON l.id = r.loan_id
                   WHERE l.contract_id = c.id AND r.reversed_at IS NULL),
                 (SELECT MAX((e.at AT TIME ZONE %(tz)s)::date) FROM creditcoop_workflowevent e
                   WHERE e.object_type = 'loans.creditcontract' AND e.object_id = c.id::text
                     AND e.to_state = 'closed'),
                 c.end_date)
        END AS settled,
        f.retention, f.record_date, f.contract_id
    FROM archives_archivefile f
    LEFT JOIN loans_creditcontract c ON c.id = f.contract_id
    WHERE f.status <> 'destroyed'
), dated AS (
    SELECT id, settled,
        CASE WHEN retention = 'permanent' THEN NULL
             ELSE make_date(
                 EXTRACT(YEAR FROM CASE WHEN contract_id IS NULL
                                        THEN COALESCE(settled, record_date)
                                        ELSE settled END)::int
                 + CASE retention WHEN 'short' THEN %(short)s WHEN 'long' THEN %(long)s
                                  ELSE %(voucher)s END,
                 12, 31)
        END AS keep
    FROM calc
)
UPDATE archives_archivefile f SET settled_on = d.settled, keep_until = d.keep
FROM dated d
WHERE f.id = d.id
  AND (f.settled_on IS DISTINCT FROM d.settled OR f.keep_until IS DISTINCT FROM d.keep)
"""


@transaction.atomic
def retention_refresh(today: date | None = None) -> int:
    """The nightly refresh of every file's settlement day and retention end, set-based;
    returns how many files changed (a second run changes none)."""
    job_lock("archive_retention")
    s = ArchiveSettings.current()
    with connection.cursor() as cur:
        cur.execute(
            REFRESH_SQL,
            {
                "tz": timezone.get_current_timezone_name(),
                "short": s.retention_short_years,
                "long": s.retention_long_years,
                "voucher": s.retention_voucher_years,
            },
        )
        return cur.rowcount


# --- what keeps a file from destruction -------------------------------------------------------

# Other stages add their own reasons (for example a limitation period still running on a
# written-off loan) without the archives importing them: a check takes the files and today
# and returns {file id: reason}.
DestructionCheck = Callable[[list[ArchiveFile], date], dict[int, str]]
DESTRUCTION_CHECKS: list[DestructionCheck] = []


def register_destruction_check(check: DestructionCheck) -> None:
    if check not in DESTRUCTION_CHECKS:
        DESTRUCTION_CHECKS.append(check)


def destruction_refusals(
    files: Iterable[ArchiveFile], *, today: date, batch: DestructionBatch | None = None
) -> dict[int, list[str]]:
    """Why each file may not be destroyed ({} when every one may), in a few queries."""
    from loans.models import CreditContract, Loan

    files = list(files)
    reasons: dict[int, list[str]] = {f.pk: [] for f in files}
    contract_ids = [f.contract_id for f in files if f.contract_id]
    open_contracts = set(
        CreditContract.objects.filter(
            pk__in=contract_ids, status=CreditContract.Status.ACTIVE
        ).values_list("pk", flat=True)
    )
    open_loans: dict[int, list[str]] = {}
    for contract_id, number in Loan.objects.filter(
        contract_id__in=contract_ids, status=Loan.Status.OPEN
    ).values_list("contract_id", "number"):
        open_loans.setdefault(contract_id, []).append(number)
    lent = set(
        BorrowingLine.objects.filter(file__in=files, out=True).values_list("file_id", flat=True)
    )
    listed = DestructionLine.objects.filter(
        file__in=files,
        batch__status__in=[DestructionBatch.Status.DRAFT, DestructionBatch.Status.APPROVED],
    )
    if batch is not None:
        listed = listed.exclude(batch=batch)
    on_other = dict(listed.values_list("file_id", "batch__number"))
    for f in files:
        why = reasons[f.pk]
        if f.contract_id in open_contracts:
            why.append(_("授信合同 %(n)s 尚未终止") % {"n": f.contract_number})
        if f.contract_id in open_loans:
            why.append(
                _("尚有未结清借据 %(n)s，贷款未结清、诉讼时效可能仍在进行")
                % {"n": "、".join(sorted(open_loans[f.contract_id]))}
            )
        if f.pk in lent or f.status == FileStatus.LENT:
            why.append(_("档案借出未还"))
        if f.in_litigation:
            why.append(_("涉诉档案"))
        if f.status == FileStatus.TRANSFERRED:
            why.append(_("档案已移出至%(to)s") % {"to": f.transferred_to or _("他处")})
        elif f.status not in (FileStatus.IN_ROOM, FileStatus.LENT):
            why.append(_("档案不在库（%(s)s）") % {"s": f.get_status_display()})
        if f.retention == Retention.PERMANENT:
            why.append(_("永久保管"))
        elif f.keep_until is None:
            why.append(_("贷款尚未结清或核销，保管期限尚未起算"))
        elif f.keep_until >= today:
            why.append(_("保管期限未满（须保管至 %(d)s）") % {"d": f.keep_until.isoformat()})
        if f.pk in on_other:
            why.append(_("已列入销毁清单 %(n)s") % {"n": on_other[f.pk]})
    for check in DESTRUCTION_CHECKS:
        for file_id, reason in check(files, today).items():
            if file_id in reasons:
                reasons[file_id].append(str(reason))
    return {pk: why for pk, why in reasons.items() if why}


def _refuse(files: list[ArchiveFile], refusals: dict[int, list[str]]) -> None:
    if refusals:
        lines = [
            _("%(file)s：%(why)s") % {"file": f, "why": "；".join(refusals[f.pk])}
            for f in files
            if f.pk in refusals
        ]
        raise ArchiveError(_("以下档案不能销毁：") + "  ".join(lines), field="files")


def _locked_files(ids) -> list[ArchiveFile]:
    return list(
        ArchiveFile.objects.select_for_update(of=("self",))
        .select_related("cooperative")
        .filter(pk__in=ids)
        .order_by("pk")
    )


# --- destruction batches ----------------------------------------------------------------------


@transaction.atomic
def destruction_create(
    *, actor, cooperative, file_ids, note: str = "", today: date | None = None
) -> DestructionBatch:
    """The archivist lists files to destroy; any file that may not be is refused, with why."""
    require_may_write(actor)
    require_archivist(actor, cooperative.pk)
    today = today_or(today)
    ids = sorted({int(i) for i in file_ids})
    if not ids:
        raise ArchiveError(_("请选择要销毁的档案。"), field="files")
    files = _locked_files(ids)
    if len(files) != len(ids) or any(f.cooperative_id != cooperative.pk for f in files):
        raise ArchiveError(_("所选档案不存在或不属于本社档案室。"), field="files")
    _refuse(files, destruction_refusals(files, today=today))
    batch = DestructionBatch.objects.create(
        number=f"XH{today:%Y}{next_number('archives_destruction_seq'):06d}",
        cooperative=cooperative,
        created_by=actor,
        note=(note or "").strip()[:300],
    )
    DestructionLine.objects.bulk_create([DestructionLine(batch=batch, file=f) for f in files])
    audit_record(
        actor=actor,
        action="archives.destruction_create",
        obj=batch,
        changes={"files": [str(f) for f in files], "note": batch.note},
    )
    return batch


def _lock_batch(batch) -> DestructionBatch:
    return DestructionBatch.objects.select_for_update().get(pk=batch.pk)


@transaction.atomic
def destruction_approve(*, actor, batch: DestructionBatch) -> DestructionBatch:
    """The cooperative's director approves the list; never the person who drew it up."""
    require_may_write(actor)
    batch = _lock_batch(batch)
    if not (actor.has_role(Role.DIRECTOR) and actor.cooperative_id == batch.cooperative_id):
        raise ArchiveError(_("销毁清单须由本社主任批准。"))
    if batch.created_by_id == actor.pk:
        raise ArchiveError(_("编制销毁清单的人不能批准该清单。"))
    batch.workflow.check(batch.status, DestructionBatch.Status.APPROVED)
    batch.approved_by, batch.approved_at = actor, timezone.now()
    return transition(
        batch,
        DestructionBatch.Status.APPROVED,
        actor=actor,
        fields=["approved_by", "approved_at"],
    )


def supervisor_refusal(batch: DestructionBatch, supervisor, actor) -> str | None:
    """Why ``supervisor`` may not witness ``batch`` (None when they may)."""
    if supervisor is None or not supervisor.is_active:
        return _("请选择监销人。")
    if supervisor.pk in (actor.pk, batch.created_by_id):
        return _("监销人不能是经办销毁的档案管理员。")
    if supervisor.pk == batch.approved_by_id:
        return _("监销人不能是批准销毁的人。")
    own_staff = supervisor.cooperative_id == batch.cooperative_id
    union_staff = (
        supervisor.cooperative_id is None
        and supervisor.has_role(Role.AUDITOR, Role.UNION_RISK)
        and supervisor.union_id == batch.cooperative.union_id
    )
    if not (own_staff or union_staff):
        return _("监销人须为本社员工或联社稽核、风险管理人员。")
    return None


def supervisors_for(batch: DestructionBatch, actor):
    """Who may be named supervisor of ``batch`` (for the form's choices)."""
    from django.db.models import Q

    qs = Staff.objects.filter(is_active=True).filter(
        Q(cooperative_id=batch.cooperative_id)
        | Q(cooperative__isnull=True, union_id=batch.cooperative.union_id)
        & (Q(roles__contains=[Role.AUDITOR]) | Q(roles__contains=[Role.UNION_RISK]))
    )
    return qs.exclude(pk__in=[actor.pk, batch.created_by_id, batch.approved_by_id or 0]).order_by(
        "username"
    )


@transaction.atomic
def destruction_destroy(
    *,
    actor,
    batch: DestructionBatch,
    supervisor,
    destroyed_on: date,
    method: str,
    today: date | None = None,
) -> DestructionBatch:
    """The archivist destroys an approved batch under the named supervisor; every file is
    checked again first (a file may have been lent or its loan reopened since the listing)."""
    require_may_write(actor)
    batch = _lock_batch(batch)
    require_archivist(actor, batch.cooperative_id)
    today = today_or(today)
    batch.workflow.check(batch.status, DestructionBatch.Status.DESTROYED)
    if (why := supervisor_refusal(batch, supervisor, actor)) is not None:
        raise ArchiveError(why, field="supervisor")
    if destroyed_on is None or destroyed_on > today:
        raise ArchiveError(_("销毁日期不能晚于今天。"), field="destroyed_on")
    method = (method or "").strip()
    if not method:
        raise ArchiveError(_("请填写销毁方式。"), field="method")
    files = _locked_files(batch.lines.values_list("file_id", flat=True))
    _refuse(files, destruction_refusals(files, today=today, batch=batch))
    transition_many(
        files,
        FileStatus.DESTROYED,
        actor=actor,
        reason=_("销毁清单 %(n)s") % {"n": batch.number},
    )
    batch.supervisor, batch.destroyed_on, batch.method = supervisor, destroyed_on, method[:50]
    return transition(
        batch,
        DestructionBatch.Status.DESTROYED,
        actor=actor,
        fields=["supervisor", "destroyed_on", "method"],
        changes={"supervisor": str(supervisor), "files": len(files), "method": method[:50]},
    )


@transaction.atomic
def destruction_cancel(*, actor, batch: DestructionBatch, reason: str = "") -> DestructionBatch:
    """The archivist or the director withdraws a batch not yet destroyed."""
    require_may_write(actor)
    batch = _lock_batch(batch)
    is_director = actor.has_role(Role.DIRECTOR) and actor.cooperative_id == batch.cooperative_id
    if not is_director:
        require_archivist(actor, batch.cooperative_id)
    return transition(
        batch, DestructionBatch.Status.CANCELLED, actor=actor, reason=(reason or "").strip()
    )
