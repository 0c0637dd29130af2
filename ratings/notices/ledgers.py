"""The notices and objections ledger (公示与异议台账): one row per objection, with its notice
batch, and one row for each batch that drew no objection."""

from __future__ import annotations

from django import forms
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce, TruncDate
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
from villages.ledgers import dates_mean, ledger_scope

from .models import NoticeBatch, NoticeEntry, Objection

WITH_OBJECTIONS = "with"
OPEN_OBJECTIONS = "open"
NO_OBJECTIONS = "none"


class NoticeLedgerFilter(ScopeFilterForm):
    status = forms.ChoiceField(
        label=_("公示状态"),
        required=False,
        choices=[("", _("（全部）")), *NoticeBatch.Status.choices],
    )
    objections = forms.ChoiceField(
        label=_("异议"),
        required=False,
        choices=[
            ("", _("（全部）")),
            (WITH_OBJECTIONS, _("只含有异议的")),
            (OPEN_OBJECTIONS, _("只含未办结的异议")),
            (NO_OBJECTIONS, _("只含无异议的公示")),
        ],
    )
    channel = forms.ChoiceField(
        label=_("异议来源"),
        required=False,
        choices=[("", _("（全部）")), *Objection.Channel.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dates_mean(self, _("按公示开始日期"))


COLUMNS = (
    Column("信用社", width=14),
    Column("行政村"),
    Column("期号", "int"),
    Column("公示标题", width=20),
    Column("公示状态"),
    Column("公示开始日期", "date"),
    Column("公示截止日期", "date"),
    Column("公示户数", "int"),
    Column("异议受理编号", "id", width=16),
    Column("异议来源"),
    Column("针对农户", width=10),
    Column("异议联系人", width=10),
    Column("受理日期", "date"),
    Column("异议内容", width=40),
    Column("调查人", width=10),
    Column("异议状态"),
    Column("处理结果", width=24),
    Column("答复", width=30),
    Column("办结日期", "date"),
)


def notice_rows(*, user, filters: dict) -> LedgerRows:
    qs = scope_filter(NoticeBatch.objects.all(), user, filters)
    qs = date_range(qs, filters, "start_date")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    # Each filter on the objections narrows the same LEFT JOIN the columns read.
    which = filters.get("objections")
    if which == WITH_OBJECTIONS:
        qs = qs.filter(objections__isnull=False)
    elif which == OPEN_OBJECTIONS:
        qs = qs.filter(objections__status__in=Objection.OPEN)
    elif which == NO_OBJECTIONS:
        qs = qs.filter(objections__isnull=True)
    if filters.get("channel"):
        qs = qs.filter(objections__channel=filters["channel"])
    entries = (
        NoticeEntry.objects.filter(batch_id=OuterRef("pk"))
        .order_by()
        .values("batch_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    rows = qs.annotate(
        entry_count=Coalesce(Subquery(entries[:1], output_field=IntegerField()), 0),
        closed_on=TruncDate("objections__closed_at"),
    ).order_by("village_id", "number", "objections__filed_at", "objections__id")
    fields = (
        "village__cooperative__name",
        "village__name",
        "number",
        "title",
        "status",
        "start_date",
        "end_date",
        "entry_count",
        "objections__reference",
        "objections__channel",
        "objections__household__head_name",
        "objections__contact_name",
        "objections__filed_on",
        "objections__text",
        "objections__assigned_to__name",
        "objections__status",
        "objections__outcome",
        "objections__reply",
        "closed_on",
    )
    batch_status = label_of(choice_labels(NoticeBatch.Status.choices))
    return LedgerRows(
        scope=ledger_scope(user, filters),
        count=qs.values("pk", "objections__id").count,
        rows=stream(
            rows,
            fields,
            {
                4: batch_status,
                9: label_of(choice_labels(Objection.Channel.choices)),
                15: label_of(choice_labels(Objection.Status.choices)),
                16: label_of(choice_labels(Objection.Outcome.choices)),
            },
        ),
    )


def register() -> None:
    register_ledger(
        Ledger(
            code="ratings.notices",
            title="公示与异议台账",
            columns=COLUMNS,
            source=notice_rows,
            filter_form=NoticeLedgerFilter,
            order=30,
        )
    )
