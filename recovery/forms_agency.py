"""Forms for entrusted collection: shape only; the services enforce the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from creditcoop.models import Cooperative, Staff
from villages.models import Village

from .forms import DATE, StyledForm
from .models import Agency, NplRecord

MONEY_FIELD = dict(max_digits=14, decimal_places=2, min_value=0)


class AgencyForm(StyledForm):
    name = forms.CharField(label=_("机构名称"), max_length=100)
    licence_number = forms.CharField(label=_("统一社会信用代码/登记号"), max_length=40)
    legal_representative = forms.CharField(label=_("法定代表人"), max_length=50, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)


class PackageForm(StyledForm):
    agency = forms.ModelChoiceField(label=_("托管机构（白名单内）"), queryset=Agency.objects.none())
    cooperative = forms.ModelChoiceField(
        label=_("信用社"),
        queryset=Cooperative.objects.none(),
        required=False,
        empty_label=_("全联社"),
    )
    village = forms.ModelChoiceField(
        label=_("行政村"), queryset=Village.objects.none(), required=False, empty_label=_("全部")
    )
    book_status = forms.ChoiceField(
        label=_("账务状态"),
        choices=[("", _("全部"))] + list(NplRecord.BookStatus.choices),
        required=False,
    )
    drawn_before = forms.DateField(label=_("放款日期早于"), widget=DATE)
    staff = forms.ModelChoiceField(label=_("陪同配合人员"), queryset=Staff.objects.none())
    starts_on = forms.DateField(label=_("托管起始日"), widget=DATE)
    ends_on = forms.DateField(label=_("托管终止日"), widget=DATE)
    deposit = forms.DecimalField(label=_("履约保证金（元）"), **MONEY_FIELD)
    fee_pct = forms.DecimalField(
        label=_("费用比例（%）"), max_digits=5, decimal_places=2, min_value=0, max_value=100
    )

    def __init__(self, *args, agencies, cooperatives, villages, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["cooperative"].queryset = cooperatives
        self.fields["village"].queryset = villages
        self.fields["staff"].queryset = staff


class HandoverForm(StyledForm):
    record = forms.ModelChoiceField(label=_("贷款"), queryset=NplRecord.objects.none())
    collected_on = forms.DateField(label=_("收款日期"), widget=DATE)
    principal = forms.DecimalField(label=_("收回本金（元）"), initial=0, **MONEY_FIELD)
    interest = forms.DecimalField(label=_("收回利息（元）"), initial=0, **MONEY_FIELD)
    receipt_number = forms.CharField(label=_("收据号"), max_length=40, required=False)

    def __init__(self, *args, records, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record"].queryset = records


class SettleForm(StyledForm):
    on = forms.DateField(label=_("移交（扣收）日期"), widget=DATE)


class FeeComputeForm(StyledForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("季度"), coerce=int, choices=[(q, f"第{q}季度") for q in (1, 2, 3, 4)]
    )


class InvoiceForm(StyledForm):
    invoice_number = forms.CharField(label=_("发票号码"), max_length=40)
    invoice_amount = forms.DecimalField(label=_("发票金额（元）"), **MONEY_FIELD)
