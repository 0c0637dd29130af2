"""The NPL register (不良贷款登记簿) and the collection actions (催收记录台账) as ledgers."""

from __future__ import annotations

from django import forms
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, NullIf, TruncDate
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

from .models import CollectionAction, CollectionNotice, NplRecord
from .selectors import npl_scope
from .selectors_collect import action_scope
from .services.collect import local_day_bounds

R = NplRecord
# Who reads the register (as its pages): collectors, the cooperative's leaders, the union's
# staff and auditors; never an entrusted firm's staff.
READERS = frozenset(
    {
        Role.OFFICER,
        Role.DIRECTOR,
        Role.DEPUTY,
        Role.UNION_ASSET,
        Role.UNION_RISK,
        Role.AUDITOR,
        Role.ADMIN,
    }
)


def _choices(choices):
    return [("", _("（全部）")), *choices]


def _narrow(qs, filters: dict, prefix: str = ""):
    """The cooperative and village picked (the scope itself comes from ``npl_scope``)."""
    if filters.get("cooperative"):
        qs = qs.filter(**{f"{prefix}cooperative": filters["cooperative"]})
    if filters.get("village"):
        qs = qs.filter(**{f"{prefix}village": filters["village"]})
    return qs


class RegisterLedgerFilter(ScopeFilterForm):
    risk_class = forms.TypedChoiceField(
        label=_("五级分类"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=_choices(RiskClass.choices),
    )
    book_status = forms.ChoiceField(
        label=_("账务状态"), required=False, choices=_choices(R.BookStatus.choices)
    )
    status = forms.ChoiceField(label=_("状态"), required=False, choices=_choices(R.Status.choices))
    difficulty = forms.ChoiceField(
        label=_("清收难度"), required=False, choices=_choices(R.Difficulty.choices)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dates_mean(self, _("按登记日期"))


REGISTER_COLUMNS = (
    Column("信用社", width=14),
    Column("行政村"),
    Column("借款人", width=10),
    Column("身份证号码", "id"),
    Column("借据编号", "id"),
    Column("合同编号", "id"),
    Column("五级分类", width=8),
    Column("账务状态", width=16),
    Column("原借款金额（元）", "money", total=True),
    Column("本金余额（元）", "money", total=True),
    Column("欠息（元）", "money", total=True),
    Column("罚息（元）", "money", total=True),
    Column("放款日期", "date"),
    Column("到期日", "date"),
    Column("清收责任人", width=10),
    Column("诉讼时效届满日", "date"),
    Column("清收难度", width=20),
    Column("形成原因", width=18),
    Column("状态"),
    Column("最后一次催收日", "date"),
    Column("现住址或下落", width=30),
    Column("登记日期", "date"),
)


def register_rows(*, user, filters: dict) -> LedgerRows:
    qs = _narrow(npl_scope(user), filters)
    qs = date_range(qs, filters, "entered_on")
    if filters.get("risk_class") is not None:
        qs = qs.filter(risk_class=filters["risk_class"])
    for key in ("book_status", "status", "difficulty"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    fields = (
        "cooperative__name",
        "village__name",
        "borrower_name",
        "borrower_id_number",
        "loan_number",
        "contract_number",
        "risk_class",
        "book_status",
        "original_amount",
        "principal_owed",
        "interest_owed",
        "penalty_owed",
        "drawn_on",
        "due_on",
        "collector__name",
        "limitation_expires_on",
        "difficulty",
        "cause",
        "status",
        "last_collection_on",
        "whereabouts",
        "entered_on",
    )
    converters = {
        6: label_of(choice_labels(RiskClass.choices)),
        7: label_of(choice_labels(R.BookStatus.choices)),
        16: label_of(choice_labels(R.Difficulty.choices)),
        17: label_of(choice_labels(R.Cause.choices)),
        18: label_of(choice_labels(R.Status.choices)),
    }
    return LedgerRows(
        scope=ledger_scope(user, filters),
        count=qs.count,
        rows=stream(qs.order_by("cooperative_id", "-id"), fields, converters),
    )


A = CollectionAction


class ActionLedgerFilter(ScopeFilterForm):
    kind = forms.ChoiceField(label=_("方式"), required=False, choices=_choices(A.Kind.choices))
    result = forms.ChoiceField(label=_("结果"), required=False, choices=_choices(A.Result.choices))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dates_mean(self, _("按催收日期"))


ACTION_COLUMNS = (
    Column("信用社", width=14),
    Column("行政村"),
    Column("催收时间", "datetime"),
    Column("方式", width=8),
    Column("借款人", width=10),
    Column("借据编号", "id"),
    Column("催收对象", width=10),
    Column("催收人", width=10),
    Column("接触人", width=10),
    Column("与债务人关系", width=10),
    Column("结果", width=12),
    Column("情况说明", width=40),
    Column("下一步措施", width=30),
    Column("下次催收日期", "date"),
    Column("当日催收通知书编号", "id", width=16),
)


def action_rows(*, user, filters: dict) -> LedgerRows:
    qs = _narrow(action_scope(user), filters, "record__")
    # Whole local days, like the actions page's day (a range on the indexed time).
    if filters.get("date_from"):
        qs = qs.filter(at__gte=local_day_bounds(filters["date_from"])[0])
    if filters.get("date_to"):
        qs = qs.filter(at__lt=local_day_bounds(filters["date_to"])[1])
    for key in ("kind", "result"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    # The notice printed for the same debtor (the borrower, or that guarantor) on the day of
    # the action: actions and notices are separate records, this is how they meet.
    notices = (
        CollectionNotice.objects.filter(record_id=OuterRef("record_id"), printed_on=OuterRef("day"))
        .annotate(party_key=Coalesce("guarantor_id", Value(0)))
        .filter(party_key=OuterRef("party_key"))
        .order_by("-id")
    )
    rows = (
        qs.annotate(
            party=Coalesce(NullIf(F("guarantor__name"), Value("")), Value(str(_("借款人本人")))),
            party_key=Coalesce("guarantor_id", Value(0)),
            day=TruncDate("at"),
        )
        .annotate(notice_number=Subquery(notices.values("number")[:1]))
        .order_by("at", "id")  # read in time order from the index on the time
    )
    fields = (
        "record__cooperative__name",
        "record__village__name",
        "at",
        "kind",
        "record__borrower_name",
        "record__loan_number",
        "party",
        "person__name",
        "contact_name",
        "contact_relation",
        "result",
        "result_text",
        "next_step",
        "next_on",
        "notice_number",
    )
    converters = {
        3: label_of(choice_labels(A.Kind.choices)),
        10: label_of(choice_labels(A.Result.choices)),
    }
    return LedgerRows(
        scope=ledger_scope(user, filters),
        count=qs.count,
        rows=stream(rows, fields, converters),
    )


def register() -> None:
    register_ledger(
        Ledger(
            code="recovery.register",
            title="不良贷款登记簿",
            columns=REGISTER_COLUMNS,
            source=register_rows,
            filter_form=RegisterLedgerFilter,
            order=90,
            roles=READERS,
        )
    )
    register_ledger(
        Ledger(
            code="recovery.actions",
            title="催收记录台账",
            columns=ACTION_COLUMNS,
            source=action_rows,
            filter_form=ActionLedgerFilter,
            order=95,
            roles=READERS,
        )
    )
