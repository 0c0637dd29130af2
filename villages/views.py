from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
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
    HouseholdForm,
    ImportUploadForm,
    MemberFormSet,
    PromotionDecideForm,
    PromotionProposeForm,
    PromotionSurveyForm,
    ScheduleFilterForm,
    WorkScheduleForm,
)
from .imports import COLUMNS, RELATION_HINT, template_workbook
from .models import CommitteeMember, HouseholdImport, Member, PromotionSurvey, WorkSchedule
from .selectors import (
    committee_current,
    committee_post_order,
    cooperative_scope,
    household_get,
    household_search,
    promotion_get,
    promotion_may_decide,
    promotion_may_propose,
    promotion_scope,
    schedule_upcoming,
    search_kind,
    village_get,
    village_households,
    village_public_get,
    village_scope,
    village_writable,
)
from .services import MemberInput


def _writable_village(user, pk):
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
    village = _writable_village(request.user, pk)
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


# --- households -----------------------------------------------------------------------------


@roles_required()
def household_search_view(request):
    q = request.GET.get("q", "").strip()
    page = household_search(user=request.user, q=q, page=request.GET.get("page", 1))
    kind = {"id": "身份证号码后几位", "initials": "拼音首字母", "name": "姓名"}[search_kind(q)]
    return render(
        request, "villages/household_search.html", {"q": q, "page": page, "kind": kind if q else ""}
    )


@roles_required()
def household_detail(request, pk):
    household = household_get(request.user, pk)
    # the head first, then in the order entered
    members = sorted(household.members.all(), key=lambda m: (m.relation != "head", m.pk))
    return render(
        request,
        "villages/household_detail.html",
        {
            "household": household,
            "members": members,
            "writable": village_writable(request.user, household.village),
        },
    )


def _member_inputs(formset):
    """The kept rows as service inputs, with the forms they came from, and the ids of the
    members whose "删除" box is ticked. A registered member's row counts even when unchanged;
    an added row left blank does not."""
    inputs, forms, removed = [], [], []
    for form in formset.forms:
        d = form.cleaned_data
        if d.get("DELETE"):
            if d.get("member_id"):
                removed.append(d["member_id"])
            continue
        if not form.has_changed() and not d.get("member_id"):
            continue
        inputs.append(
            MemberInput(
                name=d.get("name", ""),
                relation=d.get("relation", ""),
                id_number=d.get("id_number", ""),
                phone=d.get("phone", ""),
                pk=d.get("member_id"),
            )
        )
        forms.append(form)
    return inputs, forms, removed


def _household_form_view(request, *, village, household=None):
    if household is None:
        initial_members = [{"relation": Member.Relation.HEAD}]
        initial = {}
    else:
        initial_members = [
            {
                "member_id": m.pk,
                "name": m.name,
                "relation": m.relation,
                "id_number": m.id_number,
                "phone": m.phone,
            }
            for m in sorted(
                household.members.all(), key=lambda m: (m.relation != Member.Relation.HEAD, m.pk)
            )
        ]
        initial = {
            "group": household.group_id,
            "address": household.address,
            "phone": household.phone,
            "main_business": household.main_business,
        }
    if request.method == "POST":
        form = HouseholdForm(request.POST, village=village)
        formset = MemberFormSet(request.POST, prefix="m", initial=initial_members)
        if form.is_valid() & formset.is_valid():
            inputs, member_forms, removed = _member_inputs(formset)
            kwargs = dict(
                actor=request.user,
                group=form.cleaned_data["group"],
                members=inputs,
                address=form.cleaned_data["address"],
                phone=form.cleaned_data["phone"],
                main_business=form.cleaned_data["main_business"],
            )
            try:
                if household is None:
                    household = services.household_create(village=village, **kwargs)
                    messages.success(request, _("已登记%(h)s。") % {"h": household})
                else:
                    household = services.household_update(
                        household=household, removed=removed, **kwargs
                    )
                    gone = [
                        f.initial.get("name") or f.cleaned_data.get("name", "")
                        for f in formset.deleted_forms
                        if f.cleaned_data.get("member_id") in removed
                    ]
                    text = _("已保存%(h)s。") % {"h": household}
                    if gone:
                        text += _("已删除家庭成员：%(names)s。") % {"names": "、".join(gone)}
                    messages.success(request, text)
                return redirect("villages:household_detail", household.pk)
            except DomainError as exc:
                add_to_form(form, exc, rows=member_forms)
    else:
        form = HouseholdForm(initial=initial, village=village)
        formset = MemberFormSet(prefix="m", initial=initial_members)
    return render(
        request,
        "villages/household_form.html",
        {
            "village": village,
            "household": household,
            "form": form,
            "formset": formset,
            "relations": Member.Relation.choices,
        },
    )


@roles_required()
def household_create(request, pk):
    village = _writable_village(request.user, pk)
    return _household_form_view(request, village=village)


@roles_required()
def household_edit(request, pk):
    household = household_get(request.user, pk)
    if not village_writable(request.user, household.village):
        raise PermissionDenied(_("您不能修改该村的数据。"))
    return _household_form_view(request, village=household.village, household=household)


# --- Excel import ---------------------------------------------------------------------------


@roles_required()
def household_import(request, pk):
    village = _writable_village(request.user, pk)
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                batch = services.household_import_preview(
                    actor=request.user, village=village, upload=form.cleaned_data["file"]
                )
                return redirect("villages:household_import_preview", village.pk, batch.token)
            except DomainError as exc:
                add_to_form(form, exc)
    else:
        form = ImportUploadForm()
    return render(
        request,
        "villages/household_import.html",
        {
            "village": village,
            "form": form,
            "columns": [label for _k, label in COLUMNS],
            "relation_hint": RELATION_HINT,
            "groups": village.groups.all(),
        },
    )


@roles_required()
def household_import_template(request, pk):
    village = village_get(request.user, pk)
    response = HttpResponse(
        template_workbook(village),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''household-template.xlsx"
    return response


@roles_required()
def household_import_preview(request, pk, token):
    village = _writable_village(request.user, pk)
    batch = get_object_or_404(
        HouseholdImport, token=token, village=village, uploaded_by=request.user
    )
    if request.method == "POST":
        try:
            count = services.household_import_confirm(
                actor=request.user, village=village, token=batch.token
            )
            messages.success(request, _("已导入 %(n)s 户。") % {"n": count})
            return redirect("villages:village_detail", village.pk)
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("villages:household_import_preview", village.pk, batch.token)
    rows = batch.rows
    return render(
        request,
        "villages/household_import_preview.html",
        {
            "village": village,
            "batch": batch,
            "rows": rows,
            "bad_rows": sum(1 for r in rows if r["errors"]),
            "households": sum(1 for r in rows if r.get("relation_code") == Member.Relation.HEAD),
        },
    )


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
    village = _writable_village(request.user, pk)
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
    village = _writable_village(request.user, pk)
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
    village = _writable_village(request.user, pk)
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
