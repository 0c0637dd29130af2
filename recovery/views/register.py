from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.errors import DomainError, add_to_form
from creditcoop.models import Staff
from creditcoop.permissions import roles_required

from .. import selectors, services
from ..forms import AssessmentForm, EventForm, GuarantorForm, RecordForm
from ..models import NplRecord, RecoverabilityAssessment, RiskClass
from ._roles import PURSUERS, PURSUERS_AND_AGENCY, READERS, READERS_AND_AGENCY

EXPIRING_WINDOWS = (30, 60, 90)


@roles_required(*READERS_AND_AGENCY)
def register(request):
    user = request.user
    f = selectors.RegisterFilters.from_query(request.GET)
    page = selectors.register_page(user=user, f=f, page=request.GET.get("page"))
    schemes = selectors.schemes()
    for record in page:
        record.segments = [selectors.segment_of(s, record.drawn_on) for s in schemes]
    cooperatives = selectors.npl_cooperatives(user).order_by("code")
    collectors = Staff.objects.filter(
        pk__in=selectors.npl_scope(user).exclude(collector=None).values("collector_id")
    ).order_by("username")
    return render(
        request,
        "recovery/register.html",
        {
            "page": page,
            "f": f,
            "schemes": schemes,
            "cooperatives": cooperatives,
            "collectors": collectors,
            "classes": RiskClass.choices,
            "book_statuses": NplRecord.BookStatus.choices,
            "causes": NplRecord.Cause.choices,
            "actual_users": NplRecord.ActualUser.choices,
            "difficulties": NplRecord.Difficulty.choices,
            "statuses": NplRecord.Status.choices,
        },
    )


def _detail(request, record, *, event_form=None, guarantor_form=None, status=200):
    events = list(record.events.select_related("guarantor", "recorded_by"))
    guarantors = list(record.guarantors.all())
    instalments = list(record.instalments.all())
    computed = services.limitation_compute(
        record, events=events, instalments=[i.due_on for i in instalments], guarantors=guarantors
    )
    for e in events:
        e.step = computed.verdict_of(e)
    schemes = selectors.schemes()
    may_pursue = services.may_pursue(request.user, record)
    return render(
        request,
        "recovery/record_detail.html",
        {
            "record": record,
            "events": events,
            "instalments": instalments,
            "limitation": computed,
            "today": timezone.localdate(),
            "vintages": [(s, selectors.segment_of(s, record.drawn_on)) for s in schemes],
            "assessments": record.assessments.select_related("assessed_by"),
            "may_pursue": may_pursue,
            "may_print_notice": may_pursue and not request.user.is_outsider,
            "event_form": event_form or EventForm(record=record),
            "guarantor_form": guarantor_form or GuarantorForm(),
        },
        status=status,
    )


@roles_required(*READERS_AND_AGENCY)
def record_detail(request, pk):
    return _detail(request, selectors.record_get(request.user, pk))


@roles_required(*PURSUERS_AND_AGENCY, write=True)
def event_add(request, pk):
    record = selectors.record_get(request.user, pk)
    form = EventForm(request.POST, record=record)
    if form.is_valid():
        try:
            _event, step = services.limitation_event_add(
                actor=request.user, record=record, **form.cleaned_data
            )
            messages.success(request, _("已登记。") + step.text)
            return redirect("recovery:record_detail", record.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return _detail(request, record, event_form=form)


@roles_required(*PURSUERS, write=True)
def guarantor_add(request, pk):
    record = selectors.record_get(request.user, pk)
    form = GuarantorForm(request.POST)
    if form.is_valid():
        try:
            guarantor = services.npl_guarantor_add(
                actor=request.user, record=record, **form.cleaned_data
            )
            messages.success(
                request,
                _("已登记保证人 %(n)s，保证期间至 %(d)s。")
                % {"n": guarantor.name, "d": guarantor.period_ends_on},
            )
            return redirect("recovery:record_detail", record.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return _detail(request, record, guarantor_form=form)


@roles_required(*PURSUERS, write=True)
def record_edit(request, pk):
    record = selectors.record_get(request.user, pk)
    may_assign = services.may_manage(request.user, record.cooperative)
    form = RecordForm(request.POST or None, instance=record, may_assign=may_assign)
    if request.method == "POST" and form.is_valid():
        try:
            services.npl_record_update(actor=request.user, record=record, **form.values())
            messages.success(request, _("已保存。"))
            return redirect("recovery:record_detail", record.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return render(request, "recovery/record_edit.html", {"record": record, "form": form})


@roles_required(*PURSUERS, write=True)
def assessment_edit(request, pk):
    record = selectors.record_get(request.user, pk)
    year = timezone.localdate().year
    current = RecoverabilityAssessment.objects.filter(record=record, year=year).first()
    initial = {"year": year}
    if current:
        initial.update(
            {
                f: getattr(current, f)
                for f in (
                    "likelihood",
                    "income",
                    "guarantor_capacity",
                    "willingness",
                    "measures",
                    "reasons",
                    "evidence",
                )
            }
        )
    form = AssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_save(actor=request.user, record=record, **form.cleaned_data)
            messages.success(request, _("已保存偿还可能性认定。"))
            return redirect("recovery:record_detail", record.pk)
        except DomainError as exc:
            add_to_form(form, exc)
    return render(request, "recovery/assessment_form.html", {"record": record, "form": form})


@roles_required(*READERS)
def expiring(request):
    user = request.user
    today = timezone.localdate()
    try:
        days = int(request.GET.get("days", 90))
    except ValueError:
        days = 90
    days = days if days in EXPIRING_WINDOWS else 90
    cooperatives = selectors.npl_cooperatives(user).order_by("code")
    coop = request.GET.get("coop", "")
    coop_id = int(coop) if coop.isdigit() and cooperatives.filter(pk=int(coop)).exists() else None
    rows = selectors.expiring_soon(user=user, days=days, cooperative_id=coop_id, today=today)
    return render(
        request,
        "recovery/expiring.html",
        {
            "rows": rows,
            "days": days,
            "windows": EXPIRING_WINDOWS,
            "cooperatives": cooperatives,
            "coop": coop,
            "today": today,
        },
    )
