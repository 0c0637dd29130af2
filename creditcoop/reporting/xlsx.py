"""Writing a ledger to an .xlsx file with XlsxWriter in constant-memory mode.

One table per sheet: a title row (ledger, scope, as-of date, who exported it), the header
frozen below it, column widths that fit Chinese text, typed cells, then a totals row for the
columns marked ``total``. Rows are written as they come, so memory stays flat however many
rows the source streams.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
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
    done = 0
    sheet_no = 0
    ws = None
    writers: list = []
    r = 0

    def new_sheet():
        nonlocal ws, r, sheet_no, writers
        sheet_no += 1
        name = ledger.title[:28] + (f"({sheet_no})" if sheet_no > 1 else "")
        ws = wb.add_worksheet(name[:31])
        for i, col in enumerate(columns):
            ws.set_column(i, i, _width(col))
        ws.write_string(0, 0, title, f_title)
        for i, col in enumerate(columns):
            ws.write_string(1, i, col.header, f_head)
        ws.freeze_panes(2, 0)
        writers = [_cell_writer(ws, c, i, formats, totals) for i, c in enumerate(columns)]
        r = 2

    new_sheet()
    step = progress_every if progress else 0
    for row in rows.rows:
        if r - 2 >= SHEET_ROWS:
            new_sheet()
        for write, value in zip(writers, row, strict=True):
            if value is not None and value != "":
                write(r, value)
        r += 1
        done += 1
        if step and done % step == 0:
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


# Excel's day 0 in the 1900 date system (valid from 1900-03-01 on, which every ledger date is).
EXCEL_EPOCH = date(1899, 12, 30).toordinal()


def _cell_writer(ws, col: Column, c: int, formats, totals):
    """``write(row, value)`` for one column of one sheet.

    Calls XlsxWriter's undecorated ``_write_string`` / ``_write_number`` (the public methods
    only add A1-notation parsing, which a ledger never uses) and writes dates as their Excel
    serial numbers with a date format — the same cell Excel makes of a date — which keeps
    the per-cell cost near that of a bare ``write_row``.
    """
    kind = col.kind
    put_string, put_number = ws._write_string, ws._write_number
    if kind in ("text", "id"):
        quoted = formats["quoted"]
        starts = FORMULA_STARTS

        def write(r, v):
            if v.__class__ is not str:
                v = str(v)
            # Never a formula (a string cell); the quote prefix keeps it text when someone
            # edits the cell in Excel too.
            if v[0] in starts:
                put_string(r, c, v, quoted)
            else:
                put_string(r, c, v)

        return write
    if kind == "bool":
        return lambda r, v: put_string(r, c, "是" if v else "否")
    if kind in ("int", "money", "decimal", "pct"):
        fmt = formats.get(kind)
        if totals[c] is not None:
            sums = totals

            def write(r, v):
                put_number(r, c, float(v), fmt)
                sums[c] += v if v.__class__ is Decimal else Decimal(str(v))

            return write
        return lambda r, v: put_number(r, c, float(v), fmt)
    fmt = formats["datetime" if kind == "datetime" else "date"]
    fallback = ws._write_datetime

    def write(r, v):
        if isinstance(v, datetime):
            if kind == "date":
                v = v.date()
            elif timezone.is_aware(v):
                v = timezone.localtime(v).replace(tzinfo=None)
        if v.year < 1901:
            fallback(r, c, v, fmt)
        elif isinstance(v, datetime):
            seconds = v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6
            put_number(r, c, v.toordinal() - EXCEL_EPOCH + seconds / 86400, fmt)
        else:
            put_number(r, c, v.toordinal() - EXCEL_EPOCH, fmt)

    return write
