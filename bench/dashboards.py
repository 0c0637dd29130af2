"""Dashboards (经营分析) at county scale: the union's page, a cooperative's, a village's and a
loan officer's, through the Django test client against the 1,000,000-household /
1,000,000-loan database, with the monthly figures of 24 months in ``MonthlyFigure``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench .venv/bin/python bench/dashboards.py

The figures: the bench reads what ``MonthlyFigure`` holds. ``--fill`` writes SYNTHETIC
figures of the same shape and size as the nightly job stores: 24 month ends × every village × 43 village-level metric/key pairs
(households, lines, flows, five-level counts and balances, ten class moves), plus the
cooperative-level figures (register, vintage segments, recovery, limitation, archives,
deadlines) of every cooperative, in one set-based INSERT. The values are made up (a hash of
village, metric and month); only the shape and the row count matter to a page's speed.

Per page: median and p95 of --repeat requests (after a warm-up), and the SQL query count.
The synthetic months are the 24 months that have ended, marked final (so the nightly job never
takes them again); the running month is left to the job. The pages are read as of the last
ended month.

Options: --repeat N (default 60), --fill (write the synthetic figures when those months are not
all stored), --refill (drop those 24 months' figures first and write them again).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcoop.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cc_bench")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from creditcoop.models import Cooperative, FigureMonth, MonthlyFigure, Role, Staff  # noqa: E402
from creditcoop.reporting.dashboard import months_back  # noqa: E402
from villages.models import Village  # noqa: E402

MONTHS = 24
CLASSES = ["0", "1", "2", "3", "4"]
MOVES = ["0-1", "1-0", "1-2", "2-1", "2-3", "3-2", "3-4", "0-2", "1-3", "2-4"]
VILLAGE_PAIRS = (
    [
        (m, "")
        for m in (
            "households",
            "households_rated",
            "households_credit",
            "line_total",
            "line_used",
            "notices_running",
            "objections_open",
            "objections_month",
            "drawdowns_count",
            "drawdowns_amount",
            "repayments_count",
            "repayments_amount",
            "repayments_principal",
        )
    ]
    + [("class_count", k) for k in CLASSES]
    + [("class_balance", k) for k in CLASSES]
    + [("migration_count", k) for k in MOVES]
    + [("migration_balance", k) for k in MOVES]
)
assert len(VILLAGE_PAIRS) == 43


VILLAGE_FILL = """
    INSERT INTO creditcoop_monthlyfigure (month, cooperative_id, village_id, metric, key, value)
    SELECT mo, u.cooperative_id, u.id, p.metric, p.key,
           (abs(hashtext(u.id::text || p.metric || p.key || mo::text)) %% 1000)
           * CASE WHEN p.metric ~ '(balance|amount|line_|recovered|baseline)'
                  THEN 1000 ELSE 1 END
    FROM villages_village u
    CROSS JOIN unnest(%s::date[]) AS mo
    CROSS JOIN unnest(%s::text[], %s::text[]) AS p(metric, key)
    ON CONFLICT DO NOTHING
"""
COOP_FILL = """
    INSERT INTO creditcoop_monthlyfigure (month, cooperative_id, village_id, metric, key, value)
    SELECT mo, u.id, NULL, p.metric, p.key,
           (abs(hashtext(u.id::text || p.metric || p.key || mo::text)) %% 1000)
           * CASE WHEN p.metric ~ '(balance|amount|line_|recovered|baseline)'
                  THEN 1000 ELSE 1 END
    FROM creditcoop_cooperative u
    CROSS JOIN unnest(%s::date[]) AS mo
    CROSS JOIN unnest(%s::text[], %s::text[]) AS p(metric, key)
    ON CONFLICT DO NOTHING
