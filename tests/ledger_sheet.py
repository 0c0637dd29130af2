"""Export a registered ledger the way the export job does (filter form → source → writer)
and read the sheet back with openpyxl, for the stages' ledger tests."""

from __future__ import annotations

from dataclasses import dataclass

import openpyxl
from django.db import connection
from django.test.utils import CaptureQueriesContext

from creditcoop.reporting.ledgers import ledger_get
from creditcoop.reporting.xlsx import ledger_write

# User text that a spreadsheet would run as a formula if it were written as one.
FORMULAS = ('=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)")


@dataclass
class Sheet:
    title: str
    header: list
    rows: list[list]  # the data rows, values as openpyxl reads them
    cells: list[list]  # the same rows as openpyxl cells (for data_type)
    totals: list | None  # the totals row, when the ledger has one

    def column(self, header: str) -> list:
        i = self.header.index(header)
        return [row[i] for row in self.rows]

    def row_where(self, header: str, value) -> dict:
        """The one row whose ``header`` column holds ``value``, as {header: value}."""
        i = self.header.index(header)
        found = [row for row in self.rows if row[i] == value]
        assert len(found) == 1, f"{len(found)} rows with {header} = {value!r}"
        return dict(zip(self.header, found[0], strict=True))

    def cell_where(self, header: str, value, column: str):
        i, j = self.header.index(header), self.header.index(column)
        return next(cells[j] for cells in self.cells if cells[i].value == value)

    def total(self, header: str):
        return self.totals[self.header.index(header)]


def filter_form(code: str, user, data: dict):
    return ledger_get(code).filter_form(data=data, user=user)


def export(code: str, user, tmp_path, data: dict | None = None, *, who="蒋稽核") -> Sheet:
    """The sheet ``user`` gets for ``code`` with the filter ``data`` (the form must accept
    it)."""
    ledger = ledger_get(code)
    form = ledger.filter_form(data=data or {}, user=user)
    assert form.is_valid(), form.errors
    rows = ledger.source(user=user, filters=form.cleaned_data)
    count = rows.count()
    path = tmp_path / f"{code}.xlsx"
    written = ledger_write(ledger, rows, str(path), who=who)
    assert written == count, "the count given to the progress bar is the rows written"
    ws = openpyxl.load_workbook(path).worksheets[0]
    all_cells = [list(r) for r in ws.iter_rows(min_row=1, max_col=len(ledger.columns))]
    title = all_cells[0][0].value
    header = [c.value for c in all_cells[1]]
    body = all_cells[2:]
    totals = None
    if any(c.total for c in ledger.columns):
        assert str(body[-1][0].value).startswith("合计"), "a totals row closes the sheet"
        totals = [c.value for c in body[-1]]
        body = body[:-1]
    return Sheet(
        title=title,
        header=header,
        rows=[[c.value for c in r] for r in body],
        cells=body,
        totals=totals,
    )


def queries_to_export(code: str, user, data: dict | None = None) -> int:
    """The queries a source makes to count and stream all its rows."""
    ledger = ledger_get(code)
    form = ledger.filter_form(data=data or {}, user=user)
    assert form.is_valid(), form.errors
    with CaptureQueriesContext(connection) as ctx:
        rows = ledger.source(user=user, filters=form.cleaned_data)
        rows.count()
        n = sum(1 for _ in rows.rows)
    assert n > 0
    return len(ctx.captured_queries)


def assert_text_kept(sheet: Sheet, header: str, key_header: str, keys_and_texts) -> None:
    """Each text went in as text and comes back unchanged, never as a formula."""
    for key, text in keys_and_texts:
        cell = sheet.cell_where(key_header, key, header)
        assert cell.data_type == "s", (header, text, cell.data_type)
        assert cell.value == text
