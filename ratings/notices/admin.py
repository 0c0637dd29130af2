from django.contrib import admin

from creditcoop.admin import AuditedAdmin, ReadOnlyAdmin

from .models import NoticeBatch, NoticeEntry, NoticePolicy, Objection, ServicePromise


@admin.register(NoticePolicy)
class NoticePolicyAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["cooperative", "period_days", "objection_working_days"]


@admin.register(ServicePromise)
class ServicePromiseAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "cooperative",
        "loan_type",
        "term",
        "rate",
        "time_limit",
        "sort_order",
        "is_active",
    ]
    list_filter = ["cooperative", "is_active"]
    list_editable = ["sort_order", "is_active"]


# Notices and objections change only through their services (audited).


class EntryInline(admin.TabularInline):
    model = NoticeEntry
    fields = ["group_name", "masked_name", "grade", "line", "term_months", "status"]
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(NoticeBatch)
class NoticeBatchAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "start_date", "end_date", "period_days"]
    list_filter = ["status", "village__cooperative"]
    search_fields = ["village__name"]
    inlines = [EntryInline]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ["reference", "batch", "channel", "status", "outcome", "filed_on", "due_on"]
    list_filter = ["status", "channel", "outcome"]
    search_fields = ["reference"]
