"""A dashboard costs the same number of queries whatever the size of its scope."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from creditcoop.models import FigureMonth, MonthlyFigure
from creditcoop.reporting.dashboard import months_back
from tests import factories as f

from .conftest import LATEST

pytestmark = pytest.mark.django_db

METRICS = [
    ("households", ""), ("line_total", ""), ("line_used", ""), ("class_balance", "0"),
    ("class_balance", "2"), ("class_count", "0"), ("migration_count", "0-1"),
]  # fmt: skip
COOP_METRICS = [("npl_vintage_count", "1:1"), ("deadlines_closed", "objection")]


def fill(coop, villages):
    rows = []
    for month in months_back(LATEST, 13):
        FigureMonth.objects.get_or_create(month=month, defaults={"taken_on": month})
        for v in villages:
            rows += [
                MonthlyFigure(month=month, cooperative=coop, village_id=v.pk, metric=m, key=k,
                              value=Decimal(7))
                for m, k in METRICS
            ]  # fmt: skip
        rows += [
            MonthlyFigure(month=month, cooperative=coop, metric=m, key=k, value=Decimal(3))
            for m, k in COOP_METRICS
        ]
    MonthlyFigure.objects.bulk_create(rows, ignore_conflicts=True)


def add_villages(org, coop, n, officer=None):
    villages = [
        f.VillageFactory(cooperative=coop, officer=officer or org.officer2) for _ in range(n)
    ]
    fill(coop, villages)
    return villages


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


# Session, user, the page's own: months kept, the scope (cooperatives or villages), the
# month's figures, the trend, the vintage names; and what every page's frame reads.
def test_cooperative_page_same_queries_for_2_and_40_villages(org, login, django_assert_num_queries):
    fill(org.coop_a, [org.village_a1, org.village_a2])
    client = login(org.director)
    url = reverse("dashboard:home")
    small = count(client, url)
    add_villages(org, org.coop_a, 38)
    with django_assert_num_queries(small):
        html = client.get(url).content.decode()
    assert html.count("/dashboard/villages/") == 40
    auditor = login(org.auditor)
    coop_url = reverse("dashboard:cooperative", args=[org.coop_a.pk])
    with django_assert_num_queries(small):  # the same cooperative seen from the union
        auditor.get(coop_url)


def test_union_page_same_queries_for_2_and_12_cooperatives(org, login, django_assert_num_queries):
    fill(org.coop_a, [org.village_a1, org.village_a2])
    fill(org.coop_b, [org.village_b1])
    client = login(org.union_risk)
    url = reverse("dashboard:home")
    small = count(client, url)
    for i in range(10):
        coop = f.CooperativeFactory(union=org.union, code=f"C{i:03d}")
        add_villages(org, coop, 4)
    with django_assert_num_queries(small):
        html = client.get(url).content.decode()
    assert html.count("/dashboard/cooperatives/") == 12
    # The union's page and one cooperative's page of the same person cost the same, give or
    # take the cooperative's list of villages.
    coop_page = count(client, reverse("dashboard:cooperative", args=[org.coop_a.pk]))
    assert coop_page == small + 1


def test_officer_page_same_queries_for_1_and_10_villages(org, login, django_assert_num_queries):
    fill(org.coop_a, [org.village_a1])
    client = login(org.officer1)
    url = reverse("dashboard:home")
    small = count(client, url)
    add_villages(org, org.coop_a, 9, officer=org.officer1)
    with django_assert_num_queries(small):
        html = client.get(url).content.decode()
    assert html.count("/dashboard/villages/") == 10
