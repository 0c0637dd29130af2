"""Off-balance stock from an Excel sheet: a preview that saves nothing, then one
transaction for the whole sheet (the pattern of villages' household import)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record

from .. import limitation as L
from ..models import NplGuarantor, NplImport, NplRecord
from ._common import RecoveryError, _today, may_manage

IMPORT_TTL = timedelta(hours=24)


def npl_import_preview(*, actor, cooperative, upload, today: date | None = None) -> NplImport:
    """Read and check an uploaded sheet; nothing enters the register yet. SheetError (a
    DomainError) when the file cannot be read at all."""
    from ..imports import sheet_check, sheet_read

    if not may_manage(actor, cooperative):
        raise RecoveryError(_("只有主任、副主任或联社资产保全部可以导入表外不良贷款。"))
    rows = sheet_read(upload)
    error_count = sheet_check(rows, cooperative=cooperative, today=_today(today))
    with transaction.atomic():
        NplImport.objects.filter(
            status=NplImport.Status.PENDING, created_at__lt=timezone.now() - IMPORT_TTL
        ).delete()
        return NplImport.objects.create(
            cooperative=cooperative,
            uploaded_by=actor,
            file_name=(getattr(upload, "name", "") or "")[:200],
            rows=rows,
            error_count=error_count,
        )


def npl_import_confirm(*, actor, cooperative, token, today: date | None = None) -> int:
    """Enter every row of a clean sheet in one transaction (checked again: someone may have
    entered a loan number since the preview); returns how many records."""
    from ..imports import sheet_check

    today = _today(today)
    if not may_manage(actor, cooperative):
        raise RecoveryError(_("只有主任、副主任或联社资产保全部可以导入表外不良贷款。"))
    with transaction.atomic():
        batch = (
            NplImport.objects.select_for_update()
            .filter(token=token, cooperative=cooperative, uploaded_by=actor)
            .first()
        )
        if batch is None or batch.created_at < timezone.now() - IMPORT_TTL:
            raise RecoveryError(_("导入批次不存在或已过期，请重新上传。"))
        if batch.status != NplImport.Status.PENDING:
            raise RecoveryError(_("该批次已经导入过了。"))
        error_count = sheet_check(batch.rows, cooperative=cooperative, today=today)
        if not error_count:
            count = _records_bulk_create(cooperative=cooperative, rows=batch.rows, today=today)
            batch.status, batch.rows = NplImport.Status.DONE, []
            batch.save(update_fields=["status", "rows"])
            audit_record(
                actor=actor,
                action="recovery.record_import",
                obj=batch,
                cooperative=cooperative,
                changes={"file": batch.file_name, "records": count},
            )
            return count
        batch.error_count = error_count
        batch.save(update_fields=["rows", "error_count"])
    raise RecoveryError(_("表格中有 %(n)s 处错误，请修改后重新上传。") % {"n": error_count})


def _records_bulk_create(*, cooperative, rows: list[dict], today: date) -> int:
    records, guarantors = [], []
    for row in rows:
        c = row["clean"]
        due = date.fromisoformat(c["due_on"])
        borrower = L.borrower_limitation(due_dates=[due], events=[])
        records.append(
            NplRecord(
                cooperative=cooperative,
                village_id=c["village_id"],
                source=NplRecord.Source.IMPORT,
                entered_on=today,
                borrower_name=c["name"],
                borrower_id_number=c["id_number"],
                borrower_phone=c["phone"],
                loan_number=c["loan_number"],
                contract_number=c["contract_number"],
                ledger_subject=c["subject"],
                original_amount=Decimal(c["amount"]),
                principal_owed=Decimal(c["principal"]),
                interest_owed=Decimal(c["interest"]),
                penalty_owed=Decimal(c["penalty"]),
                drawn_on=date.fromisoformat(c["drawn_on"]),
                due_on=due,
                risk_class=c["risk_class"],
                book_status=c["book_status"],
                collector_id=c["collector_id"],
                actual_user=c["actual_user"],
                cause=c["cause"],
                last_payment_on=date.fromisoformat(c["last_payment_on"])
                if c["last_payment_on"]
                else None,
                limitation_expires_on=borrower.expires_on,
            )
        )
    try:
        created = NplRecord.objects.bulk_create(records, batch_size=500)
    except IntegrityError:
        raise RecoveryError(_("表格中的借据编号刚被他人登记，请重新上传核对。"))
    for record, row in zip(created, rows, strict=True):
        c = row["clean"]
        if not c["guarantor"]:
            continue
        signed = date.fromisoformat(c["guarantee_signed_on"]) if c["guarantee_signed_on"] else None
        guarantor = NplGuarantor(
            record=record,
            name=c["guarantor"],
            id_number=c["guarantor_id"],
            contract_signed_on=signed,
        )
        result = L.guarantor_limitation(
            main_due=record.due_on, guarantee=guarantor.guarantee(), events=[]
        )
        guarantor.period_ends_on = result.guarantee_period_ends_on
        guarantor.limitation_expires_on = result.expires_on
        guarantors.append(guarantor)
    NplGuarantor.objects.bulk_create(guarantors, batch_size=500)
    return len(created)
