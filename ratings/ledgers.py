"""The ratings and credit lines ledger (评级授信台账), and the rated grade and credit line
the households ledger shows for each household."""

from __future__ import annotations

from django import forms
from django.db.models import (
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, ExtractYear, Now, TruncDate
from django.utils.translation import gettext_lazy as _

from creditcoop.reporting.ledgers import (
    Column,
    Ledger,
    LedgerRows,
    choice_labels,
    date_range,
    label_of,
    register_ledger,
    stream,
)
from villages.ledger_filters import ScopeFilterForm, scope_filter
from villages.ledgers import HouseholdColumn, dates_mean, household_column_add, ledger_scope

from .models import CreditApplication, Grade

S = CreditApplication.Status


def _blank(label):
    return [("", label)]


class RatingLedgerFilter(ScopeFilterForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_blank(_("（全部）")) + S.choices
    )
    grade = forms.ChoiceField(
        label=_("评定等级"), required=False, choices=_blank(_("（全部）")) + Grade.choices
    )
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dates_mean(self, _("按登记日期"))


COLUMNS = (
    Column("信用社", width=14),
    Column("行政村"),
    Column("村民小组", width=10),
    Column("申请人", width=10),
    Column("身份证号码", "id"),
    Column("年度", "int"),
    Column("评分", "int"),
    Column("初评等级"),
    Column("评定等级"),
    Column("申请金额（元）", "money", total=True),
    Column("村评审小组建议额度（元）", "money", total=True),
    Column("核定授信额度（元）", "money", total=True),
    Column("授信期限（月）", "int"),
    Column("评定日期", "date"),
    Column("核定日期", "date"),
    Column("状态", width=16),
    Column("包村信贷员", width=10),
    Column("登记日期", "date"),
)


def rating_rows(*, user, filters: dict) -> LedgerRows:
    qs = scope_filter(CreditApplication.objects.all(), user, filters)
    qs = date_range(qs, filters, "created_at__date")
    qs = qs.annotate(year=Coalesce("campaign__year", ExtractYear("created_at")))
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("grade"):
        qs = qs.filter(grade=filters["grade"])
    if filters.get("year"):
        qs = qs.filter(year=filters["year"])
    rows = qs.annotate(
        score=Coalesce("reviewed_total", "initial_total"),
        decided_on=TruncDate("decided_at"),
        line_set_on=TruncDate("line_set_at"),
        created_on=TruncDate("created_at"),
    ).order_by("village_id", "household_id", "id")  # the village index, then a small sort
    fields = (
        "village__cooperative__name",
        "village__name",
        "household__group__name",
        "applicant__name",
        "applicant__id_number",
        "year",
        "score",
        "initial_grade",
        "grade",
        "requested_amount",
        "proposed_line",
        "final_line",
        "term_months",
        "decided_on",
        "line_set_on",
        "status",
        "village__officer__name",
        "created_on",
    )
    grades = label_of(choice_labels(Grade.choices))
    return LedgerRows(
        scope=ledger_scope(user, filters),
        count=qs.count,
        rows=stream(rows, fields, {8: grades, 15: label_of(choice_labels(S.choices))}),
    )


# --- the households ledger's rating columns -----------------------------------------------


def _latest_line_set():
    return CreditApplication.objects.filter(
        household_id=OuterRef("pk"), status=S.LINE_SET
    ).order_by("-line_set_at", "-id")


def _line_runs_until():
    """When the line's term ends: the day it was set plus its term in months."""
    months = Func(
        Value(0), F("term_months"), function="make_interval", output_field=DurationField()
    )
    return ExpressionWrapper(F("line_set_at") + months, output_field=DateTimeField())


def _in_force():
    """A line set whose term still runs: the household is a credit household (信用户)."""
    return Exists(
        _latest_line_set().annotate(runs_until=_line_runs_until()).filter(runs_until__gt=Now())
    )


def register() -> None:
    register_ledger(
        Ledger(
            code="ratings.ratings",
            title="评级授信台账",
            columns=COLUMNS,
            source=rating_rows,
            filter_form=RatingLedgerFilter,
            order=20,
        )
    )
    grades = choice_labels(Grade.choices)
    household_column_add(
        "grade",
        HouseholdColumn(
            Column("评定等级"),
            lambda: Subquery(_latest_line_set().values("grade")[:1]),
            label_of(grades),
        ),
    )
    household_column_add(
        "line",
        HouseholdColumn(
            Column("核定授信额度（元）", "money", total=True),
            lambda: Subquery(_latest_line_set().values("final_line")[:1]),
        ),
    )
    household_column_add(
        "line_until",
        HouseholdColumn(
            Column("授信到期日", "date"),
            lambda: Subquery(
                _latest_line_set().annotate(until=TruncDate(_line_runs_until())).values("until")[:1]
            ),
        ),
    )
    household_column_add("credit", HouseholdColumn(Column("信用户（授信有效）", "bool"), _in_force))
