"""Benchmark: building a contracted-collection package from 200,000 register rows
(docs/benchmarks.md, "Recovery part 2").

    .venv/bin/python manage.py recovery_generate --records 200000
    .venv/bin/python bench/recovery_package.py [--repeat 5]

On the database of DATABASE_URL (the generator's union 清收基准联社). Times, each inside a
transaction rolled back afterwards so every run starts from the same register:

* `package_build` for the whole union (every pursued, unlitigated record not in a live
  package, priced through the pricing table): the service as a page calls it — policy
  lock, numbering, the INSERT … SELECT, totals, audit;
* the same package's hand-written INSERT … SELECT alone (the pricing join, the litigation
  and live-package exclusions), for comparison;
* `package_preview` (count and sums, what the form shows before saving).

Prints the median and the spread of the runs, and checks both builds insert the same rows.
"""

import argparse
import os
import statistics
import sys
import time
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
from recovery.models import NplRecord, PricingRow  # noqa: E402
from recovery.services import contract as svc  # noqa: E402

UNION = "清收基准联社"

HAND_SQL = """
INSERT INTO recovery_packageline
    (package_id, record_id, difficulty_class, age_years, pct, debt, price, live)
SELECT %(package)s, r.id, p.difficulty_class, a.age, p.pct,
       r.principal_owed + r.interest_owed + r.penalty_owed,
       round((r.principal_owed + r.interest_owed + r.penalty_owed) * p.pct / 100, 2), TRUE
FROM recovery_nplrecord r
JOIN creditcoop_cooperative c ON c.id = r.cooperative_id AND c.union_id = %(union)s
CROSS JOIN LATERAL (
    SELECT GREATEST(0, EXTRACT(YEAR FROM age(%(today)s::date, r.due_on)))::int AS age) a
JOIN recovery_pricingrow p
  ON p.union_id = %(union)s
 AND p.difficulty_class = CASE WHEN r.difficulty = 'potential' THEN 'potential' ELSE 'hard' END
 AND a.age >= p.age_from AND (p.age_to IS NULL OR a.age < p.age_to)
WHERE r.status = 'pursuing' AND r.principal_owed + r.interest_owed + r.penalty_owed > 0
  AND NOT EXISTS (SELECT 1 FROM recovery_packageline l WHERE l.record_id = r.id AND l.live)
  AND NOT EXISTS (
      SELECT 1 FROM recovery_limitationevent e
      WHERE e.record_id = r.id AND e.guarantor_id IS NULL AND e.kind = 'lawsuit'
        AND (e.ends_on IS NULL OR e.ends_on > %(today)s)
        AND NOT EXISTS (
            SELECT 1 FROM recovery_limitationevent x
            WHERE x.record_id = r.id AND x.kind = 'enforcement_ended'
              AND x.occurred_on >= e.occurred_on))
"""


class Rollback(Exception):
    pass


def timed(fn):
    result = {}
    start = time.perf_counter()
    try:
        with transaction.atomic():
            result["value"] = fn()
            result["elapsed"] = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return result["elapsed"], result["value"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    union = Union.objects.get(name=UNION)
    actor, _ = Staff.objects.get_or_create(
        username="QSJZ-ASSET",
        defaults={"name": "基准保全", "union": union, "roles": [Role.UNION_ASSET]},
    )
    PricingRow.for_union(union)
    today = timezone.localdate()
    pursued = NplRecord.objects.filter(cooperative__union=union).count()
    print(f"register rows of {UNION}: {pursued}")

    def build():
        package = svc.package_build(
            actor=actor, name="基准包", filters=svc.PackageFilters(), today=today
        )
        return package.line_count

    def hand():
        from recovery.models import CollectionPackage

        package = CollectionPackage.objects.create(
            union=union, number="BENCH", name="基准包", created_by=actor, created_on=today
        )
        with connection.cursor() as cur:
            cur.execute(HAND_SQL, {"package": package.pk, "union": union.pk, "today": today})
            return cur.rowcount

    def preview():
        return svc.package_preview(actor=actor, filters=svc.PackageFilters(), today=today).count

    for label, fn in (
        ("package_build", build),
        ("INSERT … SELECT alone", hand),
        ("preview", preview),
    ):
        runs, value = [], None
        for _ in range(args.repeat):
            elapsed, value = timed(fn)
            runs.append(elapsed)
        print(
            f"{label:24s} rows {value:>7d}  median {statistics.median(runs):.3f} s"
            f"  min {min(runs):.3f}  max {max(runs):.3f}  ({args.repeat} runs)"
        )


if __name__ == "__main__":
    main()
