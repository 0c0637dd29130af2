from django.contrib import admin
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html

from creditcoop.admin import ReadOnly
from creditcoop.audit import audit_record, diff, snapshot
from creditcoop.deadlines.models import Accountability, AccountabilityEvent, Deadline
from creditcoop.money import percent

from .models import (
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
        "annual_rate_percent",
        "max_term_months",
        "is_active",
    ]
    list_editable = ["answer_days", "approval_days", "is_active"]
    search_fields = ["name"]

    AUDITED = ["name", "answer_days", "approval_days", "annual_rate", "is_active"]

    @admin.display(description="年利率", ordering="annual_rate")
    def annual_rate_percent(self, obj):
        return percent(obj.annual_rate)

    def save_model(self, request, obj, form, change):
        # The limits are promises made to customers: who changed them, and from what.
        with transaction.atomic():
            before = (
                snapshot(LoanType.objects.select_for_update().get(pk=obj.pk), self.AUDITED)
                if change
                else {}
            )
            super().save_model(request, obj, form, change)
            obj.refresh_from_db(fields=self.AUDITED)  # as stored: 0.065000, not 0.0650
            audit_record(
                actor=request.user,
                action="servicehall.loan_type_change" if change else "servicehall.loan_type_create",
                obj=obj,
                changes=diff(before, snapshot(obj, self.AUDITED)),
            )


class DutyShiftInline(ReadOnly, admin.TabularInline):
    """Read-only: shifts are arranged on the roster page, whose services check the rules
    (working days, roles, a published month is locked) and keep the audit trail."""

    model = DutyShift
    extra = 0
    fields = ["date", "post", "staff"]
    readonly_fields = fields
    can_delete = False


@admin.register(DutyRoster)
class DutyRosterAdmin(ReadOnly, admin.ModelAdmin):
    """View only; the roster page (大厅值班表) edits, publishes and withdraws."""

    list_display = ["cooperative", "month", "published_at", "published_by", "roster_page"]
    list_filter = ["cooperative"]
    fields = ["cooperative", "month", "published_at", "published_by", "roster_page"]
    readonly_fields = fields
    inlines = [DutyShiftInline]

    @admin.display(description="值班表页面")
    def roster_page(self, obj):
        url = reverse("servicehall:roster")
        return format_html(
            '<a href="{}?coop={}&month={}">编排 / 发布</a>',
            url,
            obj.cooperative_id,
            obj.month.strftime("%Y-%m"),
        )


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


class EventInline(ReadOnly, admin.TabularInline):
    model = AccountabilityEvent
    extra = 0


@admin.register(Accountability)
class AccountabilityAdmin(admin.ModelAdmin):
    list_display = ["person", "tier", "late_days", "lost_interest", "status", "cooperative"]
    list_filter = ["cooperative", "tier", "status"]
    inlines = [EventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
