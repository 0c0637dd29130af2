"""The nightly monthly figures (``figures_take``) at county scale, against one hand-written
SQL statement computing the same figures, and a second run the same day.

Data: the loans/archives benchmark database (docs/benchmarks.md, "Archives": 1,000,000
households, contracts and loans, 1,000,000 loan files) and, for the recovery figures,
``manage.py recovery_generate --records 200000 --today <day>``; then:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench .venv/bin/python bench/figures.py

(a) ``figures_take(today=DAY)`` for the running month with no figures stored (every figure
    inserted), median of --repeat runs; before each run the month's figures are removed.
(b) One hand-written statement (``REFERENCE``, an INSERT … SELECT into a scratch table, so
    like the job's statement it runs without parallel workers), median of --repeat runs; its
    rows are compared with what the job stored (must be equal).
(c) A second run the same day: must write nothing (0 inserted, updated, deleted).

The month's figures are removed at the end (the benchmark day is not a real month of the
data's owners). Options: --today (default 2028-01-20: the loans' classification moved
classes on 2028-01-15, so the month has class migration), --repeat, --keep.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcoop.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cc_bench")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from creditcoop.models import FigureMonth, MonthlyFigure  # noqa: E402
from creditcoop.reporting.snapshot import figures_take, month_end_of  # noqa: E402

# Every figure of docs/rules.md §8 in one statement, written by hand: one scan per table, the
# aggregates unpivoted with unnest, the loans grouped once by (village, class) and by village.
REFERENCE = """
INSERT INTO figures_reference (month, coop, vil, metric, key, value)
WITH loans AS (
    SELECT c.cooperative_id AS coop, c.village_id AS vil, l.risk_class AS cls,
           GROUPING(l.risk_class) AS whole,
           count(*) FILTER (WHERE l.status = 'open') AS n,
           sum(l.principal) FILTER (WHERE l.status = 'open') AS bal,
           count(*) FILTER (WHERE l.drawn_on BETWEEN %(ms)s AND %(me)s) AS dn,
           sum(l.amount) FILTER (WHERE l.drawn_on BETWEEN %(ms)s AND %(me)s) AS da
    FROM loans_loan l JOIN loans_creditcontract c ON c.id = l.contract_id
    WHERE l.status = 'open' OR l.drawn_on BETWEEN %(ms)s AND %(me)s
    GROUP BY GROUPING SETS ((c.cooperative_id, c.village_id, l.risk_class),
                            (c.cooperative_id, c.village_id))
),
npl AS (
    SELECT cooperative_id AS coop, drawn_on, count(*) AS n, sum(principal_owed) AS bal,
           count(*) FILTER (WHERE limitation_expires_on BETWEEN %(sd)s AND %(sd30)s) AS e30,
           count(*) FILTER (WHERE limitation_expires_on BETWEEN %(sd)s AND %(sd60)s) AS e60,
           count(*) FILTER (WHERE limitation_expires_on BETWEEN %(sd)s AND %(sd90)s) AS e90
    FROM recovery_nplrecord WHERE status = 'pursuing' GROUP BY cooperative_id, drawn_on
),
rec AS (
    SELECT cooperative_id AS coop, kind, sum(principal) FILTER (WHERE "on" >= %(ms)s) AS m,
           sum(principal) AS y
    FROM recovery_recoveryentry WHERE "on" BETWEEN %(ys)s AND %(me)s
    GROUP BY GROUPING SETS ((cooperative_id, kind), (cooperative_id))
),
moves AS (
    SELECT loan_id, (array_agg(from_class ORDER BY changed_on, id))[1] AS f,
           (array_agg(to_class ORDER BY changed_on DESC, id DESC))[1] AS t
    FROM loans_classchange WHERE changed_on BETWEEN %(ms)s AND %(me)s GROUP BY loan_id
),
dl AS (
    SELECT cooperative_id AS coop, kind, count(*) AS n,
           count(*) FILTER (WHERE stopped_on <= due_on) AS ok
    FROM servicehall_deadline WHERE stopped_on BETWEEN %(ms)s AND %(me)s
    GROUP BY cooperative_id, kind
),
notices AS (
    SELECT b.village_id AS vil, count(*) FILTER (WHERE b.status = 'published') AS running,
           0::bigint AS open, 0::bigint AS month
    FROM notices_noticebatch b WHERE b.status = 'published' GROUP BY b.village_id
    UNION ALL
    SELECT b.village_id, 0, count(*) FILTER (WHERE o.status <> 'closed'),
           count(*) FILTER (WHERE o.filed_on BETWEEN %(ms)s AND %(me)s)
    FROM notices_objection o JOIN notices_noticebatch b ON b.id = o.batch_id
    WHERE o.status <> 'closed' OR o.filed_on BETWEEN %(ms)s AND %(me)s
    GROUP BY b.village_id
),
allrows (coop, vil, metric, key, value) AS (
    SELECT v.cooperative_id, v.id, 'households', '', h.n::numeric
    FROM (SELECT village_id, count(*) AS n FROM villages_household GROUP BY village_id) h
    JOIN villages_village v ON v.id = h.village_id
    UNION ALL
    SELECT v.cooperative_id, v.id, 'households_rated', '', r.n
    FROM (SELECT village_id, count(DISTINCT household_id) AS n FROM ratings_creditapplication
          WHERE status = 'line_set' AND grade <> ''
            AND (COALESCE(line_set_at, created_at) AT TIME ZONE %(tz)s)::date
                + make_interval(months => term_months) > %(sd)s
          GROUP BY village_id) r
    JOIN villages_village v ON v.id = r.village_id
    UNION ALL
    SELECT cooperative_id, village_id,
           unnest(ARRAY['households_credit', 'line_total', 'line_used']), '',
           unnest(ARRAY[count(*)::numeric, sum(line), sum(outstanding)])
    FROM loans_creditcontract WHERE status = 'active' AND end_date >= %(sd)s
    GROUP BY cooperative_id, village_id
    UNION ALL
    SELECT coop, vil, unnest(ARRAY['class_count', 'class_balance']), cls::text,
           unnest(ARRAY[n::numeric, bal])
    FROM loans WHERE whole = 0
    UNION ALL
    SELECT coop, vil, unnest(ARRAY['drawdowns_count', 'drawdowns_amount']), '',
           unnest(ARRAY[dn::numeric, da])
    FROM loans WHERE whole = 1
    UNION ALL
    SELECT c.cooperative_id, c.village_id,
           unnest(ARRAY['repayments_count', 'repayments_amount', 'repayments_principal']), '',
           unnest(ARRAY[count(*)::numeric, sum(r.amount), sum(r.to_principal)])
    FROM loans_repayment r JOIN loans_loan l ON l.id = r.loan_id
    JOIN loans_creditcontract c ON c.id = l.contract_id
    WHERE r.paid_on BETWEEN %(ms)s AND %(me)s AND r.reversed_at IS NULL
    GROUP BY c.cooperative_id, c.village_id
    UNION ALL
    SELECT c.cooperative_id, c.village_id,
           unnest(ARRAY['migration_count', 'migration_balance']), m.f || '-' || m.t,
           unnest(ARRAY[count(*)::numeric, sum(l.principal)])
    FROM moves m JOIN loans_loan l ON l.id = m.loan_id
    JOIN loans_creditcontract c ON c.id = l.contract_id
    WHERE m.f <> m.t
    GROUP BY c.cooperative_id, c.village_id, m.f, m.t
    UNION ALL
    SELECT v.cooperative_id, v.id,
           unnest(ARRAY['notices_running', 'objections_open', 'objections_month']), '',
           unnest(ARRAY[sum(n.running)::numeric, sum(n.open), sum(n.month)])
    FROM notices n JOIN villages_village v ON v.id = n.vil
    GROUP BY v.cooperative_id, v.id
    UNION ALL
    SELECT coop, NULL::bigint,
           unnest(ARRAY['npl_register_count', 'npl_register_balance', 'limitation_expiring',
                        'limitation_expiring', 'limitation_expiring']),
           unnest(ARRAY['', '', '30', '60', '90']),
           unnest(ARRAY[sum(n)::numeric, sum(bal), sum(e30), sum(e60), sum(e90)])
    FROM npl GROUP BY coop
    UNION ALL
    SELECT npl.coop, NULL::bigint, unnest(ARRAY['npl_vintage_count', 'npl_vintage_balance']),
           seg.scheme_id || ':' || seg.id, unnest(ARRAY[sum(npl.n)::numeric, sum(npl.bal)])
    FROM npl JOIN recovery_vintagesegment seg
      ON (seg.starts_on IS NULL OR npl.drawn_on >= seg.starts_on)
     AND (seg.ends_before IS NULL OR npl.drawn_on < seg.ends_before)
    JOIN recovery_vintagescheme sc ON sc.id = seg.scheme_id AND sc.active
    GROUP BY npl.coop, seg.scheme_id, seg.id
    UNION ALL
    SELECT coop, NULL::bigint, 'recovered_amount', COALESCE(kind, ''), m FROM rec
    UNION ALL
    SELECT coop, NULL::bigint, 'recovered_year', '', y FROM rec WHERE kind IS NULL
    UNION ALL
    SELECT cooperative_id, NULL::bigint, 'recovery_baseline', '',
           balance_2 + balance_3 + balance_4
    FROM recovery_yearbaseline WHERE year = %(year)s
    UNION ALL
    SELECT a.cooperative_id, NULL::bigint,
           'archive_incomplete', '', count(*)
    FROM archives_archivefile a
    WHERE a.status = 'preparing' AND a.section IN ('a', 'b', 'c', 'd') AND EXISTS (
        SELECT 1 FROM archives_fileitem i WHERE i.file_id = a.id AND i.required
           AND i.status IN ('missing', 'rejected'))
    GROUP BY a.cooperative_id
    UNION ALL
    SELECT cooperative_id, NULL::bigint, 'archive_lent', '', count(*)
    FROM archives_archivefile WHERE status = 'lent' GROUP BY cooperative_id
    UNION ALL
    SELECT cooperative_id, NULL::bigint, 'archive_overdue', '', count(*)
    FROM archives_borrowing WHERE status = 'issued' AND due_date < %(sd)s
    GROUP BY cooperative_id
    UNION ALL
    SELECT coop, NULL::bigint, unnest(ARRAY['deadlines_closed', 'deadlines_on_time']), kind,
           unnest(ARRAY[n::numeric, ok])
    FROM dl
    UNION ALL
    SELECT cooperative_id, NULL::bigint, 'deadlines_open_overdue', '', count(*)
    FROM servicehall_deadline WHERE stopped_at IS NULL AND late_on <= %(sd)s
    GROUP BY cooperative_id
)
SELECT %(me)s::date, coop, vil, metric, key, value
FROM allrows WHERE value IS NOT NULL AND value <> 0
"""
SCRATCH = """
CREATE TEMPORARY TABLE figures_reference (
    month date, coop bigint, vil bigint, metric varchar(40), key varchar(40),
    value numeric(20, 2))
