from django.contrib import admin

from creditcoop.admin import AuditedAdmin, ReadOnlyAdmin

from .models import (
    CollectionRoll,
    CollectionRollLine,
    LimitationEvent,
    LimitationWarning,
    NplGuarantor,
    NplImport,
    NplInstalment,
    NplRecord,
    PublicationConsent,
    RecoverabilityAssessment,
    RecoveryPolicy,
    RollReceipt,
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


class RollLineInline(admin.TabularInline):
    model = CollectionRollLine
    extra = 0
    fields = ["position", "record", "principal", "interest", "penalty", "checked", "posted_name"]
    readonly_fields = fields
    can_delete = False


@admin.register(CollectionRoll)
class CollectionRollAdmin(ReadOnlyAdmin):
    list_display = ["village", "as_of", "status", "witness", "posted_on", "created_by"]
    list_filter = ["status"]
    inlines = [RollLineInline]


@admin.register(RollReceipt)
class RollReceiptAdmin(ReadOnlyAdmin):
    list_display = ["line", "guarantor", "signer_name", "signer_relation", "signed_on"]


@admin.register(PublicationConsent)
class PublicationConsentAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "id_number", "given_on", "evidence", "withdrawn_on"]
    search_fields = ["name", "id_number"]
    readonly_fields = ["recorded_by", "recorded_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


# Collection actions and notices (collect).
from .models import CollectionAction, CollectionNotice, NoticeBatch  # noqa: E402


@admin.register(CollectionAction)
class CollectionActionAdmin(ReadOnlyAdmin):
    list_display = ["record", "guarantor", "kind", "at", "person", "result"]
    list_filter = ["kind", "result"]


@admin.register(CollectionNotice)
class CollectionNoticeAdmin(ReadOnlyAdmin):
    list_display = ["number", "record", "guarantor", "printed_on", "status", "receipt_counts"]
    list_filter = ["status"]
    search_fields = ["number", "record__borrower_name"]


@admin.register(NoticeBatch)
class NoticeBatchAdmin(ReadOnlyAdmin):
    list_display = ["cooperative", "village", "officer", "printed_on", "created_by"]


# --- board: recoveries, the locked baseline, published rankings (all written by services) ---
from .models import MonthlyRanking, RecoveryEntry, YearBaseline  # noqa: E402


@admin.register(RecoveryEntry)
class RecoveryEntryAdmin(ReadOnlyAdmin):
    list_display = ["record", "on", "kind", "principal", "interest", "collector", "repayment"]
    list_filter = ["kind"]
    date_hierarchy = "on"


@admin.register(YearBaseline)
class YearBaselineAdmin(ReadOnlyAdmin):
    list_display = ["cooperative", "year", "taken_on", "count_2", "count_3", "count_4"]
    list_filter = ["year"]


@admin.register(MonthlyRanking)
class MonthlyRankingAdmin(ReadOnlyAdmin):
    list_display = ["cooperative", "month", "published_by", "published_at"]


# --- contract: internal contracted collection (pricing and bands edited here) ---
from .models import (  # noqa: E402
    Bid,
    BonusBand,
    CollectionContract,
    CollectionPackage,
    ContractCharge,
    ContractorProfile,
    ContractorRegistration,
    ContractSlip,
    PackageLine,
    PricingRow,
)


@admin.register(PricingRow)
class PricingRowAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["union", "difficulty_class", "age_from", "age_to", "pct"]
    list_filter = ["union", "difficulty_class"]


@admin.register(BonusBand)
class BonusBandAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["union", "from_pct", "to_pct", "rate"]
    list_filter = ["union"]


@admin.register(ContractorProfile)
class ContractorProfileAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["staff", "retired", "full_time_since"]
    list_filter = ["retired"]
    raw_id_fields = ["staff"]
    readonly_fields = ["full_time_since"]


@admin.register(CollectionPackage)
class CollectionPackageAdmin(ReadOnlyAdmin):
    list_display = ["number", "name", "cooperative", "line_count", "price", "target", "status"]
    list_filter = ["status"]
    search_fields = ["number", "name"]


@admin.register(PackageLine)
class PackageLineAdmin(ReadOnlyAdmin):
    list_display = ["package", "record", "difficulty_class", "age_years", "debt", "price", "live"]


@admin.register(ContractorRegistration)
class ContractorRegistrationAdmin(ReadOnlyAdmin):
    list_display = ["package", "staff", "deposit", "paid_on", "refunded_on"]


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    list_display = ["registration", "amount", "submitted_at"]


@admin.register(CollectionContract)
class CollectionContractAdmin(ReadOnlyAdmin):
    list_display = ["number", "contractor", "signed_on", "ends_on", "price", "deposit", "status"]
    list_filter = ["status"]


@admin.register(ContractSlip)
class ContractSlipAdmin(ReadOnlyAdmin):
    list_display = ["contract", "month", "recovered", "cumulative", "bonus", "charges", "status"]
    list_filter = ["status"]


@admin.register(ContractCharge)
class ContractChargeAdmin(ReadOnlyAdmin):
    list_display = ["contract", "line", "kind", "on", "amount"]
