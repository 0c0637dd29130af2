"""The nightly monthly figures (docs/rules.md §8): every registered source's rows for the
running month, and for each month that ended since the last final one, put into
``MonthlyFigure`` with one set-based statement per month.

A month is taken every night while it runs; the first run after its end takes it once more
and marks it final, and a final month is never taken again, so history is not recomputed.
The statement writes only what changed (an upsert that skips equal values and a delete of
figures no longer produced), so a second run the same day writes nothing.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from creditcoop.jobs import job_lock
from creditcoop.models import FigureMonth, MonthlyFigure

from .figures import figure_sources


def month_end_of(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_start_of(day: date) -> date:
    return day.replace(day=1)


def next_month_end(month_end: date) -> date:
    return month_end_of(date(month_end.year + month_end.month // 12, month_end.month % 12 + 1, 1))


def previous_month_end(month_end: date) -> date:
    return month_start_of(month_end) - timedelta(days=1)


@dataclass
class FiguresTaken:
    months: list[date] = field(default_factory=list)
    finalised: list[date] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def written(self) -> int:
        return self.inserted + self.updated + self.deleted


def months_to_take(*, today: date, months_back: int = 0) -> list[date]:
    """The running month, every month since the last final one (a month that ended while
    the job was down included), and with ``months_back`` that many month ends before the
    earliest of those (the demo's year of history); never a final month."""
    running = month_end_of(today)
    final = set(FigureMonth.objects.filter(final=True).values_list("month", flat=True))
    last_final = max((m for m in final if m < running), default=None)
    if last_final is not None:
        first = next_month_end(last_final)
    else:
        # Never finalised: from the earliest month ever taken (a month left open by days down).
        earliest = FigureMonth.objects.filter(month__lt=running).aggregate(m=Min("month"))["m"]
        first = earliest or running
    for _ in range(months_back):
        first = previous_month_end(first)
    months, m = [], first
    while m <= running:
        if m not in final:
            months.append(m)
        m = next_month_end(m)
    return months


# Each source's rows with the figure table's types, whatever its own columns are named.
SOURCE_SQL = """SELECT s.cooperative_id::bigint, s.village_id::bigint, s.metric::varchar,
    s.key::varchar, s.value::numeric(20, 2)
    FROM ({sql}) s (cooperative_id, village_id, metric, key, value)"""


def _month_statement(*, month_end: date, today: date) -> tuple[str, list]:
    """One statement for one month: the sources' rows (zero values dropped) upserted where
    the value differs, and the month's rows no source produces any more deleted."""
    parts, params = [], []
    month_start = month_start_of(month_end)
    for source in figure_sources().values():
        sql, p = source(month_start=month_start, month_end=month_end, today=today)
        parts.append(SOURCE_SQL.format(sql=sql))
        params.extend(p)
    if not parts:
        parts = ["SELECT NULL::bigint, NULL::bigint, NULL::varchar, NULL::varchar, 0 WHERE false"]
    table = MonthlyFigure._meta.db_table
    sql = f"""
WITH src (cooperative_id, village_id, metric, key, value) AS MATERIALIZED (
    SELECT * FROM ({" UNION ALL ".join(parts)}) u
    WHERE u.value IS NOT NULL AND u.value <> 0
),
upserted AS (
    INSERT INTO {table} AS f (month, cooperative_id, village_id, metric, key, value)
    SELECT %s, cooperative_id, village_id, metric, key, value FROM src
    ON CONFLICT ON CONSTRAINT monthly_figure_one_per_key
    DO UPDATE SET value = EXCLUDED.value WHERE f.value IS DISTINCT FROM EXCLUDED.value
    RETURNING (xmax = 0) AS inserted
),
deleted AS (
    DELETE FROM {table} f WHERE f.month = %s AND NOT EXISTS (
        SELECT 1 FROM src
        WHERE src.cooperative_id = f.cooperative_id
          AND src.village_id IS NOT DISTINCT FROM f.village_id
          AND src.metric = f.metric AND src.key = f.key)
    RETURNING 1
)
SELECT (SELECT count(*) FILTER (WHERE inserted) FROM upserted),
       (SELECT count(*) FILTER (WHERE NOT inserted) FROM upserted),
       (SELECT count(*) FROM deleted)
"""  # noqa: S608
    return sql, [*params, month_end, month_end]


def _mark(*, month_end: date, today: date, final: bool) -> None:
    """The month's ``FigureMonth`` row, written only when it changes."""
    table = FigureMonth._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO {table} AS m (month, taken_on, final) VALUES (%s, %s, %s)
                ON CONFLICT (month) DO UPDATE SET taken_on = EXCLUDED.taken_on,
                                                  final = EXCLUDED.final
                WHERE (m.taken_on, m.final) IS DISTINCT FROM (EXCLUDED.taken_on, EXCLUDED.final)
            """,  # noqa: S608
            [month_end, today, final],
        )


@transaction.atomic
def figures_take(*, today: date | None = None, months_back: int = 0) -> FiguresTaken:
    """Take the monthly figures (nightly, after the classification and the registers'
    jobs). ``months_back`` also takes that many earlier, never taken month ends: their
    flows are exact by date, their stock figures are today's state."""
    job_lock("figures_take")
    today = today or timezone.localdate()
    running = month_end_of(today)
    result = FiguresTaken()
    for month_end in months_to_take(today=today, months_back=months_back):
        sql, params = _month_statement(month_end=month_end, today=today)
        with connection.cursor() as cur:
            cur.execute(sql, params)
            inserted, updated, deleted = cur.fetchone()
        final = month_end < running
        _mark(month_end=month_end, today=today, final=final)
        result.months.append(month_end)
        if final:
            result.finalised.append(month_end)
        result.inserted += inserted
        result.updated += updated
        result.deleted += deleted
    return result
