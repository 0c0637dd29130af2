from decimal import Decimal

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction

from .audit import audit_record
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


class AuditedAdmin:
    """Mix into a ModelAdmin (before it: `class XAdmin(AuditedAdmin, admin.ModelAdmin)`) so
    that configuration kept in the admin leaves the same audit row as a service write: who,
    when, which object, and each changed field as [old, new]. Inline rows are audited too.
    The admin saves in one transaction, so the row is written with the change or not at all."""

    audit_hidden_fields = ("password", "password1", "password2")

    def save_model(self, request, obj, form, change):
        old = type(obj)._default_manager.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        self._audit(request, obj, "admin.change" if change else "admin.create", form, old)

    def delete_model(self, request, obj):
        self._audit_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._audit_deletion(request, obj)
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        old_rows = {
            f.instance.pk: type(f.instance)._default_manager.filter(pk=f.instance.pk).first()
            for f in formset.initial_forms
            if f.instance.pk is not None and f.has_changed()
        }
        super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            obj = inline_form.instance
            if obj in formset.deleted_objects:
                continue
            if obj in formset.new_objects:
                self._audit(request, obj, "admin.create", inline_form, None)
            elif any(obj is changed for changed, _fields in formset.changed_objects):
                self._audit(request, obj, "admin.change", inline_form, old_rows.get(obj.pk))
        for obj in formset.deleted_objects:
            self._audit_deletion(request, obj)

    def _audit(self, request, obj, action, form, old):
        changes = {}
        for name in form.changed_data:
            if name in self.audit_hidden_fields:
                changes[name] = "（已修改）"
                continue
            try:
                field = obj._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
            new = _admin_value(form.cleaned_data.get(name), field)
            if old is None or field is None:
                changes[name] = new
            else:
                changes[name] = [_admin_value(getattr(old, name), field), new]
        if changes or action != "admin.change":
            audit_record(actor=request.user, action=action, obj=obj, changes=changes)

    def _audit_deletion(self, request, obj):
        audit_record(actor=request.user, action="admin.delete", obj=obj, changes={"对象": str(obj)})


def _admin_value(value, field=None):
    if isinstance(value, Decimal) and isinstance(field, models.DecimalField):
        return value.quantize(Decimal(1).scaleb(-field.decimal_places))  # as stored
    if isinstance(value, models.Model):
        return str(value)
    if hasattr(value, "all"):  # many-to-many selections
        return [str(v) for v in value.all()]
    return value


@admin.register(Union)
class UnionAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "complaint_phone"]


class BranchInline(admin.TabularInline):
    model = Branch
    extra = 0


@admin.register(Cooperative)
class CooperativeAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "union", "small_loan_max", "medium_loan_max", "complaint_phone"]
    search_fields = ["name", "code"]
    inlines = [BranchInline]


class StaffAdminForm(UserChangeForm):
    """The password shows as a read-only hash summary with a link to the change-password
    page, not as an editable hash."""

    roles = forms.MultipleChoiceField(
        label="角色", choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta(UserChangeForm.Meta):
        model = Staff
        fields = "__all__"


@admin.register(Staff)
class StaffAdmin(AuditedAdmin, UserAdmin):
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

    def user_change_password(self, request, id, form_url=""):
        """The admin's set-password page: audited like every other admin change."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                audit_record(
                    actor=request.user,
                    action="admin.password_reset",
                    obj=Staff.objects.get(pk=id),
                    changes={"password": "（已修改）"},
                )
        return response

    @admin.display(description="角色")
    def role_labels(self, obj):
        return obj.role_labels()


class ReadOnly:
    """For a ModelAdmin or an inline: nothing is added, changed or deleted here; the
    product's pages write through audited services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ShownRelationsOnly:
    """A change list joins only the foreign keys its columns show.

    Django's default, when a column is a foreign key, is ``select_related()`` with no names:
    it follows every non-null foreign key to the end (a credit contract drags in its
    application, household, village, cooperative, union, staff …), a join the planner may
    take minutes over."""

    def get_list_select_related(self, request):
        if self.list_select_related is not False:
            return self.list_select_related
        names = []
        for name in self.get_list_display(request):
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:  # a column that is a method or a callable
                continue
            if field.concrete and (field.many_to_one or field.one_to_one):
                names.append(name)
        return names


class ReadOnlyAdmin(ShownRelationsOnly, ReadOnly, admin.ModelAdmin):
    pass


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
class CalendarDayAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["year", "source"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "text", "read_at"]
