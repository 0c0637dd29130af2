"""Reads for the service hall, always scoped to the acting user."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from creditcoop.deadlines.models import Accountability, Deadline
from creditcoop.models import COOPERATIVE_ROLES, Cooperative, Role
from creditcoop.scoping import get_in_scope

from .models import DutyRoster, DutyShift, Walkin

# Roles that work in or oversee the hall of their own cooperative.
HALL_ROLES = COOPERATIVE_ROLES | {Role.OFFICER}
# Roles that see every deadline and accountability record of their cooperative.
OVERSIGHT_ROLES = {Role.DIRECTOR, Role.DEPUTY}


def _union_or_coop(qs, user, *, coop_roles):
    if user.is_union_wide:
        return qs.filter(cooperative__union_id=user.union_id)
    if user.cooperative_id and any(r in coop_roles for r in user.roles):
        return qs.filter(cooperative_id=user.cooperative_id)
    return None


def cooperatives_for(user) -> QuerySet[Cooperative]:
    """The cooperatives whose hall the user may look at."""
    if user.is_union_wide:
        return Cooperative.objects.filter(union_id=user.union_id)
    if user.cooperative_id and any(r in HALL_ROLES for r in user.roles):
        return Cooperative.objects.filter(pk=user.cooperative_id)
    return Cooperative.objects.none()


def walkin_scope(user) -> QuerySet[Walkin]:
    qs = Walkin.objects.select_related("village", "loan_type", "officer", "registered_by")
    scoped = _union_or_coop(qs, user, coop_roles=HALL_ROLES)
    return scoped if scoped is not None else qs.none()


def walkin_get(user, pk) -> Walkin:
    return get_in_scope(
        walkin_scope(user).select_related("cooperative"),
        pk,
        _("未找到该来访登记。"),
    )


def walkin_filter(
    qs, *, q="", kind="", status="", village=None, loan_type=None, date_from=None, date_to=None
):
    if q:
        qs = qs.filter(
            Q(customer_name__contains=q)
            | Q(phone__startswith=q)
            | Q(id_number__startswith=q.upper())
        )
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if village:
        qs = qs.filter(village=village)
    if loan_type:
        qs = qs.filter(loan_type=loan_type)
    if date_from:
        qs = qs.filter(registered_on__gte=date_from)
    if date_to:
        qs = qs.filter(registered_on__lte=date_to)
    return qs


def deadline_scope(user) -> QuerySet[Deadline]:
    qs = Deadline.objects.select_related("responsible", "loan_type", "cooperative")
    scoped = _union_or_coop(qs, user, coop_roles=OVERSIGHT_ROLES)
    if scoped is not None:
        return scoped
    if Role.OFFICER in user.roles or Role.REVIEW_GROUP in user.roles:
        return qs.filter(responsible=user)
    return qs.none()


def deadline_filter(qs, *, today: date, state="", kind="", q=""):
    if state == "open":
        qs = qs.filter(stopped_at__isnull=True)
    elif state == "due_soon":
        qs = qs.filter(stopped_at__isnull=True, remind_on__lte=today, late_on__gt=today)
    elif state == "late":
        qs = qs.filter(stopped_at__isnull=True, late_on__lte=today)
    elif state == "done":
        qs = qs.filter(stopped_at__isnull=False)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(title__contains=q) | Q(responsible__name__contains=q))
    return qs


def accountability_scope(user) -> QuerySet[Accountability]:
    qs = Accountability.objects.select_related("person", "deadline", "decided_by", "cooperative")
    scoped = _union_or_coop(qs, user, coop_roles=OVERSIGHT_ROLES)
    if scoped is not None:
        return scoped
    return qs.filter(person=user)


def accountability_get(user, pk) -> Accountability:
    return get_in_scope(
        accountability_scope(user),
        pk,
        _("未找到该问责记录。"),
    )


def roster_for(cooperative, month: date) -> DutyRoster | None:
    return DutyRoster.objects.filter(cooperative=cooperative, month=month).first()


def duty_shifts_on(cooperative_id, day: date) -> QuerySet[DutyShift]:
    """Who is on hall duty on `day` per the published roster (a draft promises nothing)."""
    return DutyShift.objects.filter(
        roster__cooperative_id=cooperative_id, roster__published_at__isnull=False, date=day
    ).select_related("staff")


def staff_on_duty(staff, day: date) -> bool:
    return duty_shifts_on(staff.cooperative_id, day).filter(staff=staff).exists()


# ---------------------------------------------------------------- dashboard


def _late_q(today: date) -> Q:
    return Q(stopped_on__gte=F("late_on")) | Q(stopped_at__isnull=True, late_on__lte=today)


def _on_time_q() -> Q:
    return Q(stopped_on__isnull=False, stopped_on__lt=F("late_on"))


def month_deadlines(qs, *, month_start: date, month_end: date) -> QuerySet[Deadline]:
    """Deadlines falling due this month."""
    return qs.filter(due_on__range=(month_start, month_end))


def month_and_overdue_deadlines(
    qs, *, month_start: date, month_end: date, today: date
) -> QuerySet[Deadline]:
    """The month's deadlines and, whatever month they fell due, those still open and late
    today: what is overdue now is counted against its officer now."""
    return qs.filter(
        Q(due_on__range=(month_start, month_end))
        | Q(due_on__lt=month_start, stopped_at__isnull=True, late_on__lte=today)
    )


def on_time_rates(qs, *, today: date, group_by: str) -> list[dict]:
    """Per `group_by` (e.g. responsible__name): due, on time, late, open, rate (%)."""
    rows = (
        qs.values(group_by)
        .annotate(
            total=Count("id"),
            on_time=Count("id", filter=_on_time_q()),
            late=Count("id", filter=_late_q(today)),
            open=Count("id", filter=Q(stopped_at__isnull=True)),
        )
        .order_by(group_by)
    )
    result = []
    for row in rows:
        decided = row["on_time"] + row["late"]
        result.append(
            {
                "label": row[group_by] or _("其他事项"),
                "total": row["total"],
                "on_time": row["on_time"],
                "late": row["late"],
                "open": row["open"],
                "rate": round(100 * row["on_time"] / decided, 1) if decided else None,
            }
        )
    return result


def dashboard_totals(qs, *, today: date) -> dict:
    return qs.aggregate(
        open=Count("id", filter=Q(stopped_at__isnull=True)),
        late_open=Count("id", filter=Q(stopped_at__isnull=True, late_on__lte=today)),
        due_soon=Count(
            "id", filter=Q(stopped_at__isnull=True, remind_on__lte=today, late_on__gt=today)
        ),
    )
