from django.contrib import admin

from creditcoop.admin import AuditedAdmin, ReadOnlyAdmin

from .models import (
    ClassChange,
    CommitteeIncentive,
    CounterRefusal,
    CreditContract,
    GrantBatch,
    Loan,
    LoanCertificate,
    LoanSettings,
    Repayment,
    SettlementRun,
)


@admin.register(LoanSettings)
class LoanSettingsAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "penalty_markup",
        "committee_incentive",
        "assistant_incentive",
        "days_substandard",
        "days_doubtful",
        "days_loss",
        "lpr_one_year",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return not LoanSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


# Money records change only through the services (audit, locks); here they are read.


@admin.register(CreditContract)
class CreditContractAdmin(ReadOnlyAdmin):
    list_display = ["number", "borrower", "village", "line", "outstanding", "end_date", "status"]
    list_filter = ["status", "guarantee_type", "rate_kind"]
    search_fields = ["number", "borrower__name", "borrower__id_number"]


@admin.register(LoanCertificate)
class LoanCertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "holder", "status", "issued_on"]
    list_filter = ["status"]
    search_fields = ["number", "holder__name"]


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = ["number", "contract", "amount", "principal", "due_date", "risk_class", "status"]
    list_filter = ["status", "risk_class"]
    search_fields = ["number", "contract__number"]


@admin.register(Repayment)
class RepaymentAdmin(ReadOnlyAdmin):
    list_display = ["receipt_number", "loan", "paid_on", "amount", "reversed_at"]
    search_fields = ["receipt_number", "loan__number"]


admin.site.register(GrantBatch, ReadOnlyAdmin)
admin.site.register(CommitteeIncentive, ReadOnlyAdmin)
admin.site.register(CounterRefusal, ReadOnlyAdmin)
admin.site.register(ClassChange, ReadOnlyAdmin)
admin.site.register(SettlementRun, ReadOnlyAdmin)
