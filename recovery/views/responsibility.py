"""Pages of responsibility (主责任人制): a record's persons, loss assessment and shares (with
its printable decision), a person's statement with deductions, the escalations the director
decides."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from creditcoop.errors import DomainError, add_to_form
from creditcoop.models import Staff
from creditcoop.permissions import roles_required

from .. import selectors, services
from .. import selectors_responsibility as rs
from ..forms import DATE, StyledForm
from ..models import (
    OfficerEscalation,
    RecoveryPolicy,
    ResponsibilityDeduction,
    ResponsiblePerson,
)
from ._roles import MANAGERS, READERS


class PersonForm(StyledForm):
    post = forms.ChoiceField(label=_l("岗位"), choices=ResponsiblePerson.Post.choices)
    is_main = forms.BooleanField(label=_l("主要责任人"), required=False, initial=True)
    is_first = forms.BooleanField(label=_l("第一责任人"), required=False)
    staff = forms.ModelChoiceField(
        label=_l("在职人员"), queryset=Staff.objects.none(), required=False
    )
    name = forms.CharField(label=_l("姓名（已离职人员）"), max_length=50, required=False)
    note = forms.CharField(label=_l("说明"), max_length=200, required=False)

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        if record is not None:
            self.fields["staff"].queryset = Staff.objects.filter(
                union_id=record.cooperative.union_id, is_active=True
            ).order_by("cooperative_id", "username")


class AssessForm(StyledForm):
    above_authority = forms.BooleanField(label=_l("超越本社权限发放"), required=False)
    authority_evidence = forms.CharField(label=_l("权限依据"), max_length=300)
    loss_amount = forms.DecimalField(
        label=_l("损失金额（元）"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_l("留空按本金余额加欠息认定。"),
    )
    amount_reason = forms.CharField(label=_l("调整金额的原因"), max_length=300, required=False)


class ExtensionForm(StyledForm):
    reason = forms.CharField(label=_l("不可抗力事由"), max_length=300)
    evidence = forms.CharField(label=_l("证明材料"), max_length=300)
    until = forms.DateField(label=_l("延期至"), widget=DATE)


class DeductionForm(StyledForm):
    month = forms.DateField(
        label=_l("扣款月份"),
        widget=forms.DateInput(attrs={"type": "month"}),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    amount = forms.DecimalField(label=_l("扣款金额（元）"), max_digits=14, decimal_places=2)
    source = forms.ChoiceField(label=_l("来源"), choices=ResponsibilityDeduction.Source.choices)


class DecisionForm(StyledForm):
    decision = forms.ChoiceField(
        label=_l("处理决定"),
        choices=[
            (OfficerEscalation.Decision.CONFIRM, OfficerEscalation.Decision.CONFIRM.label),
            (OfficerEscalation.Decision.WAIVE, OfficerEscalation.Decision.WAIVE.label),
        ],
    )
    text = forms.CharField(
        label=_l("决定内容或理由"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


def _section(
    request,
    record,
    *,
    person_form=None,
    assess_form=None,
    ext_form=None,
    deduct_form=None,
    deduct_share=None,
    template="recovery/responsibility.html",
):
    today = timezone.localdate()
    posts = list(ResponsiblePerson.Post.values)
    # In the order the loan went through: investigation, review, approval.
    persons = sorted(
        record.responsible_persons.select_related("staff"),
        key=lambda p: (posts.index(p.post), not p.is_main, p.pk),
    )
    assessment = getattr(record, "loss_assessment", None) if _has_assessment(record) else None
    shares = (
        list(assessment.shares.select_related("person__staff").prefetch_related("deductions"))
        if assessment
        else []
    )
    policy = RecoveryPolicy.current(record.cooperative.union_id)
    stale = bool(assessment and any(p.created_at > assessment.updated_at for p in persons))
    return render(
        request,
        template,
        {
            "record": record,
            "persons": persons,
            "assessment": assessment,
            "shares": shares,
            "total": sum((s.amount for s in shares), 0),
            "stale": stale,
            "policy": policy,
            "default_loss": services.responsibility.default_loss(record),
            "extensions": record.force_majeure_extensions.select_related("recorded_by"),
            "extension": services.active_extension(record, today),
            "may_manage": services.may_manage(request.user, record.cooperative),
            "person_form": person_form or PersonForm(record=record),
            "assess_form": assess_form
            or AssessForm(
                initial={
                    "above_authority": assessment.above_authority if assessment else False,
                    "authority_evidence": assessment.authority_evidence if assessment else "",
                }
            ),
            "ext_form": ext_form or ExtensionForm(),
            "deduct_form": deduct_form or DeductionForm(initial={"month": today.strftime("%Y-%m")}),
            "deduct_share": deduct_share,
            "today": today,
        },
        status=200,
    )


def _has_assessment(record) -> bool:
    from ..models import LossAssessment

    return LossAssessment.objects.filter(record=record).exists()


@roles_required(*READERS)
def responsibility(request, pk):
    return _section(request, selectors.record_get(request.user, pk))


@roles_required(*READERS)
def responsibility_print(request, pk):
    return _section(
        request,
        selectors.record_get(request.user, pk),
        template="recovery/responsibility_print.html",
    )


@roles_required(*MANAGERS, write=True)
def responsible_add(request, pk):
    record = selectors.record_get(request.user, pk)
    form = PersonForm(request.POST, record=record)
    if form.is_valid():
        try:
            person = services.responsible_person_add(
                actor=request.user, record=record, **form.cleaned_data
            )
            messages.success(request, _("已登记责任人 %(n)s。") % {"n": person.display_name})
            return redirect("recovery:responsibility", record.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return _section(request, record, person_form=form)


@roles_required(*MANAGERS, write=True)
def loss_assess(request, pk):
    record = selectors.record_get(request.user, pk)
    form = AssessForm(request.POST)
    if form.is_valid():
        try:
            services.loss_assess(actor=request.user, record=record, **form.cleaned_data)
            messages.success(request, _("已认定损失并计算各责任人赔偿金额。"))
            return redirect("recovery:responsibility", record.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return _section(request, record, assess_form=form)


@roles_required(*MANAGERS, write=True)
def force_majeure_extend(request, pk):
    record = selectors.record_get(request.user, pk)
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            ext = services.force_majeure_extend(
                actor=request.user, record=record, **form.cleaned_data
            )
            messages.success(request, _("已登记不可抗力延期至 %(d)s。") % {"d": ext.until})
            return redirect("recovery:responsibility", record.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return _section(request, record, ext_form=form)


@roles_required(*MANAGERS, write=True)
def deduction_add(request, pk):
    share = rs.share_get(request.user, pk)
    form = DeductionForm(request.POST)
    if form.is_valid():
        try:
            services.deduction_record(actor=request.user, share=share, **form.cleaned_data)
            messages.success(request, _("已登记扣款。"))
            if share.person.staff_id and request.POST.get("back") == "statement":
                return redirect("recovery:responsibility_statement", share.person.staff_id)
            return redirect("recovery:responsibility", share.assessment.record_id)
        except DomainError as exc:
            add_to_form(form, exc)
    return _section(request, share.assessment.record, deduct_form=form, deduct_share=share.pk)


@roles_required(*READERS)
def responsibility_statement(request, pk):
    staff = rs.statement_staff(request.user, pk)
    shares = list(rs.statement_shares(request.user, staff))
    for s in shares:
        s.may_deduct = services.may_manage(request.user, s.assessment.record.cooperative)
    return render(
        request,
        "recovery/responsibility_statement.html",
        {
            "staff": staff,
            "shares": shares,
            "total": sum((s.amount for s in shares), 0),
            "recovered": sum((s.recovered for s in shares), 0),
            "remaining": sum((s.remaining for s in shares), 0),
            "deduct_form": DeductionForm(initial={"month": timezone.localdate().strftime("%Y-%m")}),
        },
    )


@roles_required(*READERS)
def escalations(request):
    user = request.user
    f = rs.EscalationFilters.from_query(request.GET)
    return render(
        request,
        "recovery/escalations.html",
        {
            "page": rs.escalation_page(user=user, f=f, page=request.GET.get("page")),
            "f": f,
            "cooperatives": selectors.npl_cooperatives(user).order_by("code"),
            "levels": OfficerEscalation.Level.choices,
            "statuses": OfficerEscalation.Status.choices,
        },
    )


@roles_required(*READERS)
def escalation_decide(request, pk):
    escalation = rs.escalation_get(request.user, pk)
    may_decide = services.may_manage(request.user, escalation.cooperative)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.escalation_decide(
                    actor=request.user, escalation=escalation, **form.cleaned_data
                )
                messages.success(request, _("已作出处理决定。"))
                return redirect("recovery:escalation_decide", escalation.pk)
            except DomainError as exc:
                add_to_form(form, exc)
    from ..models import LossAssessment

    records = (
        LossAssessment.objects.filter(
            main_staff=escalation.officer, record__in=selectors.npl_scope(request.user)
        )
        .select_related("record")
        .order_by("record__drawn_on")
    )
    return render(
        request,
        "recovery/escalation_decide.html",
        {"e": escalation, "form": form, "may_decide": may_decide, "assessments": records},
    )


urlpatterns = [
    path("records/<int:pk>/responsibility/", responsibility, name="responsibility"),
    path(
        "records/<int:pk>/responsibility/print/",
        responsibility_print,
        name="responsibility_print",
    ),
    path("records/<int:pk>/responsibility/persons/", responsible_add, name="responsible_add"),
    path("records/<int:pk>/responsibility/assess/", loss_assess, name="loss_assess"),
    path(
        "records/<int:pk>/responsibility/extend/",
        force_majeure_extend,
        name="force_majeure_extend",
    ),
    path("responsibility/shares/<int:pk>/deduct/", deduction_add, name="deduction_add"),
    path(
        "responsibility/staff/<int:pk>/",
        responsibility_statement,
        name="responsibility_statement",
    ),
    path("escalations/", escalations, name="escalations"),
    path("escalations/<int:pk>/", escalation_decide, name="escalation_decide"),
]
