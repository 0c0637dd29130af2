from django.contrib import admin

from creditcoop.admin import AuditedAdmin, ReadOnlyAdmin

from .models import (
    CollectionRoll,
    CollectionRollLine,
    ForceMajeureExtension,
    LimitationEvent,
    LimitationWarning,
    LossAssessment,
    NplGuarantor,
    NplImport,
    NplInstalment,
    NplRecord,
    OfficerEscalation,
    PublicationConsent,
    RecoverabilityAssessment,
    RecoveryPolicy,
    ResponsibilityDeduction,
    ResponsibilityShare,
    ResponsiblePerson,
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


# Repayment agreements and lawsuits (agree): read only; every write goes through the services.
from .models import (  # noqa: E402
    AgreementInstalment,
    AgreementPayment,
    EnforcementWarning,
    Lawsuit,
    RepaymentAgreement,
)


class AgreementInstalmentInline(admin.TabularInline):
    model = AgreementInstalment
    extra = 0
    can_delete = False
    readonly_fields = ["number", "due_on", "amount", "paid_amount", "broken", "broken_on"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RepaymentAgreement)
class RepaymentAgreementAdmin(ReadOnlyAdmin):
    list_display = ["number", "record", "kind", "status", "months", "total", "signed_on"]
    list_filter = ["status", "kind"]
    inlines = [AgreementInstalmentInline]


@admin.register(AgreementPayment)
class AgreementPaymentAdmin(ReadOnlyAdmin):
    list_display = ["agreement", "paid_on", "amount", "recorded_by"]


@admin.register(Lawsuit)
class LawsuitAdmin(ReadOnlyAdmin):
    list_display = ["case_number", "court", "record", "status", "filed_on", "enforcement_apply_by"]
    list_filter = ["status"]


@admin.register(EnforcementWarning)
class EnforcementWarningAdmin(ReadOnlyAdmin):
    list_display = ["lawsuit", "apply_by", "lead_days", "queued_on"]


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


# --- incentives, targets, risk deposits ---------------------------------------------
from .models import (  # noqa: E402
    IncentiveBand,
    IncentiveSlip,
    IncentiveSlipLine,
    OfficerTarget,
    RiskDeposit,
)


@admin.register(IncentiveBand)
class IncentiveBandAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "union", "starts_on", "ends_on", "interest_pct", "off_balance_pct"]
    list_filter = ["union"]


class IncentiveSlipLineInline(admin.TabularInline):
    model = IncentiveSlipLine
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in IncentiveSlipLine._meta.fields]


@admin.register(IncentiveSlip)
class IncentiveSlipAdmin(ReadOnlyAdmin):
    """Slips are computed, checked and paid on their pages; the admin only shows them."""

    list_display = ["collector", "cooperative", "month", "status", "total"]
    list_filter = ["status", "month"]
    inlines = [IncentiveSlipLineInline]


@admin.register(OfficerTarget)
class OfficerTargetAdmin(ReadOnlyAdmin):
    list_display = ["officer", "cooperative", "month", "principal", "interest"]
    list_filter = ["month"]


@admin.register(RiskDeposit)
class RiskDepositAdmin(ReadOnlyAdmin):
    list_display = ["officer", "cooperative", "year", "bonus", "held", "status"]
    list_filter = ["year", "status"]


# Entrusted collection (托管清收): money moves only through the services; the admin reads.
from .models import (  # noqa: E402
    Agency,
    AgencyFeeList,
    AgencyHandover,
    AgencyMember,
    AgencyPackage,
    AgencyPackageLine,
)


@admin.register(Agency)
class AgencyAdmin(ReadOnlyAdmin):
    list_display = ["name", "licence_number", "union", "whitelisted", "whitelisted_on"]
    list_filter = ["whitelisted"]
    search_fields = ["name", "licence_number"]


@admin.register(AgencyMember)
class AgencyMemberAdmin(admin.ModelAdmin):
    """Link a firm's login (created in 员工 with the single role 托管清收机构人员) to the firm;
    through the service, so the rules and the audit row apply."""

    list_display = ["staff", "agency", "added_by", "added_at"]
    fields = ["staff", "agency"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        from django.core.exceptions import ValidationError

        from .services import RecoveryError, agency_member_add

        try:
            saved = agency_member_add(actor=request.user, agency=obj.agency, staff=obj.staff)
        except RecoveryError as exc:
            raise ValidationError(exc.message) from exc
        obj.pk = saved.pk


@admin.register(AgencyPackage)
class AgencyPackageAdmin(ReadOnlyAdmin):
    list_display = ["number", "agency", "cooperative", "deposit_balance", "staff", "status"]
    list_filter = ["status"]


@admin.register(AgencyPackageLine)
class AgencyPackageLineAdmin(ReadOnlyAdmin):
    list_display = ["package", "record", "live"]


@admin.register(AgencyHandover)
class AgencyHandoverAdmin(ReadOnlyAdmin):
    list_display = ["package", "record", "collected_on", "amount", "settlement", "days_late"]
    list_filter = ["settlement"]


@admin.register(AgencyFeeList)
class AgencyFeeListAdmin(ReadOnlyAdmin):
    list_display = ["package", "year", "quarter", "payable", "invoice_amount", "status"]


# --- write-off and debt-for-asset ---------------------------------------------

from .models import (  # noqa: E402
    DebtAsset,
    DebtAssetDisposal,
    DebtAssetLease,
    DebtAssetOwnUse,
    DebtAssetWarning,
    WriteOffCondition,
    WriteOffDossier,
    WriteOffEvidence,
    WriteOffLevel,
)


class WriteOffEvidenceInline(admin.TabularInline):
    model = WriteOffEvidence
    extra = 1


@admin.register(WriteOffCondition)
class WriteOffConditionAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "code", "position", "active"]
    inlines = [WriteOffEvidenceInline]


@admin.register(WriteOffLevel)
class WriteOffLevelAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["position", "name", "role", "cooperative_level", "active"]


@admin.register(WriteOffDossier)
class WriteOffDossierAdmin(ReadOnlyAdmin):
    list_display = ["record", "condition", "principal", "status", "written_off_on"]
    list_filter = ["status", "condition"]


@admin.register(DebtAsset)
class DebtAssetAdmin(ReadOnlyAdmin):
    list_display = ["description", "kind", "acquired_on", "disposal_deadline", "status"]
    list_filter = ["kind", "status"]


@admin.register(DebtAssetLease)
class DebtAssetLeaseAdmin(ReadOnlyAdmin):
    list_display = ["asset", "lessee", "starts_on", "ends_on", "rent"]


@admin.register(DebtAssetDisposal)
class DebtAssetDisposalAdmin(ReadOnlyAdmin):
    list_display = ["asset", "method", "on", "proceeds", "difference"]


@admin.register(DebtAssetOwnUse)
class DebtAssetOwnUseAdmin(ReadOnlyAdmin):
    list_display = ["asset", "discount_pct", "booked_value", "status"]


@admin.register(DebtAssetWarning)
class DebtAssetWarningAdmin(ReadOnlyAdmin):
    list_display = ["asset", "deadline", "lead_days", "queued_on"]


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
