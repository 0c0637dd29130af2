"""Reads for notices and objections: staff reads are scoped to the acting user."""

from __future__ import annotations

import time

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404
from django.utils import timezone

from creditcoop.models import Cooperative
from creditcoop.scoping import get_in_scope
from villages.models import CommitteeMember, Village
from villages.selectors import village_scope

from .models import NoticeBatch, NoticeEntry, Objection, ServicePromise
from .services import objection_deadlines, policy_for

# ---------------------------------------------------------------------------
# Staff
# ---------------------------------------------------------------------------


def batch_scope(user) -> QuerySet[NoticeBatch]:
    return NoticeBatch.objects.filter(village__in=village_scope(user))


def batch_get(user, pk) -> NoticeBatch:
    return get_in_scope(
        batch_scope(user).select_related(
            "village__cooperative",
            "village__officer",
            "created_by",
            "published_by",
            "continues",
        ),
        pk,
        "未找到该公示。",
    )


def batch_list(*, user, village_id=None, status="", q="") -> QuerySet[NoticeBatch]:
    qs = (
        batch_scope(user)
        .select_related("village", "village__cooperative")
        .annotate(
            listed_count=Count(
                "entries", filter=Q(entries__status=NoticeEntry.Status.LISTED), distinct=True
            ),
            open_objections=Count(
                "objections",
                filter=Q(objections__status__in=Objection.OPEN),
                distinct=True,
            ),
        )
        .order_by("-id")
    )
    if village_id:
        qs = qs.filter(village_id=village_id)
    if status in NoticeBatch.Status.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(village__name__contains=q) | Q(title__contains=q))
    return qs


def objection_scope(user) -> QuerySet[Objection]:
    """Objections of villages the user sees, plus those the user was asked to investigate."""
    if not getattr(user, "is_authenticated", False):
        return Objection.objects.none()
    return Objection.objects.filter(Q(batch__village__in=village_scope(user)) | Q(assigned_to=user))


def objection_get(user, pk) -> Objection:
    return get_in_scope(
        objection_scope(user).select_related(
            "batch__village__cooperative",
            "batch__village__officer",
            "entry__application__applicant",
            "household",
            "assigned_to",
            "recorded_by",
            "closed_by",
        ),
        pk,
        "未找到该异议。",
    )


def objection_deadline(objection):
    """The objection's time limit in the deadline engine (the latest one), or None when
    nobody could be made responsible for it."""
    return (
        objection_deadlines(objection.pk)
        .select_related("responsible")
        .prefetch_related("accountabilities__person")
        .order_by("-id")
        .first()
    )


def objection_list(
    *, user, status="", village_id=None, channel="", overdue=False, q="", mine=False
) -> QuerySet[Objection]:
    latest = objection_deadlines(OuterRef("pk")).order_by("-id")
    qs = (
        objection_scope(user)
        .select_related("batch__village", "entry__application__applicant", "assigned_to")
        .annotate(
            deadline_due=Subquery(latest.values("due_on")[:1]),
            deadline_remind=Subquery(latest.values("remind_on")[:1]),
        )
    )
    if status in Objection.Status.values:
        qs = qs.filter(status=status)
    elif status == "open":
        qs = qs.filter(status__in=Objection.OPEN)
    if village_id:
        qs = qs.filter(batch__village_id=village_id)
    if channel in Objection.Channel.values:
        qs = qs.filter(channel=channel)
    if overdue:
        qs = qs.filter(status__in=Objection.OPEN, deadline_due__lt=timezone.localdate())
    if mine:
        qs = qs.filter(assigned_to=user)
    if q:
        qs = qs.filter(Q(reference__icontains=q) | Q(entry__masked_name__startswith=q[:1]))
    return qs.order_by("-filed_at", "-id")


def batch_entries(batch, *, q="") -> QuerySet[NoticeEntry]:
    qs = batch.entries.select_related("application__applicant", "replaces").annotate(
        open_objections=Count(
            "objections", filter=Q(objections__status__in=Objection.OPEN), distinct=True
        )
    )
    if q:
        qs = qs.filter(Q(group_name__contains=q) | Q(masked_name__startswith=q[:1]))
    return qs.order_by("group_number", "household_id", "id")


# ---------------------------------------------------------------------------
# Public pages (no login): only what the notice itself shows
# ---------------------------------------------------------------------------


def village_public(code: str) -> Village:
    try:
        return Village.objects.select_related("cooperative__union", "officer").get(code=code)
    except Village.DoesNotExist:
        raise Http404("未找到该村。")


