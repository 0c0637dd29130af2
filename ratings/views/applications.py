"""One application: list, registration, its page and the forms of its steps."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creditcoop.errors import DomainError, add_to_form
from creditcoop.models import Role
from creditcoop.money import ascii_digits
from creditcoop.permissions import roles_required
from villages.selectors import household_get, village_scope

from .. import services
from ..forms import (
    ApplicationForm,
    DecisionForm,
    DocumentsForm,
    InvestigationForm,
    RejectForm,
    VersionedForm,
)
from ..models import CreditApplication
from ..rules import StaleApplicationError
from ..selectors import (
    application_events,
    application_get,
    application_scope,
    application_step_deadlines,
    household_events,
    with_counts,
)
from ._common import (
    GRID_EDIT_STEPS,
    WRITERS,
    S,
    _run_step,
    _step_form,
)

# ---------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------


@roles_required()
def application_list(request):
    qs = application_scope(request.user).select_related(
        "village", "household__group", "applicant", "campaign"
    )
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    grade = request.GET.get("grade", "")
    village = request.GET.get("village", "")
    if q:
        qs = qs.filter(
            Q(applicant__name__contains=q)
            | Q(household__head_name__contains=q)
            | Q(applicant__id_number__endswith=ascii_digits(q).upper())
            | Q(applicant__initials__startswith=q.lower())
        )
    if status in S.values:
        qs = qs.filter(status=status)
    if grade in ("AAA", "AA", "A"):
        qs = qs.filter(grade=grade)
    if village.isdigit():
        qs = qs.filter(village_id=int(village))
    page = Paginator(qs.order_by("-created_at", "-id"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "ratings/application_list.html",
        {
            "page": page,
            "q": q,
            "status": status,
            "grade": grade,
            "village": village,
            "statuses": S.choices,
            "villages": village_scope(request.user).order_by("code"),
        },
    )


@roles_required(Role.OFFICER, Role.DIRECTOR, Role.DEPUTY, write=True)
def application_create(request):
    household = household_get(request.user, request.GET.get("household") or 0)
    form = ApplicationForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            app = services.application_create(
                actor=request.user, household=household, **form.cleaned_data
            )
        except DomainError as e:
            add_to_form(form, e)
        else:
            messages.success(request, _("评级申请已登记。"))
            return redirect("ratings:application_detail", app.pk)
    return render(request, "ratings/application_form.html", {"form": form, "household": household})


def _with_indicator_names(events, indicators) -> list:
    names = {ind.code: ind.name for ind in indicators}
    events = list(events)
    for e in events:
        e.indicator_names = names
    return events


def _detail_ctx(request, app, **forms):
    counts = (
        with_counts(CreditApplication.objects.filter(pk=app.pk))
        .values("member_count", "consent_count")
        .get()
    )
    indicators = services.scorecard_indicators(app.scorecard) if app.scorecard_id else []
    score_rows = [
        {
            "name": ind.name,
            "initial": app.initial_scores.get(ind.code),
            "reviewed": app.reviewed_scores.get(ind.code),
            "max": ind.max_points,
        }
        for ind in indicators
    ]
    ctx = {
        "a": app,
        "missing": services.missing_items(app, **counts) if app.status == S.DRAFT else [],
        "counts": counts,
        "score_rows": score_rows,
        "events": _with_indicator_names(application_events(app), indicators),
        **_step_deadline_ctx(app),
        "consents": {c.member_id: c for c in app.consents.all()},
        "members": list(app.household.members.all()),
        "can_write": not request.user.is_read_only,
        # A step's form is offered to who may take the step; a form sent back with its
        # error is shown whoever sent it.
        "can_act": services.application_may_act(request.user, app) or bool(forms),
        "can_reject": services.application_may_reject(request.user, app) or "reject_form" in forms,
        "documents_form": forms.get("documents_form")
        or DocumentsForm(application=app, initial={"version": app.version}),
        "reject_form": forms.get("reject_form") or RejectForm(initial={"version": app.version}),
    }
    if app.status == S.DRAFT:
        ctx["investigation_form"] = forms.get("investigation_form") or InvestigationForm(
            application=app, initial={"version": app.version}
        )
    if app.status in GRID_EDIT_STEPS:
        ctx["step_form"] = forms.get("step_form") or _step_form(app)
    if app.status == S.DECISION:
        ctx["decision_form"] = DecisionForm(cooperative=app.village.cooperative)
    return ctx


def _step_deadline_ctx(app) -> dict:
    """The clock of every step so far, and the running one (docs/rules.md §5)."""
    today = timezone.localdate()
    deadlines = application_step_deadlines(app)
    current = None
    for d in deadlines:
        step = d.kind.removeprefix("rating_")
        d.step_label = S(step).label if step in S.values else d.kind
        d.state = d.state_label(today)
        d.late = d.is_late(today)
        if d.is_open and step == app.status:
            current = d
    return {"step_deadlines": deadlines, "step_deadline": current}


@roles_required()
def application_detail(request, pk):
    app = application_get(request.user, pk)
    return render(request, "ratings/application_detail.html", _detail_ctx(request, app))


def _post_or_rerender(request, app, form_key, form, call):
    if form.is_valid():
        try:
            call(form)
        except DomainError as e:
            if isinstance(e, StaleApplicationError):
                messages.error(request, str(e))
                return redirect("ratings:application_detail", app.pk)
            add_to_form(form, e)
        else:
            messages.success(request, _("已保存。"))
            return redirect("ratings:application_detail", app.pk)
    return render(
        request,
        "ratings/application_detail.html",
        _detail_ctx(request, app, **{form_key: form}),
        status=200,
    )


@require_POST
@roles_required(Role.OFFICER, Role.DIRECTOR, Role.DEPUTY, write=True)
def application_documents(request, pk):
    app = application_get(request.user, pk)
    form = DocumentsForm(request.POST, application=app)
    return _post_or_rerender(
        request,
        app,
        "documents_form",
        form,
        lambda f: services.application_documents_update(
            application=app,
            actor=request.user,
            expected_version=f.cleaned_data["version"],
            values={k: f.cleaned_data[k] for k in CreditApplication.REQUIRED_DOCUMENTS},
        ),
    )


@require_POST
@roles_required(Role.OFFICER, write=True)
def application_investigate(request, pk):
    app = application_get(request.user, pk)
    form = InvestigationForm(request.POST, application=app)

    def call(f):
        d = f.cleaned_data
        services.application_investigate(
            application=app,
            actor=request.user,
            expected_version=d["version"],
            visit_date=d["visit_date"],
            visit_note=d["visit_note"],
            consents=f.consents(),
            family_size=d["family_size"],
            net_assets=d["net_assets"],
            annual_net_income=d["annual_net_income"],
            other_debt=d["other_debt"],
            main_business=d["main_business"],
        )

    return _post_or_rerender(request, app, "investigation_form", form, call)


@require_POST
@roles_required(Role.OFFICER, Role.DIRECTOR, Role.DEPUTY, write=True)
def application_submit(request, pk):
    app = application_get(request.user, pk)
    form = VersionedForm(request.POST)
    if not form.is_valid():
        # Without the version loaded, a save made meanwhile could not be noticed.
        messages.error(request, _("提交失败：页面缺少版本信息，请刷新页面后再提交。"))
        return redirect("ratings:application_detail", pk)
    try:
        services.application_submit(
            application=app, actor=request.user, expected_version=form.cleaned_data["version"]
        )
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("已提交村信用评审小组初评。"))
    return redirect("ratings:application_detail", pk)


@require_POST
@roles_required(*WRITERS, write=True)
def application_step(request, pk):
    app = application_get(request.user, pk)
    form = _step_form(app, request.POST)
    if form is None:
        messages.error(request, _("当前环节不能在此录入。"))
        return redirect("ratings:application_detail", pk)
    return _post_or_rerender(
        request, app, "step_form", form, lambda f: _run_step(app, f, request.user, advance=True)
    )


@require_POST
@roles_required(Role.REVIEW_GROUP, Role.DIRECTOR, Role.DEPUTY, write=True)
def application_decide(request, pk):
    app = application_get(request.user, pk)
    form = DecisionForm(request.POST, cooperative=app.village.cooperative)
    if not form.is_valid():
        messages.error(request, _("请填写评定日期和到会成员。"))
    else:
        try:
            services.applications_decide(
                actor=request.user, applications=[app], **form.cleaned_data
            )
        except DomainError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, _("已评定。"))
    return redirect("ratings:application_detail", pk)


@require_POST
@roles_required(*WRITERS, write=True)
def application_reject(request, pk):
    app = application_get(request.user, pk)
    form = RejectForm(request.POST)
    return _post_or_rerender(
        request,
        app,
        "reject_form",
        form,
        lambda f: services.application_reject(
            application=app,
            actor=request.user,
            reason=f.cleaned_data["reason"],
            expected_version=f.cleaned_data["version"],
        ),
    )


@roles_required()
def household_history(request, pk):
    """Every rating event of a household, page by page (the household page shows the latest)."""
    household = household_get(request.user, pk)
    page = Paginator(household_events(household=household), 100).get_page(request.GET.get("page"))
    return render(request, "ratings/household_history.html", {"household": household, "page": page})


@roles_required()
def application_rejection(request, pk):
    """不予评级/授信告知书 — printed and handed to the household."""
    app = application_get(request.user, pk)
    if app.status != S.REJECTED:
        raise Http404(_("该申请未被否决。"))
    return render(
        request, "ratings/rejection_print.html", {"a": app, "today": timezone.localdate()}
    )
