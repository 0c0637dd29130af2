"""The notices and objections ledger (公示与异议台账): one row per objection, one row for a
notice that drew none."""

import itertools
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ratings.models import CreditApplication
from ratings.notices.models import NoticeBatch, NoticeEntry, Objection
from tests import factories as f
from tests.ledger_sheet import (
    FORMULAS,
    assert_text_kept,
    export,
    filter_form,
    queries_to_export,
)
from villages.ledger_filters import OUT_OF_SCOPE
from villages.models import Member

CODE = "ratings.notices"
Obj = Objection
_refs = itertools.count(1)


def local(y, m, d, hh=10):
    return timezone.make_aware(datetime(y, m, d, hh))


def batch(village, actor, *, number=1, start=date(2025, 3, 21), status="published", **kw):
    return NoticeBatch.objects.create(
        village=village,
        number=number,
        status=status,
        period_days=7,
        start_date=start,
        end_date=NoticeBatch.end_for(start, 7),
        supervision_phone="0371-87654000",
        created_by=actor,
        published_by=actor,
        published_at=local(start.year, start.month, start.day),
        **kw,
    )


def entry(b, head_name):
    h = f.HouseholdFactory(group=b.village.groups.first(), head_name=head_name)
    app = CreditApplication.objects.create(
        household=h,
        applicant=h.members.get(relation=Member.Relation.HEAD),
        village=h.village,
        status=CreditApplication.Status.LINE_SET,
        requested_amount=Decimal("20000.00"),
        grade="AA",
        final_line=Decimal("20000.00"),
        term_months=12,
    )
    return NoticeEntry.objects.create(
        batch=b,
        application=app,
        household=h,
        group_name="一组",
        group_number=1,
        masked_name=head_name[0] + "**",
        grade="AA",
        line=Decimal("20000.00"),
        term_months=12,
    )


def objection(b, e=None, *, text="家里有外债未说明", filed=date(2025, 3, 23), **kw):
    return Objection.objects.create(
        reference=f"YY{next(_refs):06d}",
        batch=b,
        entry=e,
        household=e.household if e else None,
        text=text,
        filed_at=local(filed.year, filed.month, filed.day),
        filed_on=filed,
        **kw,
    )


@pytest.fixture
def notices(org):
    a1 = batch(org.village_a1, org.officer1, title="2025年第一批授信公示")
    zhang, li = entry(a1, "张三"), entry(a1, "李四")
    closed = objection(
        a1,
        zhang,
        channel=Obj.Channel.WEB,
        status=Obj.Status.CLOSED,
        outcome=Obj.Outcome.REJECTED,
        reply="经入户核实，情况不属实",
        assigned_to=org.officer1,
        closed_at=local(2025, 3, 25),
    )
    opened = objection(
        a1,
        li,
        channel=Obj.Channel.PHONE,
        contact_name="赵大爷",
        filed=date(2025, 3, 24),
        status=Obj.Status.INVESTIGATING,
    )
    a2 = batch(org.village_a2, org.officer2, start=date(2025, 2, 1), status="ended")
    entry(a2, "王二")
    b1 = batch(org.village_b1, org.officer_b)
    objection(b1, entry(b1, "王五"), text="西城的异议")
    return {"a1": a1, "a2": a2, "b1": b1, "closed": closed, "opened": opened}


