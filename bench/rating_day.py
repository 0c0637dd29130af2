"""Benchmark: the concentrated rating day (集中评级日) of one village.

1. The grid page: builds a village with N households (head + spouse) and one
   application each in the committee's initial-rating step, then renders the grid page
   for 50 and for N rows: the number of queries must be the same, and the page should
   render in < 300 ms.
2. The bulk actions: a second village of N applications, every row complete, each with
   its initial-rating clock running (deadline engine). The bulk steps of the rating day
   run one after the other — initial → review → decision → the rating group's decision
   → the committee's proposals moved on → officer, review group and director adopting
   the previous amount — timed and counted, then rolled back so every repeat starts
   from the same rows. The same sequence on 50 rows shows whether the query count
   depends on the number of rows.

    .venv/bin/python bench/rating_day.py [--rows 500] [--repeat 20] [--bulk-repeat 3]

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


FULL_SCORES = {
    "reputation": 20,
    "repayment": 20,
    "income_per_person": 15,
    "net_assets": 12,
    "labour": 10,
    "debt_ratio": 6,
}  # 83 points: AAA on the default scorecard


def staff(coop, username, name, roles, grade=None):
    from creditcoop.models import Staff

    person, _ = Staff.objects.get_or_create(
        username=username,
        defaults={
            "name": name,
            "union": coop.union,
            "cooperative": coop,
            "roles": roles,
            "officer_grade": grade,
        },
    )
    return person


def build(code, rows, *, complete=False):
    """A village of `rows` households with one application each in the initial step.

    complete=False: a third of the rows carry one score (the page benchmark).
    complete=True: every row is fully scored and its initial-rating clock runs.
    """
    from creditcoop.models import Cooperative, Role, Union
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
    officer = staff(coop, "BENCH-O1", "基准信贷员", [Role.OFFICER], grade=1)
    staff(coop, "BENCH-R1", "基准审贷员", [Role.REVIEW_GROUP])
    staff(coop, "BENCH-D1", "基准主任", [Role.DIRECTOR])
    village = Village.objects.create(
        cooperative=coop, name=f"基准村{code[6:]}", code=code, officer=officer
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
                    village=village,
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

    def scores(i):
        if complete:
            return {"initial_scores": FULL_SCORES, "initial_total": 83, "initial_grade": "AAA"}
        return {"initial_scores": {"reputation": 20} if i % 3 == 0 else {}}

    apps = CreditApplication.objects.bulk_create(
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
            **scores(i),
            **{f: True for f in CreditApplication.REQUIRED_DOCUMENTS},
        )
        for i, h in enumerate(households)
    )
    if complete:
        # Submitted from the draft step: the initial-rating clock of every row runs.
        for app in apps:
            app.village = village
        services._steps_follow(
            [(app, CreditApplication.Status.DRAFT) for app in apps], actor=officer
        )
    return campaign


BULK_STEPS = [
    ("初评 → 审核 (initial → review)", "initial", "BENCH-O1", False),
    ("审核 → 评定 (review → decision)", "review", "BENCH-O1", False),
    ("评定小组评定 (decision → proposal)", None, "BENCH-R1", False),
    ("建议额度 → 信贷员意见 (proposal → officer)", "line_proposal", "BENCH-O1", False),
    ("信贷员按建议额度 (officer → review group)", "line_officer", "BENCH-O1", True),
    ("审贷小组按信贷员意见 (review group → director)", "line_review", "BENCH-R1", True),
    ("主任按审贷小组意见核定 (director → line set)", "line_director", "BENCH-D1", True),
]


def measure_bulk(campaign, repeat):
    """{step label: (queries, [ms per repeat], rows moved)} for the bulk steps, rolled back."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from creditcoop.models import Staff
    from ratings import services

    people = {s.username: s for s in Staff.objects.filter(username__startswith="BENCH-")}
    results = {label: [None, [], 0] for label, *_rest in BULK_STEPS}
    for _ in range(repeat):
        with transaction.atomic():
            for label, status, who, accept in BULK_STEPS:
                actor = people[who]
                if status == "line_proposal":
                    # The committee's proposals, entered row by row on the grid (not timed).
                    campaign.applications.filter(status=status).update(
                        proposed_line=30000, proposed_term=12
                    )
                connection.queries_log.clear()  # the log keeps only the last 9,000
                with CaptureQueriesContext(connection) as ctx:
                    t = time.perf_counter()
                    if status is None:
                        apps = list(campaign.applications.filter(status="decision"))
                        services.applications_decide(
                            actor=actor,
                            applications=apps,
                            held_on=timezone.localdate(),
                            members=[actor],
                        )
                        moved, skipped = len(apps), []
                    else:
                        moved, skipped = services.applications_advance(
                            actor=actor, campaign=campaign, status=status, accept_previous=accept
                        )
                    elapsed = (time.perf_counter() - t) * 1000
                assert not skipped, skipped[:3]
                results[label][0] = len(ctx)
                results[label][1].append(elapsed)
                results[label][2] = moved
            transaction.set_rollback(True)
    return results


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
    parser.add_argument("--bulk-repeat", type=int, default=3)
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

    bulk_small = build("BENCH-BULK-50", 50, complete=True)
    bulk_big = build(f"BENCH-BULK-{args.rows}", args.rows, complete=True)
    small_res = measure_bulk(bulk_small, args.bulk_repeat)
    big_res = measure_bulk(bulk_big, args.bulk_repeat)
    print()
    print(f"bulk steps (median of {args.bulk_repeat}; queries for 50 rows / {args.rows} rows):")
    for label, *_rest in BULK_STEPS:
        q50, times50, _moved50 = small_res[label]
        q, times, moved = big_res[label]
        print(
            f"  {label}: {moved} rows, {q50} / {q} queries, "
            f"median {statistics.median(times):.0f} ms (50 rows: {statistics.median(times50):.0f} ms)"
        )


if __name__ == "__main__":
    main()