"""


def reference_params(day: date) -> dict:
    me = month_end_of(day)
    sd = min(me, day)
    return {
        "ms": me.replace(day=1),
        "me": me,
        "sd": sd,
        "sd30": sd + timedelta(days=30),
        "sd60": sd + timedelta(days=60),
        "sd90": sd + timedelta(days=90),
        "ys": date(me.year, 1, 1),
        "year": me.year,
        "tz": settings.TIME_ZONE,
    }


def clear(month: date) -> None:
    with transaction.atomic():
        MonthlyFigure.objects.filter(month=month).delete()
        FigureMonth.objects.filter(month=month).delete()
    with connection.cursor() as cur:
        cur.execute(f"VACUUM ANALYZE {MonthlyFigure._meta.db_table}")


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def run_reference(day: date) -> tuple[float, int]:
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS figures_reference")
        cur.execute(SCRATCH)
        t = time.perf_counter()
        cur.execute(REFERENCE, reference_params(day))
        elapsed = time.perf_counter() - t
        cur.execute("SELECT count(*) FROM figures_reference")
        return elapsed, cur.fetchone()[0]


def compare(day: date) -> list:
    """Rows in one and not the other (the job's stored month against the reference)."""
    month = month_end_of(day)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS figures_reference")
        cur.execute(SCRATCH)
        cur.execute(REFERENCE, reference_params(day))
        cur.execute(
            f"""
            (SELECT coop, vil, metric, key, value FROM figures_reference
             EXCEPT SELECT cooperative_id, village_id, metric, key, value
                    FROM {MonthlyFigure._meta.db_table} WHERE month = %s)
            UNION ALL
            (SELECT cooperative_id, village_id, metric, key, value
                    FROM {MonthlyFigure._meta.db_table} WHERE month = %s
             EXCEPT SELECT coop, vil, metric, key, value FROM figures_reference)
            """,  # noqa: S608
            [month, month],
        )
        return cur.fetchall()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--today", type=date.fromisoformat, default=date(2028, 1, 20))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="leave the month's figures stored")
    args = parser.parse_args()
    day, month = args.today, month_end_of(args.today)
    if FigureMonth.objects.filter(month=month, final=True).exists():
        sys.exit(f"{month} is final in this database; choose another --today")
    with connection.cursor() as cur:
        for table in (
            "villages_household",
            "loans_loan",
            "loans_classchange",
            "recovery_nplrecord",
            "archives_archivefile",
            "servicehall_deadline",
        ):
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            print(f"{table}: {cur.fetchone()[0]:,}")
    print(f"day {day}, month {month}; load at start {load()}", flush=True)

    ours, refs = [], []
    for i in range(args.repeat):
        clear(month)
        elapsed, taken = timed(lambda: figures_take(today=day))
        ours.append(elapsed)
        print(
            f"figures_take run {i + 1}: {elapsed:.2f} s — months {taken.months}, "
            f"inserted {taken.inserted}, updated {taken.updated}, deleted {taken.deleted}",
            flush=True,
        )
        elapsed, rows = run_reference(day)
        refs.append(elapsed)
        print(f"reference run {i + 1}: {elapsed:.2f} s — {rows} rows", flush=True)

    differences = compare(day)
    print(f"rows differing between the job and the reference: {len(differences)}")
    for row in differences[:20]:
        print("  ", row)

    seconds = []
    for i in range(args.repeat):
        elapsed, again = timed(lambda: figures_take(today=day))
        seconds.append(elapsed)
        print(
            f"second run {i + 1}: {elapsed:.2f} s — inserted {again.inserted}, "
            f"updated {again.updated}, deleted {again.deleted}",
            flush=True,
        )
        assert again.written == 0, "a second run the same day wrote rows"

    ours_m, refs_m = statistics.median(ours), statistics.median(refs)
    print(
        f"\nmedian: figures_take {ours_m:.2f} s, reference {refs_m:.2f} s, "
        f"ratio {ours_m / refs_m:.2f}; second run {statistics.median(seconds):.2f} s "
        f"(0 rows written); load at end {load()}"
    )
    if not args.keep:
        clear(month)


if __name__ == "__main__":
    main()
