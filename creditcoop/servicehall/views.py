from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from creditcoop import hooks, workdays
from creditcoop.deadlines import accountability as deadline_accountability
from creditcoop.deadlines.kinds import kind_choices
from creditcoop.deadlines.models import AccountabilityStatus, Tier
from creditcoop.errors import DomainError, add_to_form
from creditcoop.models import UNION_ROLES, Role
from creditcoop.permissions import may_write, roles_required

from . import selectors, services
from .exports import monthly_report_response
from .forms import (
    DecisionForm,
    SettleForm,
    ShiftForm,
    WalkinFilterForm,
    WalkinForm,
)
from .models import (
    DutyPost,
    DutyShift,
    LoanType,
    WalkinKind,
    WalkinStatus,
)
from .walkin_steps import STEPS, open_steps

HALL_VIEW = (*selectors.HALL_ROLES, *UNION_ROLES)
HALL_WRITE = (Role.OFFICER, Role.DIRECTOR, Role.DEPUTY)
OVERSIGHT_VIEW = (Role.DIRECTOR, Role.DEPUTY, *UNION_ROLES)


def _month_param(value: str | None, today: date) -> date:
    try:
        year, month = (int(x) for x in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


def _cooperative_param(request):
    coops = selectors.cooperatives_for(request.user)
    coop_id = request.GET.get("coop") or request.POST.get("coop")
    if coop_id:
        try:
            return coops.get(pk=coop_id), coops
        except (ValueError, coops.model.DoesNotExist):
            raise Http404(_("未找到该信用社。"))
    coop = coops.filter(pk=request.user.cooperative_id).first() or coops.first()
    if coop is None:
        raise Http404(_("未找到该信用社。"))
    return coop, coops


def _errors_as_messages(request, form) -> None:
    """A small form posted from a detail page: its errors go back as messages."""
    for errors in form.errors.values():
        for e in errors:
            messages.error(request, e)


# ---------------------------------------------------------------- walk-ins


@roles_required(*HALL_VIEW)
def walkin_list(request):
    today = timezone.localdate()
    form = WalkinFilterForm(request.GET or None)
    qs = selectors.walkin_scope(request.user)
    if form.is_valid():
        qs = selectors.walkin_filter(qs, **form.cleaned_data)
    page = Paginator(qs.order_by("-registered_on", "-id"), 30).get_page(request.GET.get("page"))
    on_duty = selectors.duty_shifts_on(request.user.cooperative_id, today)
    return render(
        request,
        "servicehall/walkin_list.html",
        {
            "form": form,
            "page": page,
            "on_duty": on_duty,
            "can_register": request.user.has_role(*HALL_WRITE) and request.user.cooperative_id,
        },
    )


@roles_required(*HALL_WRITE, write=True)
def walkin_create(request):
    if not request.user.cooperative_id:
        raise Http404
    form = WalkinForm(request.POST or None, cooperative=request.user.cooperative)
    if request.method == "POST" and form.is_valid():
        try:
            walkin = services.walkin_register(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            if (
                walkin.kind == WalkinKind.APPLICATION
                and walkin.officer_id != walkin.village.officer_id
            ):
                messages.success(
                    request,
                    _(
                        "已登记。包村信贷员 %(village_officer)s 不能调查此笔贷款，"
                        "已转交信贷员 %(officer)s，答复期限见下方办结时限。"
                    )
                    % {
                        "village_officer": walkin.village.officer.name,
                        "officer": walkin.officer.name,
                    },
                )
            elif walkin.kind == WalkinKind.APPLICATION:
                messages.success(
                    request,
                    _("已登记并转交包村信贷员 %(officer)s，答复期限见下方办结时限。")
                    % {"officer": walkin.officer.name},
                )
            else:
                messages.success(request, _("咨询已登记。"))
            return redirect(walkin)
    return render(
        request,
        "servicehall/walkin_form.html",
        {
            "form": form,
            "off_roster": not request.user.has_role(Role.DIRECTOR)
            and not selectors.staff_on_duty(request.user, timezone.localdate()),
        },
    )


@roles_required(*HALL_VIEW)
def walkin_detail(request, pk):
    walkin = selectors.walkin_get(request.user, pk)
    return render(
        request,
        "servicehall/walkin_detail.html",
        {
            "walkin": walkin,
            "deadlines": services.walkin_deadlines(walkin),
            "today": timezone.localdate(),
            "settle_forms": [
                (step, SettleForm(step=step)) for step in open_steps(walkin, request.user)
            ],
        },
    )


@require_POST
@roles_required(*HALL_WRITE, write=True)
def walkin_settle(request, pk, step):
    """Answer the customer or decide the approval (the URL names the step)."""
    settle = STEPS[step]
    if not request.user.has_role(*settle.roles):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    walkin = selectors.walkin_get(request.user, pk)
    form = SettleForm(request.POST, step=settle)
    if not form.is_valid():
        _errors_as_messages(request, form)
        return redirect(walkin)
    decision = form.cleaned_data["decision"]
    try:
        services.walkin_settle(
            walkin_id=walkin.pk,
            actor=request.user,
            step=step,
            outcome=decision,
            note=form.cleaned_data[settle.note_key],
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(walkin)
    outcome = settle.outcome(decision)
    messages.success(request, outcome.done)
    if outcome.then_page:
        return redirect(outcome.then_page, pk=walkin.pk)
    return redirect(walkin)


@roles_required(*HALL_VIEW)
def walkin_refusal(request, pk):
    walkin = selectors.walkin_get(request.user, pk)
    if walkin.status != WalkinStatus.REFUSED:
        raise Http404("该申请没有不予受理的答复。")
    return render(request, "servicehall/walkin_refusal.html", {"walkin": walkin})


# ---------------------------------------------------------------- roster


@roles_required(*HALL_VIEW)
def roster(request):
    today = timezone.localdate()
    coop, coops = _cooperative_param(request)
    month = _month_param(request.GET.get("month"), today)
    roster_obj = selectors.roster_for(coop, month)
    shifts = {}
    if roster_obj:
        for shift in roster_obj.shifts.select_related("staff"):
            shifts.setdefault(shift.date, []).append(shift)
    problems = services.roster_problems(roster_obj) if roster_obj else None
    weeks, week = [], []
    days = services.month_days(month)
    week = [None] * days[0].weekday()
    for day in days:
        day_shifts = shifts.get(day, [])
        week.append(
            {
                "date": day,
                "workday": workdays.is_workday(day),
                "officers": [s for s in day_shifts if s.post == DutyPost.OFFICER],
                "directors": [s for s in day_shifts if s.post == DutyPost.DIRECTOR],
            }
        )
        if len(week) == 7:
            weeks.append(week)
            week = []
    if week:
        weeks.append(week + [None] * (7 - len(week)))
    can_edit = (
        request.user.has_role(Role.DIRECTOR, Role.DEPUTY) and request.user.cooperative_id == coop.pk
    )
    prev_month = (month - timedelta(days=1)).replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "servicehall/roster.html",
        {
            "coop": coop,
            "coops": coops,
            "month": month,
            "prev_month": prev_month,
            "next_month": next_month,
            "roster": roster_obj,
            "weeks": weeks,
            "problems": problems,
            "can_edit": can_edit and not (roster_obj and roster_obj.is_published),
            "can_withdraw": can_edit and roster_obj and roster_obj.is_published,
            "shift_form": ShiftForm(cooperative=coop, initial={"date": month}),
        },
    )


@require_POST
@roles_required(Role.DIRECTOR, Role.DEPUTY, write=True)
def roster_action(request):
    today = timezone.localdate()
    coop = request.user.cooperative
    if coop is None:
        raise Http404
    month = _month_param(request.POST.get("month"), today)
    action = request.POST.get("action")
    url = f"{reverse('servicehall:roster')}?month={month:%Y-%m}"
    try:
        roster_obj = services.roster_get_or_create(cooperative=coop, month=month)
        if action == "add":
            form = ShiftForm(request.POST, cooperative=coop)
            if not form.is_valid():
                _errors_as_messages(request, form)
                return redirect(url)
            services.shift_add(
                roster_id=roster_obj.pk,
                actor=request.user,
                day=form.cleaned_data["date"],
                post=form.cleaned_data["post"],
                staff=form.cleaned_data["staff"],
            )
            messages.success(request, _("已添加值班安排。"))
        elif action == "remove":
            shift = get_object_or_404(
                DutyShift, pk=request.POST.get("shift"), roster__cooperative=coop
            )
            services.shift_remove(shift_id=shift.pk, actor=request.user)
            messages.success(request, _("已删除值班安排。"))
        elif action == "autofill":
            n = services.roster_autofill(roster_id=roster_obj.pk, actor=request.user)
            messages.success(request, _("已自动补排 %(n)s 个班次。") % {"n": n})
        elif action == "publish":
            services.roster_publish(roster_id=roster_obj.pk, actor=request.user)
            messages.success(request, _("值班表已发布。"))
        elif action == "withdraw":
            services.roster_withdraw(roster_id=roster_obj.pk, actor=request.user)
            messages.success(request, _("已撤回发布，可以修改。"))
        else:
            messages.error(request, _("未知操作。"))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(url)


# ---------------------------------------------------------------- deadlines

DEADLINE_STATES = [
    ("open", gettext_lazy("未办结")),
    ("due_soon", gettext_lazy("即将到期")),
    ("late", gettext_lazy("已超期未办结")),
    ("done", gettext_lazy("已办结")),
    ("all", gettext_lazy("全部")),
]


@roles_required(*HALL_VIEW, Role.REVIEW_GROUP)
def deadline_list(request):
    today = timezone.localdate()
    state = request.GET.get("state", "open")
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()
    qs = selectors.deadline_filter(
        selectors.deadline_scope(request.user), today=today, state=state, kind=kind, q=q
    )
    page = Paginator(qs.order_by("due_on", "id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "servicehall/deadline_list.html",
        {
            "page": page,
            "today": today,
            "state": state,
            "kind": kind,
            "q": q,
            "kinds": kind_choices(),
            "states": DEADLINE_STATES,
        },
    )


# ---------------------------------------------------------------- accountability


@roles_required()
def accountability_list(request):
    qs = selectors.accountability_scope(request.user)
    status = request.GET.get("status", "")
    tier = request.GET.get("tier", "")
    q = request.GET.get("q", "").strip()
    if status:
        qs = qs.filter(status=status)
    if tier.isdigit():
        qs = qs.filter(tier=int(tier))
    if q:
        qs = qs.filter(person__name__contains=q)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "servicehall/accountability_list.html",
        {
            "page": page,
            "status": status,
            "tier": tier,
            "q": q,
            "statuses": AccountabilityStatus.choices,
            "tiers": Tier.choices,
        },
    )


@roles_required()
def accountability_detail(request, pk):
    record = selectors.accountability_get(request.user, pk)
    user = request.user
    can_decide = (
        record.status == AccountabilityStatus.PENDING
        and user.pk != record.person_id
        and may_write(user)
        and deadline_accountability.may_decide(user, record)
    )
    return _accountability_page(request, record, DecisionForm() if can_decide else None)


@require_POST
@roles_required(Role.DIRECTOR, Role.UNION_RISK, write=True)
def accountability_decide(request, pk):
    record = selectors.accountability_get(request.user, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            deadline_accountability.accountability_decide(
                record_id=record.pk,
                actor=request.user,
                confirm=form.cleaned_data["decision"] == "confirm",
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已处理该问责记录。"))
            return redirect(record)
    record.refresh_from_db()
    return _accountability_page(request, record, form, status=400)


def _accountability_page(request, record, form, *, status=200):
    return render(
        request,
        "servicehall/accountability_detail.html",
        {
            "record": record,
            "events": record.events.select_related("actor"),
            "form": form,
            "today": timezone.localdate(),
        },
        status=status,
    )


# ---------------------------------------------------------------- dashboard


def _dashboard_data(request):
    today = timezone.localdate()
    coop, coops = _cooperative_param(request)
    month = _month_param(request.GET.get("month"), today)
    month_end = services.month_days(month)[-1]
    base = selectors.deadline_scope(request.user).filter(cooperative=coop)
    in_month = selectors.month_and_overdue_deadlines(
        base, month_start=month, month_end=month_end, today=today
    )
    return {
        "today": today,
        "coop": coop,
        "coops": coops,
        "month": month,
        "month_end": month_end,
        "base": base,
        "in_month": in_month,
    }


@roles_required(*OVERSIGHT_VIEW)
def dashboard(request):
    data = _dashboard_data(request)
    today = data["today"]
    by_officer = selectors.on_time_rates(
        data["in_month"], today=today, group_by="responsible__name"
    )
    by_type = selectors.on_time_rates(data["in_month"], today=today, group_by="loan_type__name")
    totals = selectors.dashboard_totals(data["base"], today=today)
    late_items = (
        data["base"].filter(stopped_at__isnull=True, late_on__lte=today).order_by("due_on")[:20]
    )
    pending = selectors.accountability_scope(request.user).filter(
        cooperative=data["coop"], status=AccountabilityStatus.PENDING
    )
    chart = {
        "label": _("按期办结率（%）"),
        "labels": [r["label"] for r in by_officer],
        "rates": [r["rate"] if r["rate"] is not None else 0 for r in by_officer],
    }
    return render(
        request,
        "servicehall/dashboard.html",
        data
        | {
            "by_officer": by_officer,
            "by_type": by_type,
            "totals": totals,
            "late_items": late_items,
            "pending_count": pending.count(),
            "chart": chart,
        },
    )


@roles_required(*OVERSIGHT_VIEW)
def dashboard_export(request):
    data = _dashboard_data(request)
    return monthly_report_response(
        coop=data["coop"],
        month=data["month"],
        today=data["today"],
        deadlines=data["in_month"],
        accountabilities=selectors.accountability_scope(request.user).filter(
            cooperative=data["coop"],
            deadline__due_on__range=(data["month"], data["month_end"]),
        ),
    )


@roles_required()
def loan_types(request):
    return render(
        request,
        "servicehall/loan_types.html",
        {
            "loan_types": LoanType.objects.filter(is_active=True),
            # What the cooperative's villages read on their public pages: the same source.
            "products": hooks.published_loan_products(request.user.cooperative),
        },
    )
