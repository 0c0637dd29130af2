"""Reads for responsibility (主责任人制), scoped like the register: a record's section goes
through `selectors.record_get`; a person's statement and the escalations follow who the
user is (an officer sees their own, cooperative roles their cooperative, union roles the
union)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet

from creditcoop.models import COOPERATIVE_ROLES, Role, Staff
from creditcoop.scoping import get_in_scope

from .models import OfficerEscalation, ResponsibilityShare
from .selectors import PAGE_SIZE, npl_scope


def _sees_cooperative(user) -> bool:
    return bool(user.cooperative_id) and any(r in COOPERATIVE_ROLES for r in user.roles)


def staff_scope(user) -> QuerySet[Staff]:
    """Whose responsibility statement the user may read."""
    if not getattr(user, "is_authenticated", False):
        return Staff.objects.none()
    if user.is_union_wide:
        return Staff.objects.filter(union_id=user.union_id)
    cond = Q(pk=user.pk)
    if _sees_cooperative(user):
        cond |= Q(cooperative_id=user.cooperative_id)
    return Staff.objects.filter(cond)


def statement_staff(user, pk) -> Staff:
    return get_in_scope(staff_scope(user), pk, "未找到该责任人。")


def statement_shares(user, staff) -> QuerySet[ResponsibilityShare]:
    qs = ResponsibilityShare.objects.filter(person__staff=staff)
    if staff.pk != user.pk:
        qs = qs.filter(assessment__record__in=npl_scope(user))
    return qs.select_related("assessment__record", "person").prefetch_related(
        "deductions__recorded_by"
    )


def share_get(user, pk) -> ResponsibilityShare:
    return get_in_scope(
        ResponsibilityShare.objects.filter(assessment__record__in=npl_scope(user)).select_related(
            "assessment__record__cooperative", "person__staff"
        ),
        pk,
        "未找到该责任分担。",
    )


def escalation_scope(user) -> QuerySet[OfficerEscalation]:
    if not getattr(user, "is_authenticated", False):
        return OfficerEscalation.objects.none()
    qs = OfficerEscalation.objects.all()
    if user.is_union_wide:
        return qs.filter(cooperative__union_id=user.union_id)
    cond = Q(officer_id=user.pk)
    if _sees_cooperative(user):
        cond |= Q(cooperative_id=user.cooperative_id)
    return qs.filter(cond)


def escalation_get(user, pk) -> OfficerEscalation:
    return get_in_scope(
        escalation_scope(user).select_related("cooperative", "officer", "decided_by"),
        pk,
        "未找到该责任追究记录。",
    )


@dataclass
class EscalationFilters:
    q: str = ""
    cooperative: str = ""
    level: str = ""
    status: str = OfficerEscalation.Status.OPEN

    @classmethod
    def from_query(cls, data) -> EscalationFilters:
        values = {k: (data.get(k) or "").strip() for k in cls.__dataclass_fields__}
        if "status" not in data:
            values["status"] = OfficerEscalation.Status.OPEN
        return cls(**values)


def escalation_page(*, user, f: EscalationFilters, page=None):
    qs = escalation_scope(user).select_related("cooperative", "officer", "decided_by")
    if f.q:
        qs = qs.filter(Q(officer__name__startswith=f.q) | Q(officer__username=f.q))
    if f.cooperative.isdigit():
        qs = qs.filter(cooperative_id=int(f.cooperative))
    if f.level.isdigit():
        qs = qs.filter(level=int(f.level))
    if f.status in OfficerEscalation.Status.values:
        qs = qs.filter(status=f.status)
    return Paginator(qs.order_by("status", "-opened_on", "-id"), PAGE_SIZE).get_page(page)


def may_read_escalations(user) -> bool:
    return user.is_union_wide or _sees_cooperative(user) or Role.OFFICER in user.roles
