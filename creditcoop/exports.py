"""Excel exports shared by every app: formula-safe cells, streamed write-only workbooks.

Usage::

    columns = [("姓名", 10), ("授信额度", 14)]            # (header, width) or just "header"
    rows = ((a.name, a.final_line) for a in qs.iterator(chunk_size=2000))
    return xlsx_response(filename="授信一览表.xlsx", title="授信一览表", scope="张庄村 2026年",
                         columns=columns, rows=rows)

Every sheet opens with a title row (ledger, scope, date), then the header row, frozen so it
stays in view; column widths fit Chinese text (a Chinese character is two columns wide).
"""

from __future__ import annotations

import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from urllib.parse import quote

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

# A cell whose text starts with one of these could be read as a formula (or DDE) by Excel.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value):
    """A value that Excel will show exactly as given and never evaluate.

    Numbers, dates and booleans pass through; text that starts with = + - @ (or a
    control character) is prefixed with an apostrophe so it stays text.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _column_spec(col) -> tuple[str, int | None]:
    if isinstance(col, (tuple, list)):
        return str(col[0]), (col[1] if len(col) > 1 else None)
    return str(col), None


# Rows read ahead to size the columns; widths are capped so one long cell does not win.
WIDTH_SAMPLE_ROWS = 200
MAX_WIDTH = 50


def display_width(value) -> int:
    """Columns a value takes in Excel: a Chinese (wide) character counts two."""
    value = safe_cell(value)
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, (int, float, Decimal)):
        return len(f"{value:,}") + 1
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def column_widths(specs, sample: Sequence[Sequence]) -> list[float]:
    """Per column: the width asked for, widened to fit the header and the sampled cells."""
    widths = []
    for i, (name, asked) in enumerate(specs):
        longest = max([display_width(name), *(display_width(r[i]) for r in sample if i < len(r))])
        widths.append(min(max(asked or 0, longest + 2), MAX_WIDTH))
    return widths


def title_text(title: str, scope: str = "", on: date | None = None) -> str:
    """The sheet's first row: which ledger, of what, and when it was drawn up."""
    on = on or timezone.localdate()
    parts = [title, scope, f"{on:%Y-%m-%d} 导出"]
    return "　".join(p for p in parts if p)


def write_table(ws, *, title: str, scope: str = "", columns: Sequence, rows: Iterable[Sequence]):
    """Title row, bold header frozen below it, widths that fit, then the rows (streamed)."""
    specs = [_column_spec(c) for c in columns]
    rows = iter(rows)
    sample = [list(r) for r in islice(rows, WIDTH_SAMPLE_ROWS)]
    for i, width in enumerate(column_widths(specs, sample)):
        ws.column_dimensions[_column_letter(i + 1)].width = width
    ws.freeze_panes = "A3"
    heading = WriteOnlyCell(ws, value=safe_cell(title_text(title, scope)))
    heading.font = Font(bold=True, size=14)
    ws.append([heading])
    bold = Font(bold=True)
    header = []
    for name, _ in specs:
        cell = WriteOnlyCell(ws, value=safe_cell(name))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in sample:
        ws.append([_typed_cell(ws, v) for v in row])
    for row in rows:
        ws.append([_typed_cell(ws, v) for v in row])


def xlsx_response(
    *, filename: str, title: str, columns: Sequence, rows: Iterable[Sequence], scope: str = ""
) -> FileResponse:
    """Stream rows into a write-only workbook and return it as a download.

    `rows` may be a generator over a server-side cursor: rows are written one by one
    and the finished file is sent from a temporary file in chunks.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31] or "Sheet1")
    write_table(ws, title=title, scope=scope, columns=columns, rows=rows)
    return workbook_response(wb, filename)


def workbook_response(wb, filename: str) -> FileResponse:
    """The finished workbook as a download, sent from a temporary file in chunks."""
    tmp = tempfile.TemporaryFile()
    wb.save(tmp)
    tmp.seek(0)
    response = FileResponse(
        tmp,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


def _typed_cell(ws, value):
    value = safe_cell(value)
    if isinstance(value, str):
        # Set the type explicitly so openpyxl never guesses a formula from the text.
        cell = WriteOnlyCell(ws)
        cell._value = value
        cell.data_type = "s"
        return cell
    return value


def _column_letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)
