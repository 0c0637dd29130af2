"""Monthly figures for two cooperatives, four villages and 13 months, stored as the nightly
job stores them (one row per month, cooperative, village or none, metric and key; zeros left
out). Every expected number in the tests is worked out by hand from the values below."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from creditcoop.models import FigureMonth, MonthlyFigure
from creditcoop.reporting.dashboard import months_back
from recovery.models import VintageScheme, VintageSegment
from tests import factories as f

LATEST = date(2026, 11, 30)
MONTHS = months_back(LATEST, 13)  # 2025-11-30 … 2026-11-30; index i = 0 … 12


def village_figures(line_total, line_used, households, rated, credit, counts, balances):
    rows = {
        ("households", ""): households,
        ("households_rated", ""): rated,
        ("households_credit", ""): credit,
        ("line_total", ""): line_total,
        ("line_used", ""): line_used,
    }
    rows.update({("class_count", k): v for k, v in counts.items()})
    rows.update({("class_balance", k): v for k, v in balances.items()})
    return rows


def store(month, coop, village, figures):
    return [
        MonthlyFigure(
            month=month,
            cooperative=coop,
            village_id=village.pk if village else None,
            metric=metric,
            key=key,
            value=Decimal(value),
        )
        for (metric, key), value in figures.items()
        if value
    ]


@pytest.fixture
def world(org):
    """a1 and a3 are officer1's, a2 officer2's (cooperative A); b1 is cooperative B's."""
    o = org
    o.village_a3 = f.VillageFactory(cooperative=o.coop_a, name="赵营村", officer=o.officer1)
    scheme = VintageScheme.objects.create(code="t-split", name="测试划段", position=99)
    o.seg_old = VintageSegment.objects.create(
        scheme=scheme, name="老贷款", ends_before=date(2004, 6, 1), position=1
    )
    o.seg_new = VintageSegment.objects.create(
        scheme=scheme, name="新贷款", starts_on=date(2004, 6, 1), position=2
    )
    old_key, new_key = f"{scheme.pk}:{o.seg_old.pk}", f"{scheme.pk}:{o.seg_new.pk}"
    o.old_key, o.new_key = old_key, new_key
    rows = []
    for i, month in enumerate(MONTHS):
        FigureMonth.objects.create(month=month, taken_on=month, final=month != LATEST)
        # a1's substandard balance grows by 1,000 a month up to 30,000 in the latest month;
        # its normal balance gives way so that its balance stays 600,000.
        sub = 30000 if month == LATEST else 1000 * i
        a1 = village_figures(
            1_000_000, 600_000, 100, 80, 60,
            {"0": 50, "1": 5, "2": 3, "3": 1, "4": 1},
            {"0": 530_000 - sub, "1": 40_000, "2": sub, "3": 20_000, "4": 10_000},
        )  # fmt: skip
        a2 = village_figures(
            2_000_000, 900_000, 200, 150, 90,
            {"0": 80, "1": 2, "2": 1},
            {"0": 850_000, "1": 30_000, "2": 20_000},
        )  # fmt: skip
        a3 = village_figures(
            300_000, 150_000, 50, 30, 20, {"0": 18, "3": 2}, {"0": 130_000, "3": 20_000}
        )
        b1 = village_figures(
            4_000_000, 3_000_000, 400, 300, 200, {"0": 150, "4": 5}, {"0": 2_900_000, "4": 100_000}
        )
        if month == LATEST:
            a1.update({
                ("migration_count", "0-1"): 4, ("migration_balance", "0-1"): 32_000,
                ("migration_count", "1-2"): 2, ("migration_balance", "1-2"): 12_000,
                ("migration_count", "2-1"): 1, ("migration_balance", "2-1"): 5_000,
                ("notices_running", ""): 1, ("objections_open", ""): 2,
                ("objections_month", ""): 3,
                ("drawdowns_count", ""): 7, ("drawdowns_amount", ""): 70_000,
                ("repayments_count", ""): 4, ("repayments_amount", ""): 21_000,
                ("repayments_principal", ""): 20_000,
            })  # fmt: skip
            a2.update({("migration_count", "0-1"): 1, ("migration_balance", "0-1"): 9_000})
            b1.update({("migration_count", "0-4"): 5, ("migration_balance", "0-4"): 100_000})
            coop_a = {
                ("npl_register_count", ""): 10, ("npl_register_balance", ""): 150_000,
                ("npl_vintage_count", old_key): 4, ("npl_vintage_balance", old_key): 60_000,
                ("npl_vintage_count", new_key): 6, ("npl_vintage_balance", new_key): 90_000,
                ("recovered_amount", ""): 12_000, ("recovered_amount", "cash"): 10_000,
                ("recovered_amount", "restructured"): 2_000,
                ("recovered_year", ""): 90_000, ("recovery_baseline", ""): 120_000,
                ("limitation_expiring", "30"): 1, ("limitation_expiring", "60"): 3,
                ("limitation_expiring", "90"): 4,
                ("archive_incomplete", ""): 5, ("archive_lent", ""): 2,
                ("archive_overdue", ""): 1,
                ("deadlines_closed", "walkin_answer"): 10,
                ("deadlines_on_time", "walkin_answer"): 9,
                ("deadlines_closed", "objection"): 4, ("deadlines_on_time", "objection"): 3,
                ("deadlines_open_overdue", ""): 2,
            }  # fmt: skip
            coop_b = {
                ("npl_register_count", ""): 5, ("npl_register_balance", ""): 100_000,
                ("npl_vintage_count", new_key): 5, ("npl_vintage_balance", new_key): 100_000,
                ("recovered_amount", ""): 1_000, ("recovered_amount", "cash"): 1_000,
                ("recovered_year", ""): 10_000, ("recovery_baseline", ""): 40_000,
                ("deadlines_closed", "walkin_answer"): 6,
                ("deadlines_on_time", "walkin_answer"): 3,
            }  # fmt: skip
            rows += store(month, o.coop_a, None, coop_a) + store(month, o.coop_b, None, coop_b)
        rows += store(month, o.coop_a, o.village_a1, a1)
        rows += store(month, o.coop_a, o.village_a2, a2)
        rows += store(month, o.coop_a, o.village_a3, a3)
        rows += store(month, o.coop_b, o.village_b1, b1)
    MonthlyFigure.objects.bulk_create(rows)
    return o
