"""Benchmark: recovery at scale (docs/benchmarks.md, "Recovery").

    .venv/bin/python manage.py recovery_generate --records 200000
    .venv/bin/python bench/recovery.py [--repeat 3] [--requests 30]

On the database of DATABASE_URL (the generator's union 清收基准联社). Prints:

* the nightly `limitation_sweep` (stale records recomputed through the engine, warnings,
  inbox messages and SMS queued) against ONE hand-written SQL statement doing the same on
  this data, each inside a transaction rolled back afterwards so every run starts from the
  same state; their results are compared (same warnings, messages, expiries); a second
  sweep the same day must write and send nothing;
* the register list and the recovery board (union-wide, and one cooperative's director):
  median and p95 over N requests through the Django test client, with the query count;
* printing a village roll of 500 loans (url recovery:roll_print, the A4 poster): median
  and p95 over 20 prints through the test client, with the query count.

`--only sweep|pages|roll` runs one part.
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
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from creditcoop.models import Role, Staff, Union  # noqa: E402
from recovery.models import NplRecord  # noqa: E402
from recovery.services import expiry_sql, limitation_sweep, roll_create  # noqa: E402
from recovery.services.sweep import WARN_SQL, sweep_params  # noqa: E402
from villages.models import Village  # noqa: E402

UNION = "清收基准联社"

# The sweep's own statement with its first CTE (the parties) preceded by the recomputation
# of the stale records and their guarantors, so that one statement does both. The
# recomputation covers the event kinds of the benchmark data (a receipt signed by the debtor
# or a joint guarantor, the 2-year rule before 2017-10-01, the 20-year long stop); the full
# rules live in the engine, which is what the sweep runs.
RECOMPUTE = """
WITH ev AS (
    SELECT r.id, r.due_on, max(e.occurred_on) AS last_on
    FROM recovery_nplrecord r
    LEFT JOIN recovery_limitationevent e ON e.record_id = r.id AND e.guarantor_id IS NULL
         AND e.kind = 'demand_receipt' AND e.signer_relation = 'self' AND e.occurred_on > r.due_on
    WHERE r.limitation_stale
    GROUP BY r.id
), upd AS (
    UPDATE recovery_nplrecord r
    SET limitation_expires_on = CASE WHEN ev.last_on IS NULL THEN {due_expiry}
            ELSE LEAST({ev_expiry}, (ev.due_on + interval '20 years')::date) END,
        limitation_revived = ev.last_on IS NOT NULL AND ev.last_on > {due_expiry},
        limitation_stale = FALSE
    FROM ev WHERE r.id = ev.id
    RETURNING r.id, r.status, r.limitation_expires_on
), gev AS (
    SELECT g.id, g.record_id, (r.due_on + interval '6 months')::date AS period_end,
           (SELECT max(e.occurred_on) FROM recovery_limitationevent e
             WHERE e.guarantor_id = g.id AND e.kind = 'demand_receipt'
               AND e.occurred_on > r.due_on
               AND e.occurred_on <= (r.due_on + interval '6 months')::date) AS claim_on
    FROM recovery_nplguarantor g JOIN recovery_nplrecord r ON r.id = g.record_id
    WHERE r.limitation_stale
), upd_g AS (
    UPDATE recovery_nplguarantor g
    SET period_ends_on = gev.period_end,
        limitation_expires_on = CASE WHEN gev.claim_on IS NULL
            OR (g.stated_type = '' AND g.contract_signed_on >= DATE '2021-01-01')
            OR g.stated_type = 'general' THEN gev.period_end ELSE {claim_expiry} END
    FROM gev WHERE g.id = gev.id
    RETURNING g.id, g.record_id, g.limitation_expires_on
), parties AS (
    SELECT r.id AS record_id, NULL::bigint AS guarantor_id, r.limitation_expires_on AS expires_on
    FROM recovery_nplrecord r
    WHERE r.status = 'pursuing' AND NOT r.limitation_stale
      AND r.limitation_expires_on BETWEEN %(today)s AND %(horizon)s
    UNION ALL
    SELECT u.id, NULL, u.limitation_expires_on FROM upd u
    WHERE u.status = 'pursuing' AND u.limitation_expires_on BETWEEN %(today)s AND %(horizon)s
    UNION ALL
    SELECT g.record_id, g.id, g.limitation_expires_on
    FROM recovery_nplguarantor g JOIN recovery_nplrecord r ON r.id = g.record_id
    WHERE r.status = 'pursuing' AND NOT r.limitation_stale
      AND g.limitation_expires_on BETWEEN %(today)s AND %(horizon)s
    UNION ALL
    SELECT u.record_id, u.id, u.limitation_expires_on
    FROM upd_g u JOIN recovery_nplrecord r ON r.id = u.record_id
    WHERE r.status = 'pursuing' AND u.limitation_expires_on BETWEEN %(today)s AND %(horizon)s
)"""
RECOMPUTE = (
    RECOMPUTE.replace("{due_expiry}", expiry_sql("ev.due_on"))
    .replace("{ev_expiry}", expiry_sql("ev.last_on"))
    .replace("{claim_expiry}", expiry_sql("gev.claim_on"))
)
head, rest = WARN_SQL.split("), due AS (", 1)
ONE_STATEMENT = RECOMPUTE + ", due AS (" + rest
assert head.strip().startswith("WITH parties AS")


def outcome(today):
    """What a run left behind (read inside its transaction): the warnings queued today,
    the messages and SMS, the stored expiries."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), sum(hashtext(record_id || ':' || COALESCE(guarantor_id, 0) || ':'"
            " || expires_on || ':' || lead_days)) FROM recovery_limitationwarning"
            " WHERE queued_on = %s",
            [today],
        )
        warnings = cur.fetchone()
        cur.execute(
            "SELECT count(*) FROM creditcoop_notification WHERE dedupe_key LIKE 'npl-warn:%%'"
        )
        inbox = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM creditcoop_smsmessage WHERE dedupe_key LIKE 'npl-warn:%%'"
        )
        sms = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FILTER (WHERE limitation_stale),"
            " sum(hashtext(id || ':' || COALESCE(limitation_expires_on::text, '') || limitation_revived::text))"
            " FROM recovery_nplrecord"
        )
        records = cur.fetchone()
        cur.execute(
            "SELECT sum(hashtext(id || ':' || COALESCE(limitation_expires_on::text, '')"
            " || COALESCE(period_ends_on::text, ''))) FROM recovery_nplguarantor"
        )
        guarantors = cur.fetchone()[0]
    return {"warnings": warnings, "inbox": inbox, "sms": sms, "records": records, "g": guarantors}


