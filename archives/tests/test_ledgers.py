"""The credit archive ledger (信贷档案台账): every file of the rooms the person may see."""

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from archives.models import (
    ArchiveFile,
    Authority,
    BorrowerType,
    Borrowing,
    BorrowingLine,
    Colour,
    FileStatus,
    Method,
    Retention,
    Section,
    Series,
)
from archives.services.files import room_for
from creditcoop.reporting.ledgers import ledger_get, ledgers_for
from tests.ledger_sheet import (
    FORMULAS,
    assert_text_kept,
    export,
    filter_form,
    queries_to_export,
)
from villages.ledger_filters import OUT_OF_SCOPE

CODE = "archives.files"
_seq = itertools.count(1)


def archive_file(cooperative, *, village=None, section=Section.PERSONAL, **fields):
    n = next(_seq)
    values = {
        "cooperative": cooperative,
        "room": room_for(cooperative),
        "section": section,
        "series": Series.NORMAL,
        "colour": Colour.GREEN,
        "status": FileStatus.IN_ROOM,
        "title": f"农户贷款档案{n}",
        "record_date": date(2025, 3, 1),
        "opened_on": date(2025, 3, 1),
        "archive_number": f"{cooperative.code}-{section}-2025-{n:05d}",
        "village": village,
        **fields,
    }
    return ArchiveFile.objects.create(**values)


@pytest.fixture
def files(org):
    zhang = archive_file(
        org.coop_a,
        village=org.village_a1,
        title="张三授信档案",
        borrower_name="张三",
        id_number="41010219800517001X",
        contract_number="SX2025-0001",
        volume_number="2025-b-001",
        series=Series.NPL,
        colour=Colour.ORANGE,
        risk_class=2,
        recorded_balance=Decimal("12345.67"),
        pages=20,
        shelf="3",
        box="12",
        officer=org.officer1,
        filed_on=date(2025, 4, 2),
        retention=Retention.LONG,
        keep_until=date(2047, 12, 31),
        note="借款人已外出",
    )
    minutes = archive_file(
        org.coop_a,
        section=Section.COMMITTEE,
        series="",
        colour="",
        title="2020年贷审会会议记录",
        status=FileStatus.LENT,
        opened_on=date(2020, 3, 1),
    )
    wang = archive_file(
        org.coop_b,
        village=org.village_b1,
        title="王五授信档案",
        borrower_name="王五",
        recorded_balance=Decimal("5000.00"),
    )
    return {"zhang": zhang, "minutes": minutes, "wang": wang}


def test_every_column_typed_and_the_balances_totalled(org, files, tmp_path):
    sheet = export(CODE, org.auditor, tmp_path)
    assert "信贷档案台账" in sheet.title and "全联社" in sheet.title and "蒋稽核" in sheet.title
    assert len(sheet.rows) == 3
    zhang = sheet.row_where("案卷题名", "张三授信档案")
    assert zhang["信用社"] == "东城信用社"
    assert zhang["档案号"] == files["zhang"].archive_number
    assert zhang["卷号"] == "2025-b-001"
    assert zhang["档案分类"] == "b 自然人贷款档案"
    assert zhang["系列"] == "不良类"
    assert zhang["四色分类"] == "橙"
    assert zhang["保管状态"] == "在库"
    assert zhang["借款人"] == "张三"
    assert zhang["身份证号码"] == "41010219800517001X"
    assert zhang["合同编号"] == "SX2025-0001"
    assert zhang["行政村"] == "张庄村"
    assert zhang["架号"] == "3" and zhang["盒号"] == "12"  # shelf numbers stay text
    assert zhang["主办信贷员"] == "郑信贷"
    assert zhang["五级分类"] == "次级"
    assert zhang["档案记载余额（元）"] == pytest.approx(12345.67)
    assert zhang["页数"] == 20
    assert zhang["建档日期"].date() == date(2025, 3, 1)
    assert zhang["入库日期"].date() == date(2025, 4, 2)
    assert zhang["保管期限"] == "中长期"
    assert zhang["保管到期日"].date() == date(2047, 12, 31)
    assert zhang["备注"] == "借款人已外出"
    minutes = sheet.row_where("案卷题名", "2020年贷审会会议记录")
    assert minutes["档案分类"] == "e 贷审会运作档案"
    assert minutes["保管状态"] == "借出"
    assert minutes["行政村"] is None and minutes["系列"] is None
    assert sheet.total("档案记载余额（元）") == pytest.approx(17345.67)
    assert sheet.total("页数") == 20


