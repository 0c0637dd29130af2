from django import forms
from django.utils.translation import gettext_lazy as _

from creditcoop.forms import AmountField
from creditcoop.models import Role, Staff

from .idcard import id_number_error, normalize_id, phone_error
from .imports import MAX_BYTES
from .models import CommitteeMember, Member, VillageGroup

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _phone(value: str) -> str:
    value = (value or "").strip()
    if msg := phone_error(value):
        raise forms.ValidationError(msg)
    return value


class HouseholdForm(forms.Form):
    group = forms.ModelChoiceField(
        label=_("村民小组"),
        queryset=VillageGroup.objects.none(),
        error_messages={
            "required": _("请选择村民小组。"),
            "invalid_choice": _("请选择本村的村民小组。"),
        },
    )
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    main_business = forms.CharField(label=_("主营项目"), max_length=100, required=False)

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = village.groups.all()

    def clean_phone(self):
        return _phone(self.cleaned_data["phone"])


class MemberForm(forms.Form):
    member_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("姓名"), max_length=50, error_messages={"required": _("请填写姓名。")}
    )
    relation = forms.ChoiceField(
        label=_("与户主关系"),
        choices=[("", "——")] + list(Member.Relation.choices),
        error_messages={"required": _("请选择与户主关系。")},
    )
    id_number = forms.CharField(
        label=_("身份证号码"), max_length=18, error_messages={"required": _("请填写身份证号码。")}
    )
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)

    def clean_id_number(self):
        value = normalize_id(self.cleaned_data["id_number"])
        if msg := id_number_error(value):
            raise forms.ValidationError(msg)
        return value

    def clean_phone(self):
        return _phone(self.cleaned_data["phone"])


MemberFormSet = forms.formset_factory(MemberForm, extra=0, can_delete=True, max_num=30)


class GroupForm(forms.Form):
    number = forms.IntegerField(label=_("组号"), min_value=1, max_value=999)
    name = forms.CharField(label=_("村民小组名称"), max_length=30)


class CommitteeMemberForm(forms.Form):
    post = forms.ChoiceField(label=_("职务"), choices=CommitteeMember.Post.choices)
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("联系电话"), max_length=20)
    term_start = forms.DateField(label=_("任期开始"), widget=DATE)
    term_end = forms.DateField(label=_("任期结束"), widget=DATE, required=False)
    staff = forms.ModelChoiceField(
        label=_("关联系统账号（可选）"), queryset=Staff.objects.none(), required=False
    )

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = Staff.objects.filter(
            union_id=village.cooperative.union_id, roles__contains=[Role.COMMITTEE]
        )

    def clean_phone(self):
        return _phone(self.cleaned_data["phone"])


class WorkScheduleForm(forms.Form):
    rating_date = forms.DateField(label=_("集中信用等级评定日期"), widget=DATE, required=False)
    credit_date = forms.DateField(label=_("集中授信日期"), widget=DATE, required=False)
    certificate_date = forms.DateField(label=_("集中办理贷款证日期"), widget=DATE, required=False)
    officer = forms.ModelChoiceField(label=_("责任信贷员"), queryset=Staff.objects.none())
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = Staff.objects.filter(
            cooperative_id=village.cooperative_id, roles__contains=[Role.OFFICER]
        )


class PromotionSurveyForm(forms.Form):
    resident_households = forms.IntegerField(label=_("常住农户数"), min_value=0)
    local_households = forms.IntegerField(label=_("长期在本地经营农户数"), min_value=0)
    certificate_count = forms.IntegerField(label=_("已发放贷款证户数"), min_value=0)
    certificate_amount = AmountField(
        label=_("贷款证授信金额（元）"), min_value=0, max_digits=14, decimal_places=2
    )
    npl_count = forms.IntegerField(label=_("不良贷款户数"), min_value=0)
    npl_amount = AmountField(
        label=_("不良贷款金额（元）"), min_value=0, max_digits=14, decimal_places=2
    )
    note = forms.CharField(
        label=_("调查说明"), max_length=500, required=False, widget=forms.Textarea({"rows": 2})
    )


class PromotionProposeForm(forms.Form):
    reason = forms.CharField(
        label=_("推荐意见"), max_length=500, required=False, widget=forms.Textarea({"rows": 2})
    )


class PromotionDecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审批结果"), choices=[("approve", _("批准")), ("reject", _("不批准"))]
    )
    reason = forms.CharField(
        label=_("审批意见"), max_length=500, required=False, widget=forms.Textarea({"rows": 2})
    )


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("农户登记表（.xlsx）"), error_messages={"required": _("请选择要上传的文件。")}
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_BYTES:
            raise forms.ValidationError(_("文件超过 5 MB，请分批导入。"))
        return f


class ScheduleFilterForm(forms.Form):
    cooperative = forms.ModelChoiceField(label=_("信用社"), queryset=None, required=False)
    date_from = forms.DateField(label=_("开始日期"), widget=DATE, required=False)
    date_to = forms.DateField(label=_("结束日期"), widget=DATE, required=False)

    def __init__(self, *args, cooperatives, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cooperative"].queryset = cooperatives
