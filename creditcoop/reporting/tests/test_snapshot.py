"""The nightly monthly figures job: what it takes, when a month becomes final, and that a
second run (or a run at the same moment) writes nothing."""

import threading
from datetime import date
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from creditcoop.models import FigureMonth, MonthlyFigure
from creditcoop.reporting.snapshot import figures_take
from tests.factories import HouseholdFactory
from villages.models import Household, Member

from .helpers import D, taken

pytestmark = pytest.mark.django_db

MARCH, APRIL, MAY = date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31)


def row_versions() -> dict:
    """Every stored figure's and month's row version (xmin): a write changes it."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT 'f' || id, xmin::text FROM {MonthlyFigure._meta.db_table} "  # noqa: S608
            f"UNION ALL SELECT 'm' || id, xmin::text FROM {FigureMonth._meta.db_table}"
        )
        return dict(cur.fetchall())


def months() -> list:
    return list(FigureMonth.objects.order_by("month").values_list("month", "taken_on", "final"))


def households(org, n, group=None):
    HouseholdFactory.create_batch(n, group=group or org.group_a1)


def test_a_second_run_the_same_day_writes_nothing(org):
    households(org, 3)
    households(org, 1, org.group_b1)
    first = figures_take(today=date(2026, 5, 20))
    assert (first.months, first.inserted, first.updated, first.deleted) == ([MAY], 2, 0, 0)
    before = row_versions()

    again = figures_take(today=date(2026, 5, 20))
    assert (again.months, again.inserted, again.updated, again.deleted) == ([MAY], 0, 0, 0)
    assert row_versions() == before


def test_the_next_night_writes_only_what_changed(org):
    households(org, 3)
    households(org, 1, org.group_a2)
    figures_take(today=date(2026, 5, 20))
    households(org, 2)  # A1 grows
    Member.objects.filter(household__village=org.village_a2).delete()
    Household.objects.filter(village=org.village_a2).delete()  # A2 has none left
    households(org, 1, org.group_b1)  # B1 appears

    night = figures_take(today=date(2026, 5, 21))
    assert (night.inserted, night.updated, night.deleted) == (1, 1, 1)
    assert taken(MAY, "households") == {
        (org.coop_a.pk, org.village_a1.pk, "households", ""): D(5),
        (org.coop_b.pk, org.village_b1.pk, "households", ""): D(1),
    }
    assert months() == [(MAY, date(2026, 5, 21), False)]


def test_after_days_down_the_missed_months_are_finalised_once(org):
    households(org, 2)
    figures_take(today=date(2026, 3, 10))
    assert months() == [(MARCH, date(2026, 3, 10), False)]

    # Down from 11 March to 2 May: March (taken while it ran) and April (never taken) are
    # taken now and final; May runs.
    households(org, 1)
    caught_up = figures_take(today=date(2026, 5, 3))
    assert caught_up.months == [MARCH, APRIL, MAY]
    assert caught_up.finalised == [MARCH, APRIL]
    assert months() == [
        (MARCH, date(2026, 5, 3), True),
        (APRIL, date(2026, 5, 3), True),
        (MAY, date(2026, 5, 3), False),
    ]
    a1 = (org.coop_a.pk, org.village_a1.pk, "households", "")
    assert taken(MARCH, "households") == {a1: D(3)}
    final_rows = row_versions()

    # A final month is never taken again, whatever changes.
    households(org, 4)
    later = figures_take(today=date(2026, 5, 4))
    assert later.months == [MAY]
    assert taken(MARCH, "households") == {a1: D(3)}
    assert taken(APRIL, "households") == {a1: D(3)}
    assert taken(MAY, "households") == {a1: D(7)}
    versions = row_versions()
    march_april = FigureMonth.objects.filter(month__in=[MARCH, APRIL])
    for m in march_april:
        assert versions[f"m{m.pk}"] == final_rows[f"m{m.pk}"]
    for f in MonthlyFigure.objects.filter(month__in=[MARCH, APRIL]):
        assert versions[f"f{f.pk}"] == final_rows[f"f{f.pk}"]

    # The first run in June finalises May.
    june = figures_take(today=date(2026, 6, 1))
    assert june.months == [MAY, date(2026, 6, 30)] and june.finalised == [MAY]


def test_months_back_takes_earlier_month_ends_once(org):
    households(org, 2)
    out = StringIO()
    call_command("figures_take", today="2026-05-20", months_back=2, stdout=out)
    assert months() == [
        (MARCH, date(2026, 5, 20), True),
        (APRIL, date(2026, 5, 20), True),
        (MAY, date(2026, 5, 20), False),
    ]
    assert "2026-03、2026-04、2026-05" in out.getvalue()
    again = figures_take(today=date(2026, 5, 20), months_back=2)
    assert again.months == [MAY] and again.written == 0


def test_the_nightly_task_is_scheduled_after_the_night_jobs():
    from creditcoop.celery import app

    app.loader.import_default_modules()
    name = "creditcoop.reporting.tasks.figures_take_nightly"
    assert name in app.tasks
    beat = settings.CELERY_BEAT_SCHEDULE
    (entry,) = [e for e in beat.values() if e["task"] == name]

    def at(e):
        return (min(e["schedule"].hour), min(e["schedule"].minute))

    assert at(entry) == (3, 0)
    # The figures read what the night's jobs wrote.
    for job in (
        "loan-classify-nightly",
        "npl-register-sync-nightly",
        "recovery-entries-nightly",
        "archive-classify-nightly",
    ):
        assert at(beat[job]) < at(entry), job


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_take_the_figures_once(org):
    from creditcoop.celery import app

    households(org, 3)
    households(org, 2, org.group_b1)
    app.loader.import_default_modules()
    task = app.tasks["creditcoop.reporting.tasks.figures_take_nightly"]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(task(today="2026-05-20"))
        except Exception as e:  # anything is a failure of the test
            errors.append(repr(e))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r["inserted"] for r in results) == [0, 2]
    assert all(r["updated"] == 0 and r["deleted"] == 0 for r in results)
    assert taken(MAY, "households") == {
        (org.coop_a.pk, org.village_a1.pk, "households", ""): D(3),
        (org.coop_b.pk, org.village_b1.pk, "households", ""): D(2),
    }
    assert FigureMonth.objects.count() == 1
