"""Writing a ledger to an .xlsx file with XlsxWriter in constant-memory mode.

One table per sheet: a title row (ledger, scope, as-of date, who exported it), the header
frozen below it, column widths that fit Chinese text, typed cells, then a totals row for the
columns marked ``total``. Rows are written as they come, so memory stays flat however many
rows the source streams.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import xlsxwriter
from django.utils import timezone

from creditcoop.exports import display_width

from .ledgers import Column, Ledger, LedgerRows

MAX_WIDTH = 50
# A sheet holds 1,048,576 rows; a ledger longer than that continues on the next sheet.
SHEET_ROWS = 1_000_000
# First characters that make a spreadsheet read text as a formula (or a DDE command).
FORMULA_STARTS = frozenset("=+-@\t\r\n") | frozenset(chr(c) for c in range(32))


def title_line(ledger: Ledger, rows: LedgerRows, who: str) -> str:
    as_of = rows.as_of or timezone.localdate()
    now = timezone.localtime()
    parts = [
        ledger.title,
        rows.scope,
        f"截至 {as_of:%Y-%m-%d}",
        f"导出人 {who}",
        f"{now:%Y-%m-%d %H:%M}",
    ]
    return "　".join(p for p in parts if p)


def ledger_write(
    ledger: Ledger,
    rows: LedgerRows,
    path: str,
    *,
    who: str = "",
    progress: Callable[[int], None] | None = None,
    progress_every: int = 5000,
) -> int:
    """Write the ledger to ``path``; ``progress(rows_done)`` is called every few thousand rows.
    Returns the number of rows written."""
    wb = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_date_format": "yyyy-mm-dd",
        },
    )
    f_title = wb.add_format({"bold": True, "font_size": 14})
    f_head = wb.add_format({"bold": True, "bg_color": "#E9ECEF", "border": 1, "text_wrap": True})
    f_money = wb.add_format({"num_format": "#,##0.00"})
    f_decimal = wb.add_format({"num_format": "0.00##"})
    f_pct = wb.add_format({"num_format": "0.00%"})
    f_date = wb.add_format({"num_format": "yyyy-mm-dd"})
    f_datetime = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    f_total = wb.add_format({"bold": True, "top": 1})
    f_total_money = wb.add_format({"bold": True, "top": 1, "num_format": "#,##0.00"})
    # Text that Excel would read as a formula when the cell is edited keeps a quote prefix.
    f_quoted = wb.add_format({"quote_prefix": True})
    formats = {
        "quoted": f_quoted,
        "money": f_money,
        "decimal": f_decimal,
        "pct": f_pct,
        "date": f_date,
        "datetime": f_datetime,
    }
    columns = ledger.columns
    title = title_line(ledger, rows, who)
    totals = [Decimal(0) if c.total else None for c in columns]
    writers = [_cell_writer(c, formats) for c in columns]
    done = 0
    sheet_no = 0
    ws = None
    r = 0

    def new_sheet():
        nonlocal ws, r, sheet_no
        sheet_no += 1
        name = ledger.title[:28] + (f"({sheet_no})" if sheet_no > 1 else "")
        ws = wb.add_worksheet(name[:31])
        for i, col in enumerate(columns):
            ws.set_column(i, i, _width(col))
        ws.write_string(0, 0, title, f_title)
        for i, col in enumerate(columns):
            ws.write_string(1, i, col.header, f_head)
        ws.freeze_panes(2, 0)
        r = 2

    new_sheet()
    for row in rows.rows:
        if r - 2 >= SHEET_ROWS:
            new_sheet()
        for i, value in enumerate(row):
            if value is None or value == "":
                continue
            writers[i](ws, r, i, value)
            if totals[i] is not None and isinstance(value, (int, float, Decimal)):
                totals[i] += Decimal(value)
        r += 1
        done += 1
        if progress and done % progress_every == 0:
            progress(done)
    if any(t is not None for t in totals):
        ws.write_string(r, 0, f"合计（{done:,} 行）", f_total)
        for i, (col, t) in enumerate(zip(columns, totals, strict=True)):
            if t is not None and i > 0:
                ws.write_number(r, i, float(t), f_total_money if col.kind == "money" else f_total)
    wb.close()
    if progress:
        progress(done)
    return done


def _width(col: Column) -> float:
    base = {"date": 12, "datetime": 17, "money": 14, "id": 20, "int": 8, "pct": 9}.get(col.kind, 12)
    return min(max(col.width or base, display_width(col.header) + 2), MAX_WIDTH)


def _cell_writer(col: Column, formats):
    kind = col.kind
    if kind in ("text", "id"):
        quoted = formats["quoted"]

        def write(ws, r, c, v):
            if not isinstance(v, str):
                v = str(v)
            # write_string never makes a formula; the quote prefix keeps the cell text when
            # someone edits it in Excel too.
            if v[0] in FORMULA_STARTS:
                ws.write_string(r, c, v, quoted)
            else:
                ws.write_string(r, c, v)

        return write
    if kind == "bool":

        def write(ws, r, c, v):
            ws.write_string(r, c, "是" if v else "否")

        return write
    if kind in ("int", "money", "decimal", "pct"):
        fmt = formats.get(kind)

        def write(ws, r, c, v):
            ws.write_number(r, c, float(v), fmt)

        return write
    if kind == "datetime":
        fmt = formats["datetime"]

        def write(ws, r, c, v):
            if isinstance(v, datetime) and timezone.is_aware(v):
                v = timezone.localtime(v).replace(tzinfo=None)
            ws.write_datetime(r, c, v, fmt)

        return write
    fmt = formats["date"]

    def write(ws, r, c, v):
        if isinstance(v, datetime):
            v = v.date()
        ws.write_datetime(r, c, v, fmt)

    return write
