"""Reads for credit rating, always scoped to the acting user."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from creditcoop.deadlines.models import Deadline
from creditcoop.models import Role
from creditcoop.scoping import get_in_scope
from villages.models import Member
from villages.selectors import village_scope

from .models import ApplicationEvent, CreditApplication, MemberConsent, RatingCampaign

S = CreditApplication.Status


def application_scope(user) -> QuerySet[CreditApplication]:
    return CreditApplication.objects.filter(village__in=village_scope(user))


def application_get(user, pk) -> CreditApplication:
    # Few joins on purpose: Postgres plans a 15-way join slowly; staff names load lazily.
    return get_in_scope(
        application_scope(user).select_related(
            "village__cooperative", "household__group", "applicant", "campaign", "scorecard"
        ),
        pk,
        "未找到该申请。",
    )


def applications_line_set(*, village) -> QuerySet[CreditApplication]:
    """Applications of the village whose final line the director has set (for the notice)."""
    return (
        CreditApplication.objects.filter(village=village, status=S.LINE_SET)
        .select_related("household__group", "applicant")
        .order_by("household__group__number", "household_id", "id")
    )


def campaign_scope(user) -> QuerySet[RatingCampaign]:
    return RatingCampaign.objects.filter(village__in=village_scope(user))


def campaign_get(user, pk) -> RatingCampaign:
    return get_in_scope(
        campaign_scope(user).select_related("village__cooperative", "officer"),
        pk,
        "未找到该评级批次。",
    )


def with_counts(qs: QuerySet[CreditApplication]) -> QuerySet[CreditApplication]:
    """Annotate family size and signed consents, so a list needs no query per row."""
    members = (
        Member.objects.filter(household=OuterRef("household_id"))
        .order_by()
        .values("household")
        .annotate(n=Count("id"))
        .values("n")
    )
    consents = (
        MemberConsent.objects.filter(application=OuterRef("pk"), consented=True)
        .order_by()
        .values("application")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(
        member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0),
        consent_count=Coalesce(Subquery(consents, output_field=IntegerField()), 0),
    )


def _deadlines_of(application_ids=None) -> QuerySet[Deadline]:
    ct = ContentType.objects.get_for_model(CreditApplication)
    qs = Deadline.objects.filter(content_type=ct, kind__startswith="rating_")
    return qs if application_ids is None else qs.filter(object_id__in=application_ids)


def with_step_deadline(qs: QuerySet[CreditApplication]) -> QuerySet[CreditApplication]:
    """Annotate the due working day and first late day of the current step's clock."""
    running = (
        _deadlines_of()
        .filter(
            object_id=OuterRef("pk"),
            kind=Concat(Value("rating_"), OuterRef("status"), output_field=CharField()),
            stopped_at__isnull=True,
        )
        .order_by()
    )
    return qs.annotate(
        step_due_on=Subquery(running.values("due_on")[:1]),
        step_late_on=Subquery(running.values("late_on")[:1]),
    )


def application_step_deadlines(application) -> list[Deadline]:
    """Every step clock of one application, oldest first (shown on its page)."""
    return list(
        _deadlines_of([application.pk])
        .select_related("responsible")
        .prefetch_related("accountabilities__person")
        .order_by("started_on", "id")
    )


def rating_day_rows(*, campaign, status=None) -> QuerySet[CreditApplication]:
    qs = CreditApplication.objects.filter(campaign=campaign)
    if status:
        qs = qs.filter(status=status)
    return with_step_deadline(
        with_counts(
            qs.select_related("household__group", "applicant").order_by(
                "household__group__number", "household_id", "id"
            )
        )
    )


