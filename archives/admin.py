from django.contrib import admin

from .models import HandoverBatch, HandoverLine, IntakeRecord

# --- ahand: handover and intake (read in the admin; written by the services) ---


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
