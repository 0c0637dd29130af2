"""Administrators keep villages and their groups here (audited like a service write). Households, committees, schedules and
promotion surveys change only through the app's pages (services with audit records), so the
admin shows them read-only."""

from django.contrib import admin

from creditcoop.admin import AuditedAdmin

from .models import (
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


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
