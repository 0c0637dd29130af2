"""Forms of the file pages: they check shape; the services in archives/services/files.py
enforce the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Retention, Section
from ..models.files import MANAGEMENT_SECTIONS


class ItemAddForm(forms.Form):
    name = forms.CharField(label=_("资料名称"), max_length=100)
    pages = forms.IntegerField(label=_("页数"), min_value=1, max_value=9999, initial=1)
    required = forms.BooleanField(label=_("必备"), required=False, initial=True)
    original = forms.BooleanField(label=_("原件"), required=False, initial=True)


class FileEditForm(forms.Form):
    shelf = forms.CharField(label=_("架号"), max_length=20, required=False)
    box = forms.CharField(label=_("盒号"), max_length=20, required=False)
    retention = forms.ChoiceField(label=_("保管期限"), choices=Retention.choices)
    in_litigation = forms.BooleanField(label=_("涉诉"), required=False)


class RecordForm(forms.Form):
    title = forms.CharField(label=_("案卷题名"), max_length=200)
    section = forms.ChoiceField(
        label=_("档案分类"),
        choices=[(k, v) for k, v in Section.choices if k in MANAGEMENT_SECTIONS],
    )
    record_date = forms.DateField(
        label=_("形成日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    pages = forms.IntegerField(label=_("页数"), min_value=1, max_value=99999)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_date"].initial = timezone.localdate()


class TransferForm(forms.Form):
    transferred_to = forms.CharField(
        label=_("移出至"), max_length=100, help_text=_("如：资产保全部、某某县人民法院")
    )
    reason = forms.CharField(label=_("移出事由"), max_length=300)


class TransferBackForm(forms.Form):
    note = forms.CharField(label=_("收回说明"), max_length=300, required=False)
