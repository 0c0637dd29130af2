from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creditcoop.models import Role, Staff
from villages.forms import ImportUploadForm as _Upload

from .models import LimitationEvent, NplGuarantor, NplRecord, RecoverabilityAssessment

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            w = f.widget
            if isinstance(w, forms.CheckboxInput):
                w.attrs.setdefault("class", "form-check-input")
            elif isinstance(w, forms.CheckboxSelectMultiple):
                continue
            elif isinstance(w, forms.Select):
                w.attrs.setdefault("class", "form-select")
            elif not isinstance(w, forms.HiddenInput):
                w.attrs.setdefault("class", "form-control")


class EventForm(StyledForm):
    kind = forms.ChoiceField(label=_("事项"), choices=LimitationEvent.Kind.choices)
    guarantor = forms.ModelChoiceField(
        label=_("对象"),
        queryset=NplGuarantor.objects.none(),
        required=False,
        empty_label=_("借款人"),
    )
    occurred_on = forms.DateField(label=_("发生日期"), widget=DATE)
    ends_on = forms.DateField(
        label=_("终结日期"),
        widget=DATE,
        required=False,
        help_text=_("中止事由消除日或诉讼终结日。"),
    )
    signer_name = forms.CharField(label=_("签收人"), max_length=50, required=False)
    signer_relation = forms.ChoiceField(
        label=_("签收人身份"), choices=LimitationEvent.Signer.choices, required=False
    )
    receipt_number = forms.CharField(label=_("回执或邮件编号"), max_length=40, required=False)
    media_level = forms.ChoiceField(
        label=_("公告媒体级别"), choices=LimitationEvent.Media.choices, required=False
    )
    media_name = forms.CharField(label=_("公告媒体名称"), max_length=100, required=False)
    amount = forms.DecimalField(
        label=_("金额（元）"), max_digits=14, decimal_places=2, required=False, min_value=0
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        if record is not None:
            self.fields["guarantor"].queryset = record.guarantors.all()
        if not self.is_bound:
            self.initial.setdefault("occurred_on", timezone.localdate())


class GuarantorForm(StyledForm):
    name = forms.CharField(label=_("保证人"), max_length=50)
    id_number = forms.CharField(label=_("身份证号码"), max_length=18, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    contract_signed_on = forms.DateField(label=_("保证合同签订日"), widget=DATE, required=False)
    stated_type = forms.ChoiceField(
        label=_("合同约定的保证方式"), choices=NplGuarantor.GuaranteeType.choices, required=False
    )
    agreed_period_end = forms.DateField(
        label=_("约定的保证期间届满日"), widget=DATE, required=False
    )
    until_repaid = forms.BooleanField(label=_("约定“直至本息还清为止”"), required=False)


class RecordForm(forms.ModelForm):
    collector = forms.ModelChoiceField(
        label=_("清收责任人"), queryset=Staff.objects.none(), required=False
    )

    class Meta:
        model = NplRecord
        fields = [
            "collector",
            "borrower_phone",
            "actual_user",
            "actual_user_name",
            "cause",
            "difficulty",
            "insider_related",
            "civil_servant",
            "employer",
            "heirs",
            "borrower_kind",
            "enterprise_status",
            "successor",
            "whereabouts",
            "collateral",
            "collateral_state",
            "collateral_expires_on",
            "ledger_subject",
            "note",
        ]
        widgets = {
            "collateral_expires_on": DATE,
            "heirs": forms.Textarea(attrs={"rows": 2}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, may_assign=False, **kwargs):
        super().__init__(*args, **kwargs)
        record = self.instance
        self.fields["collector"].queryset = Staff.objects.filter(
            cooperative_id=record.cooperative_id, is_active=True
        ).filter(roles__overlap=[Role.OFFICER, Role.DIRECTOR, Role.DEPUTY])
        self.fields["collector"].label_from_instance = lambda s: f"{s.name}（{s.username}）"
        if not may_assign:
            self.fields["collector"].disabled = True
        # Older forms and imports post no borrower kind: the record keeps its own.
        self.fields["borrower_kind"].required = False
        for f in self.fields.values():
            w = f.widget
            if isinstance(w, forms.CheckboxInput):
                w.attrs.setdefault("class", "form-check-input")
            elif isinstance(w, forms.Select):
                w.attrs.setdefault("class", "form-select")
            else:
                w.attrs.setdefault("class", "form-control")

    def values(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "collector"}
        if not data.get("borrower_kind"):
            data["borrower_kind"] = self.instance.borrower_kind
        if not self.fields["collector"].disabled:
            collector = self.cleaned_data.get("collector")
            data["collector_id"] = collector.pk if collector else None
        return data


class AssessmentForm(StyledForm):
    year = forms.IntegerField(label=_("年度"), min_value=1950, max_value=2100)
    likelihood = forms.ChoiceField(
        label=_("偿还可能性"), choices=RecoverabilityAssessment.Likelihood.choices
    )
    income = forms.CharField(label=_("生产经营及收入"), max_length=300, required=False)
    guarantor_capacity = forms.CharField(label=_("保证人代偿能力"), max_length=300, required=False)
    willingness = forms.CharField(label=_("还款意愿"), max_length=300, required=False)
    measures = forms.CharField(label=_("清收措施"), max_length=300, required=False)
    reasons = forms.CharField(label=_("不能收回的原因"), max_length=300, required=False)
    evidence = forms.MultipleChoiceField(
        label=_("已取得的证明材料"),
        choices=RecoverabilityAssessment.EVIDENCE,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ImportUploadForm(_Upload):
    cooperative = forms.ModelChoiceField(label=_("信用社"), queryset=None, empty_label=None)

    def __init__(self, *args, cooperatives=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("表外不良贷款导入表（.xlsx）")
        self.fields["cooperative"].queryset = cooperatives
        self.order_fields(["cooperative", "file"])
