"""Forms for write-off dossiers and debt-assets: shape only; the services enforce the rules."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creditcoop.models import Staff

from .forms import DATE, StyledForm
from .models import AssetKind, DebtAssetDisposal, WriteOffApproval, WriteOffCondition

MONEY_FIELD = dict(max_digits=14, decimal_places=2, min_value=0)


class DossierForm(StyledForm):
    condition = forms.ModelChoiceField(
        label=_("核销条件"), queryset=WriteOffCondition.objects.filter(active=True)
    )
    principal = forms.DecimalField(label=_("核销本金（元）"), **MONEY_FIELD)
    interest_on = forms.DecimalField(label=_("核销表内利息（元）"), initial=0, **MONEY_FIELD)
    interest_off = forms.DecimalField(label=_("核销表外利息（元）"), initial=0, **MONEY_FIELD)
    reason = forms.CharField(
        label=_("申请理由及追偿情况"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("写明对借款人、遗产、继承人及保证人的追偿经过。"),
    )


class ApprovalForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("审批结论"),
        choices=WriteOffApproval.Decision.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    opinion = forms.CharField(
        label=_("审批意见"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class RecoveryForm(StyledForm):
    on = forms.DateField(label=_("收回日期"), widget=DATE)
    principal = forms.DecimalField(label=_("收回本金（元）"), initial=0, **MONEY_FIELD)
    interest = forms.DecimalField(label=_("收回利息（元）"), initial=0, **MONEY_FIELD)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class AssetForm(StyledForm):
    description = forms.CharField(label=_("资产名称及描述"), max_length=300)
    kind = forms.ChoiceField(label=_("资产类别"), choices=AssetKind.choices)
    valuation = forms.DecimalField(label=_("评估价值（元）"), **MONEY_FIELD)
    valuer = forms.CharField(label=_("评估机构或评估人"), max_length=100)
    acquired_on = forms.DateField(label=_("取得日期"), widget=DATE)
    right_ends_on = forms.DateField(
        label=_("权利有效期至"), widget=DATE, required=False, help_text=_("其他权利填写。")
    )
    principal = forms.DecimalField(label=_("抵偿本金（元）"), initial=0, **MONEY_FIELD)
    interest = forms.DecimalField(label=_("抵偿利息（元）"), initial=0, **MONEY_FIELD)
    custodian = forms.ModelChoiceField(label=_("保管责任人"), queryset=Staff.objects.none())
    custody_place = forms.CharField(label=_("保管地点"), max_length=200)
    note = forms.CharField(
        label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        if record is not None:
            self.fields["custodian"].queryset = Staff.objects.filter(
                Q(cooperative_id=record.cooperative_id)
                | Q(cooperative__isnull=True, union_id=record.cooperative.union_id),
                is_active=True,
            ).order_by("username")


class LeaseForm(StyledForm):
    lessee = forms.CharField(label=_("承租人"), max_length=100)
    starts_on = forms.DateField(label=_("租期起"), widget=DATE)
    ends_on = forms.DateField(label=_("租期止"), widget=DATE)
    rent = forms.DecimalField(label=_("租金（元）"), **MONEY_FIELD)


class DisposalForm(StyledForm):
    method = forms.ChoiceField(label=_("处置方式"), choices=DebtAssetDisposal.Method.choices)
    on = forms.DateField(label=_("处置日期"), widget=DATE)
    buyer = forms.CharField(label=_("买受人"), max_length=100)
    proceeds = forms.DecimalField(label=_("处置收入（元）"), **MONEY_FIELD)


class OwnUseForm(StyledForm):
    purpose = forms.CharField(label=_("自用用途"), max_length=200)


class OwnUseDecisionForm(StyledForm):
    approve = forms.TypedChoiceField(
        label=_("审批结论"),
        choices=[("1", _("同意")), ("0", _("不同意"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    opinion = forms.CharField(label=_("审批意见"), max_length=300, required=False)
