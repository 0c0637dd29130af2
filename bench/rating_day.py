"""Benchmark: the concentrated rating day page (集中评级日) of one village.

Builds a village with N households (head + spouse) and one application each in the
committee's initial-rating step, then renders the grid page for 50 and for N rows:
the number of queries must be the same, and the page should render in < 300 ms.

    .venv/bin/python bench/rating_day.py [--rows 500] [--repeat 20]

Uses its own database ``cc_bench_ratings`` (created and migrated when missing).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cc_bench_ratings")
os.environ["DATABASE_URL"] = BASE_URL.rsplit("/", 1)[0] + "/cc_bench_ratings"
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ["DEBUG"] = "0"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcoop.settings")


def ensure_database():
    import psycopg2

    url = os.environ["DATABASE_URL"]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = 'cc_bench_ratings'")
        if not cur.fetchone():
            cur.execute("CREATE DATABASE cc_bench_ratings")
    admin.close()


def build(code, rows):
    from creditcoop.models import Cooperative, Role, Staff, Union
    from ratings import services
    from ratings.models import CreditApplication, RatingCampaign
    from tests.factories import make_id_number
    from villages.models import Household, Member, Village, VillageGroup

    village = Village.objects.filter(code=code).first()
    if village and village.credit_applications.count() == rows:
        return RatingCampaign.objects.get(village=village)
    union, _ = Union.objects.get_or_create(name="基准测试联社")
    coop, _ = Cooperative.objects.get_or_create(
        code="BENCH", defaults={"union": union, "name": "基准测试信用社"}
    )
    officer, _ = Staff.objects.get_or_create(
        username="BENCH-O1",
        defaults={
            "name": "基准信贷员",
            "union": union,
            "cooperative": coop,
            "roles": [Role.OFFICER],
            "officer_grade": 1,
        },
    )
    village = Village.objects.create(
        cooperative=coop, name=f"基准村{rows}", code=code, officer=officer
    )
    groups = [
        VillageGroup.objects.create(village=village, number=i + 1, name=f"{i + 1}组")
        for i in range(10)
    ]
    households = Household.objects.bulk_create(
        Household(
            village=village,
            group=groups[i % 10],
            head_name=f"户主{i}",
            phone=f"138{i:08d}",
            main_business="种植",
        )
        for i in range(rows)
    )
    seq = Member.objects.count() + rows * 10 + 1000 * len(code)
    members = []
    for i, h in enumerate(households):
        for rel, name in (("head", h.head_name), ("spouse", f"配偶{i}")):
            seq += 1
            idn = make_id_number(
                seq % 1000,
                date(1960 + seq % 40, 1 + seq % 12, 1 + seq % 28),
                f"5{(seq // 1000) % 100000:05d}",
            )
            members.append(
                Member(
                    household=h,
                    name=name,
                    relation=rel,
                    id_number=idn,
                    id_reversed=idn[::-1],
                    initials="hz",
                )
            )
    Member.objects.bulk_create(members)
    heads = {m.household_id: m for m in members if m.relation == "head"}
    campaign = RatingCampaign.objects.create(
        village=village, year=2025, rating_date=date(2025, 3, 10), officer=officer
    )
    card = services.scorecard_current()
    CreditApplication.objects.bulk_create(
        CreditApplication(
            household=h,
            applicant=heads[h.pk],
            village=village,
            campaign=campaign,
            status=CreditApplication.Status.INITIAL,
            requested_amount=30000,
            scorecard=card,
            family_size=2,
            annual_net_income=80000,
            initial_scores={"reputation": 20} if i % 3 == 0 else {},
            **{f: True for f in CreditApplication.REQUIRED_DOCUMENTS},
        )
        for i, h in enumerate(households)
    )
    return campaign


def measure(campaign, repeat):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(campaign.village.officer)
    url = f"/ratings/campaigns/{campaign.pk}/?step=initial"
    response = client.get(url)  # warm up templates and the connection
    assert response.status_code == 200, response.status_code
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    queries = len(ctx)  # read now: the next request resets the query log
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
    return queries, statistics.median(times), max(times), len(response.content)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    # Keep one connection for the whole run so the captured query log is complete.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    call_command("migrate", verbosity=0)
    small = build("BENCH-RD-50", 50)
    big = build(f"BENCH-RD-{args.rows}", args.rows)
    q_small, med_small, _, _ = measure(small, args.repeat)
    q_big, med_big, worst, size = measure(big, args.repeat)
    print(f"rating day page, 50 rows:  {q_small} queries, median {med_small:.1f} ms")
    print(
        f"rating day page, {args.rows} rows: {q_big} queries, median {med_big:.1f} ms, "
        f"worst {worst:.1f} ms, {size / 1024:.0f} KiB HTML"
    )
    print("constant query count:", "yes" if q_small == q_big else "NO")
    print("under 300 ms:", "yes" if med_big < 300 else "NO")


if __name__ == "__main__":
    main()
