"""Household list and household search at county scale.

Expects a database generated with ``manage.py generate_demo --households 1000000 --seed 1``:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench .venv/bin/python bench/households.py

For a loan officer (his villages), a director (his cooperative) and a union-wide user it times
the village household list (first and last page) and the household search by name prefix, pinyin
initials and the last 4/6 ID digits: through the selectors (the reads the pages make) and through
the Django test client (the whole page: middleware, session, template). Prints the median and
95th percentile in milliseconds and the number of SQL queries per call.

Options: ``--repeat N`` (default 200 selector calls, a quarter of that for pages),
``--explain`` (print the PostgreSQL plan of each search query).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcoop.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count, OuterRef, Subquery  # noqa: E402
from django.db.models.functions import Collate  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from creditcoop.models import Cooperative, Role, Staff  # noqa: E402
from villages import selectors  # noqa: E402
from villages.models import Household, Member, Village  # noqa: E402

EXPECTED_HOUSEHOLDS = 1_000_000


# -- the reads, through the selectors when they exist ---------------------------------------
def _orm_household_search(*, user, q, page=1, page_size=20):
    members = Member.objects.filter(
        household__village__in=selectors.village_scope(user).values("pk")
    )
    if q.isdigit() or q[:-1].isdigit():
        field, value = "id_reversed", q.upper()[::-1]
    elif q.isascii():
        field, value = "initials", q.lower()
    else:
        field, value = "name", q
    members = members.annotate(key=Collate(field, "C")).filter(key__startswith=value)
    offset = (page - 1) * page_size
    return list(
        members.select_related("household__village", "household__group").order_by("key", "id")[
            offset : offset + page_size + 1
        ]
    )


def _orm_village_households(*, user, village_id, page=1, page_size=50):
    village = selectors.village_get(user, village_id)
    heads = Member.objects.filter(household_id=OuterRef("pk"), relation="head")
    sizes = (
        Member.objects.filter(household_id=OuterRef("pk"))
        .order_by()
        .values("household_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    qs = (
        Household.objects.filter(village_id=village.pk)
        .select_related("group")
        .annotate(head_id_number=Subquery(heads.values("id_number")[:1]), n=Subquery(sizes[:1]))
        .order_by("group_id", "id")
    )
    offset = (page - 1) * page_size
    return [qs.count(), list(qs[offset : offset + page_size])]


household_search = getattr(selectors, "household_search", _orm_household_search)
village_households = getattr(selectors, "village_households", _orm_village_households)
USING_SELECTORS = hasattr(selectors, "household_search") and hasattr(
    selectors, "village_households"
)


def _evaluate(result):
    """Force every row of a page the way a template would."""
    rows = getattr(result, "object_list", result)
    return len(list(rows))


# -- timing -----------------------------------------------------------------------------------
def measure(fn, repeat):
    for _ in range(3):
        fn()
    times = []
    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = len(ctx.captured_queries)
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    return statistics.median(times), p95, max(times), queries


def row(label, stats):
    median, p95, worst, queries = stats
    print(f"| {label} | {median:.1f} | {p95:.1f} | {worst:.1f} | {queries} |", flush=True)


def explain(user, q):
    with CaptureQueriesContext(connection) as ctx:
        _evaluate(household_search(user=user, q=q, page=1))
    for query in ctx.captured_queries:
        if "villages_member" in query["sql"]:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print(f"\n-- {user.username} q={q!r}")
                print("\n".join(r[0] for r in cursor.fetchall()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()

    households = Household.objects.count()
    members = Member.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    print(
        f"数据量：{households:,} 户农户，{members:,} 名家庭成员，"
        f"{Village.objects.count():,} 个行政村，数据库 {size}"
    )
    if households < EXPECTED_HOUSEHOLDS:
        print(
            f"注意：少于 {EXPECTED_HOUSEHOLDS:,} 户；请先运行 "
            "manage.py generate_demo --households 1000000 --seed 1"
        )
    print("读取方式：" + ("villages.selectors" if USING_SELECTORS else "等价的 ORM 查询"))

    # The cooperative in the middle of the list: the first one's households have the lowest
    # ids, which flatters any plan that walks a (name, id) index in order.
    cooperatives = Cooperative.objects.order_by("code")
    middle = cooperatives[cooperatives.count() // 2]
    officer = (
        Staff.objects.filter(roles__contains=[Role.OFFICER], officer_grade=1, cooperative=middle)
        .annotate(n=Count("villages"))
        .filter(n__gt=0)
        .order_by("username")
        .first()
    )
    director = Staff.objects.filter(
        roles__contains=[Role.DIRECTOR], cooperative=officer.cooperative
    ).first()
    union_user = (
        Staff.objects.filter(roles__contains=[Role.UNION_RISK]).order_by("username").first()
    )
    village = Village.objects.filter(officer=officer).order_by("code").first()
    village_size = village.households.count()
    last_page = max(1, -(-village_size // 50))
    # A head with a three-character name from the officer's village, so every search hits.
    name, initials, id_number = next(
        (n, i, x)
        for n, i, x in Member.objects.filter(household__village=village, relation="head")
        .order_by("id")
        .values_list("name", "initials", "id_number")
        if len(n) == 3
    )
    searches = [
        ("姓名前缀：最常见的姓", "王"),
        ("姓名前缀：单字", name[:1]),
        ("姓名前缀：两字", name[:2]),
        ("拼音首字母：三位", initials),
        ("拼音首字母：两位", initials[:2]),
        ("身份证后4位", id_number[-4:]),
        ("身份证后6位", id_number[-6:]),
    ]
    users = [("信贷员", officer), ("信用社主任", director), ("联社", union_user)]
    print(
        f"信贷员 {officer.username}（{officer.villages.count()} 个村），主任 {director.username}"
        f"（{director.cooperative.name}，"
        f"{Household.objects.filter(village__cooperative=director.cooperative).count():,} 户），"
        f"联社 {union_user.username}；村 {village.name}（{village_size} 户，{last_page} 页）；"
        f"样本：{name} {initials} …{id_number[-6:]}"
    )

    print(f"\n读取（selector，{args.repeat} 次）：毫秒")
    print("| 用户 | 操作 | 中位数 | p95 | 最大 | SQL 条数 |")
    print("|---|---|---|---|---|---|")
    for who, user in users:
        for label, page in (("村农户列表 第1页", 1), (f"村农户列表 第{last_page}页", last_page)):
            stats = measure(
                lambda u=user, p=page: _evaluate(
                    village_households(user=u, village_id=village.pk, page=p)
                ),
                args.repeat,
            )
            row(f"{who} | {label}", stats)
        for label, q in searches:
            for page in (1, 3):
                stats = measure(
                    lambda u=user, q=q, p=page: _evaluate(household_search(user=u, q=q, page=p)),
                    args.repeat,
                )
                row(f"{who} | 搜索 {label} “{q}” 第{page}页", stats)

    try:
        list_url = reverse("villages:village_detail", args=[village.pk])
        search_url = reverse("villages:household_search")
    except NoReverseMatch:
        print("\n页面尚不存在，跳过整页测量。")
        return
    repeat = max(10, args.repeat // 4)
    print(f"\n整页（Django 测试客户端，含中间件、会话、模板，{repeat} 次）：毫秒")
    print("| 用户 | 页面 | 中位数 | p95 | 最大 | SQL 条数 |")
    print("|---|---|---|---|---|---|")
    for who, user in users:
        client = Client()
        client.force_login(user)

        def get(url, data, client=client):
            response = client.get(url, data)
            assert response.status_code == 200, (url, data, response.status_code)

        row(f"{who} | 村农户列表 第1页", measure(lambda g=get: g(list_url, {}), repeat))
        row(
            f"{who} | 村农户列表 第{last_page}页",
            measure(lambda g=get: g(list_url, {"page": last_page}), repeat),
        )
        for label, q in searches:
            row(
                f"{who} | 搜索 {label} “{q}”",
                measure(lambda g=get, q=q: g(search_url, {"q": q}), repeat),
            )

    if args.explain:
        for _, user in users:
            for _, q in searches:
                explain(user, q)


if __name__ == "__main__":
    main()
