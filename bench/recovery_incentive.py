"""Benchmark: the monthly recovery slips of every collector (docs/benchmarks.md, "Recovery
part 2 — incentives").

    .venv/bin/python manage.py recovery_generate --records 200000
    .venv/bin/python bench/recovery_incentive.py [--repeat 3] [--month 2026-11]

On the database of DATABASE_URL (the generator's union 清收基准联社). Times
`incentive_slips_compute` for the whole union (all collectors of the month: headers, band
lines, document lines, totals) against ONE hand-written SQL statement giving each
collector's total, each in a transaction rolled back afterwards, and checks both give the
same totals to the fen.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcoop.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from creditcoop.models import Role, Staff, Union  # noqa: E402
from recovery.models import IncentiveSlip, RecoveryEntry  # noqa: E402
from recovery.services import incentive_bands_ensure, incentive_slips_compute  # noqa: E402

UNION = "清收基准联社"

# Everything the slips hold, per collector, in one statement: band amounts rounded per
# (collector, band, book group) line as the slips are, plus the notice rewards.
ONE_STATEMENT = """
WITH lines AS (
    SELECT e.cooperative_id, e.collector_id,
           round(CASE WHEN r.book_status IN ('written_off', 'replaced')
                      THEN sum(e.principal + e.interest) * b.off_balance_pct
                      ELSE sum(e.interest) * b.interest_pct END / 100, 2) AS amount
    FROM recovery_recoveryentry e
    JOIN recovery_nplrecord r ON r.id = e.record_id
    JOIN creditcoop_cooperative c ON c.id = e.cooperative_id
    JOIN recovery_incentiveband b ON b.union_id = c.union_id
         AND (b.starts_on IS NULL OR r.drawn_on >= b.starts_on)
         AND (b.ends_on IS NULL OR r.drawn_on <= b.ends_on)
    WHERE e."on" BETWEEN %(first)s AND %(last)s AND c.union_id = %(union)s
      AND e.collector_id IS NOT NULL
    GROUP BY e.cooperative_id, e.collector_id, b.id, r.book_status IN ('written_off', 'replaced')
    UNION ALL
    SELECT n.cooperative_id, r.collector_id, count(*) * p.notice_reward
    FROM recovery_collectionnotice n
    JOIN recovery_nplrecord r ON r.id = n.record_id
    JOIN creditcoop_cooperative c ON c.id = n.cooperative_id
    JOIN recovery_recoverypolicy p ON p.union_id = c.union_id
    WHERE n.status = 'receipted' AND n.signed_on BETWEEN %(first)s AND %(last)s
      AND c.union_id = %(union)s AND r.collector_id IS NOT NULL
    GROUP BY n.cooperative_id, r.collector_id, p.notice_reward
)
SELECT cooperative_id, collector_id, sum(amount) FROM lines GROUP BY 1, 2
"""


class Rollback(Exception):
    pass


def timed(fn):
    out = {}
    start = time.perf_counter()
    try:
        with transaction.atomic():
            out["value"] = fn()
            raise Rollback
    except Rollback:
        pass
    return time.perf_counter() - start, out["value"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--month", default="")
    args = parser.parse_args()
    union = Union.objects.get(name=UNION)
    today = timezone.localdate()
    if args.month:
        y, m = (int(p) for p in args.month.split("-"))
        first = date(y, m, 1)
    else:
        # The last month that has ended (this year's, when the year has one).
        first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        first = max(first, date(today.year, 1, 1))
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    actor = Staff.objects.filter(union=union, roles__contains=[Role.UNION_RISK]).first()
    if actor is None:
        actor = Staff.objects.filter(is_superuser=True).first() or Staff.objects.create(
            username="BENCH-RISK", name="基准风险", union=union, roles=[Role.UNION_RISK]
        )
    incentive_bands_ensure(union)
    entries = RecoveryEntry.objects.filter(
        cooperative__union=union, on__range=(first, last)
    ).count()
    collectors = (
        RecoveryEntry.objects.filter(cooperative__union=union, on__range=(first, last))
        .values("cooperative_id", "collector_id")
        .distinct()
        .count()
    )
    print(f"month {first:%Y-%m}: {entries} recovery entries, {collectors} collectors")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM recovery_nplrecord")
        print(f"register rows: {cur.fetchone()[0]}")
        cur.execute("ANALYZE recovery_incentiveband; ANALYZE recovery_incentiveslip")
    print(f"load average at start: {os.getloadavg()}")

    def service():
        result = incentive_slips_compute(actor=actor, month=first, union=union, today=today)
        totals = {
            (c, p): t
            for c, p, t in IncentiveSlip.objects.filter(
                month=first, cooperative__union=union
            ).values_list("cooperative_id", "collector_id", "total")
        }
        return result["computed"], totals

    def statement():
        with connection.cursor() as cur:
            cur.execute(ONE_STATEMENT, {"first": first, "last": last, "union": union.pk})
            return {(c, p): t for c, p, t in cur.fetchall()}

    svc_times, one_times = [], []
    for _ in range(args.repeat):
        t, (n, svc_totals) = timed(service)
        svc_times.append(t)
        t, one_totals = timed(statement)
        one_times.append(t)
        svc_nonzero = {k: v for k, v in svc_totals.items() if v}
        same = svc_nonzero == {k: v for k, v in one_totals.items() if v}
        print(
            f"slips computed: {n}  service {svc_times[-1]:.3f} s  one statement "
            f"{one_times[-1]:.3f} s  same totals: {same}  "
            f"sum {sum(svc_totals.values())} / {sum(one_totals.values())}"
        )
    s, o = statistics.median(svc_times), statistics.median(one_times)
    print(f"median: service {s:.3f} s, one statement {o:.3f} s, ratio {s / o:.2f}")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
