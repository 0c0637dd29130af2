"""The dashboards as a person reads them: every number checked against the figures stored in
``conftest.world`` and worked out by hand."""

from __future__ import annotations

import pytest
from django.urls import reverse

from creditcoop.models import FigureMonth, MonthlyFigure
from tests.html import table_rows, text_of

pytestmark = pytest.mark.django_db


def page_of(client, url, **query):
    response = client.get(url, query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def home(login, user, **query):
    return page_of(login(user), reverse("dashboard:home"), **query)


def test_union_staff_see_the_union_summed(login, world):
    html = home(login, world.union_risk)
    # 1,000,000 + 2,000,000 + 300,000 + 4,000,000 granted; 600,000 + 900,000 + 150,000
    # + 3,000,000 used: 4,650,000 / 7,300,000 = 63.70 %.
    assert text_of(html, "line-total") == "7,300,000.00"
    assert text_of(html, "line-used") == "4,650,000.00"
    assert text_of(html, "utilisation") == "63.70%"
    # Households 750, rated 560 (74.67 %), credit 370 (49.33 %).
    assert text_of(html, "households") == "750"
    assert text_of(html, "rated-share") == "74.67%"
    assert text_of(html, "credit-share") == "49.33%"
    # NPL: a1 60,000 + a2 20,000 + a3 20,000 + b1 100,000 = 200,000 of 4,650,000 = 4.30 %.
    assert text_of(html, "npl-balance") == "200,000.00"
    assert text_of(html, "npl-ratio") == "4.30%"
    assert table_rows(html, "classes")[4][:3] == ["损失", "6", "110,000.00"]
    # Recovery: 10,000 + 90,000 this year of 40,000 + 120,000 baseline = 62.50 %.
    assert text_of(html, "recovered-year") == "100,000.00"
    assert text_of(html, "of-baseline") == "62.50%"
    # Deadlines: 20 closed, 15 on time = 75.00 %.
    assert text_of(html, "on-time-rate") == "75.00%"
    # One breakdown row per cooperative, each linking to its page.
    rows = table_rows(html, "breakdown")
    assert [r[0] for r in rows] == ["东城信用社", "西城信用社"]
    assert rows[0][1:] == [
        "350", "170", "48.57%", "3,300,000.00", "1,650,000.00", "50.00%", "100,000.00", "6.06%"
    ]  # fmt: skip
    assert rows[1][7:] == ["100,000.00", "3.33%"]
    assert reverse("dashboard:cooperative", args=[world.coop_a.pk]) in html


def test_cooperative_page_sums_its_villages_only(login, world):
    html = home(login, world.director)
    assert text_of(html, "dash-title").startswith("东城信用社")
    assert text_of(html, "line-total") == "3,300,000.00"
    assert text_of(html, "utilisation") == "50.00%"
    # 100,000 NPL of 1,650,000 = 6.0606 % → 6.06 %.
    assert text_of(html, "npl-ratio") == "6.06%"
    assert text_of(html, "recovered-month") == "12,000.00"
    assert text_of(html, "of-baseline") == "75.00%"  # 90,000 / 120,000
    # Deadlines: 9 of 10 and 3 of 4: 12 of 14 = 85.71 %.
    assert text_of(html, "on-time-rate") == "85.71%"
    assert table_rows(html, "deadlines") == [
        ["异议处理", "4", "3", "1", "75.00%"],
        ["调查并答复客户", "10", "9", "1", "90.00%"],
        ["合计", "14", "12", "2", "85.71%"],
        ["月末仍超期未办结", "2"],
    ]
    assert table_rows(html, "vintage") == [
        ["测试划段 · 老贷款", "4", "60,000.00"],
        ["测试划段 · 新贷款", "6", "90,000.00"],
        ["不良贷款登记", "10", "150,000.00"],
    ]
    assert [r[1] for r in table_rows(html, "limitation")] == ["1", "3", "4"]
    assert [r[1] for r in table_rows(html, "archives")] == ["5", "2", "1"]
    rows = table_rows(html, "breakdown")
    assert [r[0] for r in rows] == ["张庄村", "李屯村", "赵营村"]
    # a3: 20,000 NPL of 150,000 = 13.33 %; a2: 20,000 of 900,000 = 2.22 %.
    assert rows[2][-1] == "13.33%" and rows[1][-1] == "2.22%"
    assert "西城信用社" not in html and "王湾村" not in html


def test_the_same_cooperative_opened_from_the_union(login, world):
    client = login(world.auditor)
    html = page_of(client, reverse("dashboard:cooperative", args=[world.coop_a.pk]))
    assert text_of(html, "line-used") == "1,650,000.00"
    assert text_of(html, "npl-ratio") == "6.06%"
    assert "王湾村" not in html


def test_village_page(login, world):
    client = login(world.union_asset)
    html = page_of(client, reverse("dashboard:village", args=[world.village_a1.pk]))
    assert text_of(html, "utilisation") == "60.00%"  # 600,000 / 1,000,000
    assert text_of(html, "npl-ratio") == "10.00%"  # 60,000 / 600,000
    assert table_rows(html, "flow")[0][1:] == ["7 笔", "70,000.00 元"]
    # Cooperative-level figures (register, recovery…) are not a village's.
    assert 'id="sec-recovery"' not in html
    assert "东城信用社" in text_of(html, "crumbs")


def test_officer_sees_the_sum_of_their_own_villages(login, world):
    html = home(login, world.officer1)
    # a1 + a3: 1,300,000 granted, 750,000 used = 57.69 %; NPL 60,000 + 20,000 = 80,000
    # of 750,000 = 10.67 %.
    assert text_of(html, "line-total") == "1,300,000.00"
    assert text_of(html, "utilisation") == "57.69%"
    assert text_of(html, "npl-ratio") == "10.67%"
    assert [r[0] for r in table_rows(html, "breakdown")] == ["张庄村", "赵营村"]
    assert "李屯村" not in html
    assert 'id="sec-deadlines"' not in html
    village = page_of(
        login(world.officer1), reverse("dashboard:village", args=[world.village_a3.pk])
    )
    assert text_of(village, "npl-ratio") == "13.33%"


def test_migration_matrix_cells(login, world):
    html = home(login, world.director)
    # Cooperative A: 0→1 a1 4 (32,000) + a2 1 (9,000); 1→2 2 (12,000); 2→1 1 (5,000).
    assert text_of(html, "mig-0-1") == "5 41,000.00"
    assert text_of(html, "mig-1-2") == "2 12,000.00"
    assert text_of(html, "mig-2-1") == "1 5,000.00"
    assert text_of(html, "mig-0-4") == "0"
    rows = table_rows(html, "migration")
    assert [r[0] for r in rows] == ["正常", "关注", "次级", "可疑", "损失"]
    union = home(login, world.union_risk)
    assert text_of(union, "mig-0-4") == "5 100,000.00"  # cooperative B's


def test_trend_per_month(login, world):
    rows = table_rows(home(login, world.union_risk), "trend")
    assert [r[0] for r in rows] == [
        "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05",
        "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
    ]  # fmt: skip
    # Union NPL in month i: 170,000 + 1,000 × i of 4,650,000 (i = 1 for 2025-12).
    assert rows[0][-1] == "3.68%"  # 171,000
    assert rows[10][-1] == "3.89%"  # 181,000
    assert rows[11][-1] == "4.30%"  # 200,000
    # 次级 balances: a1's 1,000 × i plus a2's 20,000.
    assert rows[0][3] == "21,000.00" and rows[11][3] == "50,000.00"
    assert rows[0][6] == "4,650,000.00"


def test_as_of_picker_changes_the_month(login, world):
    html = home(login, world.director, month="2026-10")
    assert "2026年10月" in text_of(html, "dash-title")
    # a1's NPL in October: 11,000 + 20,000 + 10,000; cooperative A 81,000 / 1,650,000.
    assert text_of(html, "npl-ratio") == "4.91%"
    # No migration, recovery or deadlines were stored for October.
    assert text_of(html, "mig-0-1") == "0"
    assert text_of(html, "on-time-rate") == "—"
    # The trend now ends in October and starts with the oldest month kept.
    trend = table_rows(home(login, world.union_risk, month="2026-10"), "trend")
    assert trend[0][0] == "2025-11" and trend[0][-1] == "3.66%"  # 170,000 / 4,650,000
    assert 'value="2026-10" selected' in html
    # A month without figures falls back to the latest.
    assert text_of(home(login, world.director, month="2019-01"), "npl-ratio") == "6.06%"


def test_latest_month_not_yet_final_says_so(login, world):
    html = home(login, world.director)
    assert "月末后定稿" in text_of(html, "not-final")


def test_no_figures_yet_banner(login, org):
    html = home(login, org.director)
    assert "尚未生成月度数据" in text_of(html, "no-figures")
    assert 'id="classes"' not in html


def test_out_of_scope_is_404(login, world):
    director = login(world.director)
    assert director.get(reverse("dashboard:cooperative", args=[world.coop_b.pk])).status_code == 404
    assert director.get(reverse("dashboard:village", args=[world.village_b1.pk])).status_code == 404
    assert director.get(reverse("dashboard:village", args=[999999])).status_code == 404
    officer = login(world.officer1)
    assert officer.get(reverse("dashboard:village", args=[world.village_a2.pk])).status_code == 404
    assert officer.get(reverse("dashboard:cooperative", args=[world.coop_a.pk])).status_code == 404
    own = officer.get(reverse("dashboard:village", args=[world.village_a1.pk]))
    assert own.status_code == 200


@pytest.mark.parametrize("who", ["teller", "committee", "reviewer", "archivist"])
def test_roles_without_a_dashboard_get_403_and_no_menu_entry(login, world, who):
    client = login(getattr(world, who))
    assert client.get(reverse("dashboard:home")).status_code == 403
    assert client.get(reverse("dashboard:village", args=[world.village_a1.pk])).status_code == 403
    assert "经营分析" not in client.get(reverse("home")).content.decode()


def test_menu_entry_for_those_with_a_dashboard(login, world):
    html = login(world.director).get(reverse("home")).content.decode()
    assert "经营分析" in html and reverse("dashboard:home") in html


def test_dashboard_reads_no_loan_or_household_table(login, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.union_risk)
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("dashboard:home"))
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    for table in ("loans_loan", "loans_creditcontract", "villages_household", "recovery_nplrecord"):
        assert table not in sql
    assert MonthlyFigure._meta.db_table in sql and FigureMonth._meta.db_table in sql


def test_selector_sums_the_scope(world):
    from django.http import Http404

    from creditcoop.reporting.dashboard import dashboard_figures

    from .conftest import LATEST

    mine = dashboard_figures(world.officer1, as_of=LATEST)
    assert mine.totals.of("line_used") == 750_000  # a1 600,000 + a3 150,000
    assert set(mine.by_child) == {world.village_a1.pk, world.village_a3.pk}
    union = dashboard_figures(world.auditor, cooperative_id=world.coop_b.pk, as_of=LATEST)
    assert union.totals.of("class_balance", "4") == 100_000
    assert union.trend[LATEST].of("class_balance", "0") == 2_900_000
    with pytest.raises(Http404):
        dashboard_figures(world.director, village_id=world.village_b1.pk, as_of=LATEST)
