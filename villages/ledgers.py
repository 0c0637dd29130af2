"""The households ledger (农户台账) and the streaming helpers every stage's ledgers share.

A ledger's rows come from one ``values_list`` over a server-side cursor, joins done in SQL;
choice codes become their Chinese labels in Python while the rows stream. Later layers add
household columns they own (the rated grade, the credit line) with
``household_column_add``: villages never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.db.models import Count, Expression, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext_lazy as _

from creditcoop.reporting.ledgers import (
    Column,
    Ledger,
    LedgerRows,
    date_range,
    date_range_label,
    register_ledger,
    stream,
)

from .ledger_filters import ScopeFilterForm, scope_filter, scope_label
from .models import Household, Member


def ledger_scope(user, filters: dict) -> str:
    """The scope named in the title row, with the date range when one is picked."""
    return "　".join(p for p in (scope_label(user, filters), date_range_label(filters)) if p)


def dates_mean(form: forms.Form, what: str) -> None:
    """Say on the form which date the range filters."""
    form.fields["date_from"].help_text = what
    form.fields["date_to"].help_text = what


# --- households ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdColumn:
    """A column a later layer adds to the households ledger: ``expression()`` is annotated on
    the households (correlated on ``OuterRef("pk")``), ``convert`` maps its value."""

    column: Column
    expression: Callable[[], Expression]
    convert: Callable | None = None


_EXTRA: dict[str, HouseholdColumn] = {}


class HouseholdLedgerFilter(ScopeFilterForm):
    head_name = forms.CharField(label=_("户主姓名（开头）"), max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dates_mean(self, _("按登记日期"))


BASE_COLUMNS = (
    Column("信用社", width=14),
    Column("乡镇"),
    Column("行政村"),
    Column("村民小组", width=10),
    Column("户主姓名", width=10),
    Column("户主身份证号码", "id"),
    Column("住址", width=30),
    Column("联系电话", "id", width=14),
    Column("主营项目", width=16),
    Column("家庭人口", "int", total=True),
    Column("登记日期", "date"),
)


def household_rows(*, user, filters: dict) -> LedgerRows:
    qs = scope_filter(Household.objects.all(), user, filters)
    qs = date_range(qs, filters, "created_at__date")
    if filters.get("head_name"):
        qs = qs.filter(head_name__startswith=filters["head_name"].strip())
    heads = Member.objects.filter(household_id=OuterRef("pk"), relation=Member.Relation.HEAD)
    sizes = (
        Member.objects.filter(household_id=OuterRef("pk"))
        .order_by()
        .values("household_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    rows = qs.annotate(
        head_id_number=Subquery(heads.values("id_number")[:1]),
        member_count=Coalesce(Subquery(sizes[:1], output_field=IntegerField()), 0),
        registered_on=TruncDate("created_at"),
        **{f"extra_{code}": extra.expression() for code, extra in _EXTRA.items()},
    )
    fields = [
        "village__cooperative__name",
        "village__town",
        "village__name",
        "group__name",
        "head_name",
        "head_id_number",
        "address",
        "phone",
        "main_business",
        "member_count",
        "registered_on",
        *(f"extra_{code}" for code in _EXTRA),
    ]
    converters = {
        len(BASE_COLUMNS) + i: extra.convert
        for i, extra in enumerate(_EXTRA.values())
        if extra.convert
    }
    # The (village, group, id) index gives this order without a sort, so a million rows
    # start streaming at once.
    ordered = rows.order_by("village_id", "group_id", "id")
    return LedgerRows(
        scope=ledger_scope(user, filters),
        count=qs.count,
        rows=stream(ordered, fields, converters),
    )


def households_ledger() -> Ledger:
    return Ledger(
        code="villages.households",
        title="农户台账",
        columns=BASE_COLUMNS + tuple(extra.column for extra in _EXTRA.values()),
        source=household_rows,
        filter_form=HouseholdLedgerFilter,
        order=10,
    )


def household_column_add(code: str, extra: HouseholdColumn) -> None:
    """Add (or replace) a column of the households ledger; idempotent by code."""
    _EXTRA[code] = extra
    register_ledger(households_ledger())


def register() -> None:
    register_ledger(households_ledger())
