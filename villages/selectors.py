"""Reads for villages and households, always scoped to the acting user."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from creditcoop.models import COOPERATIVE_ROLES, Cooperative, Role

from .models import Household, Village


def village_scope(user) -> QuerySet[Village]:
    """Villages the user may see.

    Union staff, auditors and administrators: the whole union. Director, deputy, review
    group, teller, archivist: their cooperative. Loan officer: the villages they are
    responsible for. Committee member: their own village.
    """
    if not getattr(user, "is_authenticated", False):
        return Village.objects.none()
    qs = Village.objects.all()
    if user.is_union_wide:
        return qs.filter(cooperative__union_id=user.union_id)
    cond = Q(pk__in=[])
    if user.cooperative_id and any(r in COOPERATIVE_ROLES for r in user.roles):
        cond |= Q(cooperative_id=user.cooperative_id)
    if Role.OFFICER in user.roles:
        cond |= Q(officer_id=user.pk)
    if Role.COMMITTEE in user.roles:
        cond |= Q(committee__staff_id=user.pk)
    return qs.filter(cond).distinct()


def cooperative_scope(user) -> QuerySet[Cooperative]:
    if not getattr(user, "is_authenticated", False):
        return Cooperative.objects.none()
    if user.is_union_wide:
        return Cooperative.objects.filter(union_id=user.union_id)
    return Cooperative.objects.filter(
        pk__in=village_scope(user).values("cooperative_id")
    ) | Cooperative.objects.filter(pk=user.cooperative_id)


def village_get(user, pk) -> Village:
    """A village in scope, or 404 (the same answer for 'not yours' and 'doesn't exist')."""
    try:
        return village_scope(user).select_related("cooperative", "officer").get(pk=pk)
    except (Village.DoesNotExist, ValueError):
        raise Http404("未找到该村。")


def household_scope(user) -> QuerySet[Household]:
    return Household.objects.filter(village__in=village_scope(user))


def household_get(user, pk) -> Household:
    try:
        return (
            household_scope(user)
            .select_related("village", "group", "village__cooperative")
            .get(pk=pk)
        )
    except (Household.DoesNotExist, ValueError):
        raise Http404("未找到该农户。")
