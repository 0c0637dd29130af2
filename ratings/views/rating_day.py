"""Campaigns and the concentrated rating day: the grid and its rows (htmx)."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creditcoop.errors import DomainError, add_to_form
from creditcoop.models import Role
from creditcoop.permissions import roles_required
from villages.selectors import village_scope

from .. import services
from ..forms import (
    AddHouseholdsForm,
    CampaignForm,
    DecisionForm,
)
from ..models import CreditApplication, RatingCampaign, Scorecard
from ..pipeline import STEPS
from ..rows import RowRenderer
from ..rules import StaleApplicationError
from ..selectors import (
    application_scope,
    campaign_get,
    campaign_progress,
    campaign_scope,
    rating_day_rows,
    with_counts,
    with_step_deadline,
)
from ._common import (
    GRID_EDIT_STEPS,
    WRITERS,
    S,
    _decorate,
    _run_step,
    _step_form,
)

# ---------------------------------------------------------------------------
# Campaigns and the concentrated rating day
# ---------------------------------------------------------------------------


@roles_required()
def campaign_list(request):
    qs = campaign_scope(request.user).select_related("village", "officer")
    q = request.GET.get("q", "").strip()
    year = request.GET.get("year", "").strip()
    status = request.GET.get("status", "")
    if q:
        qs = qs.filter(Q(village__name__contains=q) | Q(village__town__contains=q))
    if year.isdigit():
        qs = qs.filter(year=int(year))
    if status in RatingCampaign.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-rating_date", "-id"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "ratings/campaign_list.html",
        {
            "page": page,
            "q": q,
            "year": year,
            "status": status,
            "statuses": RatingCampaign.Status.choices,
        },
    )


@roles_required(Role.OFFICER, Role.DIRECTOR, Role.DEPUTY, write=True)
def campaign_create(request):
    villages = village_scope(request.user).order_by("code")
    form = CampaignForm(
        request.POST or None, villages=villages, initial={"village": request.GET.get("village")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=request.user, **form.cleaned_data)
        except DomainError as e:
            add_to_form(form, e)
        else:
            messages.success(request, _("已安排集中评级。"))
            return redirect("ratings:campaign_day", campaign.pk)
    return render(request, "ratings/campaign_form.html", {"form": form})


def _default_step(progress):
    for status, _label, count in progress["steps"]:
        if count and status in STEPS:
            return status
    return ""


@roles_required()
def campaign_day(request, pk):
    """集中评级日: the grid of every application of the campaign, step by step."""
    campaign = campaign_get(request.user, pk)
    progress = campaign_progress(campaign=campaign)
    step = request.GET.get("step")
    if step is None:
        step = _default_step(progress)
    if step and step not in S.values:
        step = ""
    rows = list(rating_day_rows(campaign=campaign, status=step or None))
    # Rows of one campaign share one or two scorecard versions: fetch each once.
    scorecards = Scorecard.objects.in_bulk({r.scorecard_id for r in rows})
    for r in rows:
        r.scorecard = scorecards.get(r.scorecard_id)
        _decorate(r)
    ctx = {
        "campaign": campaign,
        "village": campaign.village,
        "progress": progress,
        "step": step,
        "step_label": S(step).label if step else _("全部"),
        "rows": rows,
        "rows_html": RowRenderer(
            editable_steps=GRID_EDIT_STEPS, can_write=not request.user.is_read_only
        ).render_all(rows),
        "editable_step": step in GRID_EDIT_STEPS,
        "can_write": not request.user.is_read_only,
        "add_form": AddHouseholdsForm(),
    }
    if step == S.DECISION:
        ctx["decision_form"] = DecisionForm(cooperative=campaign.village.cooperative)
    return render(request, "ratings/campaign_day.html", ctx)


@require_POST
@roles_required(Role.OFFICER, Role.DIRECTOR, Role.DEPUTY, write=True)
def campaign_add_households(request, pk):
    campaign = campaign_get(request.user, pk)
    form = AddHouseholdsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写有效的默认申请金额。"))
    else:
        try:
            n = services.campaign_add_households(
                campaign=campaign, actor=request.user, **form.cleaned_data
            )
        except DomainError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, _("已为 %s 户登记评级申请。") % n)
    return redirect(reverse("ratings:campaign_day", args=[pk]) + "?step=draft")


@require_POST
@roles_required(*WRITERS, write=True)
def campaign_advance(request, pk):
    campaign = campaign_get(request.user, pk)
    status = request.POST.get("status", "")
    try:
        moved, skipped = services.applications_advance(
            actor=request.user,
            campaign=campaign,
            status=status,
            accept_previous=request.POST.get("accept_previous") == "1",
        )
    except DomainError as e:
        messages.error(request, str(e))
    else:
        if moved:
            messages.success(request, _("已将 %s 户转入下一环节。") % moved)
        if skipped:
            shown = "；".join(skipped[:10]) + ("……" if len(skipped) > 10 else "")
            messages.warning(
                request, _("%(n)s 户未能转入：%(list)s") % {"n": len(skipped), "list": shown}
            )
        if not moved and not skipped:
            messages.info(request, _("本环节没有可转入下一步的申请。"))
    return redirect(reverse("ratings:campaign_day", args=[pk]) + f"?step={status}")


@require_POST
@roles_required(Role.REVIEW_GROUP, Role.DIRECTOR, Role.DEPUTY, write=True)
def campaign_decide(request, pk):
    campaign = campaign_get(request.user, pk)
    form = DecisionForm(request.POST, cooperative=campaign.village.cooperative)
    if not form.is_valid():
        messages.error(request, _("请填写评定日期和到会成员。"))
    else:
        apps = list(campaign.applications.filter(status=S.DECISION))
        try:
            services.applications_decide(actor=request.user, applications=apps, **form.cleaned_data)
        except DomainError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, _("评定小组已评定 %s 户。") % len(apps))
    return redirect(reverse("ratings:campaign_day", args=[pk]) + "?step=decision")


@require_POST
@roles_required(Role.OFFICER, Role.DIRECTOR, Role.DEPUTY, write=True)
def campaign_close(request, pk):
    campaign = campaign_get(request.user, pk)
    try:
        services.campaign_close(campaign=campaign, actor=request.user)
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("本批次集中评级已结束。"))
    return redirect("ratings:campaign_day", pk)


# --- grid rows (htmx) -------------------------------------------------------


def _row_ctx(request, app, *, form=None, error=None, editing=False):
    return {
        "a": _decorate(app),
        "row_html": RowRenderer(
            editable_steps=GRID_EDIT_STEPS, can_write=not request.user.is_read_only
        ).render_all([app]),
        "form": form,
        "error": error,
        "editing": editing,
        "editable_step": app.status in GRID_EDIT_STEPS,
        "can_write": not request.user.is_read_only,
    }


def _row_app(request, pk):
    try:
        return (
            with_step_deadline(with_counts(application_scope(request.user).filter(pk=pk)))
            .select_related("household__group", "applicant", "scorecard", "village__cooperative")
            .get()
        )
    except (CreditApplication.DoesNotExist, ValueError):
        raise Http404(_("未找到该申请。"))


@roles_required()
def row(request, pk):
    app = _row_app(request, pk)
    if request.method == "POST":
        if not request.user.has_role(*WRITERS) and not request.user.is_superuser:
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        form = _step_form(app, request.POST)
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                _run_step(app, form, request.user, advance=False)
            except StaleApplicationError as e:
                fresh = _row_app(request, pk)
                return render(
                    request,
                    "ratings/_row.html",
                    _row_ctx(request, fresh, form=_step_form(fresh), error=e.message, editing=True),
                )
            except DomainError as e:
                add_to_form(form, e)
            else:
                response = render(
                    request, "ratings/_row.html", _row_ctx(request, _row_app(request, pk))
                )
                response["HX-Trigger-After-Swap"] = json.dumps({"ratingSaved": {"id": app.pk}})
                return response
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        return render(
            request,
            "ratings/_row.html",
            _row_ctx(request, app, form=form, error=errors, editing=True),
        )
    if request.GET.get("edit") and app.status in GRID_EDIT_STEPS:
        return render(
            request, "ratings/_row.html", _row_ctx(request, app, form=_step_form(app), editing=True)
        )
    return render(request, "ratings/_row.html", _row_ctx(request, app))
