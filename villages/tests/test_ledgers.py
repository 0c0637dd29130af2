"""The households ledger (农户台账): the sheet an auditor downloads, its scope and filters."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ratings.models import CreditApplication
from ratings.selectors import add_months
from tests import factories as f
from tests.ledger_sheet import (
    FORMULAS,
    assert_text_kept,
    export,
    filter_form,
    queries_to_export,
)
from villages.ledger_filters import OUT_OF_SCOPE
from villages.models import Household, Member

CODE = "villages.households"


def line_set(household, *, grade="AA", line=Decimal("30000.00")):
    """The household's rating with the director's final line (entered directly)."""
    return CreditApplication.objects.create(
        household=household,
        applicant=household.members.get(relation=Member.Relation.HEAD),
        village=household.village,
        status=CreditApplication.Status.LINE_SET,
        requested_amount=line,
        grade=grade,
        final_line=line,
        term_months=24,
        line_set_at=timezone.now(),
    )


@pytest.fixture
def households(org):
    zhang = f.HouseholdFactory(
        group=org.group_a1, head_name="张三", address="张庄村一组8号", main_business="养牛"
    )
    f.MemberFactory(household=zhang, name="王芳", relation=Member.Relation.SPOUSE)
    f.MemberFactory(household=zhang, name="张小明", relation=Member.Relation.CHILD)
    li = f.HouseholdFactory(group=org.group_a2, head_name="李四", address="李屯村")
    wang = f.HouseholdFactory(group=org.group_b1, head_name="王五", address="王湾村")
    line_set(zhang, grade="AAA", line=Decimal("50000.00"))
    return {"zhang": zhang, "li": li, "wang": wang}


def head_id(household):
    return household.members.get(relation=Member.Relation.HEAD).id_number


def test_the_sheet_names_ledger_scope_and_exporter_and_types_every_cell(org, households, tmp_path):
    sheet = export(CODE, org.auditor, tmp_path)
    assert "农户台账" in sheet.title
    assert org.union.name in sheet.title and "全联社" in sheet.title
    assert "导出人 蒋稽核" in sheet.title
    assert sheet.header[:6] == [
        "信用社",
        "乡镇",
        "行政村",
        "村民小组",
        "户主姓名",
        "户主身份证号码",
    ]
    assert sheet.header[-4:] == [
        "评定等级",
        "核定授信额度（元）",
        "授信到期日",
        "信用户（授信有效）",
    ]
    assert sorted(sheet.column("户主姓名")) == ["张三", "李四", "王五"]

    zhang = sheet.row_where("户主姓名", "张三")
    assert zhang["信用社"] == "东城信用社"
    assert zhang["行政村"] == "张庄村"
    assert zhang["村民小组"] == "一组"
    assert zhang["户主身份证号码"] == head_id(households["zhang"])
    assert isinstance(zhang["户主身份证号码"], str) and len(zhang["户主身份证号码"]) == 18
    assert zhang["住址"] == "张庄村一组8号"
    assert zhang["主营项目"] == "养牛"
    assert zhang["家庭人口"] == 3
    assert isinstance(zhang["登记日期"], datetime)
    assert zhang["登记日期"].date() == timezone.localdate()
    assert zhang["评定等级"] == "AAA（优秀）"
    assert zhang["核定授信额度（元）"] == 50000
    assert zhang["授信到期日"].date() == add_months(timezone.localdate(), 24)
    assert zhang["信用户（授信有效）"] == "是"

    li = sheet.row_where("户主姓名", "李四")
    assert li["家庭人口"] == 1
    assert li["评定等级"] is None and li["核定授信额度（元）"] is None
    assert li["授信到期日"] is None and li["信用户（授信有效）"] == "否"

    assert sheet.total("家庭人口") == 5
    assert sheet.total("核定授信额度（元）") == 50000


def test_the_latest_line_set_gives_the_grade_and_an_open_application_does_not(org, tmp_path):
    h = f.HouseholdFactory(group=org.group_a1, head_name="赵六")
    old = line_set(h, grade="A", line=Decimal("10000.00"))
    CreditApplication.objects.filter(pk=old.pk).update(
        line_set_at=timezone.now() - timedelta(days=400)
    )
    line_set(h, grade="AA", line=Decimal("30000.00"))
    other = f.HouseholdFactory(group=org.group_a1, head_name="钱七")
    CreditApplication.objects.create(
        household=other,
        applicant=other.members.get(),
        village=other.village,
        requested_amount=Decimal("20000.00"),
    )
    sheet = export(CODE, org.director, tmp_path)
    assert sheet.row_where("户主姓名", "赵六")["评定等级"] == "AA（较好）"
    assert sheet.row_where("户主姓名", "赵六")["核定授信额度（元）"] == 30000
    assert sheet.row_where("户主姓名", "钱七")["信用户（授信有效）"] == "否"


def test_a_line_whose_term_has_run_out_keeps_its_grade_but_not_the_credit(org, tmp_path):
    h = f.HouseholdFactory(group=org.group_a1, head_name="孙八")
    app = line_set(h, grade="A", line=Decimal("10000.00"))
    set_at = timezone.make_aware(datetime(2023, 3, 20, 10))
    CreditApplication.objects.filter(pk=app.pk).update(line_set_at=set_at)
    row = export(CODE, org.director, tmp_path).row_where("户主姓名", "孙八")
    assert row["评定等级"] == "A（一般）"
    assert row["授信到期日"].date() == date(2025, 3, 20)
    assert row["信用户（授信有效）"] == "否"


def test_user_text_never_becomes_a_formula(org, tmp_path):
    for text in FORMULAS:
        f.HouseholdFactory(group=org.group_a1, head_name=text, address=text, main_business=text)
    sheet = export(CODE, org.director, tmp_path)
    pairs = [(t, t) for t in FORMULAS]
    assert_text_kept(sheet, "户主姓名", "户主姓名", pairs)
    assert_text_kept(sheet, "住址", "户主姓名", pairs)
    assert_text_kept(sheet, "主营项目", "户主姓名", pairs)


def test_a_cooperative_sees_its_own_households_and_an_officer_their_villages(
    org, households, tmp_path
):
    director = export(CODE, org.director, tmp_path)
    assert sorted(director.column("户主姓名")) == ["张三", "李四"]
    assert "东城信用社" in director.title and "导出人 蒋稽核" in director.title
    officer = export(CODE, org.officer1, tmp_path)
    assert officer.column("户主姓名") == ["张三"]
    assert "本人负责的行政村" in officer.title
    other = export(CODE, org.director_b, tmp_path)
    assert other.column("户主姓名") == ["王五"]


def test_a_unit_outside_the_scope_is_refused_by_the_filter(org, households):
    form = filter_form(CODE, org.director, {"cooperative": org.coop_b.pk})
    assert not form.is_valid()
    assert str(OUT_OF_SCOPE) in form.errors["cooperative"][0]
    form = filter_form(CODE, org.officer1, {"village": org.village_a2.pk})
    assert not form.is_valid()
    assert str(OUT_OF_SCOPE) in form.errors["village"][0]
    assert filter_form(CODE, org.auditor, {"cooperative": org.coop_b.pk}).is_valid()


def test_filters_narrow_the_rows(org, households, tmp_path):
    by_village = export(CODE, org.auditor, tmp_path, {"village": org.village_a2.pk})
    assert by_village.column("户主姓名") == ["李四"]
    assert "东城信用社 李屯村" in by_village.title
    by_coop = export(CODE, org.auditor, tmp_path, {"cooperative": org.coop_b.pk})
    assert by_coop.column("户主姓名") == ["王五"]
    by_name = export(CODE, org.director, tmp_path, {"head_name": "张"})
    assert by_name.column("户主姓名") == ["张三"]
    Household.objects.filter(pk=households["li"].pk).update(
        created_at=timezone.make_aware(datetime(2024, 5, 1, 10))
    )
    old = export(CODE, org.director, tmp_path, {"date_to": "2024-12-31"})
    assert old.column("户主姓名") == ["李四"]
    assert old.rows[0][old.header.index("登记日期")].date() == date(2024, 5, 1)
    assert "至 2024-12-31" in old.title
    recent = export(CODE, org.director, tmp_path, {"date_from": "2025-01-01"})
    assert recent.column("户主姓名") == ["张三"]


def test_the_queries_do_not_grow_with_the_rows(org):
    for _ in range(3):
        line_set(f.HouseholdFactory(group=org.group_a1))
    few = queries_to_export(CODE, org.director)
    for _ in range(27):
        line_set(f.HouseholdFactory(group=org.group_a2))
    many = queries_to_export(CODE, org.director)
    assert few == many <= 4


def test_the_menu_lists_the_stages_ledgers_in_their_order():
    from creditcoop.reporting.ledgers import all_ledgers

    ours = {
        "villages.households": 10,
        "ratings.ratings": 20,
        "ratings.notices": 30,
        "archives.files": 80,
        "archives.borrowings": 85,
        "recovery.register": 90,
        "recovery.actions": 95,
    }
    listed = [(g.code, g.order) for g in all_ledgers() if g.code in ours]
    assert listed == sorted(ours.items(), key=lambda item: item[1])
    for ledger in all_ledgers():
        if ledger.code in ours:
            assert ledger.filter_form is not None
