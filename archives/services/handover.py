"""Handover (移交) from the business unit and intake (入库) by the archivist
(docs/rules.md §6.2).

A batch is drawn up by the loan-office clerk or a file's responsible officer (draft; its lines
already hold the files, so no file is on two lists awaiting a check), submitted (the files
leave the unit: handed over), then checked line by line by the archivist. A line with an item
not received goes back to preparation with the reasons; a line received in full is paged,
numbered, shelved and written in the intake register. The batch closes by itself when no line
is left to check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record
from creditcoop.permissions import require_may_write
from creditcoop.workflow import transition, transition_many

from ..models import (
    ArchiveFile,
    FileItem,
    HandoverBatch,
    HandoverLine,
    IntakeRecord,
    NumberSequence,
    Series,
)
from ._common import ArchiveError, next_number, require_archivist, today_or
from .files import may_prepare, missing_required

FS = ArchiveFile.S
LINE_REASON_MAX = 300  # HandoverLine.reason
ITEM_REASON_MAX = 200  # FileItem.reject_reason


def _series_code(series: str) -> str:
    """The series mark in numbers: 'N' for the non-performing series, nothing otherwise."""
    return "N" if series == Series.NPL else ""


def _advance(room, key: str) -> int:
    """The next value of the room's counter ``key``, the counter row locked until commit.

    The row is created on first use without a race: INSERT … ON CONFLICT DO NOTHING waits for
    a concurrent insert of the same key to commit, then the SELECT … FOR UPDATE takes the lock.
    """
    NumberSequence.objects.bulk_create(
        [NumberSequence(room=room, key=key, last=0)], ignore_conflicts=True
    )
    seq = NumberSequence.objects.select_for_update().get(room=room, key=key)
    seq.last += 1
    seq.save(update_fields=["last"])
    return seq.last


@transaction.atomic
def volume_assign(file: ArchiveFile, series: str, on: date | None = None) -> str:
    """Place ``file`` in the current volume of ``series`` for the year of ``on``: a new volume
    starts every ``room.volume_size`` files. Sets ``file.volume_number`` (the caller saves it)
    and returns it, e.g. ``2026-bN-003``. Used at intake and by the move to the
    non-performing series."""
    on = today_or(on)
    room = file.room
    section = f"{file.section}{_series_code(series)}"
    count = _advance(room, f"vol:{section}:{on.year}")
    volume = (count - 1) // room.volume_size + 1
    file.volume_number = f"{on.year}-{section}-{volume:03d}"
    return file.volume_number


@transaction.atomic
def number_assign(file: ArchiveFile, on: date | None = None) -> tuple[str, str]:
    """The archive number and the volume number of a file taken into the room. Sets both on
    ``file`` (the caller saves it) and returns them.

    Archive number: ``{prefix or cooperative code}-{section}{N for the non-performing
    series}-{year}-{sequence:06d}``, one sequence per room, section, series and year, unique
    per cooperative under a database constraint.
    """
    on = today_or(on)
    room = file.room
    prefix = room.number_prefix or room.cooperative.code
    section = f"{file.section}{_series_code(file.series)}"
    while True:
        # A number already taken (the existing stock imported from paper registers keeps its
        # own numbers) is skipped; the counter row stays locked, so this cannot race.
        seq = _advance(room, f"no:{section}:{on.year}")
        number = f"{prefix}-{section}-{on.year}-{seq:06d}"
        taken = ArchiveFile.objects.filter(
            cooperative_id=file.cooperative_id, archive_number=number
        )
        if not taken.exclude(pk=file.pk).exists():
            break
    file.archive_number = number
    volume_assign(file, file.series, on)
    return file.archive_number, file.volume_number


def _missing_text(items) -> str:
    return "、".join(i.name for i in items)


@transaction.atomic
def handover_create(*, actor, cooperative, file_ids, branch=None, note: str = "") -> HandoverBatch:
    """A draft transfer list of complete files being prepared in one cooperative."""
    require_may_write(actor)
    ids = sorted({int(i) for i in file_ids})
    if not ids:
        raise ArchiveError(_("请选择要移交的档案。"), field="files")
    if branch is not None and branch.cooperative_id != cooperative.pk:
        raise ArchiveError(_("移交单位不属于本信用社。"), field="branch")
    files = list(ArchiveFile.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(files) != len(ids):
        raise ArchiveError(_("所选档案不存在或已被删除，请刷新后重新选择。"), field="files")
    problems = []
    for file in files:
        if file.cooperative_id != cooperative.pk:
            problems.append(
                _("档案“%(file)s”不属于%(coop)s，不能列入本社的移交清单。")
                % {"file": file.title, "coop": cooperative.name}
            )
            continue
        if not may_prepare(actor, file):
            problems.append(
                _("档案“%(file)s”：只有信贷内勤或该档案的主办信贷员可以移交。")
                % {"file": file.title}
            )
            continue
        if file.status != FS.PREPARING:
            problems.append(
                _("档案“%(file)s”当前为“%(status)s”，只有整理中的档案可以移交。")
                % {"file": file.title, "status": file.get_status_display()}
            )
            continue
        missing = missing_required(file)
        if missing:
            problems.append(
                _("档案“%(file)s”缺少必备资料：%(items)s，补齐后才能移交。")
                % {"file": file.title, "items": _missing_text(missing)}
            )
    pending = (
        HandoverLine.objects.filter(file_id__in=ids, status=HandoverLine.Status.PENDING)
        .select_related("batch", "file")
        .order_by("file_id")
    )
    for line in pending:
        problems.append(
            _("档案“%(file)s”已在移交清单 %(batch)s 中等待核对。")
            % {"file": line.file.title, "batch": line.batch.number}
        )
    if problems:
        raise ArchiveError(errors={"files": problems})
    today = timezone.localdate()
    number = f"YJ{cooperative.code}{today.year}{next_number('archives_handover_seq'):05d}"
    batch = HandoverBatch.objects.create(
        number=number, cooperative=cooperative, branch=branch, handed_by=actor, note=note
    )
    HandoverLine.objects.bulk_create([HandoverLine(batch=batch, file=f) for f in files])
    audit_record(
        actor=actor,
        action="archives.handover_create",
        obj=batch,
        changes={"files": [f.contract_number or f.title for f in files], "note": note},
    )
    return batch


def _batch_locked(batch) -> HandoverBatch:
    return HandoverBatch.objects.select_for_update().get(pk=batch.pk)


@transaction.atomic
def handover_submit(*, batch, actor) -> HandoverBatch:
    """The unit hands the files over: the list is fixed and the files leave the unit."""
    require_may_write(actor)
    batch = _batch_locked(batch)
    HandoverBatch.workflow.check(batch.status, HandoverBatch.Status.SUBMITTED)
    lines = list(batch.lines.select_related("file").order_by("file_id"))
    files = list(
        ArchiveFile.objects.select_for_update()
        .filter(pk__in=[line.file_id for line in lines])
        .order_by("pk")
    )
    if not files:
        raise ArchiveError(_("移交清单中没有档案。"))
    problems = []
    for file in files:
        if not may_prepare(actor, file):
            problems.append(
                _("档案“%(file)s”：只有信贷内勤或该档案的主办信贷员可以移交。")
                % {"file": file.title}
            )
        missing = missing_required(file)
        if missing:
            problems.append(
                _("档案“%(file)s”缺少必备资料：%(items)s，补齐后才能移交。")
                % {"file": file.title, "items": _missing_text(missing)}
            )
    if problems:
        raise ArchiveError(errors={None: problems})
    transition_many(files, FS.HANDED_OVER, actor=actor, reason=batch.number)
    batch.submitted_at = timezone.now()
    transition(batch, HandoverBatch.Status.SUBMITTED, actor=actor, fields=["submitted_at"])
    return batch


@transaction.atomic
def handover_discard(*, batch, actor) -> None:
    """Throw away a draft list (drawn up by mistake): its files are free for another list.
    A submitted list is a register entry and stays."""
    require_may_write(actor)
    batch = _batch_locked(batch)
    if batch.status != HandoverBatch.Status.DRAFT:
        raise ArchiveError(_("移交清单已提交，不能作废。"))
    files = [line.file for line in batch.lines.select_related("file")]
    if not (batch.handed_by_id == actor.pk or all(may_prepare(actor, f) for f in files)):
        raise ArchiveError(_("只有编制人或信贷内勤可以作废移交清单。"))
    audit_record(
        actor=actor,
        action="archives.handover_discard",
        obj=batch,
        changes={"number": batch.number, "files": [f.contract_number or f.title for f in files]},
    )
    batch.delete()


@dataclass(frozen=True)
class CheckResult:
    line: HandoverLine
    accepted: bool
    intake: IntakeRecord | None = None


def _checked_items(file) -> list[FileItem]:
    """What the unit handed over: the items collected (optional items never collected are
    not on the list)."""
    return list(
        file.items.select_for_update()
        .filter(status=FileItem.Status.COLLECTED)
        .order_by("order", "id")
    )


def _summary(rejected: list[tuple[FileItem, str]]) -> str:
    text = "；".join(f"{item.name}：{reason}" for item, reason in rejected)
    return text if len(text) <= LINE_REASON_MAX else text[: LINE_REASON_MAX - 1] + "…"


@transaction.atomic
def handover_check(
    *,
    line,
    actor,
    results: dict,
    pages: dict | None = None,
    shelf: str = "",
    box: str = "",
    on: date | None = None,
) -> CheckResult:
    """The archivist checks one file item by item.

    ``results`` maps an item id to ``(received, reason)``; an item left out counts as not
    received. ``pages`` maps an item id to the pages counted (default: the item's pages).
    """
    require_may_write(actor)
    on = today_or(on)
    batch = _batch_locked(line.batch)
    require_archivist(actor, batch.cooperative_id)
    line = HandoverLine.objects.select_for_update().get(pk=line.pk)
    if line.status != HandoverLine.Status.PENDING:
        raise ArchiveError(
            _("档案已核对（%(status)s），不能重复核对。") % {"status": line.get_status_display()}
        )
    if batch.status != HandoverBatch.Status.SUBMITTED:
        raise ArchiveError(_("移交清单尚未提交或已办结，不能核对。"))
    file = (
        ArchiveFile.objects.select_for_update(of=("self",))
        .select_related("room__cooperative")
        .get(pk=line.file_id)
    )
    items = _checked_items(file)
    if not items:
        raise ArchiveError(_("该档案没有已收集的资料，无法核对。"))
    pages = pages or {}
    errors: dict = {}
    rejected: list[tuple[FileItem, str]] = []
    checks = []
    for item in items:
        ok, reason = results.get(item.pk, (False, ""))
        reason = (reason or "").strip()
        count = pages.get(item.pk, item.pages)
        if ok and (count is None or int(count) < 1):
            errors.setdefault(f"pages_{item.pk}", []).append(_("页数至少为 1。"))
        if not ok and not reason:
            errors.setdefault(f"reason_{item.pk}", []).append(
                _("“%(item)s”未收到，请填写退回原因。") % {"item": item.name}
            )
        if not ok:
            rejected.append((item, reason[:ITEM_REASON_MAX]))
        checks.append({"item": item.pk, "name": item.name, "ok": bool(ok), "reason": reason})
    if errors:
        raise ArchiveError(errors=errors)
    # A required item added after the list was submitted (a new drawdown's IOU) was never
    # handed over: the file cannot be taken in without it.
    for item in missing_required(file):
        reason = _("未随档移交")
        rejected.append((item, reason))
        checks.append({"item": item.pk, "name": item.name, "ok": False, "reason": reason})
    line.checks = checks
    line.checked_by = actor
    line.checked_at = timezone.now()
    if rejected:
        for item, reason in rejected:
            item.status = FileItem.Status.REJECTED
            item.reject_reason = reason
            item.save(update_fields=["status", "reject_reason"])
        line.status = HandoverLine.Status.REJECTED
        line.reason = _summary(rejected)
        line.save(update_fields=["status", "reason", "checks", "checked_by", "checked_at"])
        transition(file, FS.PREPARING, actor=actor, reason=line.reason)
        audit_record(
            actor=actor,
            action="archives.handover_check",
            obj=batch,
            changes={"file": file.title, "result": "rejected", "reason": line.reason},
        )
        _close_if_done(batch, actor)
        return CheckResult(line=line, accepted=False)

    page = 0
    for item in items:
        item.pages = int(pages.get(item.pk, item.pages))
        item.page_from, item.page_to = page + 1, page + item.pages
        page = item.page_to
        item.status = FileItem.Status.ACCEPTED
        item.reject_reason = ""
    FileItem.objects.bulk_update(
        items, ["pages", "page_from", "page_to", "status", "reject_reason"]
    )
    number_assign(file, on)
    file.pages = page
    file.shelf, file.box = shelf.strip(), box.strip()
    file.filed_on = on
    transition(
        file,
        FS.IN_ROOM,
        actor=actor,
        reason=batch.number,
        fields=["archive_number", "volume_number", "pages", "shelf", "box", "filed_on"],
    )
    line.status = HandoverLine.Status.ACCEPTED
    line.pages = page
    line.save(update_fields=["status", "pages", "checks", "checked_by", "checked_at"])
    intake = IntakeRecord.objects.create(
        room=file.room,
        file=file,
        batch=batch,
        archive_number=file.archive_number,
        volume_number=file.volume_number,
        pages=page,
        shelf=file.shelf,
        box=file.box,
        received_on=on,
        received_by=actor,
    )
    audit_record(
        actor=actor,
        action="archives.file_intake",
        obj=file,
        changes={
            "batch": batch.number,
            "archive_number": file.archive_number,
            "volume_number": file.volume_number,
            "pages": page,
            "shelf": file.shelf,
            "box": file.box,
        },
    )
    _close_if_done(batch, actor)
    return CheckResult(line=line, accepted=True, intake=intake)


def _close_if_done(batch: HandoverBatch, actor) -> None:
    """handover_close: a batch with no line left to check is done (the batch row is locked)."""
    if batch.lines.filter(status=HandoverLine.Status.PENDING).exists():
        return
    batch.closed_at = timezone.now()
    batch.received_by = actor
    transition(batch, HandoverBatch.Status.CLOSED, actor=actor, fields=["closed_at", "received_by"])


@transaction.atomic
def handover_close(*, batch, actor) -> HandoverBatch:
    """Close a submitted batch whose every line is checked (normally done by the last check)."""
    require_may_write(actor)
    batch = _batch_locked(batch)
    require_archivist(actor, batch.cooperative_id)
    HandoverBatch.workflow.check(batch.status, HandoverBatch.Status.CLOSED)
    if batch.lines.filter(status=HandoverLine.Status.PENDING).exists():
        raise ArchiveError(_("还有档案未核对，移交清单不能办结。"))
    _close_if_done(batch, actor)
    return batch
