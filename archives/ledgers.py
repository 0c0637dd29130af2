"""The credit archive ledger (信贷档案台账): every file of the rooms the person may see; and
the borrowing register (档案借阅登记簿), one row per file lent or consulted."""

from __future__ import annotations

from django import forms
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creditcoop.models import Role
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
from loans.models import RiskClass
from villages.ledger_filters import ScopeFilterForm
from villages.ledgers import dates_mean, ledger_scope

from .models import (
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
from .selectors import files_scope
from .selectors_borrowing import borrowing_scope

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


class BorrowingLedgerFilter(ScopeFilterForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_choices(Borrowing.Status.choices)
    )
    borrower_type = forms.ChoiceField(
        label=_("借阅人类型"), required=False, choices=_choices(BorrowerType.choices)
    )
    method = forms.ChoiceField(
        label=_("借阅方式"), required=False, choices=_choices(Method.choices)
    )
    overdue = forms.BooleanField(label=_("只看逾期未还"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dates_mean(self, _("按申请日期"))


BORROWING_COLUMNS = (
    Column("信用社", width=14),
    Column("借阅单号", "id", width=16),
    Column("档案号", "id"),
    Column("案卷题名", width=24),
    Column("借阅人类型"),
    Column("借阅人", width=10),
    Column("单位", width=20),
    Column("借阅方式"),
    Column("借阅事由", width=30),
    Column("状态"),
    Column("申请时间", "datetime"),
    Column("审批人", width=10),
    Column("借出时间", "datetime"),
    Column("应还日期", "date"),
    Column("归还时间", "datetime"),
    Column("归还齐全", "bool"),
    Column("逾期未还", "bool"),
)


def borrowing_rows(*, user, filters: dict) -> LedgerRows:
    qs = BorrowingLine.objects.filter(borrowing__in=borrowing_scope(user).values("pk"))
    if filters.get("cooperative"):
        qs = qs.filter(borrowing__cooperative=filters["cooperative"])
    if filters.get("village"):
        qs = qs.filter(file__village=filters["village"])
    qs = date_range(qs, filters, "borrowing__requested_at__date")
    for key in ("status", "borrower_type", "method"):
        if filters.get(key):
            qs = qs.filter(**{f"borrowing__{key}": filters[key]})
    late = Q(out=True, borrowing__due_date__lt=timezone.localdate())
    if filters.get("overdue"):
        qs = qs.filter(late)
    rows = qs.annotate(late=Case(When(late, then=Value(True)), default=Value(False))).order_by(
        "borrowing__cooperative_id", "borrowing__requested_at", "borrowing_id", "id"
    )
    fields = (
        "borrowing__cooperative__name",
        "borrowing__number",
        "file__archive_number",
        "file__title",
        "borrowing__borrower_type",
        "borrowing__borrower_name",
        "borrowing__organisation",
        "borrowing__method",
        "borrowing__purpose",
        "borrowing__status",
        "borrowing__requested_at",
        "borrowing__approved_by__name",
        "borrowing__issued_at",
        "borrowing__due_date",
        "borrowing__returned_at",
        "returned_complete",
        "late",
    )
    converters = {
        4: label_of(choice_labels(BorrowerType.choices)),
        7: label_of(choice_labels(Method.choices)),
        9: label_of(choice_labels(Borrowing.Status.choices)),
    }
    return LedgerRows(
        scope=ledger_scope(user, filters),
        count=qs.count,
        rows=stream(rows, fields, converters),
    )


def register() -> None:
    register_ledger(
        Ledger(
            code="archives.borrowings",
            title="档案借阅登记簿",
            columns=BORROWING_COLUMNS,
            source=borrowing_rows,
            filter_form=BorrowingLedgerFilter,
            order=85,
            roles=READERS,
        )
    )
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
