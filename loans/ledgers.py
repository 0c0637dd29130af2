"""The lending stage's auditor ledgers: loans, contracts and certificates, repayments and
counter refusals. Registered with the core from ``loans.apps.Config.ready``; exported as
background jobs (``creditcoop.reporting``).

Each source reads plain tuples through the joins it needs (``values_list`` on a server-side
cursor), scoped to the villages the person may see; no query per row.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from creditcoop.models import Role
from creditcoop.reporting.ledgers import (
    Column,
    Ledger,
    LedgerRows,
    choice_labels,
    date_range,
    label_of,
    register_ledger,
    stream,
)
from villages.ledger_filters import ScopeFilterForm, scope_filter
from villages.ledgers import ledger_scope

from .models import CounterRefusal, CreditContract, Loan, LoanCertificate, Repayment, RiskClass

# Everyone who reads the books within their scope (not the village committee, not outsiders).
LOAN_READERS = frozenset(r for r in Role if r not in (Role.COMMITTEE, Role.AGENCY))
REFUSAL_READERS = frozenset(
    {Role.DIRECTOR, Role.DEPUTY, Role.TELLER, Role.AUDITOR, Role.UNION_RISK, Role.ADMIN}
)
CLASS_LABELS = choice_labels(RiskClass.choices)


def _choices(all_label, choices):
    return [("", all_label), *((str(k), v) for k, v in choices)]


# --- loans (借据) ---------------------------------------------------------------------------


class LoanLedgerFilter(ScopeFilterForm):
    risk_class = forms.ChoiceField(label=_("五级分类"), required=False)
    status = forms.ChoiceField(label=_("借据状态"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk_class"].choices = _choices(_("全部"), RiskClass.choices)
        self.fields["status"].choices = _choices(_("全部"), Loan.Status.choices)
        self.fields["date_from"].label = _("放款日期自")
        self.fields["date_to"].label = _("放款日期至")


LOAN_FIELDS = (
    "contract__cooperative__name",
    "contract__village__name",
    "contract__borrower__name",
    "contract__borrower__id_number",
    "contract__number",
    "number",
    "amount",
    "principal",
    "drawn_on",
    "due_date",
    "annual_rate",
    "risk_class",
    "status",
    "contract__village__officer__name",
)


def loan_ledger_queryset(*, user, filters):
    qs = scope_filter(
        Loan.objects.all(),
        user,
        filters,
        village_field="contract__village",
        cooperative_field="contract__cooperative",
    )
    if filters.get("risk_class") not in (None, ""):
        qs = qs.filter(risk_class=int(filters["risk_class"]))
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return date_range(qs, filters, "drawn_on").order_by("contract__village_id", "id")


def loan_rows(qs):
    """The ledger's rows of a loan queryset (one statement, streamed)."""
    classes, statuses = CLASS_LABELS, choice_labels(Loan.Status.choices)
    return stream(qs, LOAN_FIELDS, {11: lambda c: classes.get(c, ""), 12: label_of(statuses)})


def loan_ledger_rows(*, user, filters) -> LedgerRows:
    qs = loan_ledger_queryset(user=user, filters=filters)
    return LedgerRows(scope=ledger_scope(user, filters), count=qs.count, rows=loan_rows(qs))


LOAN_LEDGER = Ledger(
    code="loans.loans",
    title="贷款台账",
    order=40,
    roles=LOAN_READERS,
    filter_form=LoanLedgerFilter,
    source=loan_ledger_rows,
    columns=(
        Column("信用社", width=14),
        Column("行政村", width=10),
        Column("借款人", width=10),
        Column("身份证号码", "id"),
        Column("授信合同编号", "id", width=18),
        Column("借据编号", "id", width=16),
        Column("借款金额（元）", "money", total=True),
        Column("本金余额（元）", "money", total=True),
        Column("放款日期", "date"),
        Column("到期日", "date"),
        Column("执行年利率", "pct"),
        Column("五级分类", width=8),
        Column("状态", width=8),
        Column("包村信贷员", width=10),
    ),
)


# --- contracts and certificates ----------------------------------------------------------------


