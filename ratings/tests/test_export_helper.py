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
    cell = ws["A3"]  # row 1 is the title, row 2 the header
    assert cell.data_type == "s" and cell.value == "'=cmd|' /C calc'!A0"
    assert ws["B3"].value == 10 and ws["A2"].value == "甲"


def test_every_sheet_has_a_title_row_a_frozen_header_and_widths_that_fit_chinese():
    rows = iter([["张庄村第一村民小组", Decimal("123456.00"), date(2025, 1, 2)]])
    r = xlsx_response(
        filename="清册.xlsx",
        title="贷款清册",
        scope="东城信用社",
        columns=[("行政村", 4), "授信额度", "到期日"],
        rows=rows,
    )
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    assert ws["A1"].value.startswith("贷款清册　东城信用社　") and ws["A1"].value.endswith("导出")
    assert ws["A2"].value == "行政村" and ws["A2"].font.bold
    assert ws.freeze_panes == "A3"
    # 9 Chinese characters are 18 columns wide: the asked-for 4 is widened to fit.
    assert ws.column_dimensions["A"].width >= 18
    assert ws.column_dimensions["B"].width >= 8  # "授信额度"
