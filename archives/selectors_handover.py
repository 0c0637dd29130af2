"""Reads of the handover and intake pages, always scoped to the acting user
(docs/rules.md §6.2)."""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from creditcoop.models import COOPERATIVE_ROLES, Role
from creditcoop.scoping import get_in_scope

from .models import ArchiveFile, FileItem, HandoverBatch, HandoverLine, IntakeRecord


def _file_condition(user, prefix: str = "") -> Q:
    """Which files a user sees: the union's for union roles, the cooperative's for its staff,
    an officer's own files and those of the villages they manage."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if user.is_union_wide:
        return Q(**{f"{prefix}cooperative__union_id": user.union_id})
    cond = Q(pk__in=[])
    if user.cooperative_id and any(r in COOPERATIVE_ROLES for r in user.roles):
        cond |= Q(**{f"{prefix}cooperative_id": user.cooperative_id})
    if Role.OFFICER in user.roles:
        cond |= Q(**{f"{prefix}officer_id": user.pk}) | Q(
            **{f"{prefix}village__officer_id": user.pk}
        )
    return cond


def handover_files_scope(user) -> QuerySet[ArchiveFile]:
    return ArchiveFile.objects.filter(_file_condition(user))


def handover_scope(user) -> QuerySet[HandoverBatch]:
    """Batches of the user's cooperative (union: all of the union); an officer sees the
    batches they drew up and those holding their files."""
    if not getattr(user, "is_authenticated", False):
        return HandoverBatch.objects.none()
    if user.is_union_wide:
        return HandoverBatch.objects.filter(cooperative__union_id=user.union_id)
    cond = Q(pk__in=[])
    if user.cooperative_id and any(r in COOPERATIVE_ROLES for r in user.roles):
        cond |= Q(cooperative_id=user.cooperative_id)
    if Role.OFFICER in user.roles:
        theirs = HandoverLine.objects.filter(
            Q(file__officer_id=user.pk) | Q(file__village__officer_id=user.pk),
            batch_id=OuterRef("pk"),
        )
        cond |= Q(handed_by_id=user.pk) | Q(Exists(theirs))
    return HandoverBatch.objects.filter(cond)


def handover_get(user, pk) -> HandoverBatch:
    return get_in_scope(
        handover_scope(user).select_related("cooperative", "branch", "handed_by", "received_by"),
        pk,
        "未找到该移交清单。",
    )


def handover_line_get(user, pk) -> HandoverLine:
    return get_in_scope(
        HandoverLine.objects.filter(batch__in=handover_scope(user)).select_related(
            "batch__cooperative", "file__room", "file__village", "file__household__group"
        ),
        pk,
        "未找到该移交档案。",
    )


def handover_lines(batch) -> QuerySet[HandoverLine]:
    """The lines of a batch with what the pages show of each file (no query per line)."""
    return batch.lines.select_related(
        "file__village", "file__household__group", "file__officer", "checked_by"
    ).prefetch_related(Prefetch("file__items", queryset=FileItem.objects.order_by("order", "id")))


def handover_candidates(user) -> QuerySet[ArchiveFile]:
    """Files the user may put on a transfer list: being prepared, on no list awaiting a check;
    the clerk sees the cooperative's, an officer their own. Each carries ``missing_items``."""
    if not getattr(user, "pk", None) or not user.cooperative_id:
        return ArchiveFile.objects.none()
    qs = ArchiveFile.objects.filter(
        cooperative_id=user.cooperative_id, status=ArchiveFile.S.PREPARING
    )
    if not user.has_role(Role.CLERK):
        qs = qs.filter(officer_id=user.pk) if user.has_role(Role.OFFICER) else qs.none()
    on_a_list = HandoverLine.objects.filter(
        file_id=OuterRef("pk"), status=HandoverLine.Status.PENDING
    )
    missing = FileItem.objects.filter(
        required=True, status__in=[FileItem.Status.MISSING, FileItem.Status.REJECTED]
    ).order_by("order", "id")
    return (
        qs.exclude(Exists(on_a_list))
        .select_related("village", "household__group", "officer")
        .prefetch_related(Prefetch("items", queryset=missing, to_attr="missing_items"))
    )


def handover_overdue(user, today: date | None = None) -> QuerySet[ArchiveFile]:
    """Files in the user's scope still being prepared after their handover date."""
    today = today or timezone.localdate()
    return (
        handover_files_scope(user)
        .filter(status=ArchiveFile.S.PREPARING, handover_due__lt=today)
        .select_related("village", "officer")
        .order_by("handover_due", "id")
    )


def handover_register_scope(user) -> QuerySet[HandoverLine]:
    """The handover register (移交登记簿): one row per file of every submitted batch."""
    return HandoverLine.objects.filter(
        _file_condition(user, "file__"), batch__submitted_at__isnull=False
    )


def intake_scope(user) -> QuerySet[IntakeRecord]:
    """The intake register (入库登记簿)."""
    return IntakeRecord.objects.filter(_file_condition(user, "file__"))
