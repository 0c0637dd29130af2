from django.contrib import admin

from creditcoop.audit import audit_record, diff, snapshot
from villages.idcard import normalize_id

from .models import BadCreditRecord

FIELDS = ["id_number", "name", "kind", "note", "settled_on", "active"]


@admin.register(BadCreditRecord)
class BadCreditRecordAdmin(admin.ModelAdmin):
    """Blacklist and bad-loan history checked at every credit application."""

    list_display = [
        "name",
        "id_number",
        "kind",
        "settled_on",
        "active",
        "recorded_by",
        "recorded_at",
    ]
    list_filter = ["kind", "active"]
    search_fields = ["name", "id_number"]
    fields = [*FIELDS, "recorded_by", "recorded_at"]
    readonly_fields = ["recorded_by", "recorded_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # history is deactivated, never deleted

    def save_model(self, request, obj, form, change):
        before = snapshot(BadCreditRecord.objects.get(pk=obj.pk), FIELDS) if change else {}
        obj.id_number = normalize_id(obj.id_number)
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="recovery.bad_record_change" if change else "recovery.bad_record_create",
            obj=obj,
            changes=diff(before, snapshot(obj, FIELDS)),
        )
