from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creditcoop.money import ascii_digits

from . import limitation as L
from .forms import DATE, StyledForm
from .models import Lawsuit, RepaymentAgreement

MAX_ROWS = 120
MONEY_FIELD = dict(max_digits=14, decimal_places=2)


class AgreementForm(StyledForm):
    kind = forms.ChoiceField(label=_("协议类型"), choices=RepaymentAgreement.Kind.choices)
    debtor_name = forms.CharField(label=_("债务人（签署人）"), max_length=50)
    starts_on = forms.DateField(label=_("协议起始日"), widget=DATE)
    total = forms.DecimalField(
        label=_("协议还款总额（元）"), min_value=Decimal("0.01"), **MONEY_FIELD
    )
    count = forms.IntegerField(label=_("分期期数"), min_value=1, max_value=MAX_ROWS)
    first_due_on = forms.DateField(label=_("第一期还款日"), widget=DATE)
    exception_request = forms.CharField(
        label=_("申请例外的理由"),
        max_length=300,
        required=False,
        help_text=_("期限超过政策上限或借新还旧时填写，须经主任批准。"),
    )
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and record is not None:
            today = timezone.localdate()
            self.initial.update(
                {
                    "debtor_name": record.borrower_name,
                    "starts_on": today,
                    "total": record.total_owed,
                    "count": 12,
                    "first_due_on": L.add_months(today, 1),
                }
            )


def rows_from_post(data) -> tuple[list[dict], list[tuple[date, Decimal]] | None]:
    """The typed schedule rows as posted (kept for the page) and, when every row parses,
    the parsed (due date, amount) pairs; None when a row is wrong; [] when none posted."""
    raw, parsed, ok = [], [], True
    for i in range(1, MAX_ROWS + 1):
        due, amount = data.get(f"due_on_{i}"), data.get(f"amount_{i}")
        if due is None and amount is None:
            break
        due, amount = (due or "").strip(), ascii_digits(amount or "").strip()
        if not due and not amount:
            continue
        row = {"due_on": due, "amount": amount, "error": ""}
        try:
            d = date.fromisoformat(due)
            a = Decimal(amount)
            if a <= 0 or a != a.quantize(Decimal("0.01")):
                raise InvalidOperation
            parsed.append((d, a))
        except (ValueError, InvalidOperation):
            row["error"] = str(_("请填写正确的日期和金额（大于零，最多两位小数）。"))
            ok = False
        raw.append(row)
    return raw, (parsed if ok else None)


class ApproveForm(StyledForm):
    note = forms.CharField(
        label=_("批准意见"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class SignForm(StyledForm):
    signed_on = forms.DateField(label=_("签署日期"), widget=DATE)
    guarantors = forms.ModelMultipleChoiceField(
        label=_("共同签署的保证人"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, agreement=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guarantors"].queryset = agreement.record.guarantors.all()
        if not self.is_bound:
            self.initial.setdefault("signed_on", timezone.localdate())


class PaymentForm(StyledForm):
    paid_on = forms.DateField(label=_("还款日期"), widget=DATE)
    amount = forms.DecimalField(label=_("金额（元）"), min_value=Decimal("0.01"), **MONEY_FIELD)
    receipt_number = forms.CharField(label=_("收据或凭证号"), max_length=40, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("paid_on", timezone.localdate())


class CancelForm(StyledForm):
    reason = forms.CharField(label=_("作废原因"), max_length=300)


class LawsuitFileForm(StyledForm):
    court = forms.CharField(label=_("受理法院"), max_length=100)
    case_number = forms.CharField(label=_("案号"), max_length=60)
    filed_on = forms.DateField(label=_("起诉（立案）日期"), widget=DATE)
    claim_amount = forms.DecimalField(
        label=_("诉讼标的（元）"), required=False, min_value=Decimal("0.01"), **MONEY_FIELD
    )
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("filed_on", timezone.localdate())
            if record is not None:
                self.initial.setdefault("claim_amount", record.total_owed)


class LawsuitForm(StyledForm):
    judgment_on = forms.DateField(label=_("判决（调解）日期"), widget=DATE, required=False)
    judgment_summary = forms.CharField(
        label=_("判决主文摘要"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    judgment_amount = forms.DecimalField(
        label=_("判决金额（元）"), required=False, min_value=Decimal("0"), **MONEY_FIELD
    )
    effective_on = forms.DateField(label=_("生效日期"), widget=DATE, required=False)
    performance_deadline = forms.DateField(
        label=_("履行期限届满日"),
        widget=DATE,
        required=False,
        help_text=Lawsuit._meta.get_field("performance_deadline").help_text,
    )
    enforcement_applied_on = forms.DateField(label=_("申请执行日期"), widget=DATE, required=False)
    enforcement_case_number = forms.CharField(label=_("执行案号"), max_length=60, required=False)
    enforcement_terminated_on = forms.DateField(
        label=_("终结（本次）执行日期"), widget=DATE, required=False
    )
    mark_enforcement_ended = forms.BooleanField(
        label=_("将清收难度改为“法院终结执行”"), required=False
    )
    recovered_amount = forms.DecimalField(
        label=_("执行到位金额（元）"), required=False, min_value=Decimal("0"), **MONEY_FIELD
    )
    closed_on = forms.DateField(label=_("结案日期"), widget=DATE, required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    FIELDS = (
        "judgment_on",
        "judgment_summary",
        "judgment_amount",
        "effective_on",
        "performance_deadline",
        "enforcement_applied_on",
        "enforcement_case_number",
        "enforcement_terminated_on",
        "recovered_amount",
        "closed_on",
        "note",
    )

    def __init__(self, *args, lawsuit=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and lawsuit is not None:
            self.initial.update({f: getattr(lawsuit, f) for f in self.FIELDS})