def test_one_row_per_objection_and_one_for_a_notice_without_any(org, notices, tmp_path):
    sheet = export(CODE, org.auditor, tmp_path)
    assert "公示与异议台账" in sheet.title and "全联社" in sheet.title and "蒋稽核" in sheet.title
    assert len(sheet.rows) == 4
    closed = sheet.row_where("异议受理编号", notices["closed"].reference)
    assert closed["信用社"] == "东城信用社" and closed["行政村"] == "张庄村"
    assert closed["期号"] == 1
    assert closed["公示标题"] == "2025年第一批授信公示"
    assert closed["公示状态"] == "公示中"
    assert closed["公示开始日期"].date() == date(2025, 3, 21)
    assert closed["公示截止日期"].date() == date(2025, 3, 27)
    assert closed["公示户数"] == 2
    assert closed["异议来源"] == "网上提交"
    assert closed["针对农户"] == "张三"
    assert closed["受理日期"].date() == date(2025, 3, 23)
    assert closed["异议内容"] == "家里有外债未说明"
    assert closed["调查人"] == "郑信贷"
    assert closed["异议状态"] == "已办结"
    assert closed["处理结果"] == "异议不成立"
    assert closed["答复"] == "经入户核实，情况不属实"
    assert closed["办结日期"].date() == date(2025, 3, 25)
    opened = sheet.row_where("异议受理编号", notices["opened"].reference)
    assert opened["异议来源"] == "电话" and opened["异议联系人"] == "赵大爷"
    assert opened["异议状态"] == "调查核实中"
    assert opened["处理结果"] is None and opened["办结日期"] is None
    quiet = sheet.row_where("行政村", "李屯村")
    assert quiet["公示状态"] == "公示结束" and quiet["公示户数"] == 1
    assert quiet["异议受理编号"] is None and quiet["异议内容"] is None


def test_user_text_never_becomes_a_formula(org, tmp_path):
    b = batch(org.village_a1, org.officer1, title=FORMULAS[0])
    refs = []
    for text in FORMULAS:
        o = objection(b, text=text, contact_name=text, reply=text)
        refs.append((o.reference, text))
    sheet = export(CODE, org.director, tmp_path)
    assert_text_kept(sheet, "异议内容", "异议受理编号", refs)
    assert_text_kept(sheet, "异议联系人", "异议受理编号", refs)
    assert_text_kept(sheet, "答复", "异议受理编号", refs)
    assert_text_kept(sheet, "公示标题", "异议受理编号", [(refs[0][0], FORMULAS[0])])


def test_a_cooperative_sees_only_its_own_notices(org, notices, tmp_path):
    sheet = export(CODE, org.director, tmp_path)
    assert sorted(set(sheet.column("行政村"))) == ["张庄村", "李屯村"]
    assert "西城的异议" not in sheet.column("异议内容")
    assert set(export(CODE, org.officer2, tmp_path).column("行政村")) == {"李屯村"}
    form = filter_form(CODE, org.director, {"cooperative": org.coop_b.pk})
    assert not form.is_valid()
    assert str(OUT_OF_SCOPE) in form.errors["cooperative"][0]
    form = filter_form(CODE, org.officer1, {"village": org.village_b1.pk})
    assert not form.is_valid()
    assert str(OUT_OF_SCOPE) in form.errors["village"][0]


def test_filters_narrow_the_rows(org, notices, tmp_path):
    def refs(data):
        return sorted(
            r or "-" for r in export(CODE, org.director, tmp_path, data).column("异议受理编号")
        )

    closed, opened = notices["closed"].reference, notices["opened"].reference
    assert refs({"objections": "with"}) == sorted([closed, opened])
    assert refs({"objections": "open"}) == [opened]
    assert refs({"objections": "none"}) == ["-"]
    assert refs({"channel": Obj.Channel.PHONE}) == [opened]
    assert refs({"status": NoticeBatch.Status.ENDED}) == ["-"]
    assert refs({"village": org.village_a1.pk}) == sorted([closed, opened])
    assert refs({"date_to": "2025-02-28"}) == ["-"]
    assert refs({"date_from": "2025-03-01"}) == sorted([closed, opened])


def test_the_queries_do_not_grow_with_the_rows(org):
    b = batch(org.village_a1, org.officer1)
    for _ in range(3):
        objection(b)
    few = queries_to_export(CODE, org.director)
    for n in range(2, 29):
        batch(org.village_a2, org.officer2, number=n)
    assert queries_to_export(CODE, org.director) == few <= 4
