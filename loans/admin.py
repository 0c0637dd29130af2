from django.contrib import admin

from creditcoop.admin import AuditedAdmin, ReadOnlyAdmin
from creditcoop.money import percent

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
        "lpr_one_year_percent",
        "updated_at",
    ]

    @admin.display(description="一年期 LPR")
    def lpr_one_year_percent(self, obj):
        return percent(obj.lpr_one_year)

    def has_add_permission(self, request):
        return not LoanSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


# Money records change only through the services (audit, locks); here they are read.


class RatesAsPercent:
    """Rates read as people read them (4.35%), not as stored (0.043500)."""

    RATES: tuple[str, ...] = ()

    def get_fields(self, request, obj=None):
        return [f"{f}_percent" if f in self.RATES else f for f in super().get_fields(request, obj)]

    @admin.display(description="执行年利率")
    def annual_rate_percent(self, obj):
        return percent(obj.annual_rate)

    @admin.display(description="罚息年利率")
    def penalty_rate_percent(self, obj):
        return percent(obj.penalty_rate)

    @admin.display(description="签约时 LPR")
    def lpr_rate_percent(self, obj):
        return percent(obj.lpr_rate)


@admin.register(CreditContract)
class CreditContractAdmin(RatesAsPercent, ReadOnlyAdmin):
    RATES = ("annual_rate", "lpr_rate")
    list_display = [
        "number",
        "borrower",
        "village",
        "line",
        "outstanding",
        "annual_rate_percent",
        "end_date",
        "status",
    ]
    list_filter = ["status", "guarantee_type", "rate_kind"]
    search_fields = ["number", "borrower__name", "borrower__id_number"]


@admin.register(LoanCertificate)
class LoanCertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "holder", "status", "issued_on"]
    list_filter = ["status"]
    search_fields = ["number", "holder__name"]


@admin.register(Loan)
class LoanAdmin(RatesAsPercent, ReadOnlyAdmin):
    RATES = ("annual_rate", "penalty_rate")
    list_display = [
        "number",
        "contract",
        "amount",
        "principal",
        "annual_rate_percent",
        "due_date",
        "risk_class",
        "status",
    ]
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
