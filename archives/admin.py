from django.contrib import admin

from creditcoop.admin import AuditedAdmin, ReadOnly, ReadOnlyAdmin

from .models import (
    ArchiveFile,
    ArchiveRoom,
    ArchiveSettings,
    DirectoryItem,
    DirectoryTemplate,
    FileItem,
)

# --- files (afiles): settings, rooms, the directory templates, files read-only ------------


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
