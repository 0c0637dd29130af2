"""Excel reports of the service hall (openpyxl write-only, streamed from the database)."""

from __future__ import annotations

from datetime import date

from openpyxl import Workbook

from creditcoop.deadlines.kinds import kind_label
from creditcoop.deadlines.models import AccountabilityStatus, Tier
from creditcoop.exports import workbook_response, write_table

from .selectors import on_time_rates

DEADLINE_COLUMNS = [
    ("事项", lambda d, today: kind_label(d.kind)),
    ("摘要", lambda d, today: d.title),
    ("责任人", lambda d, today: d.responsible.name),
    ("贷款种类", lambda d, today: d.loan_type.name if d.loan_type else ""),
    ("起算日", lambda d, today: d.started_on),
    ("时限（工作日）", lambda d, today: d.working_days),
    ("到期日", lambda d, today: d.due_on),
    ("办结日", lambda d, today: d.stopped_on),
    ("超期工作日", lambda d, today: d.late_days),
    ("状态", lambda d, today: str(d.state_label(today))),
    ("停表条件", lambda d, today: d.stop_condition),
    ("停止原因", lambda d, today: d.stop_reason),
]

ACCOUNTABILITY_COLUMNS = [
    ("责任人", lambda a: a.person.name),
    ("事项", lambda a: a.deadline.title),
    ("超期工作日", lambda a: a.late_days),
    ("问责档次", lambda a: str(Tier(a.tier).label)),
    ("延误利息损失（元）", lambda a: a.lost_interest),
    ("处理状态", lambda a: str(AccountabilityStatus(a.status).label)),
    ("处理理由", lambda a: a.decision_reason),
    ("处理人", lambda a: a.decided_by.name if a.decided_by else ""),
]


def monthly_report_response(*, coop, month: date, today: date, deadlines, accountabilities):
    """One table per sheet, each with its title row (report, cooperative and month, date)
    and a frozen header, through the shared export helper."""
    wb = Workbook(write_only=True)
    scope = f"{coop.name} {month:%Y年%m月}"
    rate_header = ["到期事项", "按期办结", "超期", "未办结", "按期率（%）"]
    for sheet, group_by, heading in (
        ("按信贷员汇总", "responsible__name", "责任人"),
        ("按贷款种类汇总", "loan_type__name", "贷款种类"),
    ):
        rows = (
            [r["label"], r["total"], r["on_time"], r["late"], r["open"], r["rate"]]
            for r in on_time_rates(deadlines, today=today, group_by=group_by)
        )
        write_table(
            wb.create_sheet(sheet),
            title=f"限时办结月报·{sheet}",
            scope=scope,
            columns=[heading, *rate_header],
            rows=rows,
        )

    qs = deadlines.select_related("responsible", "loan_type").order_by("due_on", "id")
    write_table(
        wb.create_sheet("办结时限明细"),
        title="限时办结月报·办结时限明细",
        scope=scope,
        columns=[c[0] for c in DEADLINE_COLUMNS],
        rows=(
            [f(d, today) for _label, f in DEADLINE_COLUMNS] for d in qs.iterator(chunk_size=2000)
        ),
    )

    qs = accountabilities.select_related("person", "deadline", "decided_by").order_by("id")
    write_table(
        wb.create_sheet("超期问责"),
        title="限时办结月报·超期问责",
        scope=scope,
        columns=[c[0] for c in ACCOUNTABILITY_COLUMNS],
        rows=([f(a) for _label, f in ACCOUNTABILITY_COLUMNS] for a in qs.iterator(chunk_size=2000)),
    )

    return workbook_response(wb, f"限时办结月报-{coop.name}-{month:%Y-%m}.xlsx")
