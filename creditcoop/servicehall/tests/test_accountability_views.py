import json
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from creditcoop import workdays
from creditcoop.deadlines import accountability, sweep
from creditcoop.deadlines.models import Accountability, AccountabilityStatus
from creditcoop.models import AuditLog
from creditcoop.servicehall import services
from creditcoop.servicehall.tasks import deadline_sweep
from tests.html import table_rows, text_of

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 3, 2)


@pytest.fixture
def late_record(org, loan_type):
    walkin = services.walkin_register(
        actor=org.officer1,
        kind="application",
        customer_name='=HYPERLINK("http://x")',
        phone="13800138000",
        village=org.village_a1,
        need="周转",
        loan_type=loan_type,
        amount=Decimal("50000"),
        today=MONDAY,
    )
    deadline = services.walkin_deadline(walkin, "walkin_answer")
    sweep.deadline_sweep(today=workdays.add_working_days(deadline.due_on, 5))
    return Accountability.objects.get(deadline=deadline)


def test_director_waives_with_reason_audited(
    org, login, late_record, django_capture_on_commit_callbacks
):
    client = login(org.director)
    url = f"/hall/accountability/{late_record.pk}/decide/"
    response = client.post(url, {"decision": "waive", "reason": ""})
    assert response.status_code == 400 and "必填" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "waive", "reason": "客户外出务工，无法入户调查"})
    late_record.refresh_from_db()
    assert (
        late_record.status == AccountabilityStatus.WAIVED and late_record.decided_by == org.director
    )
    assert AuditLog.objects.filter(
        action="servicehall.accountability_waive", object_id=str(late_record.pk)
    ).exists()
    page = client.get(f"/hall/accountability/{late_record.pk}/").content.decode()
    assert "客户外出务工" in page and "主任免责" in page
    assert "已由主任免责" in org.officer1.notifications.first().text


def test_decide_permissions(org, login, late_record):
    url = f"/hall/accountability/{late_record.pk}/decide/"
    data = {"decision": "confirm", "reason": "属实"}
    assert login(org.officer1).post(url, data).status_code == 403
    assert login(org.deputy).post(url, data).status_code == 403
    assert login(org.auditor).post(url, data).status_code == 403
    assert login(org.director_b).post(url, data).status_code == 404
    assert login(org.officer2).get(f"/hall/accountability/{late_record.pk}/").status_code == 404
    assert login(org.officer1).get(f"/hall/accountability/{late_record.pk}/").status_code == 200
    late_record.refresh_from_db()
    assert late_record.status == AccountabilityStatus.PENDING
    login(org.director).post(url, data)
    late_record.refresh_from_db()
    assert late_record.status == AccountabilityStatus.CONFIRMED


def test_lists_scoped(org, login, late_record):
    name = org.officer1.name
    assert name in login(org.director).get("/hall/accountability/").content.decode()
    assert name in login(org.officer1).get("/hall/accountability/?tier=2").content.decode()
    assert (
        "没有问责记录" in login(org.officer1).get("/hall/accountability/?tier=3").content.decode()
    )
    assert name not in login(org.officer2).get("/hall/accountability/").content.decode()
    assert name not in login(org.director_b).get("/hall/accountability/").content.decode()
    body = login(org.officer1).get("/hall/deadlines/?state=all").content.decode()
    assert "HYPERLINK" in body
    assert "HYPERLINK" not in login(org.officer2).get("/hall/deadlines/?state=all").content.decode()


def test_lost_interest_is_shown_on_the_record_and_the_list(org, login, late_record):
    # 50,000 元 × 6.12% × 5 working days late ÷ 360
    assert late_record.lost_interest == Decimal("42.50")
    client = login(org.director)
    detail = client.get(f"/hall/accountability/{late_record.pk}/").content.decode()
    assert text_of(detail, "lost-interest") == "42.50"
    assert text_of(detail, "lost-interest-formula") == (
        "（金额 50000.00 元 × 年利率 6.12% × 超期 5 个工作日 ÷ 360）"
    )
    rows = table_rows(client.get("/hall/accountability/").content.decode(), "accountabilities")
    # responsible, item, late days, tier, lost interest, status
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows] == [
        (org.officer1.name, "5", "通报批评", "42.50", "待主任确认")
    ]


