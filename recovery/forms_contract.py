"""Forms of internal contracted collection: shape only; the services enforce the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creditcoop.models import Cooperative

from .forms import DATE, StyledForm
from .models import ContractCharge, DifficultyClass, VintageSegment

MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class PackageForm(StyledForm):
    name = forms.CharField(label=_("贷款包名称"), max_length=100)
    cooperative = forms.ModelChoiceField(
        label=_("信用社"),
        queryset=Cooperative.objects.none(),
        required=False,
        empty_label=_("全联社"),
    )
    village = forms.CharField(label=_("行政村"), required=False, widget=forms.Select)
    segment = forms.ModelChoiceField(
        label=_("划段"),
        queryset=VintageSegment.objects.filter(scheme__active=True).select_related("scheme"),
        required=False,
        empty_label=_("不限"),
    )
    difficulty_class = forms.ChoiceField(
        label=_("难度类别"), choices=[("", _("不限")), *DifficultyClass.choices], required=False
    )
    region = forms.ChoiceField(label=_("片区（乡镇或信用社）"), required=False)
    target = forms.DecimalField(
        label=_("清收目标（元）"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("留空则为组包时的债权合计。"),
    )

    def __init__(self, *args, cooperatives=None, villages=(), regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        if cooperatives is not None:
            self.fields["cooperative"].queryset = cooperatives
        self.fields["village"].widget.choices = [("", _("不限"))] + [
            (str(v.pk), f"{v.cooperative.name}·{v}") for v in villages
        ]
        self.fields["region"].choices = [("", _("不限"))] + [(r, r) for r in regions]


class RegisterForm(StyledForm):
    paid_on = forms.DateField(label=_("定金缴纳日期"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("paid_on", timezone.localdate())


class BidForm(StyledForm):
    amount = forms.DecimalField(label=_("报价（元）"), max_digits=14, decimal_places=2)


class AwardForm(StyledForm):
    bid = forms.ChoiceField(label=_("中标报价"))
    reason = forms.CharField(
        label=_("理由"), max_length=300, required=False, help_text=_("未选最高报价时必填。")
    )

    def __init__(self, *args, bids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bid"].choices = [
            (str(b.pk), f"{b.registration.staff.name} {b.amount} 元") for b in bids
        ]
        if bids:
            self.initial.setdefault("bid", str(bids[0].pk))


class SignForm(StyledForm):
    signed_on = forms.DateField(label=_("签订日期"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("signed_on", timezone.localdate())


class SlipForm(StyledForm):
    month = forms.DateField(label=_("月份"), widget=MONTH, input_formats=["%Y-%m", "%Y-%m-%d"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("month", timezone.localdate().replace(day=1))


class ForfeitForm(StyledForm):
    line = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("事由"), choices=ContractCharge.Kind.choices)
    on = forms.DateField(label=_("发生日期"), widget=DATE, required=False)
    note = forms.CharField(label=_("经过及承包人的过错"), max_length=300, required=False)
