"""The ledger writer on its own: typed cells, formula-safe text, sheets continued past the limit."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from creditcoop.reporting import xlsx
from creditcoop.reporting.ledgers import Column, Ledger, LedgerRows

LEDGER = Ledger(
    code="tests.kinds",
    title="测试台账",
    source=None,
    columns=(
        Column("名称"),
        Column("证件号", "id"),
        Column("笔数", "int", total=True),
        Column("金额", "money", total=True),
        Column("利率", "pct"),
        Column("日期", "date"),
        Column("时间", "datetime"),
        Column("是否", "bool"),
    ),
)
pytestmark = pytest.mark.django_db


def _write(tmp_path, rows, **kw):
    path = tmp_path / "t.xlsx"
    seen = []
    n = xlsx.ledger_write(
        LEDGER,
        LedgerRows(
            scope="东城信用社", count=lambda: len(rows), rows=iter(rows), as_of=date(2026, 6, 30)
        ),
        str(path),
        who="蒋稽核",
        progress=seen.append,
        progress_every=2,
        **kw,
    )
    return n, seen, load_workbook(path)


def test_cells_are_typed_and_text_never_a_formula(tmp_path):
    rows = [
        (
            "=1+1",
            "012345199001011234",
            3,
            Decimal("10.10"),
            Decimal("0.0435"),
            date(2026, 3, 2),
            datetime(2026, 3, 2, 1, 30, tzinfo=ZoneInfo("UTC")),
            True,
        ),
        ("\tTAB", 110101199001011234, 2, Decimal("0.05"), None, None, None, False),
        ("普通", "", 0, Decimal("-5.00"), None, None, None, None),
    ]
    n, seen, book = _write(tmp_path, rows)
    ws = book.active
    assert n == 3 and seen == [2, 3]
    assert ws["A1"].value.startswith("测试台账　东城信用社　截至 2026-06-30　导出人 蒋稽核")
    assert [c.value for c in ws[2]] == [c.header for c in LEDGER.columns]
    assert ws.freeze_panes == "A3"
    a3, b3 = ws["A3"], ws["B3"]
    assert (a3.value, a3.data_type, a3.quotePrefix) == ("=1+1", "s", True)
    assert (b3.value, b3.data_type) == ("012345199001011234", "s")
    assert ws["B4"].value == "110101199001011234" and ws["B4"].data_type == "s"
    assert ws["A4"].value == "\tTAB" and ws["A4"].data_type == "s"
    assert ws["A5"].quotePrefix is False  # ordinary text has no prefix
    assert ws["C3"].value == 3 and ws["D3"].value == 10.1 and ws["D3"].number_format == "#,##0.00"
    assert ws["E3"].number_format == "0.00%"
    assert ws["F3"].value == datetime(2026, 3, 2) and ws["F3"].is_date
    # an aware time is written in local (Shanghai) time
    assert ws["G3"].value == datetime(2026, 3, 2, 9, 30) and ws["G3"].is_date
    assert (ws["H3"].value, ws["H4"].value, ws["H5"].value) == ("是", "否", None)
    assert [c.value for c in ws[6]][:4] == ["合计（3 行）", None, 5, 5.15]
    assert ws.column_dimensions["B"].width >= 20


def test_a_ledger_longer_than_a_sheet_goes_on_in_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "SHEET_ROWS", 2)
    rows = [(f"第{i}行", "1", 1, Decimal("1.00"), None, None, None, None) for i in range(5)]
    n, _seen, book = _write(tmp_path, rows)
    assert n == 5 and book.sheetnames == ["测试台账", "测试台账(2)", "测试台账(3)"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A3" and ws["A2"].value == "名称"
    assert [r[0] for r in book.worksheets[2].iter_rows(min_row=3, values_only=True)] == [
        "第4行",
        "合计（5 行）",
    ]
    assert book.worksheets[2]["D4"].value == 5
