from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import AuditLog, Notification


def audit_scope(user) -> QuerySet[AuditLog]:
    """Auditors and union staff see the union's trail; directors their cooperative's."""
    qs = AuditLog.objects.select_related("actor", "cooperative")
    if user.is_union_wide:
        # Rows without a cooperative (union-level configuration, jobs) belong to the union
        # of whoever made them; system rows have no actor.
        union_level = Q(cooperative__isnull=True) & (
            Q(actor__union_id=user.union_id) | Q(actor__isnull=True)
        )
        return qs.filter(Q(cooperative__union_id=user.union_id) | union_level)
    return qs.filter(cooperative_id=user.cooperative_id)


def audit_filter(qs, *, object_type="", object_id="", actor="", date_from=None, date_to=None):
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor:
        qs = qs.filter(Q(actor__username=actor) | Q(actor__name__startswith=actor))
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs


def inbox(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)
