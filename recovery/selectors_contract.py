"""Reads of internal contracted collection, scoped to the acting user.

A package of one cooperative is seen by that cooperative's staff (drafts only by its
director and deputy) and by the union's staff; a union-wide package, once published, by
every staff member of the union (internal publication, R10.5). Contracts: their contractor,
and whoever sees the package."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from creditcoop.models import Role
from creditcoop.scoping import get_in_scope

from .models import CollectionContract, CollectionPackage, ContractSlip

PAGE_SIZE = 30


def package_scope(user) -> QuerySet[CollectionPackage]:
    if not getattr(user, "is_authenticated", False):
        return CollectionPackage.objects.none()
    qs = CollectionPackage.objects.filter(union_id=user.union_id)
    if user.is_union_wide:
        return qs
    published = ~Q(status=CollectionPackage.Status.DRAFT)
    cond = Q(cooperative__isnull=True) & published
    if user.cooperative_id:
        own = Q(cooperative_id=user.cooperative_id)
        cond |= own if user.has_role(Role.DIRECTOR, Role.DEPUTY) else own & published
    cond |= Q(registrations__staff_id=user.pk)
    return qs.filter(cond).distinct()


def package_get(user, pk) -> CollectionPackage:
    return get_in_scope(
        package_scope(user).select_related("cooperative", "created_by", "awarded_by"),
        pk,
        "未找到该贷款包。",
    )


def contract_scope(user) -> QuerySet[CollectionContract]:
    if not getattr(user, "is_authenticated", False):
        return CollectionContract.objects.none()
    return CollectionContract.objects.filter(
        Q(contractor_id=user.pk) | Q(package__in=package_scope(user).values("pk"))
    )


def contract_get(user, pk) -> CollectionContract:
    return get_in_scope(
        contract_scope(user).select_related(
            "package__cooperative", "package__union", "contractor", "awarded_by", "signed_by"
        ),
        pk,
        "未找到该承包协议。",
    )


def slip_get(user, pk) -> ContractSlip:
    return get_in_scope(
        ContractSlip.objects.filter(contract__in=contract_scope(user).values("pk")).select_related(
            "contract__package__cooperative", "contract__contractor", "checked_by", "paid_by"
        ),
        pk,
        "未找到该信息单。",
    )
