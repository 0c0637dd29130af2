"""The core's ledgers: the audit trail, deadlines (限时办结) and accountability (超期问责).

Registered from ``creditcoop.apps.Config.ready``; the stages register theirs the same way.
"""

from __future__ import annotations

from types import SimpleNamespace

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creditcoop.audit_labels import ACTIONS, action_label, change_lines, object_type_label
from creditcoop.models import Role

from .filters import CoreFilterForm, core_scope_label
from .ledgers import Column, Ledger, LedgerRows, choice_labels, date_range, register_ledger, stream

AUDIT_READERS = frozenset(
    {Role.AUDITOR, Role.DIRECTOR, Role.DEPUTY, Role.UNION_RISK, Role.UNION_ASSET, Role.ADMIN}
)
OVERSIGHT = frozenset(
    {Role.DIRECTOR, Role.DEPUTY, Role.AUDITOR, Role.UNION_RISK, Role.UNION_ASSET, Role.ADMIN}
)


# --- audit trail ----------------------------------------------------------------------------


class AuditLedgerFilter(CoreFilterForm):
    action = forms.ChoiceField(label=_("操作"), required=False)
    object_type = forms.ChoiceField(label=_("对象类型"), required=False)
    actor = forms.CharField(label=_("操作人（工号或姓名）"), required=False, max_length=50)

    def __init__(self, *args, **kwargs):
        from creditcoop.audit_labels import object_type_choices

        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", _("全部")), *object_type_choices()]
        choices = sorted(((k, str(v)) for k, v in ACTIONS.items()), key=lambda c: c[0])
        self.fields["action"].choices = [("", _("全部")), *choices]


def audit_ledger_rows(*, user, filters) -> LedgerRows:
    from django.db.models import Q

    from creditcoop.selectors import audit_scope

    qs = audit_scope(user)
    if filters.get("cooperative"):
        qs = qs.filter(cooperative=filters["cooperative"])
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    if filters.get("object_type"):
        qs = qs.filter(object_type=filters["object_type"])
    actor = (filters.get("actor") or "").strip()
    if actor:
        qs = qs.filter(Q(actor__username=actor) | Q(actor__name__startswith=actor))
    qs = date_range(qs, filters, "at__date")
    qs = qs.order_by("at", "id")
    type_labels: dict[str, str] = {}

    def shape(r):
        at, actor_name, username, action, otype, oid, orepr, changes, coop = r
        if otype not in type_labels:
            type_labels[otype] = str(object_type_label(otype))
        lines = change_lines(SimpleNamespace(object_type=otype, changes=changes))
        return (
            at,
            actor_name or "系统",
            username or "",
            str(action_label(action)),
            type_labels[otype],
            oid,
            orepr,
            "\n".join(f"{k}：{v}" for k, v in lines),
            coop or "",
        )

    fields = (
        "at",
        "actor__name",
        "actor__username",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "changes",
        "cooperative__name",
    )
    return LedgerRows(
        scope=core_scope_label(user, filters),
        count=qs.count,
        rows=stream(qs, fields, shape=shape),
    )


AUDIT_LEDGER = Ledger(
    code="creditcoop.audit",
    title="审计记录",
    order=900,
    roles=AUDIT_READERS,
    filter_form=AuditLedgerFilter,
    source=audit_ledger_rows,
    columns=(
        Column("时间", "datetime"),
        Column("操作人", width=10),
        Column("工号", "id", width=10),
        Column("操作", width=20),
        Column("对象类型", width=14),
        Column("对象编号", "id", width=10),
        Column("对象", width=30),
        Column("变更内容", width=50),
        Column("信用社", width=16),
    ),
)


# --- deadlines and accountability ------------------------------------------------------------

DEADLINE_STATES = [
    ("", _("全部")),
    ("open", _("办理中（含超期）")),
    ("late", _("已超期未办结")),
    ("done", _("已办结")),
]


class DeadlineLedgerFilter(CoreFilterForm):
    kind = forms.ChoiceField(label=_("事项"), required=False)
    state = forms.ChoiceField(label=_("状态"), required=False, choices=DEADLINE_STATES)

    def __init__(self, *args, **kwargs):
        from creditcoop.deadlines.kinds import kind_choices

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("全部")), *kind_choices()]
        self.fields["date_from"].label = _("起算日自")
        self.fields["date_to"].label = _("起算日至")


def deadline_state(today, stopped_on, late_on, remind_on) -> str:
    if stopped_on:
        return "已办结（超期）" if stopped_on >= late_on else "按期办结"
    if today >= late_on:
        return "已超期"
    if today >= remind_on:
        return "即将到期"
    return "办理中"


