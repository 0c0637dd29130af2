"""Forms for collection actions and notices: shape only; the services enforce the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creditcoop.models import Role, Staff

from .forms import DATE, StyledForm
from .models import CollectionAction, CollectionNotice, NplGuarantor

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class _PartyForm(StyledForm):
    guarantor = forms.ModelChoiceField(
        label=_("对象"),
        queryset=NplGuarantor.objects.none(),
        required=False,
        empty_label=_("借款人"),
    )

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        if record is not None:
            self.fields["guarantor"].queryset = record.guarantors.all()


class ActionForm(_PartyForm):
    kind = forms.ChoiceField(label=_("方式"), choices=CollectionAction.Kind.choices)
    at = forms.DateTimeField(label=_("催收时间"), widget=DATETIME)
    contact_name = forms.CharField(label=_("接触人"), max_length=50, required=False)
    contact_relation = forms.CharField(
        label=_("与债务人关系"),
        max_length=30,
        required=False,
        help_text=_("如：本人、妻子、村干部。"),
    )
    result = forms.ChoiceField(label=_("结果"), choices=CollectionAction.Result.choices)
    result_text = forms.CharField(label=_("情况说明"), max_length=300, required=False)
    next_step = forms.CharField(label=_("下一步措施"), max_length=200, required=False)
    next_on = forms.DateField(label=_("下次催收日期"), widget=DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("at", timezone.localtime().replace(second=0, microsecond=0))


class NoticeForm(_PartyForm):
    guarantor = forms.ModelChoiceField(
        label=_("送达对象"),
        queryset=NplGuarantor.objects.none(),
        required=False,
        empty_label=_("借款人"),
    )
    printed_on = forms.DateField(label=_("打印日期"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("printed_on", timezone.localdate())


class BatchForm(StyledForm):
    village = forms.ModelChoiceField(label=_("行政村"), queryset=None, required=False)
    officer = forms.ModelChoiceField(label=_("清收责任人"), queryset=None, required=False)
    printed_on = forms.DateField(label=_("打印日期"), widget=DATE)
    with_guarantors = forms.BooleanField(
        label=_("同时打印给保证人的通知书"), required=False, initial=True
    )

    def __init__(self, *args, villages, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.fields["officer"].queryset = officers
        self.initial.setdefault("printed_on", timezone.localdate())

    def clean(self):
        data = super().clean()
        if bool(data.get("village")) == bool(data.get("officer")):
            raise forms.ValidationError(_("请选择一个行政村或一名清收责任人（二选一）。"))
        return data


class ReceiptForm(StyledForm):
    signed_on = forms.DateField(label=_("签收日期"), widget=DATE)
    signer_name = forms.CharField(label=_("签收人"), max_length=50)
    signer_relation = forms.ChoiceField(
        label=_("签收人身份"),
        choices=[c for c in CollectionNotice.Signer.choices if c[0]],
        help_text=_(
            "自然人的回执须由本人、同住的成年亲属或授权代理人签收才构成有效送达；"
            "其他人签收的回执照样存档，但不中断诉讼时效。"
        ),
    )
    receipt_no = forms.CharField(label=_("回执编号"), max_length=40, required=False)


def officer_choices(cooperative_ids):
    return Staff.objects.filter(
        cooperative_id__in=cooperative_ids, roles__contains=[Role.OFFICER], is_active=True
    ).order_by("username")
