"""The monthly reports (月报): print pages and Excel of a cooperative and of the union, their
totals worked out by hand from ``conftest.world``."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.html import table_header, table_rows, text_of

pytestmark = pytest.mark.django_db


def report(client, code, **query):
    response = client.get(reverse("dashboard:report", args=[code]), query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def workbook(client, code, **query):
    response = client.get(reverse("dashboard:report_xlsx", args=[code]), query)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def test_five_class_table_of_a_cooperative(login, world):
    html = report(login(world.director), "five-class")
    assert text_of(html, "report-title") == "东城信用社 五级分类统计表"
    head = text_of(html, "report-head")
    assert "2026年11月" in head and "周主任" in head
    rows = table_rows(html, "report")
    assert [r[0] for r in rows] == ["张庄村", "李屯村", "赵营村", "合计"]
    # 张庄村: 50/500,000 5/40,000 3/30,000 1/20,000 1/10,000; 60 loans, 600,000, NPL 60,000.
    assert rows[0][1:] == [
        "50", "500,000.00", "5", "40,000.00", "3", "30,000.00", "1", "20,000.00", "1",
        "10,000.00", "60", "600,000.00", "60,000.00", "10.00%",
    ]  # fmt: skip
    # Totals: 148 normal (50 + 80 + 18) … 163 loans (60 + 83 + 20), 1,650,000, NPL 100,000
    # = 6.06 %.
    assert rows[3][1:3] == ["148", "1,480,000.00"]
    assert rows[3][-4:] == ["163", "1,650,000.00", "100,000.00", "6.06%"]
    assert "正常" in table_header(html, "report")
    assert "制表" in html and "审核" in html and "负责人" in html
    assert "@page { size: A4" in html and "table-header-group" in html


def test_union_five_class_table_sums_its_cooperatives(login, world):
    rows = table_rows(report(login(world.union_risk), "five-class"), "report")
    assert [r[0] for r in rows] == ["东城信用社", "西城信用社", "合计"]
    assert rows[1][-4:] == ["155", "3,000,000.00", "100,000.00", "3.33%"]
    # 4,650,000 in all, NPL 200,000 = 4.30 %.
    assert rows[2][-4:] == ["318", "4,650,000.00", "200,000.00", "4.30%"]


def test_vintage_table(login, world):
    rows = table_rows(report(login(world.director), "vintage"), "report")
    assert rows == [
        ["测试划段 · 老贷款", "4", "60,000.00", "40.00%"],  # 60,000 / 150,000
        ["测试划段 · 新贷款", "6", "90,000.00", "60.00%"],
        ["不良贷款登记合计", "10", "150,000.00", "100.00%"],
    ]
    union = table_rows(report(login(world.auditor), "vintage"), "report")
    # 新贷款 90,000 + 100,000 of 250,000 = 76.00 %.
    assert union[1] == ["测试划段 · 新贷款", "11", "190,000.00", "76.00%"]


def test_recovery_table(login, world):
    rows = table_rows(report(login(world.director), "recovery"), "report")
    assert rows[0] == ["东城信用社", "12,000.00", "10,000.00", "2,000.00", "90,000.00",
                       "120,000.00", "75.00%"]  # fmt: skip
    union = table_rows(report(login(world.union_asset), "recovery"), "report")
    assert [r[0] for r in union] == ["东城信用社", "西城信用社", "合计"]
    # 100,000 of 160,000 = 62.50 %.
    assert union[2] == ["合计", "13,000.00", "11,000.00", "2,000.00", "100,000.00",
                        "160,000.00", "62.50%"]  # fmt: skip


def test_deadline_table(login, world):
    html = report(login(world.director), "deadlines")
    assert table_rows(html, "report") == [
        ["异议处理", "4", "3", "1", "75.00%"],
        ["调查并答复客户", "10", "9", "1", "90.00%"],
        ["合计", "14", "12", "2", "85.71%"],
    ]
    assert "月末仍超期未办结：2 件" in html


def test_union_staff_pick_a_cooperative_and_a_month(login, world):
    client = login(world.union_risk)
    html = report(client, "five-class", coop=world.coop_b.pk, month="2026-10")
    assert text_of(html, "report-title") == "西城信用社 五级分类统计表"
    assert [r[0] for r in table_rows(html, "report")] == ["王湾村", "合计"]
    # October, cooperative A: 张庄村's 次级 11,000.
    html = report(client, "five-class", coop=world.coop_a.pk, month="2026-10")
    assert table_rows(html, "report")[0][5:7] == ["3", "11,000.00"]


def test_excel_reads_back_with_numbers_and_totals(login, world):
    ws = workbook(login(world.director), "five-class", month="2026-11")
    rows = list(ws.values)
    assert "五级分类统计表" in rows[0][0] and "东城信用社 2026年11月" in rows[0][0]
    assert rows[1][:3] == ("行政村", "正常笔数", "正常余额")
    assert rows[1][-1] == "不良率（%）"
    assert ws.freeze_panes == "A3"
    assert rows[2][0] == "张庄村" and rows[2][1] == 50 and rows[2][2] == 500000
    assert rows[-1][0] == "合计"
    assert rows[-1][-4:] == (163, 1650000, 100000, 6.06)


def test_excel_of_every_report_opens(login, world):
    client = login(world.union_risk)
    for code, first in (("vintage", "测试划段 · 老贷款"), ("recovery", "东城信用社"),
                        ("deadlines", "异议处理")):  # fmt: skip
        rows = list(workbook(client, code).values)
        assert rows[2][0] == first


def test_reports_index_lists_the_four(login, world):
    html = login(world.director).get(reverse("dashboard:reports")).content.decode()
    assert [r[0] for r in table_rows(html, "report-list")] == [
        "五级分类统计表", "不良贷款账龄分析表", "清收情况表", "限时办结情况表"
    ]  # fmt: skip


def test_reports_scope_and_roles(login, world):
    director = login(world.director)
    url = reverse("dashboard:report", args=["five-class"])
    assert director.get(url, {"coop": world.coop_b.pk}).status_code == 404
    assert director.get(url, {"coop": "x"}).status_code == 404
    assert director.get(reverse("dashboard:report", args=["nothing"])).status_code == 404
    xlsx = reverse("dashboard:report_xlsx", args=["five-class"])
    assert director.get(xlsx, {"coop": world.coop_b.pk}).status_code == 404
    for who in ("officer1", "teller", "committee"):
        client = login(getattr(world, who))
        assert client.get(url).status_code == 403
        assert client.get(reverse("dashboard:reports")).status_code == 403


def test_reports_before_any_figures(login, org):
    client = login(org.director)
    assert "尚未生成月度数据" in client.get(reverse("dashboard:reports")).content.decode()
    assert client.get(reverse("dashboard:report", args=["five-class"])).status_code == 404
