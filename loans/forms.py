import uuid
from decimal import Decimal

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creditcoop.forms import AmountField
from villages.idcard import normalize_id

from .models import CreditContract, LoanSettings, RiskClass
from .services import GrantTerms, HouseholdGuarantee

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            w = f.widget
            if isinstance(w, forms.CheckboxInput):
                w.attrs.setdefault("class", "form-check-input")
            elif isinstance(w, forms.Select):
                w.attrs.setdefault("class", "form-select")
            elif not isinstance(w, forms.HiddenInput):
                w.attrs.setdefault("class", "form-control")


class KeyedForm(StyledForm):
    """A hidden per-form key: the same submission twice is one operation."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())


class TermsMixin(StyledForm):
    rate_kind = forms.ChoiceField(
        label=_("利率方式"), choices=CreditContract.RateKind.choices, initial="lpr"
    )
    lpr_rate_pct = forms.DecimalField(
        label=_("签约时一年期 LPR（%）"), required=False, max_digits=6, decimal_places=4
    )
    basis_points = forms.IntegerField(
        label=_("加点（基点）"), required=False, min_value=-500, max_value=2000
    )
    fixed_rate_pct = forms.DecimalField(
        label=_("固定年利率（%）"), required=False, max_digits=6, decimal_places=4
    )

    def init_terms(self):
        s = LoanSettings.current()
        self.initial.setdefault("lpr_rate_pct", (s.lpr_one_year * 100).quantize(Decimal("0.01")))
        self.initial.setdefault("basis_points", s.default_basis_points)

    def clean(self):
        data = super().clean()
        if data.get("rate_kind") == "lpr":
            if data.get("lpr_rate_pct") is None:
                self.add_error("lpr_rate_pct", _("请填写签约时的 LPR。"))
            if data.get("basis_points") is None:
                self.add_error("basis_points", _("请填写加点基点数。"))
        elif data.get("fixed_rate_pct") is None:
            self.add_error("fixed_rate_pct", _("请填写固定年利率。"))
        return data

    def terms(self, **extra) -> GrantTerms:
        d = self.cleaned_data
        pct = Decimal(100)
        return GrantTerms(
            rate_kind=d["rate_kind"],
            lpr_rate=d["lpr_rate_pct"] / pct if d.get("lpr_rate_pct") is not None else None,
            basis_points=d.get("basis_points"),
            fixed_rate=d["fixed_rate_pct"] / pct if d.get("fixed_rate_pct") is not None else None,
            **extra,
        )


class VillageGrantForm(KeyedForm, TermsMixin):
    field_order = ["signed_on", "officer", "rate_kind", "lpr_rate_pct", "basis_points"]
    signed_on = forms.DateField(label=_("面签日期"), widget=DATE)
    officer = forms.ModelChoiceField(label=_("面签信贷员"), queryset=None)

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers
        self.initial.setdefault("signed_on", timezone.localdate())
        self.init_terms()


class HouseholdGrantRowForm(StyledForm):
    """One household's row on the village grant page: presence is ticked by hand, never
    pre-ticked; the guarantee is chosen per household."""

    present = forms.BooleanField(label=_("本人到场面签"), required=False)
    guarantee_type = forms.ChoiceField(
        label=_("担保方式"),
        choices=CreditContract.Guarantee.choices,
        initial="credit",
        required=False,
    )
    guarantors = forms.CharField(
        label=_("保证人（姓名、身份证号）"), required=False, max_length=300
    )
    collateral = forms.CharField(label=_("抵（质）押物"), required=False, max_length=300)

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, prefix=f"a{application.pk}", **kwargs)
        self.application = application
        name = application.applicant.name
        self.fields["present"].widget.attrs["aria-label"] = _("%(n)s 本人到场面签") % {"n": name}
        for f in ("guarantee_type", "guarantors", "collateral"):
            self.fields[f].widget.attrs["aria-label"] = f"{name} {self.fields[f].label}"
            w = self.fields[f].widget
            w.attrs["class"] += " form-select-sm" if f == "guarantee_type" else " form-control-sm"

    def clean(self):
        data = super().clean()
        if not data.get("present"):
            return data  # not granted this time: what else was typed does not matter
        kind = data.get("guarantee_type")
        if not kind:
            self.add_error("guarantee_type", _("请选择担保方式。"))
        if kind in CreditContract.NEEDS_GUARANTORS and not (data.get("guarantors") or "").strip():
            self.add_error("guarantors", _("保证或联保须填写保证人。"))
        if kind in CreditContract.NEEDS_COLLATERAL and not (data.get("collateral") or "").strip():
            self.add_error("collateral", _("抵押或质押须填写抵（质）押物。"))
        return data

    def guarantee(self) -> HouseholdGuarantee:
        d = self.cleaned_data
        return HouseholdGuarantee(
            guarantee_type=d.get("guarantee_type") or CreditContract.Guarantee.CREDIT,
            guarantors=d.get("guarantors", ""),
            collateral=d.get("collateral", ""),
        )


class SingleGrantForm(VillageGrantForm):
    guarantee_type = forms.ChoiceField(
        label=_("担保方式"), choices=CreditContract.Guarantee.choices, initial="credit"
    )
    guarantors = forms.CharField(
        label=_("保证人（姓名、身份证号）"), required=False, max_length=300
    )
    collateral = forms.CharField(label=_("抵（质）押物"), required=False, max_length=300)
    borrower_present = forms.BooleanField(
        label=_("借款人本人到场，与信贷员当面签订合同"), required=False
    )

    def __init__(self, *args, earliest=None, **kwargs):
        super().__init__(*args, **kwargs)
        if earliest is not None:
            # The service refuses an earlier date; the picker starts there too.
            self.fields["signed_on"].widget.attrs["min"] = earliest.isoformat()
            self.fields["signed_on"].help_text = _(
                "公示期满且异议全部办结后方可面签，面签日期最早为 %(d)s。"
            ) % {"d": earliest.isoformat()}


class DrawdownForm(KeyedForm):
    # Typing the number shows the borrower, line, balance and available amount (htmx).
    certificate_number = forms.CharField(
        label=_("贷款证编号"),
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "hx-get": reverse_lazy("loans:counter"),
                "hx-trigger": "change, keyup changed delay:400ms",
                "hx-target": "#borrower",
                "hx-swap": "innerHTML",
                "autocomplete": "off",
            }
        ),
    )
    id_number = forms.CharField(label=_("借款人身份证号码"), max_length=18, min_length=18)
    seal_checked = forms.BooleanField(label=_("已核验借款人印章（两证一章）"), required=False)
    amount = AmountField(
        label=_("借款金额（元）"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )
    due_date = forms.DateField(label=_("借款到期日"), widget=DATE)

    def clean_id_number(self):
        return normalize_id(self.cleaned_data["id_number"])


class RepaymentForm(KeyedForm):
    amount = AmountField(
        label=_("还款金额（元）"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("冲正原因"), max_length=300)
    # The second person (director or deputy) authorises at the teller's desk.
    authoriser = forms.CharField(label=_("授权人工号"), max_length=30, required=False)
    authoriser_password = forms.CharField(
        label=_("授权人密码"), max_length=128, required=False, widget=forms.PasswordInput
    )

    def authorising_staff(self):
        """The staff member whose number and password were given, or None."""
        from creditcoop.models import Staff

        username = (self.data.get("authoriser") or "").strip()
        password = self.data.get("authoriser_password") or ""
        staff = Staff.objects.filter(username__iexact=username, is_active=True).first()
        if staff is None or not password or not staff.check_password(password):
            return None
        return staff


class ClassifyForm(StyledForm):
    to_class = forms.TypedChoiceField(label=_("认定分类"), choices=RiskClass.choices, coerce=int)
    reason = forms.CharField(
        label=_("认定理由"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
