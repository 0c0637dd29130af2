"""Reads of the borrowing register, always scoped to the acting user (docs/rules.md §6.5)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.models import COOPERATIVE_ROLES, UNION_ROLES, Role
from creditcoop.scoping import get_in_scope

from .models import Borrowing, BorrowingLine

# Who may open the borrowing pages: the cooperative's people, officers (their own
# borrowings) and the union.
BORROWING_VIEW = (*COOPERATIVE_ROLES, Role.OFFICER, *UNION_ROLES)


def borrowing_scope(user) -> QuerySet[Borrowing]:
    """Union roles: the union's borrowings; cooperative roles: their cooperative's; anyone
    else (an officer): the borrowings they asked for or borrow themselves."""
    qs = Borrowing.objects.select_related(
        "cooperative", "borrower", "requested_by", "approved_by", "accompanied_by"
    )
    if user.is_union_wide:
        return qs.filter(cooperative__union_id=user.union_id)
    if user.cooperative_id and any(r in COOPERATIVE_ROLES for r in user.roles):
        return qs.filter(cooperative_id=user.cooperative_id)
    if user.cooperative_id:
        return qs.filter(
            Q(borrower=user) | Q(requested_by=user), cooperative_id=user.cooperative_id
        )
    return qs.none()


def borrowing_get(user, pk) -> Borrowing:
    return get_in_scope(borrowing_scope(user), pk, _("未找到该借阅登记。"))


def _incomplete():
    return Exists(BorrowingLine.objects.filter(borrowing=OuterRef("pk"), returned_complete=False))


def borrowing_filter(
    qs,
    *,
    q="",
    status="",
    borrower_type="",
    method="",
    overdue=False,
    incomplete=False,
    date_from=None,
    date_to=None,
    today=None,
):
    today = today or timezone.localdate()
    if q:
        q = q.strip()
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(borrower_name__contains=q)
            | Q(organisation__contains=q)
            | Exists(
                BorrowingLine.objects.filter(
                    borrowing=OuterRef("pk"), file__archive_number__icontains=q
                )
            )
        )
    if status:
        qs = qs.filter(status=status)
    if borrower_type:
        qs = qs.filter(borrower_type=borrower_type)
    if method:
        qs = qs.filter(method=method)
    if overdue:
        qs = qs.filter(status=Borrowing.Status.ISSUED, due_date__lt=today)
    if incomplete:
        qs = qs.filter(_incomplete())
    if date_from:
        qs = qs.filter(requested_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(requested_at__date__lte=date_to)
    return qs


def with_incomplete(qs):
    """Each borrowing with ``returned_incomplete`` (a file came back with items missing)."""
    return qs.annotate(returned_incomplete=_incomplete())


def borrowing_lines(borrowing):
    return borrowing.lines.select_related("file").prefetch_related("file__items")


def borrowing_deadlines(borrowing):
    """The due-date clock(s) of a borrowing in the deadline engine."""
    from django.contrib.contenttypes.models import ContentType

    from creditcoop.deadlines.models import Deadline

    ct = ContentType.objects.get_for_model(Borrowing)
    return (
        Deadline.objects.filter(content_type=ct, object_id=borrowing.pk)
        .select_related("responsible")
        .order_by("id")
    )
