"""Registering households from an Excel sheet: a preview that registers nothing, then one
transaction for the whole sheet."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record

from ..models import Household, HouseholdImport, Member, Village
from ..pinyin import name_initials
from ._common import VillageError, require_village_write

# --- Excel import ---------------------------------------------------------------------------

IMPORT_TTL = timedelta(hours=24)


def household_import_preview(*, actor, village: Village, upload) -> HouseholdImport:
    """Parse and check an uploaded sheet; nothing is registered yet. Raises SheetError (a
    DomainError) when the file cannot be read at all."""
    from ..imports import sheet_check, sheet_read

    require_village_write(actor, village)
    rows = sheet_read(upload)
    error_count = sheet_check(rows, village=village)
    with transaction.atomic():
        # Sheets never confirmed hold personal data for nothing; drop the stale ones.
        HouseholdImport.objects.filter(
            status=HouseholdImport.Status.PENDING, created_at__lt=timezone.now() - IMPORT_TTL
        ).delete()
        batch = HouseholdImport.objects.create(
            village=village,
            uploaded_by=actor,
            file_name=(getattr(upload, "name", "") or "")[:200],
            rows=rows,
            error_count=error_count,
        )
    return batch


def household_import_confirm(*, actor, village: Village, token) -> int:
    """Register every household of a clean sheet in one transaction; returns how many.

    The rows are checked again (someone may have registered an ID since the preview)."""
    from ..imports import sheet_check, sheet_households

    require_village_write(actor, village)
    with transaction.atomic():
        batch = (
            HouseholdImport.objects.select_for_update()
            .filter(token=token, village=village, uploaded_by=actor)
            .first()
        )
        if batch is None or batch.created_at < timezone.now() - IMPORT_TTL:
            raise VillageError(_("导入批次不存在或已过期，请重新上传。"))
        if batch.status != HouseholdImport.Status.PENDING:
            raise VillageError(_("该批次已经导入过了。"))
        error_count = sheet_check(batch.rows, village=village)
        if not error_count:
            families = sheet_households(batch.rows, village=village)
            count = _households_bulk_create(village=village, families=families)
            # The members are registered now; the copy of the sheet is not needed any more.
            batch.status, batch.rows = HouseholdImport.Status.DONE, []
            batch.save(update_fields=["status", "rows"])
            audit_record(
                actor=actor,
                action="villages.household_import",
                obj=village,
                changes={
                    "file": batch.file_name,
                    "households": count,
                    "members": sum(len(family["members"]) for family in families),
                },
                cooperative=village.cooperative,
            )
            return count
        # Keep the re-check's findings for the preview; nothing else is written.
        batch.error_count = error_count
        batch.save(update_fields=["rows", "error_count"])
    raise VillageError(_("表格中有 %(n)s 处错误，请修改后重新上传。") % {"n": error_count})


def _households_bulk_create(*, village: Village, families: list[dict]) -> int:
    households = Household.objects.bulk_create(
        [
            Household(
                village=village,
                group_id=f["group_id"],
                head_name=f["head_name"],
                address=f["address"],
                phone=f["phone"],
                main_business=f["main_business"],
            )
            for f in families
        ],
        batch_size=500,
    )
    members = []
    for household, family in zip(households, families, strict=True):
        for m in family["members"]:
            # bulk_create skips Member.save(), so the search keys and village are filled in here.
            members.append(
                Member(
                    household=household,
                    village=village,
                    name=m["name"],
                    relation=m["relation"],
                    id_number=m["id_number"],
                    id_reversed=m["id_number"][::-1],
                    initials=name_initials(m["name"]),
                    phone=m["phone"],
                )
            )
    try:
        Member.objects.bulk_create(members, batch_size=1000)
    except IntegrityError:
        raise VillageError(_("表格中的身份证号码刚被他人登记，请重新上传核对。"))
    return len(households)
