"""Administrators keep villages and their groups here (audited like a service write). Households, committees, schedules and
promotion surveys change only through the app's pages (services with audit records), so the
admin shows them read-only."""

from django.contrib import admin

from creditcoop.admin import AuditedAdmin, ReadOnlyAdmin
from creditcoop.audit import audit_record, diff, snapshot

from .idcard import normalize_id
from .models import (
    BadCreditRecord,
    CommitteeMember,
    Household,
    Member,
    PromotionEvent,
    PromotionSurvey,
    Village,
    VillageGroup,
    WorkSchedule,
)


class VillageGroupInline(admin.TabularInline):
    model = VillageGroup
    extra = 0


@admin.register(Village)
class VillageAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "town", "cooperative", "officer", "is_promotion"]
    list_filter = ["cooperative", "is_promotion"]
    search_fields = ["code", "name", "town"]
    raw_id_fields = ["officer"]
    readonly_fields = ["is_promotion"]
    inlines = [VillageGroupInline]


class MemberInline(admin.TabularInline):
    model = Member
    fields = ["name", "relation", "id_number", "phone"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["head_name", "village", "group", "phone"]
    list_select_related = ["village", "group"]
    search_fields = ["head_name"]
    raw_id_fields = ["village", "group"]
    show_full_result_count = False
    inlines = [MemberInline]


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(ReadOnlyAdmin):
    list_display = ["village", "post", "name", "phone", "term_start", "term_end"]
    list_select_related = ["village"]


@admin.register(WorkSchedule)
class WorkScheduleAdmin(ReadOnlyAdmin):
    list_display = ["village", "rating_date", "credit_date", "certificate_date", "officer"]
    list_select_related = ["village", "officer"]


class PromotionEventInline(admin.TabularInline):
    model = PromotionEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "at", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PromotionSurvey)
class PromotionSurveyAdmin(ReadOnlyAdmin):
    list_display = ["village", "status", "surveyed_by", "proposed_by", "decided_by"]
    list_filter = ["status"]
    inlines = [PromotionEventInline]


BAD_RECORD_FIELDS = [
    "id_number",
    "name",
    "kind",
    "note",
    "settled_on",
    "active",
    "reason",
    "source",
    "source_reference",
    "cooperative",
    "listed_on",
    "no_fault",
    "default_ended_on",
    "exited_on",
    "exit_reason",
]


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
    list_filter = ["kind", "active", "reason", "exit_reason"]
    search_fields = ["name", "id_number"]
    fields = [*BAD_RECORD_FIELDS, "recorded_by", "recorded_at"]
    readonly_fields = ["recorded_by", "recorded_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # history is deactivated, never deleted

    def save_model(self, request, obj, form, change):
        before = (
            snapshot(BadCreditRecord.objects.get(pk=obj.pk), BAD_RECORD_FIELDS) if change else {}
        )
        obj.id_number = normalize_id(obj.id_number)
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="villages.bad_record_change" if change else "villages.bad_record_create",
            obj=obj,
            changes=diff(before, snapshot(obj, BAD_RECORD_FIELDS)),
        )