def timed(fn):
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def clear_stale(on: bool):
    if on:
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE recovery_nplrecord SET limitation_stale = FALSE WHERE limitation_stale"
            )


def run_sweep(today, ordinary=False):
    with transaction.atomic():
        clear_stale(ordinary)
        secs, result = timed(lambda: limitation_sweep(today=today))
        state = outcome(today)
        again_secs, again = timed(lambda: limitation_sweep(today=today))
        after = outcome(today)
        transaction.set_rollback(True)
    return secs, result, state, again_secs, again, after


def run_sql(today, ordinary=False):
    from datetime import timedelta

    with transaction.atomic():
        clear_stale(ordinary)
        params = sweep_params(today, today + timedelta(days=90))
        with connection.cursor() as cur:
            secs, _ = timed(lambda: cur.execute(ONE_STATEMENT, params))
            counts = cur.fetchone()
        state = outcome(today)
        transaction.set_rollback(True)
    return secs, counts, state


def pages(requests: int):
    union = Union.objects.get(name=UNION)
    asset, _ = Staff.objects.get_or_create(
        username="QSU00",
        defaults={"name": "基准保全部", "roles": [Role.UNION_ASSET], "union": union},
    )
    director = Staff.objects.get(username="QSD00")
    officer = Staff.objects.get(username="QSO000")
    out = []
    for who, user in (
        ("联社资产保全部（全联社）", asset),
        ("信用社主任", director),
        ("信贷员", officer),
    ):
        client = Client()
        client.force_login(user)
        for name, url in (
            ("登记簿列表", reverse("recovery:register")),
            ("登记簿列表·按分类筛选第 2 页", reverse("recovery:register") + "?risk_class=4&page=2"),
            ("清收看板", reverse("recovery:board")),
        ):
            for _ in range(3):
                assert client.get(url).status_code == 200
            times, queries = [], set()
            for _ in range(requests):
                with CaptureQueriesContext(connection) as ctx:
                    t = time.perf_counter()
                    resp = client.get(url)
                    times.append((time.perf_counter() - t) * 1000)
                assert resp.status_code == 200
                queries.add(len(ctx.captured_queries))
            times.sort()
            p95 = times[max(0, round(0.95 * len(times)) - 1)]
            out.append((who, name, statistics.median(times), p95, sorted(queries)))
    return out


