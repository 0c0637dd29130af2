from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from creditcoop.forms import AmountField
from creditcoop.hooks import id_number_error, normalize_id, phone_error
from creditcoop.models import Role, Staff

from .models import DutyPost, LoanType, Walkin, WalkinKind, WalkinStatus

# The villages layer's model, reached through the walk-in's foreign key, not an import.
Village = Walkin._meta.get_field("village").related_model

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class WalkinForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("来访类别"),
        choices=WalkinKind.choices,
        widget=forms.RadioSelect,
        initial=WalkinKind.APPLICATION,
    )
    customer_name = forms.CharField(label=_("客户姓名"), max_length=50)
    phone = forms.CharField(label=_("联系电话"), max_length=20)
    id_number = forms.CharField(label=_("身份证号（选填）"), max_length=18, required=False)
    village = forms.ModelChoiceField(label=_("所在行政村"), queryset=Village.objects.none())
    loan_type = forms.ModelChoiceField(
        label=_("贷款种类"), queryset=LoanType.objects.filter(is_active=True), required=False
    )
    amount = AmountField(
        label=_("申请金额（元）"),
        max_digits=14,
        decimal_places=2,
        required=False,
        min_value=Decimal("0.01"),
    )
    need = forms.CharField(
        label=_("需求/用途"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, cooperative=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = Village.objects.filter(cooperative=cooperative).order_by(
            "code"
        )
        self.fields["village"].error_messages["invalid_choice"] = _("请选择本社辖内的行政村。")

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        error = phone_error(value)
        if error:
            raise forms.ValidationError(error)
        return value

    def clean_id_number(self):
        value = normalize_id(self.cleaned_data.get("id_number", ""))
        if value:
            error = id_number_error(value)
            if error:
                raise forms.ValidationError(error)
        return value

    def clean(self):
        data = super().clean()
        if data.get("kind") == WalkinKind.APPLICATION:
            if not data.get("loan_type"):
                self.add_error("loan_type", _("贷款申请请选择贷款种类。"))
            if not data.get("amount"):
                self.add_error("amount", _("贷款申请请填写申请金额。"))
            village = data.get("village")
            if village is not None and village.officer_id is None:
                self.add_error("village", _("该村尚未指定包村信贷员，请先在村信息中指定。"))
        return data


class WalkinFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名/电话/身份证"), required=False)
    kind = forms.ChoiceField(
        label=_("类别"), choices=[("", _("全部"))] + WalkinKind.choices, required=False
    )
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部"))] + WalkinStatus.choices, required=False
    )
    loan_type = forms.ModelChoiceField(
        label=_("贷款种类"), queryset=LoanType.objects.all(), required=False
    )
    date_from = forms.DateField(label=_("登记起"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("登记止"), required=False, widget=DATE)


class SettleForm(forms.Form):
    """One step of an application (``walkin_steps``): a yes or a no, and the note a no
    must carry (the refusal reason told to the customer, the director's opinion)."""

    def __init__(self, *args, step, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step
        self.fields["decision"] = forms.ChoiceField(
            label=step.decision_label,
            choices=[(value, o.label) for value, o in step.outcomes.items()],
            widget=forms.RadioSelect,
        )
        self.fields[step.note_key] = forms.CharField(
            label=step.note_label,
            required=False,
            max_length=step.note_max_length,
            widget=forms.Textarea(attrs={"rows": step.note_rows}) if step.note_rows else None,
        )

    def clean(self):
        data = super().clean()
        outcome = self.step.outcomes.get(data.get("decision"))
        if outcome and outcome.is_no and not (data.get(self.step.note_key) or "").strip():
            self.add_error(self.step.note_key, self.step.note_required)
        return data


class ShiftForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DATE)
    post = forms.ChoiceField(label=_("岗位"), choices=DutyPost.choices)
    staff = forms.ModelChoiceField(label=_("值班人"), queryset=Staff.objects.none())

    def __init__(self, *args, cooperative=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = (
            Staff.objects.filter(cooperative=cooperative, is_active=True)
            .filter(roles__overlap=[Role.OFFICER, Role.DIRECTOR])
            .order_by("username")
        )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("处理"),
        choices=[("confirm", _("确认问责")), ("waive", _("免责"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("理由"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
