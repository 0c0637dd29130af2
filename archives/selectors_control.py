"""Reads for reconciliation, destruction and inspections, scoped to the acting user.

Files: officers see those of the villages they manage or that they answer for; the
cooperative's roles their cooperative's; union roles the whole union. Destruction batches and
inspections belong to a cooperative: its staff see them, union roles see every one.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from creditcoop.models import COOPERATIVE_ROLES, Cooperative, Role
from creditcoop.scoping import get_in_scope

from .models import ArchiveFile, DestructionBatch, Inspection, InspectionFinding


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def cooperatives_scope(user) -> QuerySet[Cooperative]:
    if not _authenticated(user):
        return Cooperative.objects.none()
    if user.is_union_wide:
        return Cooperative.objects.filter(union_id=user.union_id)
    return Cooperative.objects.filter(pk=user.cooperative_id)


def control_files_scope(user) -> QuerySet[ArchiveFile]:
    if not _authenticated(user):
        return ArchiveFile.objects.none()
    if user.is_union_wide:
        return ArchiveFile.objects.filter(cooperative__union_id=user.union_id)
    cond = Q(pk__in=[])
    if user.cooperative_id and any(r in COOPERATIVE_ROLES for r in user.roles):
        cond |= Q(cooperative_id=user.cooperative_id)
    if Role.OFFICER in user.roles:
        cond |= Q(cooperative_id=user.cooperative_id) & (
            Q(village__officer_id=user.pk) | Q(officer_id=user.pk)
        )
    return ArchiveFile.objects.filter(cond)


def control_file_get(user, pk) -> ArchiveFile:
    return get_in_scope(
        control_files_scope(user).select_related("cooperative", "officer"), pk, "未找到该档案。"
    )


def _cooperative_objects(user, qs):
    if not _authenticated(user):
        return qs.none()
    if user.is_union_wide:
        return qs.filter(cooperative__union_id=user.union_id)
    if not user.cooperative_id:
        return qs.none()
    return qs.filter(cooperative_id=user.cooperative_id)


def destruction_scope(user) -> QuerySet[DestructionBatch]:
    return _cooperative_objects(user, DestructionBatch.objects.all())


def destruction_get(user, pk) -> DestructionBatch:
    return get_in_scope(
        destruction_scope(user).select_related(
            "cooperative__union", "created_by", "approved_by", "supervisor"
        ),
        pk,
        "未找到该销毁清单。",
    )


def inspection_scope(user) -> QuerySet[Inspection]:
    return _cooperative_objects(user, Inspection.objects.all())


def inspection_get(user, pk) -> Inspection:
    return get_in_scope(
        inspection_scope(user).select_related("cooperative", "recorded_by"),
        pk,
        "未找到该检查记录。",
    )


def finding_get(user, pk) -> InspectionFinding:
    return get_in_scope(
        InspectionFinding.objects.filter(inspection__in=inspection_scope(user)).select_related(
            "inspection__cooperative", "file"
        ),
        pk,
        "未找到该检查问题。",
    )
