from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creditcoop.errors import DomainError, add_to_form
from creditcoop.models import Role
from creditcoop.permissions import roles_required
from creditcoop.scoping import get_in_scope

from . import services
from .forms import (
    CommitteeMemberForm,
    GroupForm,
    PromotionDecideForm,
    PromotionProposeForm,
    PromotionSurveyForm,
    ScheduleFilterForm,
    WorkScheduleForm,
)
from .models import CommitteeMember, PromotionSurvey, WorkSchedule
from .selectors import (
    committee_current,
    committee_post_order,
    cooperative_scope,
    promotion_get,
    promotion_may_decide,
    promotion_may_propose,
    promotion_scope,
    schedule_upcoming,
    village_get,
    village_households,
    village_public_get,
    village_scope,
    village_writable,
)


def writable_village(user, pk):
    """The village in scope (else 404) that the user may change (else 403)."""
    village = village_get(user, pk)
    if not village_writable(user, village):
        raise PermissionDenied(_("您不能修改该村的数据。"))
    return village


# --- villages -------------------------------------------------------------------------------


@roles_required()
def village_list(request):
    cooperatives = cooperative_scope(request.user).order_by("code")
    qs = village_scope(request.user).select_related("cooperative", "officer")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q) | Q(town__contains=q))
    coop = request.GET.get("cooperative", "")
    if coop.isdigit():
        qs = qs.filter(cooperative_id=int(coop))
    if request.GET.get("promotion") == "1":
        qs = qs.filter(is_promotion=True)
    page = Paginator(qs.order_by("cooperative__code", "code"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "villages/village_list.html",
        {"page": page, "q": q, "cooperatives": cooperatives, "coop": coop},
    )


@roles_required()
def village_detail(request, pk):
    group = request.GET.get("group", "")
    page = village_households(
        user=request.user,
        village_id=pk,
        page=request.GET.get("page"),
        group_id=int(group) if group.isdigit() else None,
    )
    village = page.village
    ctx = {
        "village": village,
        "page": page,
        "group": group,
        "groups": list(village.groups.all()),
        "committee": list(committee_current(village).select_related("staff")),
        "schedule": _schedule(village),
        "survey": village.surveys.select_related("proposed_by", "decided_by").first(),
        "writable": village_writable(request.user, village),
        "group_form": GroupForm(),
    }
    return render(request, "villages/village_detail.html", ctx)


def _schedule(village):
    return WorkSchedule.objects.filter(village=village).select_related("officer").first()


@roles_required()
@require_POST
def village_group_add(request, pk):
    village = writable_village(request.user, pk)
    form = GroupForm(request.POST)
    if form.is_valid():
        try:
            services.village_group_create(actor=request.user, village=village, **form.cleaned_data)
            messages.success(request, _("已新增村民小组。"))
        except DomainError as exc:
            messages.error(request, str(exc))
    else:
        for errors in form.errors.values():
            for msg in errors:
                messages.error(request, msg)
    return redirect("villages:village_detail", village.pk)


# --- committee ------------------------------------------------------------------------------


@roles_required()
def committee_list(request, pk):
    village = village_get(request.user, pk)
    members = village.committee.select_related("staff").order_by(
        "-term_start", committee_post_order()
    )
    return render(
        request,
        "villages/committee_list.html",
        {
            "village": village,
            "members": members,
            "today": timezone.localdate(),
            "writable": village_writable(request.user, village),
        },
    )


def _committee_form_view(request, *, village, member=None):
    initial = {}
    if member is not None:
        initial = {
            "post": member.post,
            "name": member.name,
            "phone": member.phone,
            "term_start": member.term_start,
            "term_end": member.term_end,
            "staff": member.staff_id,
        }
    if request.method == "POST":
        form = CommitteeMemberForm(request.POST, village=village)
        if form.is_valid():
            try:
                services.committee_member_save(
                    actor=request.user, village=village, member=member, **form.cleaned_data
                )
                messages.success(request, _("已保存评审小组成员。"))
                return redirect("villages:committee_list", village.pk)
            except DomainError as exc:
                add_to_form(form, exc)
    else:
        form = CommitteeMemberForm(initial=initial, village=village)
    return render(
        request,
        "villages/committee_form.html",
        {"village": village, "member": member, "form": form},
    )


@roles_required()
def committee_member_add(request, pk):
    village = writable_village(request.user, pk)
    return _committee_form_view(request, village=village)


def _committee_member_get(user, pk) -> CommitteeMember:
    member = get_in_scope(
        CommitteeMember.objects.filter(village__in=village_scope(user).values("pk")),
        pk,
        "未找到该成员。",
    )
    if not village_writable(user, member.village):
        raise PermissionDenied(_("您不能修改该村的数据。"))
    return member


@roles_required()
def committee_member_edit(request, pk):
    member = _committee_member_get(request.user, pk)
    return _committee_form_view(request, village=member.village, member=member)


@roles_required()
@require_POST
def committee_member_end(request, pk):
    member = _committee_member_get(request.user, pk)
    try:
        services.committee_member_end_term(actor=request.user, member=member)
        messages.success(request, _("已结束 %(name)s 的任期。") % {"name": member.name})
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("villages:committee_list", member.village_id)


# --- work schedule --------------------------------------------------------------------------


@roles_required()
def schedule_edit(request, pk):
    village = writable_village(request.user, pk)
    schedule = _schedule(village)
    if request.method == "POST":
        form = WorkScheduleForm(request.POST, village=village)
        if form.is_valid():
            try:
                services.work_schedule_save(
                    actor=request.user, village=village, **form.cleaned_data
                )
                messages.success(request, _("已保存工作配档表。"))
                return redirect("villages:village_detail", village.pk)
            except DomainError as exc:
                add_to_form(form, exc)
    else:
        initial = {"officer": village.officer_id}
        if schedule:
            initial = {
                "rating_date": schedule.rating_date,
                "credit_date": schedule.credit_date,
                "certificate_date": schedule.certificate_date,
                "officer": schedule.officer_id,
                "note": schedule.note,
            }
        form = WorkScheduleForm(initial=initial, village=village)
    return render(request, "villages/schedule_form.html", {"village": village, "form": form})


@roles_required()
def schedule_list(request):
    today = timezone.localdate()
    cooperatives = cooperative_scope(request.user).order_by("code")
    data = request.GET.copy()
    data.setdefault("date_from", today.isoformat())
    data.setdefault("date_to", (today + timedelta(days=90)).isoformat())
    form = ScheduleFilterForm(data, cooperatives=cooperatives)
    dates = []
    if form.is_valid():
        d = form.cleaned_data
        dates = schedule_upcoming(
            user=request.user,
            cooperative_id=d["cooperative"].pk if d["cooperative"] else None,
            date_from=d["date_from"],
            date_to=d["date_to"],
        )
    page = Paginator(dates, 50).get_page(request.GET.get("page"))
    return render(request, "villages/schedule_list.html", {"form": form, "page": page})


# --- promotion villages ---------------------------------------------------------------------


@roles_required()
def promotion_list(request):
    qs = promotion_scope(request.user).select_related(
        "village__cooperative", "surveyed_by", "proposed_by", "decided_by"
    )
    status = request.GET.get("status", "")
    if status in PromotionSurvey.Status.values:
        qs = qs.filter(status=status)
    coop = request.GET.get("cooperative", "")
    if coop.isdigit():
        qs = qs.filter(village__cooperative_id=int(coop))
    page = Paginator(qs.order_by("-surveyed_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "villages/promotion_list.html",
        {
            "page": page,
            "status": status,
            "statuses": PromotionSurvey.Status.choices,
            "cooperatives": cooperative_scope(request.user).order_by("code"),
            "coop": coop,
        },
    )


@roles_required()
def promotion_survey(request, pk):
    village = writable_village(request.user, pk)
    open_survey = village.surveys.filter(status__in=PromotionSurvey.OPEN).first()
    if request.method == "POST":
        form = PromotionSurveyForm(request.POST)
        if form.is_valid():
            try:
                survey = services.promotion_survey_record(
                    actor=request.user, village=village, **form.cleaned_data
                )
                messages.success(request, _("已保存推广村调查。"))
                return redirect("villages:promotion_detail", survey.pk)
            except DomainError as exc:
                add_to_form(form, exc)
    else:
        initial = {}
        if open_survey:
            initial = {f: getattr(open_survey, f) for f in services.SURVEY_FIELDS}
        form = PromotionSurveyForm(initial=initial)
    return render(
        request,
        "villages/promotion_survey.html",
        {"village": village, "form": form, "survey": open_survey},
    )


@roles_required()
def promotion_detail(request, pk):
    survey = promotion_get(request.user, pk)
    village = survey.village
    return render(
        request,
        "villages/promotion_detail.html",
        {
            "survey": survey,
            "village": village,
            "events": survey.events.select_related("actor"),
            "may_edit": survey.can("edit") and village_writable(request.user, village),
            "may_propose": survey.can("propose") and promotion_may_propose(request.user, village),
            "may_decide": survey.can("approve")
            and promotion_may_decide(request.user)
            and survey.proposed_by_id != request.user.pk,
            "propose_form": PromotionProposeForm(),
            "decide_form": PromotionDecideForm(),
        },
    )


@roles_required(Role.DIRECTOR, Role.DEPUTY)
@require_POST
def promotion_propose(request, pk):
    survey = promotion_get(request.user, pk)
    form = PromotionProposeForm(request.POST)
    form.is_valid()
    try:
        services.promotion_propose(
            actor=request.user, survey=survey, reason=form.cleaned_data.get("reason", "")
        )
        messages.success(request, _("已推荐，等待联社审批。"))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("villages:promotion_detail", survey.pk)


@roles_required(Role.UNION_RISK, Role.ADMIN)
@require_POST
def promotion_decide(request, pk):
    survey = promotion_get(request.user, pk)
    form = PromotionDecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择审批结果。"))
        return redirect("villages:promotion_detail", survey.pk)
    try:
        services.promotion_decide(
            actor=request.user,
            survey=survey,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("已审批。"))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("villages:promotion_detail", survey.pk)


# --- public page (no login) -----------------------------------------------------------------


def public_village(request, code):
    village = village_public_get(code)
    return render(
        request,
        "villages/public_village.html",
        {
            "village": village,
            "committee": committee_current(village),
            "officer": village.officer,
            "complaint_phone": village.cooperative.complaint_phone
            or village.cooperative.union.complaint_phone,
        },
    )
