"""The deadline monthly figures against deadlines built here (per cooperative and kind)."""

from datetime import date, datetime, time
from itertools import count

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from creditcoop.deadlines.models import Deadline
from creditcoop.reporting.tests.helpers import D, take
from creditcoop.servicehall.deadline_kinds import WALKIN_ANSWER, WALKIN_APPROVAL

pytestmark = pytest.mark.django_db
DAY = date(2026, 5, 20)  # a Wednesday
objects = count(1)


def deadline(coop, staff, kind, *, due, late, stopped=None):
    at = timezone.make_aware(datetime.combine(stopped, time(10))) if stopped else None
    return Deadline.objects.create(
        content_type=ContentType.objects.get_for_model(Deadline),
        object_id=next(objects),
        kind=kind,
        cooperative=coop,
        responsible=staff,
        started_on=date(2026, 4, 1),
        working_days=5,
        due_on=due,
        remind_on=due,
        late_on=late,
        late_from=due,
        stopped_at=at,
        stopped_on=stopped,
    )


def test_closed_on_time_and_open_overdue(org):
    A, B = org.coop_a, org.coop_b
    d = date
    deadline(
        A,
        org.officer1,
        WALKIN_ANSWER,
        due=d(2026, 5, 12),
        late=d(2026, 5, 13),
        stopped=d(2026, 5, 10),
    )
    deadline(
        A,
        org.officer1,
        WALKIN_ANSWER,
        due=d(2026, 5, 12),
        late=d(2026, 5, 13),
        stopped=d(2026, 5, 15),
    )
    deadline(
        A,
        org.officer1,
        WALKIN_APPROVAL,
        due=d(2026, 5, 5),
        late=d(2026, 5, 6),
        stopped=d(2026, 5, 5),
    )
    # Stopped last month: not this month's.
    deadline(
        A,
        org.officer1,
        WALKIN_ANSWER,
        due=d(2026, 5, 1),
        late=d(2026, 5, 4),
        stopped=d(2026, 4, 30),
    )
    # Running: late since the 19th; due today, not late yet.
    deadline(A, org.officer2, WALKIN_ANSWER, due=d(2026, 5, 18), late=d(2026, 5, 19))
    deadline(A, org.officer2, WALKIN_ANSWER, due=d(2026, 5, 20), late=d(2026, 5, 21))
    deadline(B, org.officer_b, WALKIN_ANSWER, due=d(2026, 5, 25), late=d(2026, 5, 26), stopped=DAY)
    deadline(B, org.officer_b, WALKIN_APPROVAL, due=d(2026, 5, 1), late=d(2026, 5, 4))

    got = take(DAY, "deadlines_closed", "deadlines_on_time", "deadlines_open_overdue")
    assert got == {
        (A.pk, None, "deadlines_closed", WALKIN_ANSWER): D(2),
        (A.pk, None, "deadlines_closed", WALKIN_APPROVAL): D(1),
        (A.pk, None, "deadlines_on_time", WALKIN_ANSWER): D(1),
        (A.pk, None, "deadlines_on_time", WALKIN_APPROVAL): D(1),
        (A.pk, None, "deadlines_open_overdue", ""): D(1),
        (B.pk, None, "deadlines_closed", WALKIN_ANSWER): D(1),
        (B.pk, None, "deadlines_on_time", WALKIN_ANSWER): D(1),
        (B.pk, None, "deadlines_open_overdue", ""): D(1),
    }
