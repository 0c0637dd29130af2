from django.contrib import admin

from creditcoop.admin import AuditedAdmin, ReadOnlyAdmin

from .models import (
    ForceMajeureExtension,
    LimitationEvent,
    LimitationWarning,
    LossAssessment,
    NplGuarantor,
    NplImport,
    NplInstalment,
    NplRecord,
    OfficerEscalation,
    RecoverabilityAssessment,
    RecoveryPolicy,
    ResponsibilityDeduction,
    ResponsibilityShare,
    ResponsiblePerson,
    VintageScheme,
    VintageSegment,
)


@admin.register(RecoveryPolicy)
class RecoveryPolicyAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "union",
        "warning_days",
        "daily_contact_cap",
        "agreement_max_months",
        "responsibility_policy",
        "blacklist_lapse_years",
        "updated_at",
    ]


class VintageSegmentInline(admin.TabularInline):
    model = VintageSegment
    extra = 1


@admin.register(VintageScheme)
class VintageSchemeAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "code", "position", "active"]
    inlines = [VintageSegmentInline]


class InstalmentInline(admin.TabularInline):
    model = NplInstalment
    extra = 0


class GuarantorInline(admin.TabularInline):
    model = NplGuarantor
    extra = 0
    readonly_fields = ["period_ends_on", "limitation_expires_on"]


@admin.register(NplRecord)
class NplRecordAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "borrower_name",
        "loan_number",
        "cooperative",
        "risk_class",
        "book_status",
        "principal_owed",
        "limitation_expires_on",
        "status",
    ]
    list_filter = ["book_status", "status", "risk_class", "cooperative"]
    search_fields = ["borrower_name", "loan_number", "borrower_id_number"]
    raw_id_fields = ["loan", "household", "village", "collector"]
    readonly_fields = ["limitation_expires_on", "limitation_revived", "limitation_stale"]
    inlines = [InstalmentInline, GuarantorInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Dates, instalments or guarantors may have changed: the nightly sweep recomputes.
        NplRecord.objects.filter(pk=form.instance.pk).update(limitation_stale=True)


@admin.register(LimitationEvent)
class LimitationEventAdmin(ReadOnlyAdmin):
    list_display = ["record", "guarantor", "kind", "occurred_on", "recorded_by", "recorded_at"]
    list_filter = ["kind"]


@admin.register(LimitationWarning)
class LimitationWarningAdmin(ReadOnlyAdmin):
    list_display = ["record", "guarantor", "expires_on", "lead_days", "queued_on"]


@admin.register(RecoverabilityAssessment)
class RecoverabilityAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["record", "year", "likelihood", "assessed_by", "assessed_on"]


@admin.register(NplImport)
class NplImportAdmin(ReadOnlyAdmin):
    list_display = ["cooperative", "file_name", "status", "error_count", "created_at"]


# Responsibility (主责任人制): written through the services; read here.


@admin.register(ResponsiblePerson)
class ResponsiblePersonAdmin(ReadOnlyAdmin):
    list_display = ["record", "post", "is_main", "is_first", "staff", "name"]
    list_filter = ["post"]


@admin.register(LossAssessment)
class LossAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["record", "loss_amount", "policy", "above_authority", "assessed_on"]
    list_filter = ["policy", "above_authority"]


@admin.register(ResponsibilityShare)
class ResponsibilityShareAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "person", "part", "pct", "amount", "recovered"]


@admin.register(ResponsibilityDeduction)
class ResponsibilityDeductionAdmin(ReadOnlyAdmin):
    list_display = ["share", "month", "source", "amount", "recorded_by"]


@admin.register(ForceMajeureExtension)
class ForceMajeureExtensionAdmin(ReadOnlyAdmin):
    list_display = ["record", "until", "reason", "recorded_by"]


@admin.register(OfficerEscalation)
class OfficerEscalationAdmin(ReadOnlyAdmin):
    list_display = ["officer", "cooperative", "level", "record_count", "opened_on", "status"]
    list_filter = ["level", "status", "cooperative"]
