import io
from datetime import date
from decimal import Decimal

import openpyxl

from creditcoop.exports import safe_cell, xlsx_response


def test_safe_cell_never_starts_a_formula():
    for text in ["=1+1", "+86 138", "-2", "@SUM(A1)", "\t=x"]:
        assert safe_cell(text).startswith("'")
    assert safe_cell("张三") == "张三"
    assert safe_cell(Decimal("1.50")) == Decimal("1.50") and safe_cell(-2) == -2
    assert safe_cell(None) == "" and safe_cell(True) == "是"


def test_xlsx_response_streams_rows_as_text_not_formulas():
    rows = iter([["=cmd|' /C calc'!A0", Decimal("10.00"), date(2025, 1, 2)]])
    r = xlsx_response(
        filename="一览表.xlsx", title="一览表", columns=[("甲", 10), "乙", "丙"], rows=rows
    )
    assert "filename*=UTF-8''" in r["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    cell = ws["A2"]
    assert cell.data_type == "s" and cell.value == "'=cmd|' /C calc'!A0"
    assert ws["B2"].value == 10 and ws["A1"].value == "甲"
