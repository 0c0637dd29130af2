"""The ratings and credit lines ledger (评级授信台账) an auditor exports."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from ratings.models import CreditApplication, RatingCampaign
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

CODE = "ratings.ratings"
S = CreditApplication.Status


def local(y, m, d, hh=10):
    return timezone.make_aware(datetime(y, m, d, hh))


def rating(group, *, head_name="张三", status=S.DRAFT, campaign=None, **fields):
    h = f.HouseholdFactory(group=group, head_name=head_name)
    values = {"requested_amount": Decimal("20000.00"), **fields}
    return CreditApplication.objects.create(
        household=h,
        applicant=h.members.get(relation=Member.Relation.HEAD),
        village=h.village,
        campaign=campaign,
        status=status,
        **values,
    )


@pytest.fixture
def ratings(org):
    campaign = RatingCampaign.objects.create(
        village=org.village_a1, year=2025, rating_date=date(2025, 3, 1)
    )
    zhang = rating(
        org.group_a1,
        head_name="张三",
        status=S.LINE_SET,
        campaign=campaign,
        requested_amount=Decimal("50000.00"),
        initial_total=85,
        initial_grade="AAA",
        reviewed_total=83,
        grade="AAA",
        decided_at=local(2025, 3, 5),
        proposed_line=Decimal("50000.00"),
        final_line=Decimal("45000.00"),
        term_months=24,
        line_set_at=local(2025, 3, 20),
    )
    li = rating(org.group_a2, head_name="李四", status=S.REVIEW, initial_total=70)
    wang = rating(
        org.group_b1,
        head_name="王五",
        status=S.LINE_SET,
        grade="AA",
        proposed_line=Decimal("30000.00"),
        final_line=Decimal("30000.00"),
        term_months=12,
        line_set_at=local(2025, 4, 1),
    )
    return {"zhang": zhang, "li": li, "wang": wang}


def test_every_column_typed_and_the_lines_totalled(org, ratings, tmp_path):
    sheet = export(CODE, org.auditor, tmp_path)
    assert "评级授信台账" in sheet.title and "全联社" in sheet.title and "蒋稽核" in sheet.title
    assert sheet.header[:5] == ["信用社", "行政村", "村民小组", "申请人", "身份证号码"]
    assert sorted(sheet.column("申请人")) == ["张三", "李四", "王五"]
    zhang = sheet.row_where("申请人", "张三")
    assert zhang["信用社"] == "东城信用社" and zhang["行政村"] == "张庄村"
    assert zhang["村民小组"] == "一组"
    assert zhang["身份证号码"] == ratings["zhang"].applicant.id_number
    assert zhang["年度"] == 2025
    assert zhang["评分"] == 83  # the officer's reviewed score, not the committee's 85
    assert zhang["初评等级"] == "AAA"
    assert zhang["评定等级"] == "AAA（优秀）"
    assert zhang["申请金额（元）"] == 50000
    assert zhang["村评审小组建议额度（元）"] == 50000
    assert zhang["核定授信额度（元）"] == 45000
    assert zhang["授信期限（月）"] == 24
    assert zhang["评定日期"].date() == date(2025, 3, 5)
    assert zhang["核定日期"].date() == date(2025, 3, 20)
    assert zhang["状态"] == "已核定额度"
    assert zhang["包村信贷员"] == "郑信贷"
    li = sheet.row_where("申请人", "李四")
    assert li["状态"] == "待信贷员审核"
    assert li["评分"] == 70
    assert li["年度"] == timezone.localdate().year
    assert li["评定等级"] is None and li["核定授信额度（元）"] is None
    assert sheet.total("申请金额（元）") == 90000
    assert sheet.total("村评审小组建议额度（元）") == 80000
    assert sheet.total("核定授信额度（元）") == 75000


def test_user_text_never_becomes_a_formula(org, tmp_path):
    for text in FORMULAS:
        rating(org.group_a1, head_name=text)
    sheet = export(CODE, org.director, tmp_path)
    assert_text_kept(sheet, "申请人", "申请人", [(t, t) for t in FORMULAS])


def test_a_cooperative_sees_only_its_own_ratings(org, ratings, tmp_path):
    sheet = export(CODE, org.director, tmp_path)
    assert sorted(sheet.column("申请人")) == ["张三", "李四"]
    assert sheet.total("核定授信额度（元）") == 45000
    assert export(CODE, org.officer2, tmp_path).column("申请人") == ["李四"]
    form = filter_form(CODE, org.director, {"cooperative": org.coop_b.pk})
    assert not form.is_valid()
    assert str(OUT_OF_SCOPE) in form.errors["cooperative"][0]
    form = filter_form(CODE, org.director, {"village": org.village_b1.pk})
    assert not form.is_valid()
    assert str(OUT_OF_SCOPE) in form.errors["village"][0]


def test_filters_narrow_the_rows(org, ratings, tmp_path):
    def names(data):
        return sorted(export(CODE, org.auditor, tmp_path, data).column("申请人"))

    assert names({"status": S.REVIEW}) == ["李四"]
    assert names({"grade": "AAA"}) == ["张三"]
    assert names({"year": 2025}) == ["张三"]
    assert names({"village": org.village_b1.pk}) == ["王五"]
    assert names({"cooperative": org.coop_a.pk, "status": S.LINE_SET}) == ["张三"]
    CreditApplication.objects.filter(pk=ratings["wang"].pk).update(created_at=local(2024, 6, 1))
    assert names({"date_to": "2024-12-31"}) == ["王五"]
    assert not filter_form(CODE, org.auditor, {"grade": "B"}).is_valid()


def test_the_queries_do_not_grow_with_the_rows(org):
    for _ in range(3):
        rating(org.group_a1)
    few = queries_to_export(CODE, org.director)
    for _ in range(27):
        rating(org.group_a2)
    assert queries_to_export(CODE, org.director) == few <= 4