def deadline_ledger_rows(*, user, filters) -> LedgerRows:
    from creditcoop.deadlines.kinds import kind_label
    from creditcoop.servicehall.selectors import deadline_scope

    today = timezone.localdate()
    qs = deadline_scope(user)
    if filters.get("cooperative"):
        qs = qs.filter(cooperative=filters["cooperative"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("state") == "open":
        qs = qs.filter(stopped_at__isnull=True)
    elif filters.get("state") == "late":
        qs = qs.filter(stopped_at__isnull=True, late_on__lte=today)
    elif filters.get("state") == "done":
        qs = qs.filter(stopped_at__isnull=False)
    qs = date_range(qs, filters, "started_on")
    qs = qs.order_by("cooperative_id", "started_on", "id")
    kinds: dict[str, str] = {}

    def shape(r):
        coop, kind, title, oid, person, started, days, due, late_on, remind_on = r[:10]
        stopped_on, reason, late_days = r[10:]
        if kind not in kinds:
            kinds[kind] = str(kind_label(kind))
        return (
            coop,
            kinds[kind],
            title or str(oid),
            person,
            started,
            days,
            due,
            stopped_on,
            reason,
            late_days,
            deadline_state(today, stopped_on, late_on, remind_on),
        )

    fields = (
        "cooperative__name",
        "kind",
        "title",
        "object_id",
        "responsible__name",
        "started_on",
        "working_days",
        "due_on",
        "late_on",
        "remind_on",
        "stopped_on",
        "stop_reason",
        "late_days",
    )
    return LedgerRows(
        scope=core_scope_label(user, filters), count=qs.count, rows=stream(qs, fields, shape=shape)
    )


DEADLINE_LEDGER = Ledger(
    code="creditcoop.deadlines",
    title="限时办结台账",
    order=910,
    roles=OVERSIGHT,
    filter_form=DeadlineLedgerFilter,
    source=deadline_ledger_rows,
    columns=(
        Column("信用社", width=16),
        Column("事项", width=16),
        Column("办理对象", width=30),
        Column("责任人", width=10),
        Column("起算日", "date"),
        Column("时限（工作日）", "int"),
        Column("到期工作日", "date"),
        Column("办结日期", "date"),
        Column("停止原因", width=20),
        Column("超期工作日", "int", total=True),
        Column("状态", width=12),
    ),
)


class AccountabilityLedgerFilter(CoreFilterForm):
    status = forms.ChoiceField(label=_("处理状态"), required=False)

    def __init__(self, *args, **kwargs):
        from creditcoop.deadlines.models import AccountabilityStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("全部")), *AccountabilityStatus.choices]
        self.fields["date_from"].label = _("生成日期自")
        self.fields["date_to"].label = _("生成日期至")


def accountability_ledger_rows(*, user, filters) -> LedgerRows:
    from creditcoop.deadlines.kinds import kind_label
    from creditcoop.deadlines.models import AccountabilityStatus, Tier
    from creditcoop.servicehall.selectors import accountability_scope

    qs = accountability_scope(user)
    if filters.get("cooperative"):
        qs = qs.filter(cooperative=filters["cooperative"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    qs = date_range(qs, filters, "created_at__date")
    qs = qs.order_by("cooperative_id", "created_at", "id")
    tiers = choice_labels(Tier.choices)
    states = choice_labels(AccountabilityStatus.choices)
    kinds: dict[str, str] = {}

    def shape(r):
        coop, kind, title, oid, person, due, late_days, tier, lost, status, by, at, reason = r
        if kind not in kinds:
            kinds[kind] = str(kind_label(kind))
        return (
            coop,
            kinds[kind],
            title or str(oid),
            person,
            due,
            late_days,
            tiers.get(tier, ""),
            lost,
            states.get(status, status),
            by or "",
            at,
            reason,
        )

    fields = (
        "cooperative__name",
        "deadline__kind",
        "deadline__title",
        "deadline__object_id",
        "person__name",
        "deadline__due_on",
        "late_days",
        "tier",
        "lost_interest",
        "status",
        "decided_by__name",
        "decided_at",
        "decision_reason",
    )
    return LedgerRows(
        scope=core_scope_label(user, filters), count=qs.count, rows=stream(qs, fields, shape=shape)
    )


ACCOUNTABILITY_LEDGER = Ledger(
    code="creditcoop.accountability",
    title="超期问责台账",
    order=920,
    roles=OVERSIGHT,
    filter_form=AccountabilityLedgerFilter,
    source=accountability_ledger_rows,
    columns=(
        Column("信用社", width=16),
        Column("事项", width=16),
        Column("办理对象", width=30),
        Column("责任人", width=10),
        Column("到期工作日", "date"),
        Column("超期工作日", "int"),
        Column("问责档次", width=12),
        Column("延误利息损失（元）", "money", total=True),
        Column("处理状态", width=10),
        Column("处理人", width=10),
        Column("处理时间", "datetime"),
        Column("处理理由", width=24),
    ),
)


def register() -> None:
    for ledger in (AUDIT_LEDGER, DEADLINE_LEDGER, ACCOUNTABILITY_LEDGER):
        register_ledger(ledger)
