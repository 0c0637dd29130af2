"""Benchmark: the deadline sweep over 1,000,000 open deadlines.

Times the engine's ``creditcoop.deadlines.sweep.deadline_sweep`` (reminders, overdue
notices, lateness, accountability upserts with history and notices, settling) and a second
run straight after it, which must write nothing (the sweep is safe to re-run). The figures
to compare with are the ones recorded in docs/benchmarks.md; ``--budget`` makes the run fail
when the median sweep takes longer. Each run starts from the same state: it runs inside a
transaction that is rolled back afterwards.

    .venv/bin/python bench/deadlines.py [--rows 1000000] [--repeat 2] [--budget SECONDS]

Uses its own database ``cc_bench_deadlines`` (created and migrated when missing).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cc_bench_deadlines")
URL = BASE_URL.rsplit("/", 1)[0] + "/cc_bench_deadlines"
os.environ["DATABASE_URL"] = URL
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcoop.settings")

TODAY = date(2026, 3, 16)  # a Monday; the spread of start days crosses no holiday


def ensure_database():
    import psycopg2

    u = urlparse(URL)
    conn = psycopg2.connect(
        host=u.hostname,
        port=u.port or 5432,
        user=u.username,
        password=u.password,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = 'cc_bench_deadlines'")
        if not cur.fetchone():
            cur.execute("CREATE DATABASE cc_bench_deadlines")
    conn.close()


def populate(rows: int):
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from creditcoop import workdays
    from creditcoop.deadlines.models import Deadline
    from creditcoop.models import Cooperative, Role, Staff, Union
    from creditcoop.servicehall.models import Walkin

    if Deadline.objects.count() == rows:
        print(f"已有 {rows:,} 条时限，直接测量。")
        return
    print(f"生成 {rows:,} 条未办结时限 …", flush=True)
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE servicehall_accountabilityevent, servicehall_accountability, "
            "servicehall_deadline, creditcoop_notification"
        )
    union, _ = Union.objects.get_or_create(name="基准测试联社")
    coops, staff = [], []
    for c in range(20):
        coop, _ = Cooperative.objects.get_or_create(
            code=f"BENCH{c:02d}", defaults={"union": union, "name": f"基准信用社{c:02d}"}
        )
        coops.append(coop)
        Staff.objects.get_or_create(
            username=f"BD{c:02d}",
            defaults=dict(
                name=f"主任{c:02d}", union=union, cooperative=coop, roles=[Role.DIRECTOR]
            ),
        )
        for o in range(20):
            s, _ = Staff.objects.get_or_create(
                username=f"BO{c:02d}{o:02d}",
                defaults=dict(
                    name=f"信贷员{c:02d}{o:02d}",
                    union=union,
                    cooperative=coop,
                    roles=[Role.OFFICER],
                    officer_grade=1,
                ),
            )
            staff.append((s.pk, coop.pk))
    # Start days over the last two weeks, limits of 2, 5 and 7 working days.
    combos = []
    for back in range(14):
        start = TODAY - timedelta(days=back)
        for n in (2, 5, 7):
            due = workdays.add_working_days(start, n)
            combos.append(
                (start, n, due, workdays.add_working_days(due, -1), workdays.next_workday(due))
            )
    ct = ContentType.objects.get_for_model(Walkin)
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE bench_combo (i int, started date, n int, due date, remind date, late date)"
        )
        cur.executemany(
            "INSERT INTO bench_combo VALUES (%s, %s, %s, %s, %s, %s)",
            [(i, *c) for i, c in enumerate(combos)],
        )
        cur.execute("CREATE TEMP TABLE bench_staff (i int, staff_id bigint, coop_id bigint)")
        cur.executemany(
            "INSERT INTO bench_staff VALUES (%s, %s, %s)",
            [(i, s, c) for i, (s, c) in enumerate(staff)],
        )
        cur.execute(
            """
            INSERT INTO servicehall_deadline
                (content_type_id, object_id, kind, title, link, cooperative_id, responsible_id,
                 started_on, working_days, due_on, remind_on, late_from, late_on, amount,
                 annual_rate, late_days, settled, stop_reason, created_at)
            SELECT %(ct)s, g, 'walkin_answer', '调查并答复客户：客户' || g, '/hall/walkins/' || g || '/',
                   s.coop_id, s.staff_id, c.started, c.n, c.due, c.remind, c.due, c.late,
                   10000 + (g %% 90) * 1000, 0.0612, 0, false, '', now()
            FROM generate_series(1, %(rows)s) g
            JOIN bench_combo c ON c.i = g %% %(ncombo)s
            JOIN bench_staff s ON s.i = g %% %(nstaff)s
            """,
            {"ct": ct.pk, "rows": rows, "ncombo": len(combos), "nstaff": len(staff)},
        )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE servicehall_deadline")


def measure(label, fn):
    from django.db import transaction

    with transaction.atomic():
        t0 = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - t0
        transaction.set_rollback(True)
    return elapsed, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--budget", type=float, default=None, help="median sweep seconds allowed")
    args = parser.parse_args()
    ensure_database()

    import django

    django.setup()
    from django.core.management import call_command

    from creditcoop.deadlines.models import Deadline
    from creditcoop.deadlines.sweep import deadline_sweep

    call_command("migrate", verbosity=0)
    populate(args.rows)
    late = Deadline.objects.filter(late_on__lte=TODAY).count()
    due_soon = Deadline.objects.filter(remind_on__lte=TODAY, due_on__gte=TODAY).count()
    print(
        f"数据：{args.rows:,} 条未办结时限，其中已超期 {late:,}，待提醒 {due_soon:,}；今日 {TODAY}"
    )

    def sweep_twice():
        first = deadline_sweep(today=TODAY)
        t = time.perf_counter()
        second = deadline_sweep(today=TODAY)
        return first, second, time.perf_counter() - t

    sweeps, seconds, rewrites = [], [], []
    for _ in range(args.repeat):
        t, (first, second, t2) = measure("sweep", sweep_twice)
        sweeps.append(t - t2)
        seconds.append(t2)
        rewrites.append(sum(second.values()))
        print(
            f"  deadline_sweep：{t - t2:.2f} 秒 {first}；紧接着再跑一次：{t2:.2f} 秒 {second}",
            flush=True,
        )
    w = statistics.median(sweeps)
    print(f"中位数：deadline_sweep {w:.2f} 秒；重复运行 {statistics.median(seconds):.2f} 秒")
    if any(rewrites):
        print("重复运行写入了数据：扫描不能安全重跑。")
        return 1
    if args.budget is not None and w > args.budget:
        print(f"超过预算 {args.budget:.2f} 秒。")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
