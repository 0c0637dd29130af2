"""The rating and public-notice monthly figures against rows built here."""

from datetime import timedelta
from itertools import count

import pytest
from django.utils import timezone

from creditcoop.reporting.tests.helpers import D, before_month, take, today
from ratings.models import CreditApplication
from ratings.notices.models import NoticeBatch, Objection
from ratings.tests.factories import application

pytestmark = pytest.mark.django_db
S = CreditApplication.Status


def test_households_with_a_rating_in_force(org):
    for group in (org.group_a1, org.group_a1, org.group_a2, org.group_a1):
        application(org, group=group, status=S.LINE_SET)
    expired = CreditApplication.objects.order_by("-pk").first()
    # Line set three years ago for 24 months: no longer in force.
    CreditApplication.objects.filter(pk=expired.pk).update(
        line_set_at=timezone.now() - timedelta(days=3 * 365)
    )
    application(org, status=S.REVIEW)  # being rated: not counted
    moved = CreditApplication.objects.filter(village=org.village_a2).get()
    application(org, group=org.group_a2, status=S.LINE_SET)
    CreditApplication.objects.filter(pk=moved.pk).update(village=org.village_b1)

    got = take(None, "households_rated")
    A, B = org.coop_a.pk, org.coop_b.pk
    assert got == {
        (A, org.village_a1.pk, "households_rated", ""): D(2),
        (A, org.village_a2.pk, "households_rated", ""): D(1),
        (B, org.village_b1.pk, "households_rated", ""): D(1),
    }


numbers = count(1)


def batch(org, village, status):
    day = today()
    dated = status != NoticeBatch.Status.DRAFT
    return NoticeBatch.objects.create(
        village=village,
        number=next(numbers),
        status=status,
        period_days=7,
        start_date=day - timedelta(days=3) if dated else None,
        end_date=day + timedelta(days=4) if dated else None,
        published_at=timezone.now() if dated else None,
        supervision_phone="12345",
        created_by=org.officer1,
    )


def objection(b, status, filed_on):
    closed = status == Objection.Status.CLOSED
    return Objection.objects.create(
        reference=f"YY{next(numbers):06d}",
        batch=b,
        text="额度过高",
        status=status,
        filed_at=timezone.now(),
        filed_on=filed_on,
        outcome=Objection.Outcome.REJECTED if closed else "",
        closed_at=timezone.now() if closed else None,
    )


def test_notices_running_and_objections(org):
    S_ = NoticeBatch.Status
    O_ = Objection.Status
    day, prev = today(), before_month(today())
    a1_running = batch(org, org.village_a1, S_.PUBLISHED)
    batch(org, org.village_a1, S_.PUBLISHED)
    a1_ended = batch(org, org.village_a1, S_.ENDED)
    batch(org, org.village_a1, S_.DRAFT)
    a2_running = batch(org, org.village_a2, S_.PUBLISHED)
    b1_running = batch(org, org.village_b1, S_.PUBLISHED)

    objection(a1_running, O_.RECEIVED, day)  # open, this month
    objection(a1_running, O_.INVESTIGATING, prev)  # open, last month
    objection(a1_ended, O_.CLOSED, day)  # closed, this month
    objection(a1_ended, O_.CLOSED, prev)  # closed last month: in neither figure
    objection(a2_running, O_.CLOSED, day)
    objection(b1_running, O_.RECEIVED, day)

    got = take(None, "notices_running", "objections_open", "objections_month")
    A, B = org.coop_a.pk, org.coop_b.pk
    a1, a2, b1 = org.village_a1.pk, org.village_a2.pk, org.village_b1.pk
    assert got == {
        (A, a1, "notices_running", ""): D(2),
        (A, a1, "objections_month", ""): D(2),
        (A, a1, "objections_open", ""): D(2),
        (A, a2, "notices_running", ""): D(1),
        (A, a2, "objections_month", ""): D(1),
        (B, b1, "notices_running", ""): D(1),
        (B, b1, "objections_month", ""): D(1),
        (B, b1, "objections_open", ""): D(1),
    }
