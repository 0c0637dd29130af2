"""The village ledgers: 信用等级评定及授信一览表 and 村贷款授信额度审批明细表.

One column list per report; the screen and the Excel download share it.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from creditcoop.exports import xlsx_response

from .models import CreditApplication

S = CreditApplication.Status


def _of_year(qs, year):
    return qs.filter(Q(campaign__year=year) | Q(campaign__isnull=True, created_at__year=year))


def _local(dt):
    return timezone.localtime(dt).date() if dt else None


def _officer(a):
    """The officer who handled the application: its investigator, else the campaign's.

    Not the village's current officer, who may have taken over since.
    """
    officer = a.investigated_by or (a.campaign.officer if a.campaign_id else None)
    return officer.name if officer else ""


LEDGER_COLUMNS = [
    ("行政村", 12, lambda a: str(a.village)),
    ("村民小组", 8, lambda a: a.household.group.name),
    ("姓名", 10, lambda a: a.applicant.name),
    ("身份证号码", 21, lambda a: a.applicant.id_number),
    ("联系电话", 14, lambda a: a.applicant.phone or a.household.phone),
    ("家庭人口", 8, lambda a: a.family_size),
    ("家庭净资产（元）", 14, lambda a: a.net_assets),
    ("家庭年纯收入（元）", 14, lambda a: a.annual_net_income),
    ("主营项目", 14, lambda a: a.main_business),
    ("初评等级", 8, lambda a: a.initial_grade or "—"),
    ("评定等级", 8, lambda a: a.grade or "—"),
    ("授信额度（元）", 14, lambda a: a.final_line),
    ("授信期限（月）", 10, lambda a: a.term_months),
    ("经办信贷员", 10, lambda a: _officer(a)),
]

APPROVAL_COLUMNS = [
    ("村民小组", 8, lambda a: a.household.group.name),
    ("姓名", 10, lambda a: a.applicant.name),
    ("身份证号码", 21, lambda a: a.applicant.id_number),
    ("申请金额（元）", 12, lambda a: a.requested_amount),
    ("评定等级", 8, lambda a: a.grade or "—"),
    ("村评审小组建议额度（元）", 14, lambda a: a.proposed_line),
    ("建议期限（月）", 10, lambda a: a.proposed_term),
    ("信贷员意见额度（元）", 14, lambda a: a.officer_line),
    ("信贷员意见", 16, lambda a: a.officer_opinion),
    ("审贷小组意见额度（元）", 14, lambda a: a.review_line),
    ("审贷小组意见", 16, lambda a: a.review_opinion),
    ("主任核定额度（元）", 14, lambda a: a.final_line),
    ("授信期限（月）", 10, lambda a: a.term_months),
    ("核定人", 10, lambda a: a.line_set_by.name if a.line_set_by_id else ""),
    ("核定日期", 12, lambda a: _local(a.line_set_at)),
]


def ledger_queryset(*, village, year):
    """Every household of the village rated in that year (graded, with its line if set)."""
    qs = CreditApplication.objects.filter(village=village).exclude(grade="")
    return (
        _of_year(qs, year)
        .select_related(
            "village", "household__group", "applicant", "investigated_by", "campaign__officer"
        )
        .order_by("household__group__number", "household_id", "id")
    )


def approval_queryset(*, village, year):
    """Applications of the village that reached the credit-line steps in that year."""
    qs = CreditApplication.objects.filter(village=village).exclude(grade="")
    return (
        _of_year(qs, year)
        .select_related("household__group", "applicant", "line_set_by")
        .order_by("household__group__number", "household_id", "id")
    )


def _rows(queryset, columns):
    for a in queryset.iterator(chunk_size=2000):
        yield [fn(a) for _name, _w, fn in columns]


def ledger_xlsx(*, village, year, queryset):
    return xlsx_response(
        filename=f"{village.name}{year}年信用等级评定及授信一览表.xlsx",
        title="信用等级评定及授信一览表",
        scope=f"{village.cooperative} {village.name} {year}年",
        columns=[(name, w) for name, w, _fn in LEDGER_COLUMNS],
        rows=_rows(queryset, LEDGER_COLUMNS),
    )


def approval_xlsx(*, village, year, queryset):
    return xlsx_response(
        filename=f"{village.name}{year}年村贷款授信额度审批明细表.xlsx",
        title="村贷款授信额度审批明细表",
        scope=f"{village.cooperative} {village.name} {year}年",
        columns=[(name, w) for name, w, _fn in APPROVAL_COLUMNS],
        rows=_rows(queryset, APPROVAL_COLUMNS),
    )


def cells(application, columns):
    return [fn(application) for _name, _w, fn in columns]
