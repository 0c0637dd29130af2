"""Staff pages for notices and the objection register (the public pages: public_views)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from creditcoop.errors import DomainError, add_to_form
from creditcoop.models import Role, Staff
from creditcoop.permissions import (
    directs_cooperative,
    may_write,
    officer_or_director,
    roles_required,
)
from villages.selectors import village_scope

from . import selectors, services
from .forms import (
    STATUS_FILTER_CHOICES,
    AssignForm,
    BatchEditForm,
    BatchForm,
    DecideForm,
    DropEntryForm,
    FindingsForm,
    StaffObjectionForm,
    StartForm,
)
from .models import NoticeBatch, NoticeEntry, Objection


def _page(request, qs, per_page=20):
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def _querystring(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------
# Staff: notice batches
# ---------------------------------------------------------------------------


@roles_required()
def batch_list(request):
    user = request.user
    village_id = int_or_none(request.GET.get("village"))
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    qs = selectors.batch_list(user=user, village_id=village_id, status=status, q=q)
    villages = village_scope(user).order_by("name")
    return render(
        request,
        "notices/batch_list.html",
        {
            "page": _page(request, qs),
            "villages": villages,
            "village_id": village_id,
            "status": status,
            "status_choices": STATUS_FILTER_CHOICES,
            "q": q,
            "qs": _querystring(request),
            "may_create": may_write(user)
            and any(officer_or_director(user, v) for v in villages[:200]),
            "today": timezone.localdate(),
        },
    )


def _manageable_villages(user):
    villages = village_scope(user).select_related("cooperative")
    ids = [v.pk for v in villages if may_write(user) and officer_or_director(user, v)]
    return villages.filter(pk__in=ids).order_by("name")


@roles_required(write=True)
@require_http_methods(["GET", "POST"])
def batch_create(request):
    villages = _manageable_villages(request.user)
    if not villages.exists():
        raise Http404("没有您可以编制公示的村。")
    village = villages.filter(pk=int_or_none(request.GET.get("village"))).first()
    coop = (village or villages.first()).cooperative
    form = BatchForm(
        request.POST or None,
        villages=villages,
        initial={
            "village": village,
            "period_days": services.policy_for(coop).period_days,
            "supervision_phone": coop.supervision_phone or coop.complaint_phone,
        },
    )
    listable = refused = None
    if village is not None:
        listable, refused = services.listable_applications(village=village)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.batch_create_draft(
                village=form.cleaned_data["village"],
                actor=request.user,
                period_days=form.cleaned_data["period_days"],
                supervision_phone=form.cleaned_data["supervision_phone"],
                title=form.cleaned_data["title"],
            )
        except DomainError as e:
            add_to_form(form, e)
        else:
            messages.success(
                request,
                _("已生成公示草稿，共 %(n)s 户。请核对后发布。") % {"n": batch.entries.count()},
            )
            return redirect(batch)
    return render(
        request,
        "notices/batch_form.html",
        {"form": form, "village": village, "listable": listable, "refused": refused},
    )


@roles_required()
def batch_detail(request, pk):
    batch = selectors.batch_get(request.user, pk)
    q = request.GET.get("q", "").strip()
    entries = selectors.batch_entries(batch, q=q)
    today = timezone.localdate()
    may_manage = may_write(request.user) and officer_or_director(request.user, batch.village)
    refused = []
    if batch.status == NoticeBatch.Status.DRAFT:
        _listable, refused = services.listable_applications(village=batch.village)
    objections = batch.objections.select_related(
        "entry__application__applicant", "assigned_to"
    ).order_by("-filed_at")
    return render(
        request,
        "notices/batch_detail.html",
        {
            "batch": batch,
            "page": _page(request, entries, per_page=100),
            "q": q,
            "qs": _querystring(request),
            "today": today,
            "day": batch.day_number(today),
            "may_manage": may_manage,
            "edit_form": BatchEditForm(
                initial={
                    "period_days": batch.period_days,
                    "supervision_phone": batch.supervision_phone,
                    "title": batch.title,
                }
            ),
            "refused": refused,
            "objections": objections[:50],
            "objection_count": objections.count(),
            "counts": dict(batch.entries.values_list("status").annotate(n=Count("id")).order_by()),
            "may_register": services.may_register_objection(request.user, batch.village),
            "public_url": reverse("notices_public:village", args=[batch.village.code]),
        },
    )


@roles_required(write=True)
@require_POST
def batch_edit(request, pk):
    batch = selectors.batch_get(request.user, pk)
    form = BatchEditForm(request.POST)
    if form.is_valid():
        try:
            services.batch_update_draft(batch=batch, actor=request.user, **form.cleaned_data)
            messages.success(request, _("已保存。"))
        except DomainError as e:
            messages.error(request, str(e))
    else:
        messages.error(
            request,
            _("请检查填写：") + "；".join(str(m) for errs in form.errors.values() for m in errs),
        )
    return redirect(batch)


@roles_required(write=True)
@require_POST
def batch_publish(request, pk):
    batch = selectors.batch_get(request.user, pk)
    try:
        batch = services.batch_publish(batch=batch, actor=request.user)
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(
            request,
            _("公示已发布：%(start)s 至 %(end)s（共 %(days)s 天），村公开栏即时更新。")
            % {"start": batch.start_date, "end": batch.end_date, "days": batch.period_days},
        )
    return redirect(batch)


@roles_required(write=True)
@require_POST
def entry_drop(request, pk, entry_pk):
    batch = selectors.batch_get(request.user, pk)
    try:
        entry = batch.entries.get(pk=entry_pk)
    except NoticeEntry.DoesNotExist:
        raise Http404("未找到该农户。")
    form = DropEntryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请写明不列入本期公示的原因。"))
        return redirect(batch)
    try:
        services.entry_drop_from_draft(
            entry=entry, actor=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request, _("已从草稿中移出 %(name)s。") % {"name": entry.application.applicant.name}
        )
    except DomainError as e:
        messages.error(request, str(e))
    return redirect(batch)


# ---------------------------------------------------------------------------
# Staff: objection register
# ---------------------------------------------------------------------------


@roles_required()
def objection_list(request):
    user = request.user
    status = request.GET.get("status", "")
    village_id = int_or_none(request.GET.get("village"))
    channel = request.GET.get("channel", "")
    overdue = request.GET.get("overdue") == "1"
    mine = request.GET.get("mine") == "1"
    q = request.GET.get("q", "").strip()
    qs = selectors.objection_list(
        user=user,
        status=status,
        village_id=village_id,
        channel=channel,
        overdue=overdue,
        q=q,
        mine=mine,
    )
    return render(
        request,
        "notices/objection_list.html",
        {
            "page": _page(request, qs),
            "villages": village_scope(user).order_by("name"),
            "village_id": village_id,
            "status": status,
            "status_choices": [("", _("全部状态")), ("open", _("未办结"))]
            + list(Objection.Status.choices),
            "channel": channel,
            "channel_choices": Objection.Channel.choices,
            "overdue": overdue,
            "mine": mine,
            "q": q,
            "qs": _querystring(request),
            "today": timezone.localdate(),
        },
    )


@roles_required(write=True)
@require_http_methods(["GET", "POST"])
def objection_create(request):
    user = request.user
    batches = (
        selectors.batch_scope(user)
        .exclude(status=NoticeBatch.Status.DRAFT)
        .filter(village__cooperative_id=user.cooperative_id)
        .select_related("village")
        .order_by("-start_date", "-id")
    )
    if not user.cooperative_id or not batches.exists():
        raise Http404("没有可登记异议的公示。")
    initial = {}
    batch_id = int_or_none(request.GET.get("batch"))
    if batch_id:
        initial["batch"] = batches.filter(pk=batch_id).first()
    form = StaffObjectionForm(request.POST or None, batches=batches, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            obj = services.objection_file(
                batch=d["batch"],
                entry=d["entry"],
                text=d["text"],
                contact_name=d["contact_name"],
                contact_phone=d["contact_phone"],
                channel=d["channel"],
                recorded_by=user,
            )
        except DomainError as e:
            add_to_form(form, e)
        else:
            messages.success(
                request, _("已登记，受理编号 %(ref)s，请告知异议人。") % {"ref": obj.reference}
            )
            return redirect(obj)
    return render(request, "notices/objection_form.html", {"form": form})


def _investigators(objection):
    village = objection.batch.village
    return (
        Staff.objects.filter(cooperative_id=village.cooperative_id, is_active=True)
        .filter(
            Q(roles__contains=[Role.OFFICER], officer_grade__in=[1, 2])
            | Q(roles__contains=[Role.DIRECTOR])
            | Q(roles__contains=[Role.DEPUTY])
        )
        .order_by("username")
    )


def _objection_context(request, obj, **forms):
    user = request.user
    village = obj.batch.village
    may_handle = services.may_handle_objection(user, obj)
    entry = obj.entry
    context = {
        "obj": obj,
        "events": obj.events.select_related("actor"),
        "may_handle": may_handle,
        "is_director": may_write(user) and directs_cooperative(user, village.cooperative_id),
        "assign_form": AssignForm(
            staff=_investigators(obj), initial={"investigator": obj.assigned_to}
        ),
        "start_form": StartForm(),
        "findings_form": FindingsForm(initial={"findings": obj.findings}),
        "decide_form": DecideForm(initial={"findings": obj.findings}),
        "same_officer": entry is not None and obj.assigned_to_id == village.officer_id,
        "application": entry.application if entry else None,
        "replacement": NoticeEntry.objects.filter(replaces=entry).select_related("batch").first()
        if entry
        else None,
        "today": timezone.localdate(),
        "deadline": selectors.objection_deadline(obj),
    }
    deadline, today = context["deadline"], context["today"]
    if deadline is not None:
        context["deadline_state"] = deadline.state_label(today)
        if deadline.is_late(today):
            context["deadline_badge"] = "bg-danger"
        elif deadline.is_open and today >= deadline.remind_on:
            context["deadline_badge"] = "bg-warning text-dark"
        else:
            context["deadline_badge"] = "bg-info text-dark" if deadline.is_open else "bg-secondary"
    context.update(forms)
    return context


@roles_required()
def objection_detail(request, pk):
    obj = selectors.objection_get(request.user, pk)
    return render(request, "notices/objection_detail.html", _objection_context(request, obj))


@roles_required(write=True)
@require_POST
def objection_action(request, pk, action):
    obj = selectors.objection_get(request.user, pk)
    user = request.user
    form_classes = {
        "assign": AssignForm,
        "investigate": StartForm,
        "findings": FindingsForm,
        "decide": DecideForm,
    }
    if action not in form_classes:
        raise Http404("未知操作。")
    kwargs = {"staff": _investigators(obj)} if action == "assign" else {}
    form = form_classes[action](request.POST, **kwargs)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if action == "assign":
                services.objection_assign(objection=obj, actor=user, investigator=d["investigator"])
                messages.success(request, _("已指定调查人。"))
            elif action == "investigate":
                services.objection_investigate(objection=obj, actor=user, findings=d["findings"])
                messages.success(request, _("已开始调查。"))
            elif action == "findings":
                services.objection_record_findings(
                    objection=obj, actor=user, findings=d["findings"]
                )
                messages.success(request, _("调查情况已保存。"))
            else:
                obj = services.objection_decide(
                    objection=obj,
                    actor=user,
                    outcome=d["outcome"],
                    findings=d["findings"],
                    reply=d["reply"],
                    new_line=d["new_line"],
                    new_grade=d["new_grade"],
                )
                messages.success(
                    request, _("异议已办结：%(o)s。") % {"o": obj.get_outcome_display()}
                )
            return redirect("notices:objection_detail", pk=obj.pk)
        except DomainError as e:
            add_to_form(form, e)
    obj.refresh_from_db()
    context = _objection_context(request, obj, **{f"{action}_form": form})
    context["open_form"] = action
    return render(request, "notices/objection_detail.html", context, status=400)
