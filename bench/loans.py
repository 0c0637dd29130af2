"""Loans at county scale: nightly classification, quarterly settlement, counter drawdowns.

Runs against its own database (created and migrated when missing):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench_loans .venv/bin/python bench/loans.py

Builds 20,000 households with granted credit (contracts and certificates) and 1,000,000 open
loans (50 per contract, bulk SQL), then times:

1. the nightly classification (`services.loans_classify`: the set-based UPDATE plus the class
   history rows) against one hand-written UPDATE statement setting the same classes;
2. the quarterly settlement (`services.interest_settle`) against one hand-written UPDATE
   doing the same accrual and settlement;
3. drawdowns per second through `services.loan_draw` with N threads (each its own database
   connection), on separate lines and all on one line.

Each timed run starts from the same state (reset and VACUUM ANALYZE, untimed); the median of
--repeat runs is printed. Options: --loans, --contracts, --repeat, --threads, --draws.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcoop.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cc_bench_loans")


def ensure_database():
    import psycopg2
    from dj_database_url import parse

    cfg = parse(os.environ["DATABASE_URL"])
    conn = psycopg2.connect(
        dbname="postgres", user=cfg["USER"], host=cfg["HOST"], port=cfg["PORT"] or 5432
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
    conn.close()


ensure_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from creditcoop.models import Cooperative, Role, Staff, Union  # noqa: E402
from loans import interest, services  # noqa: E402
from loans.models import CreditContract, LoanCertificate, LoanSettings  # noqa: E402
from ratings.models import CreditApplication  # noqa: E402
from villages.models import Household, Member, Village, VillageGroup  # noqa: E402

START = date(2027, 1, 1)
CLASSIFY_DAY = date(2028, 1, 15)
SETTLE_DAY = date(2027, 12, 20)
SETTLE_RUN_DAY = SETTLE_DAY + timedelta(days=1)  # the job settles the 20th on the 21st


def check_digit(body: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def build(contracts: int, loans: int):
    call_command("migrate", verbosity=0)
    if Village.objects.filter(code="BENCH-L").exists():
        return
    print(f"building {contracts:,} contracts and {loans:,} loans …", flush=True)
    t0 = time.perf_counter()
    union = Union.objects.create(name="基准联社")
    coop = Cooperative.objects.create(union=union, name="基准信用社", code="BL01")

    def staff(username, roles, grade=None):
        s = Staff(username=username, name=username, union=union, cooperative=coop, roles=roles)
        s.officer_grade = grade
        s.set_unusable_password()
        s.save()
        return s

    director = staff("BLD", [Role.DIRECTOR])
    officer = staff("BLO", [Role.OFFICER], grade=1)
    staff("BLT", [Role.TELLER])
    village = Village.objects.create(
        cooperative=coop, name="基准村", code="BENCH-L", officer=officer
    )
    group = VillageGroup.objects.create(village=village, number=1, name="一组")
    households = Household.objects.bulk_create(
        [
            Household(village=village, group=group, head_name=f"户{i}", address=f"{i}号")
            for i in range(contracts)
        ],
        batch_size=5000,
    )
    members = []
    for i, h in enumerate(households):
        body = f"41010119800101{i:03d}"[:17] if i < 1000 else f"4101{i:010d}900"[:17]
        number = body + check_digit(body)
        members.append(
            Member(
                household=h,
                village_id=h.village_id,
                name=f"户{i}",
                relation="head",
                id_number=number,
                id_reversed=number[::-1],
                initials="h",
            )
        )
    members = Member.objects.bulk_create(members, batch_size=5000)
    apps = CreditApplication.objects.bulk_create(
        [
            CreditApplication(
                household=m.household,
                applicant=m,
                village=village,
                status="line_set",
                requested_amount=50000,
                grade="AAA",
                final_line=Decimal("50000000"),
                term_months=24,
                line_set_by=director,
            )
            for m in members
        ],
        batch_size=5000,
    )
    rate = Decimal("0.043500")
    contract_rows = CreditContract.objects.bulk_create(
        [
            CreditContract(
                number=f"SXBL{i:08d}",
                application=a,
                cooperative=coop,
                village=village,
                household=a.household,
                borrower=a.applicant,
                grade="AAA",
                line=Decimal("50000000"),
                term_months=24,
                start_date=START,
                end_date=interest.add_months(START, 24),
                lpr_rate=Decimal("0.031"),
                basis_points=125,
                annual_rate=rate,
                signed_on=START,
                signed_by=officer,
                borrower_present=True,
                granted_by=director,
            )
            for i, a in enumerate(apps)
        ],
        batch_size=5000,
    )
    LoanCertificate.objects.bulk_create(
        [
            LoanCertificate(
                number=f"DKZBL{i:08d}",
                contract=c,
                household=c.household,
                holder=c.borrower,
                issued_on=START,
                issued_by=director,
            )
            for i, c in enumerate(contract_rows)
        ],
        batch_size=5000,
    )
    first = contract_rows[0].pk
    teller = Staff.objects.get(username="BLT")
    with connection.cursor() as cur:
        # Loans drawn through 2027, due 60 … 420 days later: on the classification day some
        # are current and some overdue by up to about a year.
        cur.execute(
            """
            INSERT INTO loans_loan (number, contract_id, amount, principal, drawn_on, due_date,
                annual_rate, penalty_rate, accrued_through, normal_product, penalty_product,
                interest_due, penalty_due, interest_paid, penalty_paid, last_settled_interest,
                last_settled_penalty, risk_class, manual_reason, status, teller_id,
                seal_checked, idempotency_key, revision, created_at)
            SELECT 'JJBL' || g, %(first)s + (g %% %(contracts)s), 1000 + (g %% 50) * 100,
                1000 + (g %% 50) * 100, d, d + 60 + (g %% 361), %(rate)s, %(prate)s, d, 0, 0,
                0, 0, 0, 0, 0, 0, 0, '', 'open', %(teller)s, true, md5(g::text)::uuid, 1, now()
            FROM generate_series(1, %(loans)s) g
            CROSS JOIN LATERAL (SELECT %(start)s::date + (g %% 330) AS d) x
            """,
            {
                "first": first,
                "contracts": contracts,
                "loans": loans,
                "rate": rate,
                "prate": interest.penalty_rate_for(rate, Decimal("0.5")),
                "teller": teller.pk,
                "start": START,
            },
        )
        cur.execute(
            """UPDATE loans_creditcontract c SET outstanding = s.total
               FROM (SELECT contract_id, sum(principal) total FROM loans_loan
                     GROUP BY contract_id) s WHERE s.contract_id = c.id"""
        )
        # Fresh tables have no planner statistics yet: without them the counter's family
        # check plans a scan of every contract instead of two index reads.
        cur.execute("ANALYZE")
    print(f"built in {time.perf_counter() - t0:.0f} s", flush=True)


def vacuum(*tables):
    with connection.cursor() as cur:
        for t in tables:
            cur.execute(f"VACUUM ANALYZE {t}")


def reset_classes():
    with connection.cursor() as cur:
        cur.execute("UPDATE loans_loan SET risk_class = 0 WHERE risk_class <> 0")
        cur.execute("TRUNCATE loans_classchange")
    vacuum("loans_loan", "loans_classchange")


def reset_interest():
    with connection.cursor() as cur:
        cur.execute(
            """UPDATE loans_loan SET accrued_through = drawn_on, interest_due = 0,
               penalty_due = 0, interest_due_since = NULL, normal_product = 0,
               penalty_product = 0, last_settled_on = NULL, last_settled_interest = 0,
               last_settled_penalty = 0, revision = 1
               WHERE accrued_through <> drawn_on OR interest_due <> 0 OR penalty_due <> 0"""
        )
        cur.execute("DELETE FROM loans_settlementrun")
    vacuum("loans_loan")


def timed(fn) -> float:
    t0 = time.perf_counter()
    with transaction.atomic():
        fn()
    return time.perf_counter() - t0


CLASSIFY_REFERENCE = """
UPDATE loans_loan SET risk_class = c.new FROM (
    SELECT id, CASE WHEN days > 360 THEN 4 WHEN days > 270 THEN 3 WHEN days > 90 THEN 2
                    WHEN days > 0 THEN 1 ELSE 0 END AS new
    FROM (SELECT id, %(today)s::date - LEAST(
              CASE WHEN principal > 0 THEN due_date END,
              CASE WHEN interest_due > 0 THEN interest_due_since END) AS days
          FROM loans_loan WHERE status = 'open') d
) c WHERE loans_loan.id = c.id AND loans_loan.risk_class <> c.new
"""


def settle_reference_sql() -> str:
    # The same UPDATE the service runs, without the RETURNING / totals wrapper.
    sql = interest.SETTLE_SQL
    body = sql[sql.index("UPDATE loans_loan") : sql.index("RETURNING")]
    return body


def bench_classify(repeat: int):
    ours, ref, changed = [], [], 0
    for _ in range(repeat):
        reset_classes()
        ours.append(timed(lambda: services.loans_classify(today=CLASSIFY_DAY)))
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM loans_classchange")
            changed = cur.fetchone()[0]
        reset_classes()

        def reference():
            with connection.cursor() as cur:
                cur.execute(CLASSIFY_REFERENCE, {"today": CLASSIFY_DAY})

        ref.append(timed(reference))
    # A quiet night: nothing changes class.
    reset_classes()
    timed(lambda: services.loans_classify(today=CLASSIFY_DAY))
    vacuum("loans_loan")
    quiet = timed(lambda: services.loans_classify(today=CLASSIFY_DAY))
    return statistics.median(ours), statistics.median(ref), changed, quiet


def settle_days() -> list[date]:
    """The dates the service settles on SETTLE_RUN_DAY: every quarterly date since the
    oldest unsettled accrual (it catches up missed dates, oldest first), then SETTLE_DAY."""
    with connection.cursor() as cur:
        cur.execute("SELECT min(accrued_through) FROM loans_loan WHERE status = 'open'")
        oldest = cur.fetchone()[0]
    return interest.settle_dates_between(oldest, SETTLE_DAY)


def bench_settle(repeat: int):
    ours, ref, ref_all, count, settled = [], [], [], 0, 0
    for _ in range(repeat):
        reset_interest()
        days = settle_days()
        t = timed(lambda: services.interest_settle(today=SETTLE_RUN_DAY))
        ours.append(t)
        with connection.cursor() as cur:
            cur.execute(
                "SELECT loan_count FROM loans_settlementrun WHERE settle_date = %s", [SETTLE_DAY]
            )
            count = cur.fetchone()[0]
            cur.execute("SELECT sum(loan_count) FROM loans_settlementrun")
            settled = cur.fetchone()[0]
        reset_interest()

        def reference():
            with connection.cursor() as cur:
                cur.execute(settle_reference_sql(), interest.settle_params(SETTLE_DAY))

        ref.append(timed(reference))
        reset_interest()

        def reference_all(days=days):
            # The same UPDATE once per date the service settles (missed dates first).
            with connection.cursor() as cur:
                for day in days:
                    cur.execute(settle_reference_sql(), interest.settle_params(day))

        ref_all.append(timed(reference_all))
    # Second run of the same day: nothing left to settle.
    reset_interest()
    timed(lambda: services.interest_settle(today=SETTLE_RUN_DAY))
    again = timed(lambda: services.interest_settle(today=SETTLE_RUN_DAY))
    reset_interest()
    return (
        statistics.median(ours),
        statistics.median(ref),
        statistics.median(ref_all),
        days,
        count,
        settled,
        again,
    )


def bench_drawdowns(threads: int, draws: int, *, one_line: bool):
    teller = Staff.objects.get(username="BLT")
    certs = list(LoanCertificate.objects.select_related("holder").order_by("id")[: threads * 2])
    today = date(2027, 6, 1)
    errors = []
    done = [0]
    lock = threading.Lock()

    def worker(i):
        cert = certs[0] if one_line else certs[i + threads]
        try:
            for _ in range(draws):
                services.loan_draw(
                    teller=teller,
                    certificate_number=cert.number,
                    id_number=cert.holder.id_number,
                    seal_checked=True,
                    amount=Decimal("100"),
                    due_date=today + timedelta(days=90),
                    idempotency_key=uuid.uuid4(),
                    today=today,
                )
                with lock:
                    done[0] += 1
        except Exception as e:  # reported below
            errors.append(repr(e))
        finally:
            connection.close()

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        print("errors:", errors[:3])
    return done[0], elapsed


def bench_jobs(repeat, classify=True):
    if classify:
        ours, ref, changed, quiet = bench_classify(repeat)
        print(
            f"classification: service {ours:.2f} s, single UPDATE {ref:.2f} s, "
            f"ratio {ours / ref:.2f} ({changed:,} loans changed class); "
            f"quiet night (no change) {quiet:.2f} s"
        )
    ours, ref, ref_all, days, count, settled, again = bench_settle(repeat)
    print(
        f"settlement: service {ours:.2f} s, single UPDATE (last date only) {ref:.2f} s, "
        f"ratio {ours / ref:.2f}; the same UPDATE for each of the {len(days)} dates the "
        f"service settles ({', '.join(str(d) for d in days)}) {ref_all:.2f} s, "
        f"ratio {ours / ref_all:.2f} ({count:,} loans settled on {SETTLE_DAY}, "
        f"{settled:,} loan settlements in all); second run same day {again:.3f} s"
    )


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--loans", type=int, default=1_000_000)
    p.add_argument("--contracts", type=int, default=20_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--draws", type=int, default=100)
    p.add_argument("--only-drawdowns", action="store_true")
    p.add_argument("--only-settlement", action="store_true")
    args = p.parse_args()
    build(args.contracts, args.loans)
    LoanSettings.current()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM loans_loan WHERE status = 'open'")
        n = cur.fetchone()[0]
    print(f"open loans: {n:,}; contracts: {CreditContract.objects.count():,}")

    if args.only_settlement:
        bench_jobs(args.repeat, classify=False)
        return
    if not args.only_drawdowns:
        bench_jobs(args.repeat)
    # Drawdowns run on loans as drawn (nothing classified non-performing yet).
    reset_classes()
    for one_line in (False, True):
        n, elapsed = bench_drawdowns(args.threads, args.draws, one_line=one_line)
        where = "all on one line" if one_line else "one line per thread"
        print(
            f"drawdowns ({args.threads} threads, {where}): {n:,} in {elapsed:.2f} s = "
            f"{n / elapsed:.0f} per second"
        )


if __name__ == "__main__":
    main()
