from django.contrib import admin

from creditcoop.admin import AuditedAdmin, ReadOnly, ReadOnlyAdmin

from .models import (
    AccountingBalance,
    AccountingImport,
    ApprovalRule,
    ArchiveFile,
    ArchiveRoom,
    ArchiveSettings,
    Borrowing,
    BorrowingLine,
    DestructionBatch,
    DestructionLine,
    DirectoryItem,
    DirectoryTemplate,
    FileItem,
    HandoverBatch,
    HandoverLine,
    Inspection,
    InspectionFinding,
    IntakeRecord,
)

# --- reconciliation, destruction, inspections (written through the services) ----------


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


# --- files: settings, rooms, the directory templates, files read-only ------------


@admin.register(ArchiveSettings)
class ArchiveSettingsAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["handover_days", "borrow_days", "bulk_borrow_days", "updated_at"]

    def has_add_permission(self, request):
        return not ArchiveSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ArchiveRoom)
class ArchiveRoomAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "cooperative", "number_prefix", "volume_size"]
    search_fields = ["name", "cooperative__name"]


class DirectoryItemInline(admin.TabularInline):
    model = DirectoryItem
    extra = 1


@admin.register(DirectoryTemplate)
class DirectoryTemplateAdmin(AuditedAdmin, admin.ModelAdmin):
    """农户贷款档案目录: a new version is a new template (a file keeps the one it opened
    with)."""

    list_display = ["name", "section", "guarantee_type", "version", "effective_from", "active"]
    list_filter = ["section", "active"]
    inlines = [DirectoryItemInline]


class FileItemInline(ReadOnly, admin.TabularInline):
    model = FileItem
    fields = ["order", "name", "reference", "required", "original", "pages", "status"]
    extra = 0


@admin.register(ArchiveFile)
class ArchiveFileAdmin(ReadOnlyAdmin):
    list_display = ["archive_number", "title", "section", "status", "colour", "cooperative"]
    list_filter = ["section", "status", "colour"]
    # Exact lookups on the indexed columns: the table holds up to a million files.
    search_fields = ["=archive_number", "=contract_number", "=id_number", "^borrower_name"]
    show_full_result_count = False
    inlines = [FileItemInline]


# --- handover and intake (read in the admin; written by the services) ---


class HandoverLineInline(admin.TabularInline):
    model = HandoverLine
    extra = 0
    can_delete = False
    fields = ["file", "status", "reason", "pages", "checked_by", "checked_at"]
    readonly_fields = fields


@admin.register(HandoverBatch)
class HandoverBatchAdmin(admin.ModelAdmin):
    list_display = ["number", "cooperative", "branch", "status", "handed_by", "submitted_at"]
    list_filter = ["status", "cooperative"]
    search_fields = ["number"]
    readonly_fields = [
        "number",
        "cooperative",
        "branch",
        "status",
        "handed_by",
        "received_by",
        "created_at",
        "submitted_at",
        "closed_at",
    ]
    inlines = [HandoverLineInline]

    def has_add_permission(self, request):
        return False


@admin.register(IntakeRecord)
class IntakeRecordAdmin(admin.ModelAdmin):
    list_display = [
        "received_on",
        "archive_number",
        "volume_number",
        "file",
        "pages",
        "shelf",
        "box",
    ]
    list_filter = ["room"]
    search_fields = ["archive_number", "file__borrower_name", "file__contract_number"]
    readonly_fields = [
        "room",
        "file",
        "batch",
        "archive_number",
        "volume_number",
        "pages",
        "received_on",
        "received_by",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- the stock import ----------------------------------------------------------------
from .models import StockImport  # noqa: E402


@admin.register(StockImport)
class StockImportAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "cooperative",
        "uploaded_by",
        "status",
        "error_count",
        "created_at",
    ]
    list_filter = ["status", "cooperative"]
    readonly_fields = ["token", "rows", "created_at"]
