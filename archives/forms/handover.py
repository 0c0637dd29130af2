"""Forms of the handover and intake pages: they check shape, the services the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from creditcoop.forms import DateInput
from creditcoop.models import Branch

from ..models import HandoverLine


def _style(form):
    for f in form.fields.values():
        w = f.widget
        if isinstance(w, forms.CheckboxInput):
            w.attrs.setdefault("class", "form-check-input")
        elif isinstance(w, forms.Select) and not isinstance(w, forms.SelectMultiple):
            w.attrs.setdefault("class", "form-select")
        elif not isinstance(w, (forms.HiddenInput, forms.CheckboxSelectMultiple)):
            w.attrs.setdefault("class", "form-control")


class HandoverCreateForm(forms.Form):
    files = forms.ModelMultipleChoiceField(
        label=_("移交档案"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("请选择要移交的档案。"),
            "invalid_choice": _("所选档案不存在或不在您的办理范围内，请刷新后重新选择。"),
            "invalid_pk_value": _("所选档案不存在，请刷新后重新选择。"),
        },
    )
    branch = forms.ModelChoiceField(
        label=_("移交单位（分社）"), queryset=Branch.objects.none(), required=False
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, files, cooperative, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].queryset = files
        self.fields["branch"].queryset = Branch.objects.filter(cooperative=cooperative)
        self.fields["branch"].empty_label = _("本社（不分分社）")
        _style(self)


class HandoverCheckForm(forms.Form):
    """Item by item: received (a tick), the reason when not, the pages counted; then the shelf
    and box. Fields are named ``ok_<item id>``, ``reason_<item id>``, ``pages_<item id>``."""

    shelf = forms.CharField(label=_("架号"), max_length=20, required=False)
    box = forms.CharField(label=_("盒号"), max_length=20, required=False)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"ok_{item.pk}"] = forms.BooleanField(label=_("已收到"), required=False)
            self.fields[f"reason_{item.pk}"] = forms.CharField(
                label=_("未收到原因"), max_length=200, required=False
            )
            self.fields[f"pages_{item.pk}"] = forms.IntegerField(
                label=_("页数"), min_value=1, max_value=9999, initial=item.pages
            )
        _style(self)

    def rows(self):
        """(item, received field, reason field, pages field) for the template."""
        return [
            (item, self[f"ok_{item.pk}"], self[f"reason_{item.pk}"], self[f"pages_{item.pk}"])
            for item in self.items
        ]

    def results(self) -> dict:
        d = self.cleaned_data
        return {i.pk: (d[f"ok_{i.pk}"], d[f"reason_{i.pk}"]) for i in self.items}

    def pages(self) -> dict:
        return {i.pk: self.cleaned_data[f"pages_{i.pk}"] for i in self.items}


class RegisterFilterForm(forms.Form):
    """Search and dates of the two registers."""

    q = forms.CharField(label=_("查询"), required=False)
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=DateInput())
    status = forms.ChoiceField(
        label=_("核对结果"),
        required=False,
        choices=[("", _("全部结果")), *HandoverLine.Status.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
        self.fields["q"].widget.attrs["placeholder"] = _("档案号、借款人、合同号或移交单号")
