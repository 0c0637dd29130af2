"""Benchmark: the deadline sweep over 1,000,000 open deadlines.

Compares the engine's ``creditcoop.deadlines.sweep.deadline_sweep`` (several guarded
statements) with one statement doing the same work (reminders, overdue notices, lateness,
accountability upserts with history and notices, settling). The one statement is only the
yardstick: it takes its tier bounds, notice texts and links from the engine
(``sweep.sweep_params``) and its table names from the models, so it cannot drift from what
the engine writes. Each run starts from the same state: it
runs inside a transaction that is rolled back afterwards.

    .venv/bin/python bench/deadlines.py [--rows 1000000] [--repeat 2]

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

SINGLE_STATEMENT = """
WITH cal AS (
    SELECT g.day::date AS day,
           count(*) FILTER (WHERE COALESCE(c.is_workday, extract(isodow FROM g.day) < 6))
               OVER (ORDER BY g.day) AS seq
    FROM generate_series(
        (SELECT min(due_on) FROM servicehall_deadline WHERE NOT settled AND due_on < %(today)s),
        %(today)s::date, interval '1 day') AS g(day)
    LEFT JOIN creditcoop_calendarday c ON c.date = g.day::date
), calc AS (
    SELECT d.id, d.responsible_id, d.cooperative_id, d.title, d.link, d.due_on,
           d.amount, d.annual_rate, d.late_days AS old_late,
           (d.stopped_at IS NULL AND d.reminded_at IS NULL AND d.remind_on <= %(today)s
            AND d.due_on >= %(today)s) AS do_remind,
           (d.stopped_at IS NULL AND d.overdue_notified_at IS NULL
            AND d.late_on <= %(today)s) AS do_overdue,
           (NOT d.settled AND d.stopped_on IS NOT NULL AND d.stopped_on <= %(today)s) AS do_settle,
           COALESCE(e.seq - due.seq, d.late_days) AS total_late,
           GREATEST(COALESCE(e.seq - f.seq, 0), 0) AS person_late
    FROM servicehall_deadline d
    LEFT JOIN cal due ON due.day = d.due_on AND NOT d.settled AND d.due_on < %(today)s
    LEFT JOIN cal f ON f.day = d.late_from AND NOT d.settled AND d.due_on < %(today)s
    LEFT JOIN cal e ON e.day = LEAST(COALESCE(d.stopped_on, %(today)s), %(today)s)
                    AND NOT d.settled AND d.due_on < %(today)s
    WHERE (d.stopped_at IS NULL AND d.reminded_at IS NULL AND d.remind_on <= %(today)s)
       OR (d.stopped_at IS NULL AND d.overdue_notified_at IS NULL AND d.late_on <= %(today)s)
       OR (NOT d.settled AND d.due_on < %(today)s)
       OR (NOT d.settled AND d.stopped_on IS NOT NULL)
), upd AS (
    UPDATE servicehall_deadline d SET
        reminded_at = CASE WHEN c.do_remind OR c.do_overdue
                           THEN COALESCE(d.reminded_at, %(now)s) ELSE d.reminded_at END,
        overdue_notified_at = CASE WHEN c.do_overdue THEN %(now)s ELSE d.overdue_notified_at END,
        late_days = c.total_late,
        settled = d.settled OR c.do_settle
    FROM calc c
    WHERE d.id = c.id AND (c.do_remind OR c.do_overdue OR c.do_settle OR c.total_late <> c.old_late)
    RETURNING c.*
), acc AS (
    INSERT INTO servicehall_accountability AS a
        (deadline_id, person_id, cooperative_id, tier, late_days, lost_interest, status,
         decision_reason, created_at, updated_at)
    SELECT u.id, u.responsible_id, u.cooperative_id,
           CASE WHEN u.person_late <= %(t1)s THEN 1 WHEN u.person_late <= %(t2)s THEN 2 ELSE 3 END,
           u.person_late,
           round(COALESCE(u.amount, 0) * COALESCE(u.annual_rate, 0) * u.person_late / 360, 2),
           'pending', '', %(now)s, %(now)s
    FROM upd u WHERE u.total_late <> u.old_late AND u.person_late > 0
    ON CONFLICT (deadline_id, person_id) DO UPDATE SET
        late_days = EXCLUDED.late_days, lost_interest = EXCLUDED.lost_interest,
        updated_at = EXCLUDED.updated_at, tier = GREATEST(a.tier, EXCLUDED.tier),
        status = CASE WHEN EXCLUDED.tier > a.tier THEN 'pending' ELSE a.status END,
        decided_by_id = CASE WHEN EXCLUDED.tier > a.tier THEN NULL ELSE a.decided_by_id END,
        decided_at = CASE WHEN EXCLUDED.tier > a.tier THEN NULL ELSE a.decided_at END,
        decision_reason = CASE WHEN EXCLUDED.tier > a.tier THEN '' ELSE a.decision_reason END
    WHERE a.late_days <> EXCLUDED.late_days
    RETURNING a.id, a.tier, a.late_days, a.deadline_id, a.person_id, a.cooperative_id
), ev AS (
    INSERT INTO servicehall_accountabilityevent (record_id, action, tier, late_days, note, at)
    SELECT acc.id, 'reached', acc.tier, acc.late_days, '', %(now)s FROM acc
    ON CONFLICT (record_id, tier) WHERE action = 'reached' DO NOTHING
    RETURNING record_id, tier, late_days
), directors AS (
    SELECT id, cooperative_id FROM creditcoop_staff
    WHERE is_active AND roles @> ARRAY['director']::varchar(20)[]
), notes AS (
    SELECT u.responsible_id AS recipient_id,
           %(remind)s || u.title || %(due)s || to_char(u.due_on, 'YYYY-MM-DD') AS text,
           u.link, 'hall-remind:' || u.id || ':' || u.responsible_id AS key
    FROM upd u WHERE u.do_remind
    UNION ALL
    SELECT r.recipient_id, %(overdue)s || u.title || %(due)s || to_char(u.due_on, 'YYYY-MM-DD'),
           u.link, 'hall-overdue:' || u.id || ':' || r.recipient_id
    FROM upd u
    CROSS JOIN LATERAL (
        SELECT s.id AS recipient_id FROM directors s WHERE s.cooperative_id = u.cooperative_id
        UNION ALL SELECT u.responsible_id
    ) r
    WHERE u.do_overdue
    UNION ALL
    SELECT r.recipient_id,
           %(acc)s || p.name || %(late)s || ev.late_days || %(days)s
           || CASE ev.tier WHEN 1 THEN %(tier1)s WHEN 2 THEN %(tier2)s ELSE %(tier3)s END
           || '：' || d.title,
           %(acc_link)s || ev.record_id || '/',
           'hall-acc:' || ev.record_id || ':' || ev.tier || ':' || r.recipient_id
    FROM ev JOIN acc ON acc.id = ev.record_id
    JOIN creditcoop_staff p ON p.id = acc.person_id
    JOIN servicehall_deadline d ON d.id = acc.deadline_id
    CROSS JOIN LATERAL (
        SELECT s.id AS recipient_id FROM directors s WHERE s.cooperative_id = acc.cooperative_id
        UNION ALL SELECT acc.person_id
    ) r
)
INSERT INTO creditcoop_notification (recipient_id, text, link, dedupe_key, created_at)
SELECT recipient_id, left(text, 500), link, key, %(now)s FROM notes
ON CONFLICT (dedupe_key) DO NOTHING
"""


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
    args = parser.parse_args()
    ensure_database()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from creditcoop.deadlines.models import Accountability, AccountabilityEvent, Deadline
    from creditcoop.deadlines.sweep import deadline_sweep, sweep_params
    from creditcoop.models import Notification

    call_command("migrate", verbosity=0)
    populate(args.rows)
    late = Deadline.objects.filter(late_on__lte=TODAY).count()
    due_soon = Deadline.objects.filter(remind_on__lte=TODAY, due_on__gte=TODAY).count()
    print(
        f"数据：{args.rows:,} 条未办结时限，其中已超期 {late:,}，待提醒 {due_soon:,}；今日 {TODAY}"
    )

    tables = {
        "servicehall_deadline": Deadline._meta.db_table,
        "servicehall_accountabilityevent": AccountabilityEvent._meta.db_table,
        "servicehall_accountability ": Accountability._meta.db_table + " ",
        "creditcoop_notification": Notification._meta.db_table,
    }
    single_sql = SINGLE_STATEMENT
    for name, table in tables.items():
        single_sql = single_sql.replace(name, table)

    def single():
        with connection.cursor() as cur:
            cur.execute(single_sql, sweep_params(TODAY) | {"now": timezone.now()})
            return cur.rowcount

    def sweep_twice():
        first = deadline_sweep(today=TODAY)
        t = time.perf_counter()
        second = deadline_sweep(today=TODAY)
        return first, second, time.perf_counter() - t

    singles, sweeps, seconds = [], [], []
    for _ in range(args.repeat):
        t, n = measure("single", single)
        singles.append(t)
        print(f"  单条 SQL 语句：{t:.2f} 秒（写入通知 {n:,} 条）", flush=True)
        t, (first, second, t2) = measure("sweep", sweep_twice)
        sweeps.append(t - t2)
        seconds.append(t2)
        print(
            f"  deadline_sweep：{t - t2:.2f} 秒 {first}；紧接着再跑一次：{t2:.2f} 秒 {second}",
            flush=True,
        )
    s, w = statistics.median(singles), statistics.median(sweeps)
    print(
        f"中位数：单条语句 {s:.2f} 秒，deadline_sweep {w:.2f} 秒，比值 {w / s:.2f}（要求 ≤ 2）；"
        f"重复运行 {statistics.median(seconds):.2f} 秒"
    )
    return 0 if w <= 2 * s else 1


if __name__ == "__main__":
    sys.exit(main())
