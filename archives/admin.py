from django.contrib import admin

from creditcoop.admin import ReadOnlyAdmin

# --- actrl: reconciliation, destruction, inspections (written through the services) ----------
from .models import (
    AccountingBalance,
    AccountingImport,
    DestructionBatch,
    DestructionLine,
    Inspection,
    InspectionFinding,
)


@admin.register(AccountingImport)
class AccountingImportAdmin(ReadOnlyAdmin):
    list_display = ["cooperative", "as_of", "file_name", "row_count", "uploaded_by", "created_at"]
    list_filter = ["cooperative"]


@admin.register(DestructionBatch)
class DestructionBatchAdmin(ReadOnlyAdmin):
    list_display = ["number", "cooperative", "status", "created_by", "approved_by", "supervisor"]
    list_filter = ["status", "cooperative"]
    search_fields = ["number"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["cooperative", "inspected_on", "inspectors", "recorded_by"]
    list_filter = ["cooperative"]


@admin.register(InspectionFinding)
class InspectionFindingAdmin(ReadOnlyAdmin):
    list_display = ["inspection", "file", "finding", "status", "rectified_on"]
    list_filter = ["status"]


admin.site.register(AccountingBalance, ReadOnlyAdmin)
admin.site.register(DestructionLine, ReadOnlyAdmin)