_header_cache: dict[str, tuple[float, Village]] = {}
HEADER_SECONDS = 60


def village_public_header(code: str) -> Village:
    """The village for the short answers to a flood or a bot (its name, code and telephones),
    kept in this process for a minute so that turning a flood away needs no query."""
    now = time.monotonic()
    hit = _header_cache.get(code)
    if hit is not None and hit[0] > now:
        return hit[1]
    village = village_public(code)
    if len(_header_cache) > 5000:
        _header_cache.clear()
    _header_cache[code] = (now + HEADER_SECONDS, village)
    return village


def public_entries(batch) -> list[NoticeEntry]:
    """The households on a notice as published, flagged when an objection is being handled."""
    open_objection = Objection.objects.filter(entry=OuterRef("pk"), status__in=Objection.OPEN)
    return list(
        batch.entries.filter(status__in=[NoticeEntry.Status.LISTED, NoticeEntry.Status.SUPERSEDED])
        .annotate(under_objection=Exists(open_objection))
        .only(
            "group_name",
            "group_number",
            "masked_name",
            "grade",
            "line",
            "term_months",
            "status",
            "batch_id",
        )
        .order_by("group_number", "household_id", "id")
    )


def public_village_notices(village, today) -> tuple[list[NoticeBatch], list[NoticeBatch]]:
    """(running notices with their entries, past notices) of a village."""
    batches = list(
        village.notice_batches.exclude(status=NoticeBatch.Status.DRAFT)
        .annotate(
            listed_count=Count("entries", filter=Q(entries__status=NoticeEntry.Status.LISTED)),
            general_open=Count(
                "objections",
                filter=Q(objections__status__in=Objection.OPEN, objections__entry__isnull=True),
            ),
        )
        .order_by("-start_date", "-id")
    )
    current = [b for b in batches if b.is_running(today)]
    past = [b for b in batches if not b.is_running(today)]
    for b in current:
        b.public_rows = public_entries(b)
    return current, past


def public_batch(village, pk) -> NoticeBatch:
    try:
        return village.notice_batches.exclude(status=NoticeBatch.Status.DRAFT).get(pk=pk)
    except (NoticeBatch.DoesNotExist, ValueError):
        raise Http404("未找到该公示。")


def committee_roster(village, today):
    return (
        CommitteeMember.objects.filter(village=village, term_start__lte=today)
        .filter(Q(term_end__isnull=True) | Q(term_end__gte=today))
        .only("post", "name", "phone")
        .order_by(
            Case(
                *[When(post=p, then=Value(i)) for i, p in enumerate(CommitteeMember.Post.values)],
                default=Value(9),
            ),
            "id",
        )
    )


def hall_loan_types() -> list[dict]:
    """The service hall's loan types as a published product (name, term, rate, limits)."""
    from creditcoop.servicehall.models import LoanType

    return [
        {
            "loan_type": t.name,
            "term": f"最长 {t.max_term_months} 个月",
            "rate": f"年利率 {t.annual_rate * 100:.2f}%",
            "eligibility": t.eligibility,
            "time_limit": f"{t.answer_days} 个工作日内答复，进入审批后 {t.approval_days} "
            "个工作日内办结",
        }
        for t in LoanType.objects.filter(is_active=True)
    ]


def loan_products(cooperative: Cooperative | None) -> list:
    """The loan products a cooperative publishes — on its villages' public pages and on
    its staff's loan-type page alike: its own configuration, else the hall's loan types."""
    rows = list(ServicePromise.objects.filter(cooperative=cooperative, is_active=True))
    return rows or hall_loan_types()


def service_promises(cooperative: Cooperative) -> dict:
    """The cooperative's published loan products and promises."""
    rows = loan_products(cooperative)
    policy = policy_for(cooperative)
    lines = [line.strip() for line in policy.promise_text.splitlines() if line.strip()]
    return {"products": rows, "promises": lines, "policy": policy}


def objection_public(reference: str) -> Objection:
    try:
        return Objection.objects.select_related("batch__village", "entry").get(
            reference=(reference or "").strip().upper()
        )
    except Objection.DoesNotExist:
        raise Http404("未找到该受理编号。")


def home_section(user) -> dict:
    """The objections a person investigates, for the home page (``creditcoop.hooks``)."""
    objections = (
        Objection.objects.filter(assigned_to=user)
        .filter(status__in=Objection.OPEN)
        .select_related("batch__village")
        .order_by("filed_at")[:10]
    )
    return {"objections": objections}
