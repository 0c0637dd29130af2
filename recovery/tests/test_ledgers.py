"""The NPL register (不良贷款登记簿) and collection actions (催收记录台账) as ledgers."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from creditcoop.models import Role
from creditcoop.reporting.ledgers import ledger_get, ledgers_for
from recovery.models import CollectionAction, CollectionNotice, NplGuarantor, NplRecord
from tests import factories as f
from tests.ledger_sheet import (
    FORMULAS,
    assert_text_kept,
    export,
    filter_form,
    queries_to_export,
)
from villages.ledger_filters import OUT_OF_SCOPE

from .helpers import npl
from .helpers_collect import at

REGISTER = "recovery.register"
ACTIONS = "recovery.actions"
A = CollectionAction


@pytest.fixture
def records(org):
    zhang = npl(
        org.village_a1,
        number="JJ-0001",
        borrower_name="张三",
        borrower_id_number="41010219800517001X",
        contract_number="HT-0001",
        original_amount=Decimal("20000.00"),
        principal_owed=Decimal("15000.00"),
        interest_owed=Decimal("1200.50"),
        penalty_owed=Decimal("300.00"),
        drawn_on=date(2019, 5, 1),
        due_on=date(2020, 5, 1),
        risk_class=3,
        book_status=NplRecord.BookStatus.ON_BALANCE,
        difficulty=NplRecord.Difficulty.POTENTIAL,
        cause=NplRecord.Cause.BUSINESS,
        limitation_expires_on=date(2026, 12, 31),
        last_collection_on=date(2025, 3, 10),
        whereabouts="外出务工（广州）",
        entered_on=date(2025, 1, 2),
    )
    li = npl(
        org.village_a2,
        number="JJ-0002",
        borrower_name="李四",
        principal_owed=Decimal("8000.00"),
        interest_owed=Decimal("0.00"),
        difficulty=NplRecord.Difficulty.DEAD,
        status=NplRecord.Status.CLOSED,
        entered_on=date(2024, 6, 1),
    )
    wang = npl(org.village_b1, number="JJ-0003", borrower_name="王五")
    return {"zhang": zhang, "li": li, "wang": wang}


def test_the_register_sheet_typed_and_totalled(org, records, tmp_path):
    sheet = export(REGISTER, org.auditor, tmp_path)
    assert "不良贷款登记簿" in sheet.title and "全联社" in sheet.title and "蒋稽核" in sheet.title
    assert len(sheet.rows) == 3
    zhang = sheet.row_where("借款人", "张三")
    assert zhang["信用社"] == "东城信用社" and zhang["行政村"] == "张庄村"
    assert zhang["身份证号码"] == "41010219800517001X"
    assert zhang["借据编号"] == "JJ-0001" and zhang["合同编号"] == "HT-0001"
    assert zhang["五级分类"] == "可疑"
    assert zhang["账务状态"] == "表内"
    assert zhang["原借款金额（元）"] == 20000
    assert zhang["本金余额（元）"] == 15000
    assert zhang["欠息（元）"] == pytest.approx(1200.5)
    assert zhang["罚息（元）"] == 300
    assert zhang["放款日期"].date() == date(2019, 5, 1)
    assert zhang["到期日"].date() == date(2020, 5, 1)
    assert zhang["清收责任人"] == "郑信贷"
    assert zhang["诉讼时效届满日"].date() == date(2026, 12, 31)
    assert zhang["清收难度"] == "有收回潜力"
    assert zhang["形成原因"] == "经营失败"
    assert zhang["状态"] == "清收中"
    assert zhang["最后一次催收日"].date() == date(2025, 3, 10)
    assert zhang["现住址或下落"] == "外出务工（广州）"
    assert zhang["登记日期"].date() == date(2025, 1, 2)
    li = sheet.row_where("借款人", "李四")
    assert li["账务状态"] == "已核销（账销案存）"
    assert li["清收难度"] == "难收回：借款人死亡" and li["状态"] == "已终结"
    assert sheet.total("本金余额（元）") == 15000 + 8000 + 15000
    assert sheet.total("欠息（元）") == pytest.approx(1200.5 + 0 + 1200)
    assert sheet.total("原借款金额（元）") == 60000


def test_the_register_keeps_user_text_as_text(org, tmp_path):
    pairs = []
    for i, text in enumerate(FORMULAS):
        npl(org.village_a1, number=f"F-{i}", borrower_name=text, whereabouts=text)
        pairs.append((f"F-{i}", text))
    sheet = export(REGISTER, org.director, tmp_path)
    assert_text_kept(sheet, "借款人", "借据编号", pairs)
    assert_text_kept(sheet, "现住址或下落", "借据编号", pairs)


def test_the_register_is_scoped_and_refuses_another_cooperative(org, records, tmp_path):
    assert sorted(export(REGISTER, org.director, tmp_path).column("借款人")) == ["张三", "李四"]
    assert export(REGISTER, org.officer2, tmp_path).column("借款人") == ["李四"]
    assert export(REGISTER, org.director_b, tmp_path).column("借款人") == ["王五"]
    form = filter_form(REGISTER, org.director, {"cooperative": org.coop_b.pk})
    assert not form.is_valid()
    assert str(OUT_OF_SCOPE) in form.errors["cooperative"][0]
    form = filter_form(REGISTER, org.officer1, {"village": org.village_b1.pk})
    assert not form.is_valid()
    assert str(OUT_OF_SCOPE) in form.errors["village"][0]


def test_the_register_filters(org, records, tmp_path):
    def names(data):
        return sorted(export(REGISTER, org.auditor, tmp_path, data).column("借款人"))

    assert names({"risk_class": "3"}) == ["张三"]
    assert names({"risk_class": "4"}) == ["李四", "王五"]
    assert names({"book_status": NplRecord.BookStatus.ON_BALANCE}) == ["张三"]
    assert names({"status": NplRecord.Status.CLOSED}) == ["李四"]
    assert names({"difficulty": NplRecord.Difficulty.DEAD}) == ["李四"]
    assert names({"cooperative": org.coop_b.pk}) == ["王五"]
    assert names({"village": org.village_a2.pk}) == ["李四"]
    assert names({"date_to": "2024-12-31"}) == ["李四"]


def test_an_entrusted_firm_and_a_teller_are_not_offered_the_recovery_ledgers(org):
    agency = f.StaffFactory(cooperative=None, union=org.union, roles=[Role.AGENCY], username="AG01")
    for code in (REGISTER, ACTIONS):
        assert ledger_get(code) in ledgers_for(org.officer1)
        assert ledger_get(code) in ledgers_for(org.auditor)
        assert ledger_get(code) not in ledgers_for(agency)
        assert ledger_get(code) not in ledgers_for(org.teller)


def action(record, person, when, **fields):
    values = {"kind": A.Kind.VISIT, "result": A.Result.PROMISED, **fields}
    return A.objects.create(record=record, person=person, at=when, **values)


@pytest.fixture
def actions(org, records):
    guarantor = NplGuarantor.objects.create(record=records["zhang"], name="赵保证")
    visit = action(
        records["zhang"],
        org.officer1,
        at(date(2025, 3, 10), 9, 30),
        contact_name="张三妻子",
        contact_relation="配偶",
        result_text="答应月底还五千",
        next_step="月底再访",
        next_on=date(2025, 3, 31),
    )
    call = action(
        records["zhang"],
        org.officer1,
        at(date(2025, 3, 12), 15),
        guarantor=guarantor,
        kind=A.Kind.CALL,
        result=A.Result.NO_CONTACT,
    )
    li = action(records["li"], org.officer2, at(date(2025, 2, 1), 10))
    wang = action(records["wang"], org.officer_b, at(date(2025, 3, 10), 11))
    notice(records["zhang"], org.officer1, "CS2025-0001", date(2025, 3, 10))
    notice(records["zhang"], org.officer1, "CS2025-0002", date(2025, 3, 10), guarantor)
    notice(records["zhang"], org.officer1, "CS2025-0003", date(2025, 3, 12), guarantor)
    return {"visit": visit, "call": call, "li": li, "wang": wang}


def notice(record, actor, number, printed_on, guarantor=None):
    return CollectionNotice.objects.create(
        cooperative=record.cooperative,
        number=number,
        record=record,
        guarantor=guarantor,
        printed_on=printed_on,
        pay_by=printed_on,
        principal=record.principal_owed,
        interest=record.interest_owed,
        penalty=record.penalty_owed,
        basis=CollectionNotice.Basis.RECORD,
        created_by=actor,
    )


def test_the_actions_sheet_typed(org, actions, tmp_path):
    sheet = export(ACTIONS, org.auditor, tmp_path)
    assert "催收记录台账" in sheet.title and "全联社" in sheet.title and "蒋稽核" in sheet.title
    assert len(sheet.rows) == 4
    visit = sheet.row_where("情况说明", "答应月底还五千")
    assert visit["信用社"] == "东城信用社" and visit["行政村"] == "张庄村"
    assert visit["催收时间"] == datetime(2025, 3, 10, 9, 30)
    assert visit["方式"] == "上门"
    assert visit["借款人"] == "张三" and visit["借据编号"] == "JJ-0001"
    assert visit["催收对象"] == "借款人本人"
    assert visit["催收人"] == "郑信贷"
    assert visit["接触人"] == "张三妻子" and visit["与债务人关系"] == "配偶"
    assert visit["结果"] == "承诺还款"
    assert visit["下一步措施"] == "月底再访"
    assert visit["下次催收日期"].date() == date(2025, 3, 31)
    # The borrower's notice of that day, not the guarantor's.
    assert visit["当日催收通知书编号"] == "CS2025-0001"
    call = sheet.row_where("催收时间", datetime(2025, 3, 12, 15))
    assert call["方式"] == "电话" and call["结果"] == "未联系上"
    assert call["催收对象"] == "赵保证"
    assert call["当日催收通知书编号"] == "CS2025-0003"
    assert sheet.row_where("借款人", "李四")["当日催收通知书编号"] is None


def test_the_actions_keep_user_text_as_text(org, records, tmp_path):
    pairs = []
    for i, text in enumerate(FORMULAS):
        action(
            records["zhang"],
            org.officer1,
            at(date(2025, 4, 1 + i), 10),
            contact_name=text,
            result_text=text,
            next_step=text,
        )
        pairs.append((datetime(2025, 4, 1 + i, 10), text))
    sheet = export(ACTIONS, org.director, tmp_path)
    for header in ("接触人", "情况说明", "下一步措施"):
        assert_text_kept(sheet, header, "催收时间", pairs)


def test_the_actions_are_scoped_and_filtered(org, actions, tmp_path):
    def borrowers(user, data=None):
        return sorted(export(ACTIONS, user, tmp_path, data).column("借款人"))

    assert borrowers(org.director) == ["张三", "张三", "李四"]
    assert borrowers(org.officer2) == ["李四"]
    assert borrowers(org.director_b) == ["王五"]
    form = filter_form(ACTIONS, org.director, {"cooperative": org.coop_b.pk})
    assert not form.is_valid()
    assert str(OUT_OF_SCOPE) in form.errors["cooperative"][0]
    assert borrowers(org.auditor, {"kind": A.Kind.CALL}) == ["张三"]
    assert borrowers(org.auditor, {"result": A.Result.PROMISED}) == ["张三", "李四", "王五"]
    assert borrowers(org.auditor, {"village": org.village_b1.pk}) == ["王五"]
    # Whole local days: 10 March from its first to its last minute.
    day = {"date_from": "2025-03-10", "date_to": "2025-03-10"}
    assert borrowers(org.auditor, day) == ["张三", "王五"]
    assert borrowers(org.auditor, {"date_to": "2025-02-28"}) == ["李四"]


def test_the_queries_do_not_grow_with_the_rows(org):
    record = npl(org.village_a1, number="Q-0")
    for i in range(1, 3):
        npl(org.village_a1, number=f"Q-{i}")
    for i in range(3):
        action(record, org.officer1, at(date(2025, 3, 1 + i), 10))
    few = (queries_to_export(REGISTER, org.director), queries_to_export(ACTIONS, org.director))
    for i in range(3, 30):
        npl(org.village_a2, number=f"Q-{i}")
        action(record, org.officer1, at(date(2025, 4, 1), 8, i))
    many = (queries_to_export(REGISTER, org.director), queries_to_export(ACTIONS, org.director))
    assert few == many
    assert max(many) <= 4


@pytest.mark.django_db
def test_an_outside_collection_firm_is_offered_no_ledger_at_all(org):
    agency = f.StaffFactory(cooperative=None, union=org.union, roles=[Role.AGENCY], username="AG02")
    assert ledgers_for(agency) == []
