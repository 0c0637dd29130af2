"""Test helpers of the reporting layer.

Exports: start the job as the person, run the worker's step inline, read the file back with
openpyxl. Monthly figures: ``taken(month)`` → {(coop, village, metric, key): value}, what the
nightly job stored.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from openpyxl import load_workbook

from creditcoop.models import ExportJob, MonthlyFigure
from creditcoop.reporting import services
from creditcoop.reporting.snapshot import figures_take, month_end_of

INJECTIONS = ('=HYPERLINK("http://evil.example","点我")', "+1", "-1", "@SUM(A1)")


def export_sheet(user, code, data=None):
    """(job, worksheet) of a finished export."""
    job = services.export_start(user=user, ledger_code=code, data=data or {})
    assert services.export_run(job.pk) is True
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    book = load_workbook(services.export_path(job))
    return job, book.worksheets[0]


def layout(ws, *, title: str, who, scope: str = "") -> list[tuple]:
    """Check the title row and the frozen header; return the header and the rows below it."""
    rows = list(ws.iter_rows(values_only=True))
    line = rows[0][0]
    assert line.startswith(title), line
    assert f"导出人 {who.name}" in line and "截至 " in line
    if scope:
        assert scope in line, line
    assert ws.freeze_panes == "A3"
    return rows[1:]


def body_and_totals(rows):
    """(header, data rows, totals row or None)."""
    header, *rest = rows
    if rest and isinstance(rest[-1][0], str) and rest[-1][0].startswith("合计"):
        return header, rest[:-1], rest[-1]
    return header, rest, None


def text_cells(ws, values) -> dict:
    """For each value, the cells holding exactly that text (below the header)."""
    found = {v: [] for v in values}
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            if cell.value in found:
                found[cell.value].append(cell)
    return found


def assert_never_formulas(ws, values=INJECTIONS):
    found = text_cells(ws, values)
    for value, cells in found.items():
        assert cells, f"{value!r} not in the sheet"
        for cell in cells:
            assert cell.data_type == "s", (value, cell.coordinate, cell.data_type)
            assert cell.quotePrefix, (value, cell.coordinate)


def today():
    return timezone.localdate()


def before_month(day):
    """The last day of the month before ``day``'s month: a flow there is not this month's."""
    return day.replace(day=1) - timedelta(days=1)


def taken(month=None, *metrics) -> dict:
    month = month or month_end_of(today())
    qs = MonthlyFigure.objects.filter(month=month)
    if metrics:
        qs = qs.filter(metric__in=metrics)
    return {
        (f.cooperative_id, f.village_id, f.metric, f.key): f.value
        for f in qs.order_by("cooperative_id", "village_id", "metric", "key")
    }


def take(day=None, *metrics) -> dict:
    """Run the job for ``day`` (default today) and return the running month's figures."""
    day = day or today()
    figures_take(today=day)
    return taken(month_end_of(day), *metrics)


def D(value) -> Decimal:
    return Decimal(str(value))