def test_dashboard_rates_and_export(org, login, loan_type, late_record, clock):
    # A second application, answered on time by officer2, goes on to the director's
    # approval (5 working days from Monday 2 March: due Monday 9 March).
    walkin = services.walkin_register(
        actor=org.officer1,
        kind="application",
        customer_name="按期客户",
        phone="13800138001",
        village=org.village_a2,
        need="周转",
        loan_type=loan_type,
        amount=Decimal("10000"),
        today=MONDAY,
    )
    services.walkin_settle(
        walkin_id=walkin.pk, actor=org.officer2, step="answer", outcome="approve", today=MONDAY
    )
    clock(date(2026, 3, 11))  # officer1's answer 5 working days late, the approval 2
    deadline_sweep.delay()
    client = login(org.director)
    body = client.get("/hall/dashboard/?month=2026-03").content.decode()
    assert "chart.umd.min.js" in body
    # responsible, due, on time, late, open, on-time rate
    by_officer = {row[0]: row[1:] for row in table_rows(body, "by-officer")}
    assert by_officer == {
        org.officer1.name: ["1", "0", "1", "1", "0.0%"],
        org.officer2.name: ["1", "1", "0", "0", "100.0%"],
        org.director.name: ["1", "0", "1", "1", "0.0%"],
    }
    assert table_rows(body, "by-type") == [[loan_type.name, "3", "1", "2", "2", "33.3%"]]
    assert text_of(body, "open-count") == "2" and text_of(body, "late-count") == "2"
    late = [(r[1], r[4], r[7], r[8]) for r in table_rows(body, "late-items")]
    assert late == [
        (org.officer1.name, "2026-03-04", "5", "已超期"),
        (org.director.name, "2026-03-09", "2", "已超期"),
    ]
    chart = json.loads(text_of(body, "chart-data"))
    assert chart["label"] == "按期办结率（%）"
    assert chart["labels"] == [row[0] for row in table_rows(body, "by-officer")]
    assert dict(zip(chart["labels"], chart["rates"], strict=True)) == {
        org.officer1.name: 0.0,
        org.officer2.name: 100.0,
        org.director.name: 0.0,
    }
    assert login(org.officer1).get("/hall/dashboard/").status_code == 403
    assert (
        login(org.auditor).get(f"/hall/dashboard/?coop={org.coop_a.pk}&month=2026-03").status_code
        == 200
    )
    assert login(org.director_b).get(f"/hall/dashboard/?coop={org.coop_a.pk}").status_code == 404

    response = login(org.director).get("/hall/dashboard/report.xlsx?month=2026-03")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(BytesIO(b"".join(response.streaming_content)))
    # One table per sheet.
    assert wb.sheetnames == ["按信贷员汇总", "按贷款种类汇总", "办结时限明细", "超期问责"]
    summary = [[c.value for c in row] for row in wb["按信贷员汇总"].iter_rows()]
    summary = [[v for v in row if v is not None] for row in summary]
    assert summary[0][0] == "限时办结月报·按信贷员汇总　东城信用社 2026年03月　2026-03-11 导出"
    header = ["到期事项", "按期办结", "超期", "未办结", "按期率（%）"]
    assert summary[1] == ["责任人", *header]
    assert {row[0]: row[1:] for row in summary[2:5]} == {
        org.officer1.name: [1, 0, 1, 1, 0],
        org.officer2.name: [1, 1, 0, 0, 100],
        org.director.name: [1, 0, 1, 1, 0],
    }
    by_type = [[c.value for c in row] for row in wb["按贷款种类汇总"].iter_rows()][1:]
    assert by_type == [["贷款种类", *header], [loan_type.name, 3, 1, 2, 2, 33.3]]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A3", ws.title
    detail = [[c.value for c in row] for row in wb["办结时限明细"].iter_rows()][1:]
    titles = [row[1] for row in detail[1:]]
    assert any(t.startswith("调查并答复客户：=HYPERLINK") for t in titles)
    acc_rows = [[c.value for c in row] for row in wb["超期问责"].iter_rows()][1:]
    assert acc_rows[1][0] == org.officer1.name and acc_rows[1][3] == "通报批评"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f"


def test_other_pages_render(org, login, late_record):
    client = login(org.director)
    for url in [
        "/hall/",
        "/hall/walkins/new/",
        f"/hall/walkins/{late_record.deadline.object_id}/",
        "/hall/loan-types/",
        "/hall/deadlines/?state=late",
        "/hall/roster/",
    ]:
        assert client.get(url).status_code == 200, url


def test_directors_own_lateness_is_decided_by_the_union(org, login, loan_type):
    walkin = services.walkin_register(
        actor=org.officer1,
        kind="application",
        customer_name="审批客户",
        phone="13800138003",
        village=org.village_a1,
        need="周转",
        loan_type=loan_type,
        amount=Decimal("10000"),
        today=MONDAY,
    )
    services.walkin_settle(
        walkin_id=walkin.pk, actor=org.officer1, step="answer", outcome="approve", today=MONDAY
    )
    approval = services.walkin_deadline(walkin, "walkin_approval")
    assert approval.responsible == org.director
    sweep.deadline_sweep(today=workdays.add_working_days(approval.due_on, 1))
    record = Accountability.objects.get(deadline=approval)
    with pytest.raises(services.DomainError, match="不能处理本人"):
        accountability.accountability_decide(
            record_id=record.pk, actor=org.director, confirm=False, reason="忙"
        )
    assert (
        "主任处理"
        not in login(org.director).get(f"/hall/accountability/{record.pk}/").content.decode()
    )
    url = f"/hall/accountability/{record.pk}/decide/"
    login(org.union_risk).post(url, {"decision": "confirm", "reason": "审批超期属实"})
    record.refresh_from_db()
    assert record.status == AccountabilityStatus.CONFIRMED and record.decided_by == org.union_risk


def test_dashboard_counts_what_is_overdue_now_whatever_month_it_fell_due(
    org, login, loan_type, clock
):
    """An approval due in February and still open in March counts as late for its
    director on March's dashboard: not "超期 0, 按期率 100%" beside the overdue list."""
    walkin = services.walkin_register(
        actor=org.officer1,
        kind="application",
        customer_name="二月客户",
        phone="13800138002",
        village=org.village_a1,
        need="周转",
        loan_type=loan_type,
        amount=Decimal("10000"),
        today=date(2026, 2, 2),
    )
    services.walkin_settle(
        walkin_id=walkin.pk,
        actor=org.officer1,
        step="answer",
        outcome="approve",
        today=date(2026, 2, 2),
    )
    clock(date(2026, 3, 11))
    deadline_sweep.delay()
    body = login(org.director).get("/hall/dashboard/?month=2026-03").content.decode()
    by_officer = {row[0]: row[1:] for row in table_rows(body, "by-officer")}
    assert by_officer[org.director.name] == ["1", "0", "1", "1", "0.0%"]
    assert text_of(body, "late-count") == "1"
