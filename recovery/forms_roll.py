from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from villages.models import BlacklistReason, CommitteeMember

from .forms import DATE, StyledForm
from .models import LimitationEvent, NplGuarantor


class RollCreateForm(StyledForm):
    village = forms.ModelChoiceField(label=_("行政村"), queryset=None)
    as_of = forms.DateField(label=_("计息截止日"), widget=DATE)

    def __init__(self, *args, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.fields["as_of"].initial = timezone.localdate()


class WitnessForm(StyledForm):
    member = forms.ModelChoiceField(label=_("村委会证明人"), queryset=None)
    witnessed_on = forms.DateField(label=_("证明日期"), widget=DATE)

    def __init__(self, *args, roll=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = CommitteeMember.objects.filter(village_id=roll.village_id)
        self.fields["witnessed_on"].initial = timezone.localdate()


class PostForm(StyledForm):
    places = forms.CharField(
        label=_("张贴地点"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("每行一处，一处一份，如：村委会公示栏、村小卖部、村文化广场。"),
    )
    posted_on = forms.DateField(label=_("张贴日期"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["posted_on"].initial = timezone.localdate()

    def places_list(self) -> list[str]:
        return [p.strip() for p in self.cleaned_data["places"].splitlines() if p.strip()]


class ReceiptForm(StyledForm):
    guarantor = forms.ModelChoiceField(
        label=_("当事人"),
        queryset=NplGuarantor.objects.none(),
        required=False,
        empty_label=_("借款人"),
    )
    signed_on = forms.DateField(label=_("签收日期"), widget=DATE)
    signer_name = forms.CharField(label=_("签收人"), max_length=50)
    signer_relation = forms.ChoiceField(
        label=_("签收人身份"), choices=LimitationEvent.Signer.choices[1:]
    )

    def __init__(self, *args, line=None, **kwargs):
        super().__init__(*args, **kwargs)
        if line is not None:
            self.fields["guarantor"].queryset = NplGuarantor.objects.filter(
                record_id=line.record_id
            )


class ConsentForm(StyledForm):
    id_number = forms.CharField(label=_("身份证号码"), max_length=18)
    name = forms.CharField(label=_("姓名"), max_length=50)
    given_on = forms.DateField(label=_("同意日期"), widget=DATE)
    evidence = forms.CharField(label=_("单独同意书编号或存放位置"), max_length=200)


class BlacklistAddForm(StyledForm):
    reason = forms.ChoiceField(label=_("列入原因"), choices=BlacklistReason.choices)
    listed_on = forms.DateField(label=_("列入日期"), widget=DATE)
    no_fault = forms.BooleanField(label=_("非本人原因违约（还清本息后退出）"), required=False)
    default_ended_on = forms.DateField(
        label=_("违约行为终止日"),
        widget=DATE,
        required=False,
        help_text=_("已还清或违约已终止的填写；自该日起满保存年限后自动失效。"),
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["listed_on"].initial = timezone.localdate()


class BlacklistExitForm(StyledForm):
    repaid_on = forms.DateField(label=_("还清（违约终止）日期"), widget=DATE)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)
