"""Bulk steps of the rating day are set-based: the same few queries for 5 rows or 30."""

from datetime import date
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from creditcoop import workdays
from creditcoop.deadlines.models import Deadline
from creditcoop.models import AuditLog
from creditcoop.servicehall.models import LoanType
from ratings import services
from ratings.models import ApplicationEvent, CreditApplication, RatingCampaign, RatingStepLimit
from ratings.tests.factories import SCORES_55, SCORES_85, household
from tests.factories import VillageGroupFactory

S = CreditApplication.Status
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reference_data(db):
    if not RatingStepLimit.objects.exists():
        import_module("ratings.migrations.0003_default_step_limits").add_defaults(django_apps, None)
    if not LoanType.objects.exists():
        import_module("creditcoop.servicehall.migrations.0002_default_loan_types").add_defaults(
            django_apps, None
        )


def campaign_in_initial_rating(org, village, n, *, scores=SCORES_85):
    """A campaign of `n` households, every row fully scored and its initial-rating clock on."""
    group = VillageGroupFactory(village=village)
    for _i in range(n):
        household(group)
    campaign = RatingCampaign.objects.create(
        village=village, year=2025, rating_date=date(2025, 3, 10), officer=village.officer
    )
    services.campaign_add_households(
        campaign=campaign, actor=village.officer, requested_amount=20000
    )
    card = services.scorecard_current()
    total = sum(scores.values())
    campaign.applications.update(
        status=S.INITIAL,
        initial_scores=scores,
        initial_total=total,
        initial_grade=card.grade_for(total),
        annual_net_income=100000,
    )
    apps = list(campaign.applications.select_related("village", "applicant"))
    services._steps_follow([(a, S.DRAFT) for a in apps], actor=village.officer)
    return campaign


def clocks_running(campaign):
    ct = ContentType.objects.get_for_model(CreditApplication)
    ids = campaign.applications.values("pk")
    return sorted(
        Deadline.objects.filter(
            content_type=ct, object_id__in=ids, stopped_at__isnull=True
        ).values_list("kind", flat=True)
    )


def rating_day(org, campaign):
    """The bulk steps from the initial rating to the rating group's decision: query counts."""
    counts = []

    def run(fn):
        with CaptureQueriesContext(connection) as ctx:
            result = fn()
        counts.append(len(ctx))
        return result

    moved, skipped = run(
        lambda: services.applications_advance(
            actor=org.officer1, campaign=campaign, status=S.INITIAL
        )
    )
    assert skipped == []
    run(
        lambda: services.applications_advance(
            actor=org.officer1, campaign=campaign, status=S.REVIEW
        )
    )
    apps = list(campaign.applications.filter(status=S.DECISION))
    run(
        lambda: services.applications_decide(
            actor=org.reviewer, applications=apps, held_on=date(2025, 3, 10), members=[org.reviewer]
        )
    )
    return moved, counts


def test_bulk_steps_cost_the_same_queries_for_5_rows_and_30(org):
    workdays.is_workday(date(2025, 3, 10))  # the calendar cache is read once a minute
    org.village_a2.officer = org.officer1  # both villages in the hands of one grade-1 officer
    org.village_a2.save()
    small = campaign_in_initial_rating(org, org.village_a1, 5)
    big = campaign_in_initial_rating(org, org.village_a2, 30)

    moved_small, small_counts = rating_day(org, small)
    moved_big, big_counts = rating_day(org, big)

    assert (moved_small, moved_big) == (5, 30)
    assert small_counts == big_counts, (small_counts, big_counts)
    assert max(big_counts) <= 25, big_counts
    # Every row moved with its history, audit rows and clocks.
    assert clocks_running(big) == ["rating_line_proposal"] * 30
    app = big.applications.order_by("pk").first()
    assert list(app.events.order_by("id").values_list("action", flat=True)) == [
        "create",
        "advance",
        "advance",
        "decide",
    ]
    assert app.version == 4 and app.status == S.LINE_PROPOSAL and app.grade == "AAA"
    assert AuditLog.objects.filter(
        object_type="ratings.creditapplication", object_id=str(app.pk), action="ratings.decide"
    ).exists()
    stops = AuditLog.objects.filter(
        action="servicehall.deadline_stop", cooperative=org.coop_a
    ).count()
    assert stops == 35 * 4  # draft, initial, review and decision clocks of every row


def test_rejected_rows_stop_their_clock_with_their_own_reason(org):
    campaign = campaign_in_initial_rating(org, org.village_a1, 3, scores=SCORES_55)
    services.applications_advance(actor=org.officer1, campaign=campaign, status=S.INITIAL)
    services.applications_advance(actor=org.officer1, campaign=campaign, status=S.REVIEW)
    apps = list(campaign.applications.all())
    services.applications_decide(
        actor=org.reviewer, applications=apps, held_on=date(2025, 3, 10), members=[org.reviewer]
    )
    assert set(campaign.applications.values_list("status", flat=True)) == {S.REJECTED}
    assert clocks_running(campaign) == []
    reasons = set(
        Deadline.objects.filter(kind="rating_decision").values_list("stop_reason", flat=True)
    )
    assert reasons == {"未通过：信用等级评定得分 52 分，低于 A 级最低分 60 分，未评为信用户。"}


def test_a_row_saved_by_someone_else_since_it_was_read_is_not_written(org):
    campaign = campaign_in_initial_rating(org, org.village_a1, 3)
    apps = list(campaign.applications.select_related("applicant").order_by("pk"))
    # Another clerk saves the second row after this bulk step read it.
    CreditApplication.objects.filter(pk=apps[1].pk).update(version=F("version") + 1)
    for app in apps:
        app.status = S.REVIEW
    written = services._bulk_write(apps, [])
    assert written == {apps[0].pk, apps[2].pk}
    rows = dict(campaign.applications.values_list("pk", "status"))
    assert rows == {apps[0].pk: S.REVIEW, apps[1].pk: S.INITIAL, apps[2].pk: S.REVIEW}
    assert apps[0].version == 2 and apps[1].version == 1
    assert not ApplicationEvent.objects.filter(action="advance").exists()
