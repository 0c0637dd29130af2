"""Excel reports of the service hall (openpyxl write-only, streamed from the database)."""

from __future__ import annotations

import tempfile
from datetime import date
from urllib.parse import quote

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from creditcoop.deadlines.kinds import kind_label
from creditcoop.deadlines.models import AccountabilityStatus, Tier
from creditcoop.exports import safe_cell

from .selectors import on_time_rates


def _row(ws, values):
    """Text cells typed explicitly as strings: openpyxl never reads a formula into them."""
    out = []
    for value in values:
        value = safe_cell(value)
        if isinstance(value, str):
            cell = WriteOnlyCell(ws)
            cell._value = value
            cell.data_type = "s"
            out.append(cell)
        else:
            out.append(value)
    ws.append(out)


def _download(wb: Workbook, filename: str) -> FileResponse:
    tmp = tempfile.TemporaryFile()
    wb.save(tmp)
    tmp.seek(0)
    response = FileResponse(
        tmp, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f"attachment; filename=\"report.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


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
    wb = Workbook(write_only=True)

    summary = wb.create_sheet("按信贷员汇总")
    _row(summary, [f"{coop.name} {month:%Y年%m月} 限时办结月报（{today:%Y-%m-%d} 生成）"])
    for group_by, heading in (("responsible__name", "责任人"), ("loan_type__name", "贷款种类")):
        _row(summary, [heading, "到期事项", "按期办结", "超期", "未办结", "按期率（%）"])
        for r in on_time_rates(deadlines, today=today, group_by=group_by):
            _row(summary, [r["label"], r["total"], r["on_time"], r["late"], r["open"], r["rate"]])
        _row(summary, [])

    detail = wb.create_sheet("办结时限明细")
    _row(detail, [c[0] for c in DEADLINE_COLUMNS])
    qs = deadlines.select_related("responsible", "loan_type").order_by("due_on", "id")
    for d in qs.iterator(chunk_size=2000):
        _row(detail, [f(d, today) for _label, f in DEADLINE_COLUMNS])

    acc = wb.create_sheet("超期问责")
    _row(acc, [c[0] for c in ACCOUNTABILITY_COLUMNS])
    qs = accountabilities.select_related("person", "deadline", "decided_by").order_by("id")
    for a in qs.iterator(chunk_size=2000):
        _row(acc, [f(a) for _label, f in ACCOUNTABILITY_COLUMNS])

    return _download(wb, f"限时办结月报-{coop.name}-{month:%Y-%m}.xlsx")
