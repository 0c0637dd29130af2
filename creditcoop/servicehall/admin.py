from django.contrib import admin

from .models import (
    Accountability,
    AccountabilityEvent,
    Deadline,
    DutyRoster,
    DutyShift,
    LoanType,
    Walkin,
)


@admin.register(LoanType)
class LoanTypeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "answer_days",
        "approval_days",
        "annual_rate",
        "max_term_months",
        "is_active",
    ]
    list_editable = ["answer_days", "approval_days", "is_active"]
    search_fields = ["name"]


class DutyShiftInline(admin.TabularInline):
    model = DutyShift
    extra = 0
    raw_id_fields = ["staff"]


@admin.register(DutyRoster)
class DutyRosterAdmin(admin.ModelAdmin):
    list_display = ["cooperative", "month", "published_at", "published_by"]
    list_filter = ["cooperative"]
    readonly_fields = ["published_at", "published_by"]
    inlines = [DutyShiftInline]


@admin.register(Walkin)
class WalkinAdmin(admin.ModelAdmin):
    list_display = [
        "customer_name",
        "kind",
        "status",
        "village",
        "loan_type",
        "amount",
        "registered_on",
    ]
    list_filter = ["cooperative", "kind", "status"]
    search_fields = ["customer_name", "phone"]
    raw_id_fields = ["village", "registered_by", "officer"]

    def has_change_permission(self, request, obj=None):
        return False  # changes go through the hall pages (audited services)


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "responsible", "due_on", "stopped_on", "late_days"]
    list_filter = ["cooperative", "kind"]
    search_fields = ["title", "responsible__name"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


class EventInline(admin.TabularInline):
    model = AccountabilityEvent
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Accountability)
class AccountabilityAdmin(admin.ModelAdmin):
    list_display = ["person", "tier", "late_days", "lost_interest", "status", "cooperative"]
    list_filter = ["cooperative", "tier", "status"]
    inlines = [EventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