def campaign_progress(*, campaign) -> dict:
    """Counts per step and what is missing, in one aggregate query."""
    draft = Q(status=S.DRAFT)
    aggregates = {s: Count("id", filter=Q(status=s)) for s in S.values}
    aggregates.update(
        {
            f"missing_{f}": Count("id", filter=draft & Q(**{f: False}))
            for f in CreditApplication.REQUIRED_DOCUMENTS
        }
    )
    aggregates["missing_investigation"] = Count(
        "id", filter=draft & Q(investigated_at__isnull=True)
    )
    aggregates["missing_initial"] = Count(
        "id", filter=Q(status=S.INITIAL, initial_total__isnull=True)
    )
    aggregates["missing_proposal"] = Count(
        "id", filter=Q(status=S.LINE_PROPOSAL, proposed_line__isnull=True)
    )
    aggregates["missing_officer_line"] = Count(
        "id", filter=Q(status=S.LINE_OFFICER, officer_line__isnull=True)
    )
    aggregates["missing_review_line"] = Count(
        "id", filter=Q(status=S.LINE_REVIEW, review_line__isnull=True)
    )
    aggregates["total"] = Count("id")
    row = CreditApplication.objects.filter(campaign=campaign).aggregate(**aggregates)
    steps = [(s, S(s).label, row[s]) for s in S.values]
    missing = []
    for f in CreditApplication.REQUIRED_DOCUMENTS:
        if row[f"missing_{f}"]:
            label = CreditApplication._meta.get_field(f).verbose_name
            missing.append((f"缺{label}", row[f"missing_{f}"]))
    labels = {
        "missing_investigation": "未入户调查",
        "missing_initial": "初评未录完",
        "missing_proposal": "未填建议额度",
        "missing_officer_line": "未填信贷员意见",
        "missing_review_line": "未填审贷小组意见",
    }
    for key, label in labels.items():
        if row[key]:
            missing.append((label, row[key]))
    return {"steps": steps, "missing": missing, "total": row["total"]}


def application_events(application) -> QuerySet[ApplicationEvent]:
    return application.events.select_related("actor").order_by("at", "id")


# The household page shows the latest events; the rest are a link away (household_events).
HOUSEHOLD_EVENTS_SHOWN = 50


def household_events(*, household) -> QuerySet[ApplicationEvent]:
    """Every rating event of the household, newest first."""
    return (
        ApplicationEvent.objects.filter(application__household=household)
        .select_related("actor")
        .order_by("-at", "-id")
    )


def household_credit_summary(*, household) -> dict:
    """Current grade, line and term of a household and its latest rating history."""
    apps = list(
        CreditApplication.objects.filter(household=household)
        .select_related("applicant", "campaign", "line_set_by")
        .order_by("-created_at", "-id")
    )
    current = next((a for a in apps if a.status == S.LINE_SET), None)
    in_progress = next((a for a in apps if a.is_open), None)
    events = list(household_events(household=household)[: HOUSEHOLD_EVENTS_SHOWN + 1])
    events_total = len(events)
    if events_total > HOUSEHOLD_EVENTS_SHOWN:
        events = events[:HOUSEHOLD_EVENTS_SHOWN]
        events_total = household_events(household=household).count()
    valid_until = None
    if current and current.line_set_at and current.term_months:
        valid_until = add_months(timezone.localdate(current.line_set_at), current.term_months)
    return {
        "current": current,
        "in_progress": in_progress,
        "applications": apps,
        "events": events,
        "events_total": events_total,
        "events_more": events_total > len(events),
        "valid_until": valid_until,
    }


def add_months(d, months: int):
    """The same day `months` later (clamped to the month's end)."""
    import calendar

    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return d.replace(year=year, month=month, day=min(d.day, calendar.monthrange(year, month)[1]))


def home_section(user) -> dict:
    """A village committee member's work on the home page: households waiting for the
    committee's initial rating in the villages where their term runs."""
    if not user.has_role(Role.COMMITTEE):
        return {}
    today = timezone.localdate()
    waiting = (
        CreditApplication.objects.filter(
            Q(village__committee__term_end__isnull=True)
            | Q(village__committee__term_end__gte=today),
            status=CreditApplication.Status.INITIAL,
            village__committee__staff=user,
            village__committee__term_start__lte=today,
        )
        .select_related("household", "village")
        .distinct()
        .order_by("village__code", "household__head_name", "id")[:50]
    )
    return {"initial_ratings": waiting}
