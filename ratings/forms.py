from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creditcoop.forms import AmountField, DateInput
from creditcoop.models import Role, Staff
from villages.models import Village

from .models import CreditApplication, RatingCampaign

DATE = DateInput()


class VersionedForm(forms.Form):
    """Carries the version the user loaded, so a concurrent save is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class CampaignForm(forms.Form):
    village = forms.ModelChoiceField(label=_("行政村"), queryset=Village.objects.none())
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    rating_date = forms.DateField(
        label=_("集中评定日期"),
        widget=DATE,
        required=False,
        help_text=_("留空则按该村工作配档表"),
    )
    credit_date = forms.DateField(label=_("集中授信日期"), widget=DATE, required=False)
    certificate_date = forms.DateField(label=_("集中办证日期"), widget=DATE, required=False)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.fields["year"].initial = timezone.localdate().year


class AddHouseholdsForm(forms.Form):
    requested_amount = AmountField(
        label=_("默认申请金额（元）"), min_value=1, max_digits=14, decimal_places=2, initial=30000
    )


class ApplicationForm(forms.Form):
    applicant = forms.ModelChoiceField(label=_("申请人"), queryset=None)
    requested_amount = AmountField(
        label=_("申请金额（元）"), min_value=1, max_digits=14, decimal_places=2
    )
    purpose = forms.CharField(label=_("用途"), max_length=100, required=False)
    campaign = forms.ModelChoiceField(
        label=_("评级批次"),
        queryset=RatingCampaign.objects.none(),
        required=False,
        empty_label=_("单笔申请（不属于集中评级）"),
    )

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applicant"].queryset = household.members.all()
        self.fields["applicant"].initial = (
            household.members.filter(relation="head").values_list("pk", flat=True).first()
        )
        self.fields["campaign"].queryset = RatingCampaign.objects.filter(
            village_id=household.village_id, status=RatingCampaign.Status.OPEN
        )


class DocumentsForm(VersionedForm):
    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        for f in CreditApplication.REQUIRED_DOCUMENTS:
            field = CreditApplication._meta.get_field(f)
            self.fields[f] = forms.BooleanField(label=field.verbose_name, required=False)
            if application is not None:
                self.fields[f].initial = getattr(application, f)


class InvestigationForm(VersionedForm):
    visit_date = forms.DateField(label=_("入户调查日期"), widget=DATE)
    visit_note = forms.CharField(
        label=_("调查情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    family_size = forms.IntegerField(label=_("家庭人口"), min_value=1, max_value=30)
    net_assets = AmountField(label=_("家庭净资产（元）"), max_digits=14, decimal_places=2)
    annual_net_income = AmountField(
        label=_("家庭年纯收入（元）"), min_value=0, max_digits=14, decimal_places=2
    )
    other_debt = AmountField(
        label=_("其他负债（元）"), min_value=0, max_digits=14, decimal_places=2, initial=0
    )
    main_business = forms.CharField(label=_("主营项目"), max_length=100, required=False)

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        consents = {c.member_id: c.consented for c in application.consents.all()}
        self.members = list(application.household.members.all())
        for m in self.members:
            self.fields[f"consent_{m.pk}"] = forms.BooleanField(
                label=f"{m.name}（{m.get_relation_display()}）",
                required=False,
                initial=consents.get(m.pk, False),
            )
        for f in (
            "visit_date",
            "visit_note",
            "family_size",
            "net_assets",
            "annual_net_income",
            "other_debt",
            "main_business",
        ):
            value = getattr(application, f)
            if value not in (None, ""):
                self.fields[f].initial = value
        if not self.fields["visit_date"].initial:
            self.fields["visit_date"].initial = timezone.localdate()

    def consent_fields(self):
        return [self[f"consent_{m.pk}"] for m in self.members]

    def consents(self):
        return {m.pk: self.cleaned_data.get(f"consent_{m.pk}", False) for m in self.members}


class ScoresForm(VersionedForm):
    """One select per indicator of the application's scorecard version."""

    def __init__(
        self,
        *args,
        indicators,
        initial_scores=None,
        with_reason=False,
        committee_scores=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        initial_scores = initial_scores or {}
        committee_scores = committee_scores or {}
        self.indicator_names = []
        for ind in indicators:
            choices = [("", "—")] + [
                (str(o.points), f"{o.label}（{o.points}分）") for o in ind.options.all()
            ]
            self.fields[f"s_{ind.code}"] = forms.ChoiceField(
                label=ind.name,
                choices=choices,
                required=False,
                initial=initial_scores.get(ind.code, ""),
                # The officer reviews against what the village committee gave.
                help_text=_("村评审小组初评：%(p)s分") % {"p": committee_scores[ind.code]}
                if ind.code in committee_scores
                else "",
            )
            self.indicator_names.append(ind.code)
        if with_reason:
            self.fields["reason"] = forms.CharField(
                label=_("调整理由（改分时必填）"), required=False, max_length=500
            )

    def scores(self) -> dict:
        return {
            code: self.cleaned_data.get(f"s_{code}")
            for code in self.indicator_names
            if self.cleaned_data.get(f"s_{code}") not in (None, "")
        }

    def score_fields(self):
        return [self[f"s_{c}"] for c in self.indicator_names]


class LineForm(VersionedForm):
    amount = AmountField(label=_("额度（元）"), min_value=0, max_digits=14, decimal_places=2)
    term_months = forms.IntegerField(
        label=_("期限（月）"), min_value=1, max_value=24, required=False
    )
    opinion = forms.CharField(label=_("意见"), max_length=200, required=False)


class DecisionForm(forms.Form):
    held_on = forms.DateField(label=_("评定日期"), widget=DATE)
    members = forms.ModelMultipleChoiceField(
        label=_("到会成员"),
        queryset=Staff.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_members = forms.CharField(label=_("其他到会人员"), max_length=200, required=False)

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = timezone.localdate()
        self.fields["members"].queryset = Staff.objects.filter(
            cooperative=cooperative,
            is_active=True,
            roles__overlap=[Role.REVIEW_GROUP, Role.DIRECTOR, Role.DEPUTY],
        ).order_by("username")


class RejectForm(VersionedForm):
    reason = forms.CharField(
        label=_("不予评级/授信的原因（将告知农户）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )
