"""Loan files opened by themselves when credit is granted, and their checklists
(docs/rules.md §6.1)."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record
from creditcoop.models import Role
from creditcoop.permissions import require_may_write

from ..models import (
    ArchiveFile,
    ArchiveRoom,
    ArchiveSettings,
    DirectoryItem,
    DirectoryTemplate,
    FileItem,
    Retention,
    Section,
    Series,
)
from ._common import ArchiveError, today_or

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
    audit_record(
        actor=actor,
        action="archives.item_add",
        obj=file,
        changes={"item": item.name, "reference": loan.number},
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