def roll_print(lines: int, renders: int) -> dict:
    """Print a village roll of `lines` loans (recovery:roll_print, the A4 poster) through the
    test client as the cooperative's director: the first village of the director's
    cooperative keeps its first `lines` pursued records (the rest move to its neighbour),
    the roll is drawn up with `roll_create`, then printed `renders` times after 3 warm-up
    prints. All inside a transaction rolled back afterwards."""
    director = Staff.objects.get(username="QSD00")
    villages = list(Village.objects.filter(cooperative=director.cooperative).order_by("code")[:2])
    village, neighbour = villages
    with transaction.atomic():
        keep = list(
            NplRecord.objects.filter(village=village, status=NplRecord.Status.PURSUING)
            .order_by("id")
            .values_list("pk", flat=True)[:lines]
        )
        assert len(keep) == lines, f"the village has only {len(keep)} pursued records"
        NplRecord.objects.filter(village=village).exclude(pk__in=keep).update(village=neighbour)
        t = time.perf_counter()
        roll = roll_create(actor=director, village=village)
        create_ms = (time.perf_counter() - t) * 1000
        client = Client()
        client.force_login(director)
        url = reverse("recovery:roll_print", args=[roll.pk])
        for _ in range(3):
            assert client.get(url).status_code == 200
        times, queries = [], set()
        for _ in range(renders):
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                resp = client.get(url)
                times.append((time.perf_counter() - t) * 1000)
            assert resp.status_code == 200
            queries.add(len(ctx.captured_queries))
        body = resp.content.decode()
        assert body.count('class="poster-line"') == lines
        transaction.set_rollback(True)
    times.sort()
    return {
        "lines": lines,
        "pages": body.count("<thead>"),
        "kib": len(resp.content) / 1024,
        "create_ms": create_ms,
        "median": statistics.median(times),
        "p95": times[max(0, round(0.95 * len(times)) - 1)],
        "queries": sorted(queries),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--roll-lines", type=int, default=500)
    parser.add_argument("--roll-renders", type=int, default=20)
    parser.add_argument("--only", choices=["sweep", "pages", "roll"], default=None)
    args = parser.parse_args()
    today = timezone.localdate()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE limitation_stale) FROM recovery_nplrecord"
        )
        records, stale = cur.fetchone()
        cur.execute("SELECT count(*) FROM recovery_nplguarantor")
        guarantors = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM recovery_limitationevent")
        events = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM recovery_recoveryentry")
        entries = cur.fetchone()[0]
    print(f"{today}  load average {os.getloadavg()}")
    print(
        f"登记 {records:,} 笔（待重算 {stale:,}），保证人 {guarantors:,}，时效事项 {events:,}，"
        f"本年收回 {entries:,} 条"
    )
    for ordinary, label in ((False, f"with {stale:,} stale records"), (True, "no stale record")):
        if args.only not in (None, "sweep"):
            break
        print(f"-- sweep {label}")
        sweep_times, sql_times = [], []
        for i in range(args.repeat):
            secs, result, state, again_secs, again, after = run_sweep(today, ordinary)
            sql_secs, counts, sql_state = run_sql(today, ordinary)
            sweep_times.append(secs)
            sql_times.append(sql_secs)
            print(
                f"run {i + 1}: limitation_sweep {secs:.2f} s {result}; "
                f"second run {again_secs:.2f} s {again} (unchanged: {after == state}); "
                f"one SQL statement {sql_secs:.2f} s (warnings, inbox, sms) = {counts}; "
                f"same outcome: {state == sql_state}"
            )
        ms, mq = statistics.median(sweep_times), statistics.median(sql_times)
        print(f"median: sweep {ms:.2f} s, one statement {mq:.2f} s, ratio {ms / mq:.2f}")
    for who, name, median, p95, queries in (
        pages(args.requests) if args.only in (None, "pages") else []
    ):
        print(f"{who} {name}: median {median:.0f} ms, p95 {p95:.0f} ms, queries {queries}")
    if args.only not in (None, "roll"):
        return
    roll = roll_print(args.roll_lines, args.roll_renders)
    print(
        f"village roll of {roll['lines']} loans ({roll['pages']} printed pages, "
        f"{roll['kib']:.0f} KiB): roll_create {roll['create_ms']:.0f} ms; "
        f"print median {roll['median']:.0f} ms, p95 {roll['p95']:.0f} ms, "
        f"queries {roll['queries']}"
    )


if __name__ == "__main__":
    main()