def test_user_text_never_becomes_a_formula(org, tmp_path):
    pairs = []
    for text in FORMULAS:
        file = archive_file(org.coop_a, title=f"档案 {text}", borrower_name=text, note=text)
        pairs.append((file.archive_number, text))
    sheet = export(CODE, org.archivist, tmp_path)
    assert_text_kept(sheet, "借款人", "档案号", pairs)
    assert_text_kept(sheet, "备注", "档案号", pairs)


def test_the_room_keeper_and_the_union_export_it_and_a_teller_does_not(org):
    assert ledger_get(CODE) in ledgers_for(org.archivist)
    assert ledger_get(CODE) in ledgers_for(org.director)
    assert ledger_get(CODE) in ledgers_for(org.auditor)
    assert ledger_get(CODE) not in ledgers_for(org.teller)
    assert ledger_get(CODE) not in ledgers_for(org.committee)


def test_a_cooperative_sees_only_its_own_room(org, files, tmp_path):
    sheet = export(CODE, org.archivist, tmp_path)
    assert sorted(sheet.column("案卷题名")) == ["2020年贷审会会议记录", "张三授信档案"]
    assert "东城信用社" in sheet.title
    assert export(CODE, org.director_b, tmp_path).column("案卷题名") == ["王五授信档案"]
    form = filter_form(CODE, org.archivist, {"cooperative": org.coop_b.pk})
    assert not form.is_valid()
    assert str(OUT_OF_SCOPE) in form.errors["cooperative"][0]
    form = filter_form(CODE, org.archivist, {"village": org.village_b1.pk})
    assert not form.is_valid()
    assert str(OUT_OF_SCOPE) in form.errors["village"][0]


def test_filters_narrow_the_rows(org, files, tmp_path):
    def titles(data):
        return sorted(export(CODE, org.auditor, tmp_path, data).column("案卷题名"))

    assert titles({"cooperative": org.coop_b.pk}) == ["王五授信档案"]
    assert titles({"village": org.village_a1.pk}) == ["张三授信档案"]
    assert titles({"section": Section.COMMITTEE}) == ["2020年贷审会会议记录"]
    assert titles({"series": Series.NPL}) == ["张三授信档案"]
    assert titles({"colour": Colour.ORANGE}) == ["张三授信档案"]
    assert titles({"status": FileStatus.LENT}) == ["2020年贷审会会议记录"]
    assert titles({"date_to": "2024-12-31"}) == ["2020年贷审会会议记录"]


def test_the_queries_do_not_grow_with_the_rows(org):
    for _ in range(3):
        archive_file(org.coop_a, village=org.village_a1, officer=org.officer1)
    few = queries_to_export(CODE, org.archivist)
    for _ in range(27):
        archive_file(org.coop_a, village=org.village_a2, officer=org.officer2)
    assert queries_to_export(CODE, org.archivist) == few <= 4


# --- the borrowing register ----------------------------------------------------------------

BORROWINGS = "archives.borrowings"


def borrowing(cooperative, actor, files, *, number, purpose="贷后检查", **fields):
    values = {
        "cooperative": cooperative,
        "borrower_type": BorrowerType.STAFF,
        "method": Method.TAKE_OUT,
        "borrower": actor,
        "borrower_name": actor.name,
        "purpose": purpose,
        "authority": Authority.ARCHIVIST,
        "requested_by": actor,
        **fields,
    }
    b = Borrowing.objects.create(number=number, **values)
    for file in files:
        BorrowingLine.objects.create(borrowing=b, file=file, out=b.status == "issued")
    return b


