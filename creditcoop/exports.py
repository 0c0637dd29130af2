"""Excel exports shared by every app: formula-safe cells, streamed write-only workbooks.

Usage::

    columns = [("姓名", 10), ("授信额度", 14)]            # (header, width) or just "header"
    rows = ((a.name, a.final_line) for a in qs.iterator(chunk_size=2000))
    return xlsx_response(filename="授信一览表.xlsx", title="授信一览表", columns=columns, rows=rows)
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
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


def xlsx_response(
    *, filename: str, title: str, columns: Sequence, rows: Iterable[Sequence]
) -> FileResponse:
    """Stream rows into a write-only workbook and return it as a download.

    `rows` may be a generator over a server-side cursor: rows are written one by one
    and the finished file is sent from a temporary file in chunks.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31] or "Sheet1")
    specs = [_column_spec(c) for c in columns]
    for i, (_, width) in enumerate(specs):
        if width:
            ws.column_dimensions[_column_letter(i + 1)].width = width
    bold = Font(bold=True)
    header = []
    for name, _ in specs:
        cell = WriteOnlyCell(ws, value=safe_cell(name))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append([_typed_cell(ws, v) for v in row])
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
