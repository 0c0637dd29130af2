"""Forms of reconciliation, destruction and inspections: shape only, the services decide."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..services.inspections import FindingInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BalanceForm(forms.Form):
    balance = forms.CharField(label=_("档案记载余额（元）"), max_length=20)


class AccountingImportForm(forms.Form):
    as_of = forms.DateField(label=_("余额日期"), widget=DATE)
    upload = forms.FileField(
        label=_("会计余额表（Excel .xlsx）"),
        help_text=_("第一行为表头，须有“合同编号”和“余额”两列。"),
    )


class FileIdsField(forms.TypedMultipleChoiceField):
    """Ids of files: any id is a valid choice here, the service says why a file may not go."""

    def valid_value(self, value):
        return str(value).isdigit()


class DestructionCreateForm(forms.Form):
    files = FileIdsField(label=_("销毁档案"), coerce=int)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)


class DestructionDestroyForm(forms.Form):
    supervisor = forms.ModelChoiceField(label=_("监销人"), queryset=None)
    destroyed_on = forms.DateField(label=_("销毁日期"), widget=DATE)
    method = forms.CharField(label=_("销毁方式"), max_length=50, initial=_("碎纸机粉碎"))

    def __init__(self, *args, supervisors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = supervisors
        self.fields["destroyed_on"].initial = timezone.localdate()


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=200, required=False)


def _parse_findings(text: str) -> list[FindingInput]:
    """One finding a line: “档案号｜问题｜整改期限”; a line without ｜ is a general finding."""
    findings, errors = [], []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if len(parts) == 1:
            findings.append(FindingInput("", parts[0]))
            continue
        number, finding = parts[0], parts[1]
        rectify_by = None
        if len(parts) > 2 and parts[2]:
            try:
                rectify_by = date.fromisoformat(parts[2])
            except ValueError:
                errors.append(
                    _("第 %(n)s 行的整改期限“%(d)s”应写成 2026-06-30 这样的日期。")
                    % {"n": n, "d": parts[2]}
                )
        findings.append(FindingInput(number, finding, rectify_by))
    if errors:
        raise forms.ValidationError(errors)
    return findings


class InspectionForm(forms.Form):
    cooperative = forms.ModelChoiceField(label=_("信用社"), queryset=None)
    inspected_on = forms.DateField(label=_("检查日期"), widget=DATE)
    inspectors = forms.CharField(label=_("检查人员"), max_length=200)
    scope = forms.CharField(label=_("检查范围"), max_length=300, required=False)
    summary = forms.CharField(
        label=_("检查结论"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    findings = forms.CharField(
        label=_("发现问题"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "每行一条：档案号｜问题｜整改期限（如 2026-06-30，可不填）；不涉及具体档案的问题直接写问题。"
        ),
    )

    def __init__(self, *args, cooperatives=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cooperative"].queryset = cooperatives
        if cooperatives is not None and cooperatives.count() == 1:
            self.fields["cooperative"].initial = cooperatives.first()
        self.fields["inspected_on"].initial = timezone.localdate()

    def clean_findings(self):
        return _parse_findings(self.cleaned_data.get("findings", ""))


class RectifyForm(forms.Form):
    rectification = forms.CharField(label=_("整改情况"), max_length=300)
    rectified_on = forms.DateField(label=_("整改日期"), widget=DATE)
