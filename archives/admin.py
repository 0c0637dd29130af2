from django.contrib import admin

from creditcoop.admin import AuditedAdmin, ReadOnly, ReadOnlyAdmin

from .models import (
    AccountingBalance,
    AccountingImport,
    ApprovalRule,
    Borrowing,
    BorrowingLine,
    DestructionBatch,
    DestructionLine,
    Inspection,
    InspectionFinding,
)

# --- actrl: reconciliation, destruction, inspections (written through the services) ----------


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


# --- borrowing (借阅) -----------------------------------------------------------------------


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(AuditedAdmin, admin.ModelAdmin):
    """The approval matrix: borrower type × method × section → who approves."""

    list_display = ["borrower_type", "method", "section", "authority"]
    list_filter = ["borrower_type", "method", "authority"]
    list_editable = ["authority"]


class BorrowingLineInline(ReadOnly, admin.TabularInline):
    model = BorrowingLine
    fields = ["file", "out", "returned_complete", "missing"]
    readonly_fields = fields
    extra = 0


@admin.register(Borrowing)
class BorrowingAdmin(ReadOnlyAdmin):
    list_display = ["number", "borrower_name", "borrower_type", "method", "status", "due_date"]
    list_filter = ["status", "borrower_type", "method"]
    search_fields = ["number", "borrower_name", "organisation"]
    inlines = [BorrowingLineInline]
