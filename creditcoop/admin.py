from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import (
    AuditLog,
    Branch,
    CalendarDay,
    CalendarYear,
    Cooperative,
    Notification,
    Role,
    SmsMessage,
    Staff,
    Union,
)


@admin.register(Union)
class UnionAdmin(admin.ModelAdmin):
    list_display = ["name", "complaint_phone"]


class BranchInline(admin.TabularInline):
    model = Branch
    extra = 0


@admin.register(Cooperative)
class CooperativeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "union", "small_loan_max", "medium_loan_max", "complaint_phone"]
    search_fields = ["name", "code"]
    inlines = [BranchInline]


class StaffAdminForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label="角色", choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Staff
        fields = "__all__"


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    form = StaffAdminForm
    list_display = ["username", "name", "cooperative", "role_labels", "officer_grade", "is_active"]
    list_filter = ["cooperative", "officer_grade", "is_active"]
    search_fields = ["username", "name", "phone"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("基本信息", {"fields": ("name", "phone", "union", "cooperative", "branch")}),
        ("角色", {"fields": ("roles", "officer_grade")}),
        ("状态", {"fields": ("is_active", "is_staff", "is_superuser", "last_login")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    "username",
                    "name",
                    "union",
                    "cooperative",
                    "roles",
                    "password1",
                    "password2",
                )
            },
        ),
    )
    readonly_fields = ["last_login"]

    @admin.display(description="角色")
    def role_labels(self, obj):
        return obj.role_labels()


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "actor__name", "actor__username"]
    date_hierarchy = "at"


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "phone", "status", "attempts", "text"]
    list_filter = ["status"]
    search_fields = ["phone"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "text", "read_at"]
