"""Loan files opened by themselves when credit is granted, and their checklists
(docs/rules.md §6.1)."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record, diff, snapshot
from creditcoop.models import Role
from creditcoop.permissions import directs_cooperative, require_may_write
from creditcoop.workflow import Move, record, transition

from ..models import (
    ArchiveFile,
    ArchiveRoom,
    ArchiveSettings,
    DirectoryItem,
    DirectoryTemplate,
    FileItem,
    FileStatus,
    Retention,
    Section,
    Series,
)
from ..models.files import MANAGEMENT_SECTIONS
from ._common import ArchiveError, require_archivist, today_or

Source = DirectoryItem.Source


def room_for(cooperative) -> ArchiveRoom:
    """The cooperative's archive room, created with a default name the first time."""
    room, _created = ArchiveRoom.objects.get_or_create(
        cooperative=cooperative, defaults={"name": f"{cooperative.name}信贷档案室"}
    )
    return room


def template_in_force(*, section: str, guarantee_type: str = "", on=None):
    """The directory template in force: active, effective, highest version, the guarantee
    type's own before the general one."""
    on = today_or(on)
    return (
        DirectoryTemplate.objects.filter(section=section, active=True, effective_from__lte=on)
        .filter(Q(guarantee_type=guarantee_type) | Q(guarantee_type=""))
        .order_by("-guarantee_type", "-version")
        .first()
    )


def _prelisted(item: DirectoryItem, contract) -> tuple[str, bool]:
    """(reference, keep) for a directory line the system already knows about."""
    if item.source == Source.APPLICATION:
        return f"SQ{contract.application_id}", True
    if item.source == Source.CONTRACT:
        return contract.number, True
    if item.source == Source.CERTIFICATE:
        cert = getattr(contract, "certificate", None)
        return (cert.number if cert else ""), True
    if item.source == Source.GUARANTEE:
        return "", contract.guarantee_type != contract.Guarantee.CREDIT
    if item.source == Source.IOU:
        return "", False  # one line per drawdown, added when the loan is drawn
    return "", True


def loan_file_open(*, contract, actor) -> ArchiveFile:
    """Open the loan file of a credit contract (called in the granting transaction)."""
    existing = ArchiveFile.objects.filter(contract=contract).first()
    if existing is not None:
        return existing
    s = ArchiveSettings.current()
    today = contract.signed_on or timezone.localdate()
    template = template_in_force(
        section=Section.PERSONAL, guarantee_type=contract.guarantee_type, on=today
    )
    household = contract.household
    borrower = contract.borrower
    village = contract.village
    officer_id = village.officer_id or contract.signed_by_id
    retention = (
        Retention.SHORT if contract.term_months <= s.short_term_max_months else Retention.LONG
    )
    file = ArchiveFile.objects.create(
        cooperative_id=contract.cooperative_id,
        room=room_for(contract.cooperative),
        section=Section.PERSONAL,
        series=Series.NORMAL,
        colour=s.colour_for(0),
        title=_("%(name)s农户贷款档案（%(number)s）")
        % {"name": borrower.name, "number": contract.number},
        record_date=today,
        contract=contract,
        household=household,
        village=village,
        borrower_name=borrower.name,
        id_number=borrower.id_number,
        contract_number=contract.number,
        template=template,
        officer_id=officer_id,
        retention=retention,
        opened_on=today,
        handover_due=today + timedelta(days=s.handover_days),
    )
    items = []
    if template is not None:
        for line in template.items.all():
            reference, keep = _prelisted(line, contract)
            if keep:
                items.append(
                    FileItem(
                        file=file,
                        directory_item=line,
                        order=line.order,
                        name=line.name,
                        source=line.source,
                        reference=reference,
                        required=line.required,
                        original=line.original,
                        pages=line.pages,
                    )
                )
    FileItem.objects.bulk_create(items)
    audit_record(
        actor=actor,
        action="archives.file_open",
        obj=file,
        changes={
            "contract": contract.number,
            "template": str(template) if template else "",
            "items": len(items),
        },
    )
    return file