class ContractLedgerFilter(ScopeFilterForm):
    status = forms.ChoiceField(label=_("合同状态"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = _choices(_("全部"), CreditContract.Status.choices)
        self.fields["date_from"].label = _("面签日期自")
        self.fields["date_to"].label = _("面签日期至")


CONTRACT_FIELDS = (
    "cooperative__name",
    "village__name",
    "borrower__name",
    "borrower__id_number",
    "number",
    "grade",
    "line",
    "outstanding",
    "start_date",
    "end_date",
    "annual_rate",
    "guarantee_type",
    "signed_on",
    "status",
    "certificate__number",
    "certificate__status",
)


def contract_ledger_rows(*, user, filters) -> LedgerRows:
    qs = scope_filter(CreditContract.objects.all(), user, filters, cooperative_field="cooperative")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    qs = date_range(qs, filters, "signed_on").order_by("village_id", "id")
    converters = {
        11: label_of(choice_labels(CreditContract.Guarantee.choices)),
        13: label_of(choice_labels(CreditContract.Status.choices)),
        15: label_of(choice_labels(LoanCertificate.Status.choices)),
    }
    rows = stream(qs, CONTRACT_FIELDS, converters)
    return LedgerRows(scope=ledger_scope(user, filters), count=qs.count, rows=rows)


CONTRACT_LEDGER = Ledger(
    code="loans.contracts",
    title="授信合同及贷款证台账",
    order=30,
    roles=LOAN_READERS,
    filter_form=ContractLedgerFilter,
    source=contract_ledger_rows,
    columns=(
        Column("信用社", width=14),
        Column("行政村", width=10),
        Column("借款人", width=10),
        Column("身份证号码", "id"),
        Column("授信合同编号", "id", width=18),
        Column("信用等级", width=8),
        Column("授信额度（元）", "money", total=True),
        Column("贷款余额（元）", "money", total=True),
        Column("授信起始日", "date"),
        Column("授信到期日", "date"),
        Column("执行年利率", "pct"),
        Column("担保方式", width=8),
        Column("面签日期", "date"),
        Column("合同状态", width=8),
        Column("贷款证编号", "id", width=16),
        Column("贷款证状态", width=10),
    ),
)


# --- repayments ---------------------------------------------------------------------------------

REVERSALS = [("", _("含冲正记录")), ("exclude", _("不含冲正记录")), ("only", _("仅冲正记录"))]


class RepaymentLedgerFilter(ScopeFilterForm):
    reversed = forms.ChoiceField(label=_("冲正"), required=False, choices=REVERSALS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_from"].label = _("还款日期自")
        self.fields["date_to"].label = _("还款日期至")


REPAYMENT_FIELDS = (
    "loan__contract__cooperative__name",
    "loan__contract__village__name",
    "loan__contract__borrower__name",
    "loan__contract__borrower__id_number",
    "loan__number",
    "receipt_number",
    "paid_on",
    "amount",
    "to_principal",
    "to_interest",
    "to_penalty",
    "principal_after",
    "teller__name",
    "reversed_at",
    "reversal_reason",
)


def repayment_ledger_rows(*, user, filters) -> LedgerRows:
    qs = scope_filter(
        Repayment.objects.all(),
        user,
        filters,
        village_field="loan__contract__village",
        cooperative_field="loan__contract__cooperative",
    )
    if filters.get("reversed") == "exclude":
        qs = qs.filter(reversed_at__isnull=True)
    elif filters.get("reversed") == "only":
        qs = qs.filter(reversed_at__isnull=False)
    qs = date_range(qs, filters, "paid_on").order_by("paid_on", "id")

    def shape(r):
        return (*r[:13], "已冲正" if r[13] else "", r[13], r[14])

    rows = stream(qs, REPAYMENT_FIELDS, shape=shape)
    return LedgerRows(scope=ledger_scope(user, filters), count=qs.count, rows=rows)


REPAYMENT_LEDGER = Ledger(
    code="loans.repayments",
    title="还款台账",
    order=50,
    roles=LOAN_READERS,
    filter_form=RepaymentLedgerFilter,
    source=repayment_ledger_rows,
    columns=(
        Column("信用社", width=14),
        Column("行政村", width=10),
        Column("借款人", width=10),
        Column("身份证号码", "id"),
        Column("借据编号", "id", width=16),
        Column("收据编号", "id", width=16),
        Column("还款日期", "date"),
        Column("还款金额（元）", "money", total=True),
        Column("归还本金", "money", total=True),
        Column("归还利息", "money", total=True),
        Column("归还罚息及复利", "money", total=True),
        Column("还款后本金余额", "money"),
        Column("柜员", width=10),
        Column("冲正", width=8),
        Column("冲正时间", "datetime"),
        Column("冲正原因", width=20),
    ),
)


# --- counter refusals -------------------------------------------------------------------------


class RefusalLedgerFilter(ScopeFilterForm):
    reason = forms.ChoiceField(label=_("拒绝类别"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = _choices(_("全部"), CounterRefusal.Reason.choices)


REFUSAL_FIELDS = (
    "at",
    "cooperative__name",
    "contract__village__name",
    "contract__borrower__name",
    "certificate_number",
    "id_number_masked",
    "amount",
    "reason",
    "message",
    "teller__name",
)


def refusal_ledger_rows(*, user, filters) -> LedgerRows:
    from .selectors import refusal_scope

    # A refusal belongs to a cooperative; the village only when a contract was found.
    qs = refusal_scope(user)
    if filters.get("cooperative"):
        qs = qs.filter(cooperative=filters["cooperative"])
    if filters.get("village"):
        qs = qs.filter(contract__village=filters["village"])
    if filters.get("reason"):
        qs = qs.filter(reason=filters["reason"])
    qs = date_range(qs, filters, "at__date").order_by("at", "id")
    rows = stream(qs, REFUSAL_FIELDS, {7: label_of(choice_labels(CounterRefusal.Reason.choices))})
    return LedgerRows(scope=ledger_scope(user, filters), count=qs.count, rows=rows)


REFUSAL_LEDGER = Ledger(
    code="loans.refusals",
    title="柜面拒绝台账",
    order=60,
    roles=REFUSAL_READERS,
    filter_form=RefusalLedgerFilter,
    source=refusal_ledger_rows,
    columns=(
        Column("时间", "datetime"),
        Column("信用社", width=14),
        Column("行政村", width=10),
        Column("借款人", width=10),
        Column("贷款证编号", "id", width=16),
        Column("身份证号码", "id"),
        Column("申请金额（元）", "money", total=True),
        Column("拒绝类别", width=14),
        Column("拒绝原因", width=30),
        Column("柜员", width=10),
    ),
)


def register() -> None:
    for ledger in (LOAN_LEDGER, CONTRACT_LEDGER, REPAYMENT_LEDGER, REFUSAL_LEDGER):
        register_ledger(ledger)
