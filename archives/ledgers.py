"""The credit archive ledger (信贷档案台账): every file of the rooms the person may see."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from creditcoop.models import Role
from creditcoop.reporting.ledgers import Column, Ledger, LedgerRows, register_ledger
from loans.models import RiskClass
from villages.ledger_filters import ScopeFilterForm
from villages.ledgers import choice_labels, date_range, dates_mean, label_of, ledger_scope, stream

from .models import Colour, FileStatus, Retention, Section, Series
from .selectors import files_scope

# The room's keeper, the cooperative's management and the union's staff and auditors.
READERS = frozenset(
    {
        Role.ARCHIVIST,
        Role.DIRECTOR,
        Role.DEPUTY,
        Role.UNION_RISK,
        Role.UNION_ASSET,
        Role.AUDITOR,
        Role.ADMIN,
    }
)


def _choices(choices):
    return [("", _("（全部）")), *choices]


class FileLedgerFilter(ScopeFilterForm):
    section = forms.ChoiceField(
        label=_("档案分类"), required=False, choices=_choices(Section.choices)
    )
    series = forms.ChoiceField(label=_("系列"), required=False, choices=_choices(Series.choices))
    colour = forms.ChoiceField(
        label=_("四色分类"), required=False, choices=_choices(Colour.choices)
    )
    status = forms.ChoiceField(
        label=_("保管状态"), required=False, choices=_choices(FileStatus.choices)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dates_mean(self, _("按建档日期"))


COLUMNS = (
    Column("信用社", width=14),
    Column("档案号", "id"),
    Column("卷号", "id", width=14),
    Column("档案分类", width=20),
    Column("系列"),
    Column("四色分类", width=8),
    Column("保管状态"),
    Column("案卷题名", width=30),
    Column("借款人", width=10),
    Column("身份证号码", "id"),
    Column("合同编号", "id"),
    Column("行政村"),
    Column("架号", "id", width=8),
    Column("盒号", "id", width=8),
    Column("主办信贷员", width=10),
    Column("五级分类", width=8),
    Column("档案记载余额（元）", "money", total=True),
    Column("页数", "int", total=True),
    Column("建档日期", "date"),
    Column("入库日期", "date"),
    Column("保管期限"),
    Column("保管到期日", "date"),
    Column("备注", width=30),
)


def file_rows(*, user, filters: dict) -> LedgerRows:
    # The scope is the files', not the villages': a management file belongs to no village.
    qs = files_scope(user)
    if filters.get("cooperative"):
        qs = qs.filter(cooperative=filters["cooperative"])
    if filters.get("village"):
        qs = qs.filter(village=filters["village"])
    qs = date_range(qs, filters, "opened_on")
    for key in ("section", "series", "colour", "status"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    fields = (
        "cooperative__name",
        "archive_number",
        "volume_number",
        "section",
        "series",
        "colour",
        "status",
        "title",
        "borrower_name",
        "id_number",
        "contract_number",
        "village__name",
        "shelf",
        "box",
        "officer__name",
        "risk_class",
        "recorded_balance",
        "pages",
        "opened_on",
        "filed_on",
        "retention",
        "keep_until",
        "note",
    )
    converters = {
        3: label_of(choice_labels(Section.choices)),
        4: label_of(choice_labels(Series.choices)),
        5: label_of(choice_labels(Colour.choices)),
        6: label_of(choice_labels(FileStatus.choices)),
        15: label_of(choice_labels(RiskClass.choices)),
        20: label_of(choice_labels(Retention.choices)),
    }
    return LedgerRows(
        scope=ledger_scope(user, filters),
        count=qs.count,
        rows=stream(qs.order_by("cooperative_id", "-id"), fields, converters),
    )


def register() -> None:
    register_ledger(
        Ledger(
            code="archives.files",
            title="信贷档案台账",
            columns=COLUMNS,
            source=file_rows,
            filter_form=FileLedgerFilter,
            order=80,
            roles=READERS,
        )
    )
