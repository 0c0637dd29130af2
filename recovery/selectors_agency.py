"""Reads for entrusted collection (托管清收), scoped to the acting user: union staff see the
union's packages, a cooperative's staff their cooperative's, the accompanying member of staff
the packages they accompany, a firm's staff their firm's live packages."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from creditcoop.models import COOPERATIVE_ROLES, Role
from creditcoop.scoping import get_in_scope

from .models import Agency, AgencyFeeList, AgencyHandover, AgencyPackage

PAGE_SIZE = 30


def agency_scope(user) -> QuerySet[Agency]:
    if not getattr(user, "is_authenticated", False) or user.is_outsider:
        return Agency.objects.none()
    return Agency.objects.filter(union_id=user.union_id)


def package_scope(user) -> QuerySet[AgencyPackage]:
    if not getattr(user, "is_authenticated", False):
        return AgencyPackage.objects.none()
    qs = AgencyPackage.objects.all()
    if Role.AGENCY in user.roles:
        return qs.filter(
            agency__members__staff_id=user.pk,
            status=AgencyPackage.Status.ACTIVE,
            union_id=user.union_id,
        )
    if user.is_union_wide:
        return qs.filter(union_id=user.union_id)
    cond = Q(staff_id=user.pk)
    if user.cooperative_id and any(r in COOPERATIVE_ROLES for r in user.roles):
        cond |= Q(cooperative_id=user.cooperative_id)
    return qs.filter(cond)


def package_get(user, pk) -> AgencyPackage:
    return get_in_scope(
        package_scope(user).select_related("agency", "cooperative", "staff", "created_by"),
        pk,
        "未找到该托管资产包。",
    )


def handover_get(user, pk) -> AgencyHandover:
    return get_in_scope(
        AgencyHandover.objects.filter(package__in=package_scope(user)).select_related(
            "package", "record"
        ),
        pk,
        "未找到该笔收款。",
    )


def fee_list_get(user, pk) -> AgencyFeeList:
    if Role.AGENCY in getattr(user, "roles", []):
        return get_in_scope(AgencyFeeList.objects.none(), pk, "未找到该费用清单。")
    return get_in_scope(
        AgencyFeeList.objects.filter(package__in=package_scope(user)).select_related(
            "package__agency", "package__cooperative", "computed_by", "approved_by"
        ),
        pk,
        "未找到该费用清单。",
    )