def loan_file_add_iou(*, loan, actor) -> FileItem | None:
    """A drawdown adds its IOU (借据) to the contract's loan file."""
    file = ArchiveFile.objects.select_for_update().filter(contract_id=loan.contract_id).first()
    if file is None:
        return None
    iou_line = None
    if file.template_id:
        iou_line = file.template.items.filter(source=Source.IOU).first()
    last = file.items.order_by("-order").values_list("order", flat=True).first() or 0
    item = FileItem.objects.create(
        file=file,
        directory_item=iou_line,
        order=last + 1,
        name=iou_line.name if iou_line else _("借据"),
        source=Source.IOU,
        reference=loan.number,
        loan=loan,
        required=iou_line.required if iou_line else True,
        original=True,
        pages=iou_line.pages if iou_line else 1,
    )
    # The IOU filed in the archive carries its amount: the archive's recorded balance grows
    # with it; repayments are entered when their vouchers are filed (docs/rules.md §6.6).
    file.recorded_balance += loan.amount
    file.save(update_fields=["recorded_balance"])
    audit_record(
        actor=actor,
        action="archives.item_add",
        obj=file,
        changes={
            "item": item.name,
            "reference": loan.number,
            "recorded_balance": file.recorded_balance,
        },
    )
    return item


def missing_required(file) -> list[FileItem]:
    """Required items not (or no longer) in hand: they block the handover."""
    return list(
        file.items.filter(
            required=True, status__in=[FileItem.Status.MISSING, FileItem.Status.REJECTED]
        )
    )


def may_prepare(actor, file) -> bool:
    """The loan-office clerk of the cooperative, or the file's responsible officer."""
    if actor.cooperative_id != file.cooperative_id and not actor.is_superuser:
        return False
    return actor.has_role(Role.CLERK) or (
        actor.has_role(Role.OFFICER) and file.officer_id == actor.pk
    )


@transaction.atomic
def item_collect(*, item_ids, actor, collected: bool = True) -> int:
    """The clerk (or the responsible officer) marks items as collected, or not yet."""
    require_may_write(actor)
    items = list(
        FileItem.objects.select_for_update(of=("self",))
        .select_related("file")
        .filter(pk__in=item_ids)
        .order_by("pk")
    )
    if not items:
        raise ArchiveError(_("请选择要登记的资料。"))
    changed = 0
    for item in items:
        file = item.file
        if not may_prepare(actor, file):
            raise ArchiveError(_("只有信贷内勤或该档案的主办信贷员可以登记资料收集。"))
        if file.status != ArchiveFile.S.PREPARING:
            raise ArchiveError(
                _("档案 %(file)s 已移交或入库，不能再修改资料收集情况。") % {"file": file}
            )
        want = FileItem.Status.COLLECTED if collected else FileItem.Status.MISSING
        if item.status == want:
            continue
        item.status = want
        item.collected_by = actor if collected else None
        item.collected_at = timezone.now() if collected else None
        item.reject_reason = "" if collected else item.reject_reason
        item.save(update_fields=["status", "collected_by", "collected_at", "reject_reason"])
        audit_record(
            actor=actor,
            action="archives.item_collect",
            obj=file,
            changes={"item": item.name, "status": want},
        )
        changed += 1
    return changed


# --- by hand: items, the archivist's edits, management records, transfers (§6.1, §6.4) -----


def _locked_file(file) -> ArchiveFile:
    return ArchiveFile.objects.select_for_update().get(pk=file.pk)


@transaction.atomic
def item_add(*, file, name, required=True, original=True, pages=1, actor) -> FileItem:
    """Add a document the directory does not list to a file still being prepared."""
    require_may_write(actor)
    file = _locked_file(file)
    if not may_prepare(actor, file):
        raise ArchiveError(_("只有信贷内勤或该档案的主办信贷员可以增加资料。"))
    if file.status != FileStatus.PREPARING:
        raise ArchiveError(_("档案 %(file)s 已移交或入库，不能再增加资料。") % {"file": file})
    name = (name or "").strip()
    if not name:
        raise ArchiveError(_("请填写资料名称。"), field="name")
    if not pages or int(pages) < 1:
        raise ArchiveError(_("页数至少为 1。"), field="pages")
    last = file.items.aggregate(m=Max("order"))["m"] or 0
    item = FileItem.objects.create(
        file=file,
        order=last + 1,
        name=name,
        required=bool(required),
        original=bool(original),
        pages=int(pages),
    )
    audit_record(
        actor=actor,
        action="archives.item_add",
        obj=file,
        changes={"item": name, "required": item.required, "original": item.original},
    )
    return item


EDITABLE = ["shelf", "box", "retention", "in_litigation"]


