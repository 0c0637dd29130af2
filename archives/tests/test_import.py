"""Importing the existing stock: template, preview listing every row's errors, confirmation
that files the whole sheet in the room at once, refusal of what is not Excel, scope."""

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from archives.models import ArchiveFile, FileStatus, IntakeRecord, StockImport
from creditcoop.models import AuditLog, Role
from loans.tests import factories as lf
from tests import factories as f

pytestmark = pytest.mark.django_db

HEADER = [
    "档案号",
    "卷号",
    "分类",
    "系列",
    "借款人",
    "身份证号码",
    "合同编号",
    "案卷题名",
    "形成日期",
    "页数",
    "架号",
    "盒号",
    "保管期限",
    "结清日期",
    "档案记载余额",
]
ID1 = f.make_id_number(1, area="410106")
ID2 = f.make_id_number(2, area="410106")
UPLOAD = reverse("archives:import_upload")


def xlsx(rows, header=HEADER, name="存量档案.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.name = name
    buf.seek(0)
    return buf


def raw(data: bytes, name):
    buf = io.BytesIO(data)
    buf.name = name
    return buf


def good_rows():
    return [
        [
            "A001-b-2018-000001",
            "A001-b-2018-Z-00001",
            "b",
            "正常类",
            "张三",
            ID1,
            "",
            "张三农户贷款档案",
            "2018-03-15",
            42,
            "J01",
            "H001",
            "短期",
            "2019-03-14",
            "0",
        ],
        [
            "A001-b-2018-000002",
            "A001-b-2018-B-00001",
            "自然人贷款档案",
            "不良类",
            "李四",
            ID2,
            "",
            "李四农户贷款档案",
            date(2018, 4, 2),
            "36",
            "J01",
            "H002",
            "中长期",
            "",
            "12000.50",
        ],
        [
            "A001-e-2019-000001",
            "A001-e-2019-00001",
            "e",
            "",
            "",
            "",
            "",
            "2019年贷审会会议纪要",
            "2019/12/30",
            120,
            "J09",
            "H100",
            "永久",
            "",
            "",
        ],
    ]


@pytest.fixture
def archivist(org):
    return org.archivist


def upload(client, fileobj):
    return client.post(UPLOAD, {"file": fileobj})


def preview_of(client, resp):
    assert resp.status_code == 302, resp.content.decode()[:2000]
    return client.get(resp.url)


def test_template_has_the_columns_and_the_lists(org, login):
    resp = login(org.archivist).get(reverse("archives:import_template"))
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == HEADER
    assert ws["F2"].number_format == "@"  # ID numbers kept as text
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert any("短期,中长期,永久,会计凭证" in x for x in lists)
    assert "填写说明" in wb.sheetnames


def test_clean_sheet_imports_the_files_in_the_room(org, login):
    client = login(org.archivist)
    page = preview_of(client, upload(client, xlsx(good_rows())))
    text = page.content.decode()
    assert "检查通过：3 份档案" in text
    assert ArchiveFile.objects.count() == 0  # nothing saved by the preview
    batch = StockImport.objects.get()
    resp = client.post(reverse("archives:import_preview", args=[batch.token]), follow=True)
    assert "已导入 3 份存量档案" in resp.content.decode()

    files = {f.archive_number: f for f in ArchiveFile.objects.all()}
    assert set(files) == {"A001-b-2018-000001", "A001-b-2018-000002", "A001-e-2019-000001"}
    first = files["A001-b-2018-000001"]
    assert first.status == FileStatus.IN_ROOM
    assert first.cooperative == org.coop_a and first.room.cooperative == org.coop_a
    assert (first.volume_number, first.shelf, first.box, first.pages) == (
        "A001-b-2018-Z-00001",
        "J01",
        "H001",
        42,
    )
    assert first.id_number == ID1 and first.series == "normal" and first.colour == "green"
    assert first.record_date == date(2018, 3, 15)
    assert first.keep_until == date(2024, 12, 31)  # 5 years from 1 January 2020
    second = files["A001-b-2018-000002"]
    assert second.series == "npl" and second.colour == "orange"
    assert second.recorded_balance == Decimal("12000.50")
    minutes = files["A001-e-2019-000001"]
    assert (minutes.section, minutes.series, minutes.retention) == ("e", "", "permanent")

    intakes = IntakeRecord.objects.all()
    assert intakes.count() == 3 and {i.note for i in intakes} == {"存量导入"}
    assert {i.received_by for i in intakes} == {org.archivist}
    assert (
        AuditLog.objects.filter(
            action="archives.stock_import", object_type="archives.stockimport"
        ).count()
        == 1
    )
    assert (
        AuditLog.objects.filter(
            action="archives.stock_import", object_type="archives.archivefile"
        ).count()
        == 3
    )
    batch.refresh_from_db()
    assert batch.status == StockImport.Status.DONE and batch.rows == []


def test_second_confirm_of_the_same_token_does_nothing(org, login):
    client = login(org.archivist)
    upload(client, xlsx(good_rows()))
    batch = StockImport.objects.get()
    url = reverse("archives:import_preview", args=[batch.token])
    client.post(url)
    before = (ArchiveFile.objects.count(), IntakeRecord.objects.count(), AuditLog.objects.count())
    resp = client.post(url, follow=True)
    assert "该批次已经导入过了" in resp.content.decode()
    assert before == (3, 3, 4)
    assert (
        ArchiveFile.objects.count(),
        IntakeRecord.objects.count(),
        AuditLog.objects.count(),
    ) == before


def test_every_error_is_listed_with_its_row_and_nothing_is_saved(org, login):
    # A contract of the cooperative with its file already opened at granting.
    contract = lf.contract(org)
    existing = ArchiveFile.objects.get(contract=contract)
    ArchiveFile.objects.filter(pk=existing.pk).update(
        status="in_room", archive_number="A001-b-2020-000009"
    )
    bad_id = ID1[:-1] + ("0" if ID1[-1] != "0" else "1")
    rows = good_rows() + [
        # 5: bad ID number
        ["N5", "V", "b", "", "王五", bad_id, "", "题名", "2018-01-01", 1, "", "", "短期", "", ""],
        # 6: duplicate of row 2 within the sheet
        [
            "A001-b-2018-000001",
            "V",
            "b",
            "",
            "王五",
            ID2,
            "",
            "题名",
            "2018-01-01",
            1,
            "",
            "",
            "短期",
            "",
            "",
        ],
        # 7: number already in the room
        [
            "A001-b-2020-000009",
            "V",
            "b",
            "",
            "王五",
            ID2,
            "",
            "题名",
            "2018-01-01",
            1,
            "",
            "",
            "短期",
            "",
            "",
        ],
        # 8: unknown section
        ["N8", "V", "z", "", "王五", ID2, "", "题名", "2018-01-01", 1, "", "", "短期", "", ""],
        # 9: bad date and bad page count
        ["N9", "V", "b", "", "王五", ID2, "", "题名", "2018-13-45", "十", "", "", "短期", "", ""],
        # 10: a contract that already has a file
        [
            "N10",
            "V",
            "b",
            "",
            contract.borrower.name,
            contract.borrower.id_number,
            contract.number,
            "题名",
            "2018-01-01",
            1,
            "",
            "",
            "短期",
            "",
            "",
        ],
        # 11: bad retention, bad balance, unknown series
        [
            "N11",
            "V",
            "b",
            "好",
            "王五",
            ID2,
            "",
            "题名",
            "2018-01-01",
            1,
            "",
            "",
            "十年",
            "",
            "abc",
        ],
    ]
    client = login(org.archivist)
    page = preview_of(client, upload(client, xlsx(rows)))
    batch = StockImport.objects.get()
    errors = {r["row"]: " ".join(r["errors"]) for r in batch.rows if r["errors"]}
    assert set(errors) == {5, 6, 7, 8, 9, 10, 11}
    assert "校验位" in errors[5]
    assert "与第 2 行重复" in errors[6]
    assert "已在本社档案室登记" in errors[7]
    assert "分类“z”无法识别" in errors[8]
    assert "不是有效日期" in errors[9] and "页数“十”应为正整数" in errors[9]
    assert "已有档案" in errors[10] and contract.number in errors[10]
    assert "保管期限“十年”无法识别" in errors[11]
    assert "系列“好”无法识别" in errors[11] and "不是数字" in errors[11]
    text = page.content.decode()
    assert "共发现" in text and "确认导入" not in text
    # Confirming anyway files nothing.
    resp = client.post(reverse("archives:import_preview", args=[batch.token]), follow=True)
    assert "处错误" in resp.content.decode()
    assert ArchiveFile.objects.count() == 1 and IntakeRecord.objects.count() == 0
    assert not AuditLog.objects.filter(action="archives.stock_import").exists()


def test_a_matching_contract_is_linked(org, login):
    contract = lf.contract(org)
    lf.draw(org, contract, "8000")
    ArchiveFile.objects.filter(contract=contract).delete()  # as before the archive stage
    row = [
        "A001-b-2021-000001",
        "A001-b-2021-Z-00001",
        "b",
        "",
        contract.borrower.name,
        contract.borrower.id_number,
        contract.number,
        "档案",
        "2021-05-01",
        30,
        "J02",
        "H003",
        "短期",
        "",
        "",
    ]
    client = login(org.archivist)
    upload(client, xlsx([row]))
    batch = StockImport.objects.get()
    assert batch.error_count == 0 and batch.rows[0]["contract_id"] == contract.pk
    client.post(reverse("archives:import_preview", args=[batch.token]))
    file = ArchiveFile.objects.get(contract=contract)
    assert file.status == FileStatus.IN_ROOM and file.archive_number == "A001-b-2021-000001"
    assert file.household_id == contract.household_id and file.village_id == contract.village_id
    assert file.recorded_balance == Decimal("8000.00")  # from the ledger when not given


@pytest.mark.parametrize(
    "data,name",
    [
        ("档案号,卷号\nA1,V1\n".encode(), "存量.csv"),
        (b"just some text renamed", "存量.xlsx"),
        (bytes(range(256)) * 20, "garbage.xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls"),
    ],
)
def test_a_file_that_is_not_excel_is_refused(org, login, data, name):
    client = login(org.archivist)
    resp = upload(client, raw(data, name))
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "Excel" in text and ("不是" in text or "旧版" in text)
    assert StockImport.objects.count() == 0 and ArchiveFile.objects.count() == 0


def test_a_zip_that_is_not_a_workbook_is_refused(org, login):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    client = login(org.archivist)
    resp = upload(client, raw(buf.getvalue(), "存量.xlsx"))
    assert "不是有效的 Excel" in resp.content.decode()
    assert StockImport.objects.count() == 0


def test_missing_headers_are_named(org, login):
    client = login(org.archivist)
    resp = upload(client, xlsx([["x"]], header=["档案号", "借款人"]))
    assert "表头缺少：卷号、分类、案卷题名、形成日期、页数、保管期限" in resp.content.decode()


def test_scope_other_cooperatives_token_is_404_officer_refused(org, login):
    archivist_b = f.StaffFactory(username="K101", cooperative=org.coop_b, roles=[Role.ARCHIVIST])
    client = login(archivist_b)
    upload(client, xlsx(good_rows()))
    batch = StockImport.objects.get()
    assert batch.cooperative == org.coop_b
    url = reverse("archives:import_preview", args=[batch.token])
    client = login(org.archivist)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert ArchiveFile.objects.count() == 0
    for who in (org.officer1, org.director):
        client = login(who)
        assert client.get(UPLOAD).status_code == 403
        assert client.post(url).status_code == 403
    assert ArchiveFile.objects.count() == 0


def test_archivist_handling_loans_is_refused_by_the_service(org, login):
    both = f.StaffFactory(
        username="K002", cooperative=org.coop_a, roles=[Role.ARCHIVIST, Role.OFFICER]
    )
    resp = upload(login(both), xlsx(good_rows()))
    assert resp.status_code == 200
    assert "不得由经办信贷业务的人员兼任" in resp.content.decode()
    assert StockImport.objects.count() == 0


def test_tab_shows_for_the_archivist(org, login):
    resp = login(org.archivist).get(UPLOAD)
    assert resp.status_code == 200
    assert "存量导入" in resp.content.decode()
