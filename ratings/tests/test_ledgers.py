"""The village ledgers on screen and in Excel (docs/rules.md §2): every column, formula-safe."""

import io

import openpyxl
from django.urls import reverse

from ratings import services
from ratings.models import CreditApplication
from tests.html import table_header, table_rows

from .factories import application, household

S = CreditApplication.Status

LEDGER_HEADER = [
    "行政村",
    "村民小组",
    "姓名",
    "身份证号码",
    "联系电话",
    "家庭人口",
    "家庭净资产（元）",
    "家庭年纯收入（元）",
    "主营项目",
    "初评等级",
    "评定等级",
    "授信额度（元）",
    "授信期限（月）",
    "经办信贷员",
]


def workbook_rows(response):
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return ws, list(ws.iter_rows(values_only=True))[1:]  # below the title row


def test_ledger_has_the_14_columns_and_the_officer_who_handled_it(org, login):
    h = household(org.group_a1)
    h.main_business = "生猪养殖"
    h.save(update_fields=["main_business"])
    app = application(org, status=S.LINE_SET, h=h)
    # The village changes hands afterwards: the ledger still names who handled the case.
    org.village_a1.officer = org.officer2
    org.village_a1.save(update_fields=["officer"])
    url = reverse("ratings:village_ledger", args=[org.village_a1.pk])
    url += f"?year={app.created_at.year}"
    c = login(org.director)
    page = c.get(url).content.decode()
    assert table_header(page, "report") == LEDGER_HEADER
    member = app.applicant
    expected = [
        str(org.village_a1),
        "一组",
        member.name,
        member.id_number,
        member.phone or app.household.phone,
        str(app.family_size),
        "150000.00",
        "100000.00",
        "生猪养殖",
        "AAA",
        "AAA",
        "20000.00",
        "24",
        "郑信贷",
    ]
    assert table_rows(page, "report") == [expected]
    _ws, rows = workbook_rows(c.get(url + "&format=xlsx"))
    assert list(rows[0]) == LEDGER_HEADER
    assert rows[1][13] == "郑信贷" and rows[1][11] == 20000 and rows[1][12] == 24
    assert [str(v) if v is not None else "" for v in rows[1][:5]] == expected[:5]


def test_approvals_export_keeps_hostile_opinions_as_text(org, login):
    hostile = [
        ('=HYPERLINK("http://x","点击")', "@SUM(A1:A9)"),
        ("+86 13800000000", "-2+3"),
    ]
    for officer_opinion, review_opinion in hostile:
        app = application(org, status=S.LINE_OFFICER)
        app = services.application_line_officer(
            application=app,
            actor=org.officer1,
            amount="10000",
            opinion=officer_opinion,
            advance=True,
        )
        services.application_line_review(
            application=app,
            actor=org.reviewer,
            amount="10000",
            opinion=review_opinion,
            advance=True,
        )
    url = reverse("ratings:village_approvals", args=[org.village_a1.pk])
    url += f"?year={app.created_at.year}"
    c = login(org.auditor)
    page = c.get(url).content.decode()
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;点击&quot;)" in page
    ws, rows = workbook_rows(c.get(url + "&format=xlsx"))
    assert rows[0][8] == "信贷员意见" and rows[0][10] == "审贷小组意见"
    cells = [(ws.cell(row=r, column=col)) for r in (3, 4) for col in (9, 11)]  # below title, header
    assert [cell.value for cell in cells] == ["'" + text for pair in hostile for text in pair]
    assert {cell.data_type for cell in cells} == {"s"}
    assert rows[1][7] == 10000 and rows[1][9] == 10000