@transaction.atomic
def file_edit(*, file, actor, **values) -> ArchiveFile:
    """The archivist corrects a file's location, retention class and litigation flag."""
    require_may_write(actor)
    file = _locked_file(file)
    require_archivist(actor, file.cooperative_id)
    if file.status == FileStatus.DESTROYED:
        raise ArchiveError(_("档案已销毁，不能再修改。"))
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ArchiveError(_("不能修改这些项目：%(f)s") % {"f": "、".join(sorted(unknown))})
    if "retention" in values and values["retention"] not in Retention.values:
        raise ArchiveError(_("请选择保管期限。"), field="retention")
    before = snapshot(file, EDITABLE)
    for key, value in values.items():
        setattr(file, key, value.strip() if isinstance(value, str) else value)
    changes = diff(before, snapshot(file, EDITABLE))
    if not changes:
        return file
    file.save(update_fields=list(changes))
    audit_record(actor=actor, action="archives.file_edit", obj=file, changes=changes)
    return file


@transaction.atomic
def record_create(
    *, cooperative, title, section, record_date, pages, actor, note=""
) -> ArchiveFile:
    """File a management record (sections e–j: minutes, circulars, reports, team records).

    It starts being prepared, like a loan file, with one item (the record itself, in hand):
    it reaches the room by the same handover and intake, so it is checked and numbered by
    the same rules (docs/rules.md §6.1)."""
    require_may_write(actor)
    if not directs_cooperative(actor, cooperative.pk):
        require_archivist(actor, cooperative.pk)
    if section not in MANAGEMENT_SECTIONS:
        raise ArchiveError(_("管理类档案只能归入 e 至 j 类。"), field="section")
    title = (title or "").strip()
    if not title:
        raise ArchiveError(_("请填写案卷题名。"), field="title")
    if not pages or int(pages) < 1:
        raise ArchiveError(_("页数至少为 1。"), field="pages")
    if record_date is None or record_date > timezone.localdate():
        raise ArchiveError(_("形成日期不能晚于今天。"), field="record_date")
    today = timezone.localdate()
    file = ArchiveFile.objects.create(
        cooperative=cooperative,
        room=room_for(cooperative),
        section=section,
        series="",
        colour="",
        title=title,
        record_date=record_date,
        clerk=actor,
        retention=Retention.LONG,
        opened_on=today,
        note=(note or "").strip(),
    )
    FileItem.objects.create(
        file=file,
        order=1,
        name=title,
        required=True,
        original=True,
        pages=int(pages),
        status=FileItem.Status.COLLECTED,
        collected_by=actor,
        collected_at=timezone.now(),
    )
    record(
        Move(
            file,
            "",
            FileStatus.PREPARING,
            actor,
            action="archives.record_create",
            changes={
                "section": section,
                "title": title,
                "record_date": record_date.isoformat(),
                "pages": int(pages),
                "note": file.note,
            },
        )
    )
    return file


@transaction.atomic
def file_transfer(*, file, transferred_to, reason, actor) -> ArchiveFile:
    """The archivist sends a file out of the room (to recovery, a court): it is no longer on
    the shelf until it comes back."""
    require_may_write(actor)
    file = _locked_file(file)
    require_archivist(actor, file.cooperative_id)
    transferred_to = (transferred_to or "").strip()
    reason = (reason or "").strip()
    if not transferred_to:
        raise ArchiveError(_("请填写移出至何处（如清收部门、某某法院）。"), field="transferred_to")
    if not reason:
        raise ArchiveError(_("请填写移出事由。"), field="reason")
    if file.status != FileStatus.IN_ROOM:
        raise ArchiveError(
            _("只有在库的档案可以移出，档案 %(file)s 当前为“%(state)s”。")
            % {"file": file, "state": file.get_status_display()}
        )
    file.transferred_to = transferred_to
    return transition(
        file,
        FileStatus.TRANSFERRED,
        actor=actor,
        reason=reason,
        fields=["transferred_to"],
        changes={"transferred_to": transferred_to},
    )


@transaction.atomic
def file_transfer_back(*, file, actor, note="") -> ArchiveFile:
    """A transferred file comes back to the room (its shelf and box are kept)."""
    require_may_write(actor)
    file = _locked_file(file)
    require_archivist(actor, file.cooperative_id)
    if file.status != FileStatus.TRANSFERRED:
        raise ArchiveError(_("档案 %(file)s 未移出，无需收回。") % {"file": file})
    came_from = file.transferred_to
    file.transferred_to = ""
    return transition(
        file,
        FileStatus.IN_ROOM,
        actor=actor,
        reason=(note or "").strip() or _("自%(to)s收回") % {"to": came_from},
        fields=["transferred_to"],
        changes={"transferred_to": [came_from, ""]},
    )