@pytest.fixture
def borrowings(org, files):
    today = timezone.localdate()
    lent = borrowing(
        org.coop_a,
        org.officer1,
        [files["zhang"], files["minutes"]],
        number="JY-A-0001",
        status=Borrowing.Status.ISSUED,
        approved_by=org.archivist,
        approved_at=timezone.now(),
        issued_at=timezone.now(),
        signed_name="郑信贷",
        due_date=today - timedelta(days=3),
    )
    court = borrowing(
        org.coop_a,
        org.archivist,
        [files["zhang"]],
        number="JY-A-0002",
        borrower_type=BorrowerType.COURT,
        method=Method.READ,
        borrower_name="法院书记员",
        organisation="阳光县人民法院",
        credential_type="工作证",
        credential_number="FY-123",
        credential_issuer="阳光县人民法院",
        status=Borrowing.Status.RETURNED,
        returned_at=timezone.now(),
    )
    BorrowingLine.objects.filter(borrowing=court).update(returned_complete=True)
    other = borrowing(org.coop_b, org.director_b, [files["wang"]], number="JY-B-0001")
    return {"lent": lent, "court": court, "other": other}


def test_the_borrowing_register_one_row_per_file(org, borrowings, tmp_path):
    sheet = export(BORROWINGS, org.auditor, tmp_path)
    assert "档案借阅登记簿" in sheet.title and "全联社" in sheet.title and "蒋稽核" in sheet.title
    assert sorted(sheet.column("借阅单号")) == ["JY-A-0001", "JY-A-0001", "JY-A-0002", "JY-B-0001"]
    lent = [dict(zip(sheet.header, r, strict=True)) for r in sheet.rows if r[1] == "JY-A-0001"]
    assert sorted(r["案卷题名"] for r in lent) == ["2020年贷审会会议记录", "张三授信档案"]
    row = lent[0]
    assert row["信用社"] == "东城信用社"
    assert row["借阅人类型"] == "本社员工" and row["借阅人"] == "郑信贷"
    assert row["借阅方式"] == "借出" and row["状态"] == "已借出"
    assert row["审批人"] == "卫档案"
    assert isinstance(row["申请时间"], datetime) and isinstance(row["借出时间"], datetime)
    assert row["应还日期"].date() == timezone.localdate() - timedelta(days=3)
    assert row["逾期未还"] == "是"
    court = sheet.row_where("借阅单号", "JY-A-0002")
    assert court["借阅人类型"] == "法院" and court["单位"] == "阳光县人民法院"
    assert court["借阅方式"] == "室内查阅" and court["状态"] == "已归还"
    assert court["归还齐全"] == "是" and court["逾期未还"] == "否"


def test_the_borrowing_register_keeps_user_text_as_text(org, files, tmp_path):
    pairs = []
    for i, text in enumerate(FORMULAS):
        borrowing(org.coop_a, org.officer1, [files["zhang"]], number=f"F-{i}", purpose=text)
        pairs.append((f"F-{i}", text))
    sheet = export(BORROWINGS, org.archivist, tmp_path)
    assert_text_kept(sheet, "借阅事由", "借阅单号", pairs)


def test_the_borrowing_register_scoped_and_filtered(org, borrowings, tmp_path):
    def numbers(user, data=None):
        return sorted(set(export(BORROWINGS, user, tmp_path, data).column("借阅单号")))

    assert numbers(org.archivist) == ["JY-A-0001", "JY-A-0002"]
    assert numbers(org.director_b) == ["JY-B-0001"]
    form = filter_form(BORROWINGS, org.archivist, {"cooperative": org.coop_b.pk})
    assert not form.is_valid()
    assert str(OUT_OF_SCOPE) in form.errors["cooperative"][0]
    assert numbers(org.auditor, {"overdue": "on"}) == ["JY-A-0001"]
    assert numbers(org.auditor, {"borrower_type": BorrowerType.COURT}) == ["JY-A-0002"]
    assert numbers(org.auditor, {"method": Method.READ}) == ["JY-A-0002"]
    assert numbers(org.auditor, {"status": Borrowing.Status.REQUESTED}) == ["JY-B-0001"]
    assert numbers(org.auditor, {"village": org.village_a1.pk}) == ["JY-A-0001", "JY-A-0002"]
    assert numbers(org.auditor, {"cooperative": org.coop_b.pk}) == ["JY-B-0001"]


def test_the_borrowing_register_queries_do_not_grow(org, files):
    for i in range(3):
        borrowing(org.coop_a, org.officer1, [files["zhang"]], number=f"Q-{i}")
    few = queries_to_export(BORROWINGS, org.archivist)
    for i in range(3, 30):
        borrowing(org.coop_a, org.officer2, [files["minutes"]], number=f"Q-{i}")
    assert queries_to_export(BORROWINGS, org.archivist) == few <= 4