"""


def cooperative_pairs() -> list[tuple[str, str]]:
    from recovery.models import VintageSegment

    segs = [f"{s.scheme_id}:{s.pk}" for s in VintageSegment.objects.order_by("pk")[:8]] or ["1:1"]
    kinds = ["walkin_answer", "walkin_approval", "rating", "objection", "archive_loan"]
    return (
        [("npl_vintage_count", k) for k in segs]
        + [("npl_vintage_balance", k) for k in segs]
        + [("npl_register_count", ""), ("npl_register_balance", "")]
        + [("recovered_amount", k) for k in ("", "cash", "restructured")]
        + [("recovered_year", ""), ("recovery_baseline", "")]
        + [("limitation_expiring", d) for d in ("30", "60", "90")]
        + [("archive_incomplete", ""), ("archive_lent", ""), ("archive_overdue", "")]
        + [("deadlines_closed", k) for k in kinds]
        + [("deadlines_on_time", k) for k in kinds]
        + [("deadlines_open_overdue", "")]
    )


def fill_synthetic(latest, *, refill: bool) -> None:
    """24 ended months (final, so the nightly job never takes them again), every village."""
    months = months_back(latest, MONTHS)
    with transaction.atomic(), connection.cursor() as cur:
        if refill:
            MonthlyFigure.objects.filter(month__in=months).delete()
            FigureMonth.objects.filter(month__in=months).delete()
        started = time.perf_counter()
        # Money-like metrics get bigger numbers, counts stay small: abs(hashtext(...)) is a
        # cheap deterministic spread (the values do not matter, the row count does).
        cur.execute(VILLAGE_FILL, [months, *map(list, zip(*VILLAGE_PAIRS, strict=True))])
        village_rows = cur.rowcount
        cur.execute(COOP_FILL, [months, *map(list, zip(*cooperative_pairs(), strict=True))])
        coop_rows = cur.rowcount
        FigureMonth.objects.bulk_create(
            [FigureMonth(month=m, taken_on=m, final=True) for m in months],
            ignore_conflicts=True,
        )
        print(
            f"SYNTHETIC figures written: {village_rows:,} village rows + {coop_rows:,} "
            f"cooperative rows in {time.perf_counter() - started:.1f} s"
        )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE creditcoop_monthlyfigure")


def bench_user(username, name, roles, **kw) -> Staff:
    user = Staff.objects.filter(username=username).first()
    if user is None:
        user = Staff.objects.create(username=username, name=name, roles=roles, **kw)
    return user


def measure(client, url, repeat) -> dict:
    for _i in range(3):
        assert client.get(url).status_code == 200, url
    times = []
    for _i in range(repeat):
        t = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[int(round(0.95 * (len(times) - 1)))],
        "queries": len(ctx.captured_queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--fill", action="store_true")
    parser.add_argument("--refill", action="store_true")
    args = parser.parse_args()

    from django.utils import timezone

    # The last month that has ended: the running month belongs to the nightly job.
    latest = timezone.localdate().replace(day=1) - timedelta(days=1)
    stored = FigureMonth.objects.filter(month__in=months_back(latest, MONTHS)).count()
    if args.refill or (args.fill and stored < MONTHS):
        fill_synthetic(latest, refill=args.refill)
    months = FigureMonth.objects.count()
    rows = MonthlyFigure.objects.count()
    in_month = MonthlyFigure.objects.filter(month=latest).count()
    villages = Village.objects.count()
    print(f"figures: {rows:,} rows, {months} months, {in_month:,} rows in {latest:%Y-%m}, "
          f"{villages:,} villages, {Cooperative.objects.count()} cooperatives")  # fmt: skip

    # The cooperative with the most villages (the biggest cooperative page).
    coop_id = (
        Village.objects.values("cooperative")
        .annotate(n=Count("id"))
        .order_by("-n", "cooperative")
        .values_list("cooperative", flat=True)
        .first()
    )
    coop = Cooperative.objects.get(pk=coop_id)
    union_id = coop.union_id
    union_user = bench_user("BENCH-U", "联社基准", [Role.UNION_RISK], union_id=union_id)
    director = bench_user(
        "BENCH-D", "主任基准", [Role.DIRECTOR], union_id=union_id, cooperative=coop
    )
    officer_id = (
        Village.objects.filter(cooperative=coop)
        .exclude(officer=None)
        .values("officer")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("officer", flat=True)
        .first()
    )
    officer = Staff.objects.get(pk=officer_id)
    village = Village.objects.filter(cooperative=coop).order_by("code").first()
    n_coop_villages = Village.objects.filter(cooperative=coop).count()
    n_officer_villages = Village.objects.filter(officer=officer).count()
    month = f"?month={latest:%Y-%m}"
    pages = [
        ("union (all cooperatives)", union_user, reverse("dashboard:home")),
        (
            f"cooperative {coop.code} ({n_coop_villages} villages), from the union",
            union_user,
            reverse("dashboard:cooperative", args=[coop.pk]),
        ),
        (f"cooperative {coop.code}, its director", director, reverse("dashboard:home")),
        (f"village {village.name}", director, reverse("dashboard:village", args=[village.pk])),
        (f"officer ({n_officer_villages} villages)", officer, reverse("dashboard:home")),
        (
            "monthly report 五级分类 (union)",
            union_user,
            reverse("dashboard:report", args=["five-class"]),
        ),
    ]
    print(f"{'page':58} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for label, user, url in pages:
        client = Client()
        client.force_login(user)
        r = measure(client, url + month, args.repeat)
        print(f"{label:58} {r['median']:10.1f} {r['p95']:8.1f} {r['queries']:8d}")


if __name__ == "__main__":
    main()
