from django import forms
from django.utils.translation import gettext_lazy as _

from creditcoop.forms import AmountField
from ratings.models import Grade

from .models import MIN_PERIOD_DAYS, NoticeBatch, NoticeEntry, Objection
from .services import CONTACT_NAME_MAX, CONTACT_PHONE_MAX, REPLY_MAX, TEXT_MAX


class BatchForm(forms.Form):
    village = forms.ModelChoiceField(label=_("行政村"), queryset=None)
    period_days = forms.IntegerField(
        label=_("公示天数"),
        help_text=_("含发布当天，不得少于 %(n)s 天。") % {"n": MIN_PERIOD_DAYS},
        error_messages={"invalid": _("请填写整数天数。")},
    )
    supervision_phone = forms.CharField(label=_("监督电话"), max_length=30)
    title = forms.CharField(label=_("标题（可选）"), max_length=100, required=False)

    def __init__(self, *args, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.fields["village"].error_messages["invalid_choice"] = _("请选择您负责的村。")


class BatchEditForm(forms.Form):
    period_days = forms.IntegerField(
        label=_("公示天数"), error_messages={"invalid": _("请填写整数天数。")}
    )
    supervision_phone = forms.CharField(label=_("监督电话"), max_length=30)
    title = forms.CharField(label=_("标题（可选）"), max_length=100, required=False)


class DropEntryForm(forms.Form):
    reason = forms.CharField(label=_("不列入本期公示的原因"), max_length=200)


class PublicObjectionForm(forms.Form):
    entry = forms.TypedChoiceField(
        label=_("针对的农户"), coerce=int, required=False, empty_value=None
    )
    text = forms.CharField(
        label=_("异议内容"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": TEXT_MAX}),
        help_text=_("请写明您了解的情况，最多 %(n)s 字。") % {"n": TEXT_MAX},
        error_messages={
            "required": _("请填写异议内容。"),
            "max_length": _("异议内容不能超过 %(limit_value)d 个字（现在 %(show_value)d 个）。"),
        },
    )
    contact_name = forms.CharField(
        label=_("您的称呼（可不填）"), max_length=CONTACT_NAME_MAX, required=False
    )
    contact_phone = forms.CharField(
        label=_("联系电话（可不填，仅供信用社回访）"),
        max_length=CONTACT_PHONE_MAX,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    # Honeypot: hidden from people, filled in by bots.
    website = forms.CharField(required=False, label=_("网址（请勿填写）"))

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].choices = [("", _("对本期公示整体提出异议"))] + [
            (e.pk, f"{e.group_name} {e.masked_name} {e.grade} {e.line:,.0f}元") for e in entries
        ]


class StaffObjectionForm(forms.Form):
    batch = forms.ModelChoiceField(label=_("公示批次"), queryset=None)
    entry = forms.ModelChoiceField(
        label=_("针对的农户（不选为针对整期公示）"), queryset=None, required=False
    )
    channel = forms.ChoiceField(
        label=_("来源"),
        choices=[c for c in Objection.Channel.choices if c[0] != Objection.Channel.WEB],
    )
    text = forms.CharField(
        label=_("异议内容"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    contact_name = forms.CharField(
        label=_("异议人称呼"), max_length=CONTACT_NAME_MAX, required=False
    )
    contact_phone = forms.CharField(
        label=_("联系电话"), max_length=CONTACT_PHONE_MAX, required=False
    )

    def __init__(self, *args, batches=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].queryset = batches
        self.fields["entry"].queryset = NoticeEntry.objects.filter(
            batch__in=batches, status=NoticeEntry.Status.LISTED
        ).select_related("batch", "application__applicant")
        self.fields["entry"].label_from_instance = lambda e: (
            f"第{e.batch.number}期 {e.group_name} {e.application.applicant.name} {e.grade} {e.line}元"
        )

    def clean(self):
        data = super().clean()
        entry, batch = data.get("entry"), data.get("batch")
        if entry and batch and entry.batch_id != batch.pk:
            self.add_error("entry", _("所选农户不在该期公示中。"))
        return data


class AssignForm(forms.Form):
    investigator = forms.ModelChoiceField(label=_("调查人"), queryset=None)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["investigator"].queryset = staff
        self.fields["investigator"].label_from_instance = lambda s: f"{s.name}（{s.username}）"


class FindingsForm(forms.Form):
    findings = forms.CharField(
        label=_("调查核实情况"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class StartForm(forms.Form):
    findings = forms.CharField(
        label=_("初步情况（可选）"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("处理结果"), choices=Objection.Outcome.choices, widget=forms.RadioSelect
    )
    findings = forms.CharField(
        label=_("调查核实情况"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    new_grade = forms.ChoiceField(
        label=_("调整后等级（不变则不选）"),
        choices=[("", "—")] + list(Grade.choices),
        required=False,
    )
    new_line = AmountField(
        label=_("调整后授信额度（元）"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )
    reply = forms.CharField(
        label=_("答复异议人（公开显示，不成立时必填）"),
        max_length=REPLY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


STATUS_FILTER_CHOICES = [("", _("全部状态"))] + list(NoticeBatch.Status.choices)
