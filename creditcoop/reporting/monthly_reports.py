"""Monthly reports (月报) a cooperative sends up, and the union's summing its cooperatives:
五级分类统计表, 不良贷款账龄分析表, 清收情况表, 限时办结情况表.

Each is built from ``MonthlyFigure`` in one query (plus the scope's), as a ``Report`` of
typed columns, rows and a totals row, printed as an A4 page and written as Excel.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from creditcoop.deadlines.kinds import kind_label
from creditcoop.models import MonthlyFigure

from . import hooks
from .dashboard import CLASSES, NPL_CLASSES, ZERO, FigureSums, Scope, _vintage_order, percent
from .ledgers import Column


@dataclass
class Report:
    code: str
    title: str
    unit: str  # the cooperative, or the union
    month: date
    columns: list[Column]
    rows: list[list]
    totals: list | None = None
    groups: list[tuple[str, int]] = field(default_factory=list)  # a header row above
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReportKind:
    code: str
    title: object  # lazy text
    build: Callable


def _sums(scope: Scope, month: date, metrics, *, by: str | None) -> dict:
    """``{child_id or None: FigureSums}`` of some metrics of the month (one query)."""
    group = [by] if by else []
    rows = (
        MonthlyFigure.objects.filter(month=month, metric__in=metrics, **scope.filters)
        .values_list(*group, "metric", "key")
        .annotate(total=Sum("value"))
        .order_by()
    )
    out: dict = defaultdict(FigureSums)
    for row in rows:
        *child, metric, key, value = row
        out[child[0] if child else None][(metric, key)] += value
    return out


def _children_field(scope: Scope) -> str:
    return "cooperative_id" if scope.level == "union" else "village_id"


def five_class(scope: Scope, month: date) -> Report:
    by = _children_field(scope)
    sums = _sums(scope, month, ["class_count", "class_balance"], by=by)
    labels = hooks.key_labels("class_count", CLASSES)
    columns = [Column(str(_("信用社") if by == "cooperative_id" else _("行政村")), "text", 14)]
    for _k in CLASSES:
        columns += [
            Column(str(_("笔数")), "int", 8, True),
            Column(str(_("余额")), "money", 14, True),
        ]
    columns += [
        Column(str(_("笔数")), "int", 8, True),
        Column(str(_("余额")), "money", 14, True),
        Column(str(_("不良余额")), "money", 14, True),
        Column(str(_("不良率（%）")), "pct", 10),
    ]

    def line(name, s: FigureSums):
        counts = [s.of("class_count", k) for k in CLASSES]
        balances = [s.of("class_balance", k) for k in CLASSES]
        npl = sum((s.of("class_balance", k) for k in NPL_CLASSES), ZERO)
        cells = [name]
        for c, b in zip(counts, balances, strict=True):
            cells += [int(c), b]
        total = sum(balances, ZERO)
        return [*cells, int(sum(counts, ZERO)), total, npl, percent(npl, total)]

    rows = [line(u.name, sums.get(u.id, FigureSums())) for u in scope.children]
    everything = FigureSums()
    for s in sums.values():
        for k, v in s.items():
            everything[k] += v
    totals = line(str(_("合计")), everything)
    groups = [("", 1), *[(labels[k], 2) for k in CLASSES], (str(_("合计")), 2), ("", 2)]
    return Report("five-class", "", "", month, columns, rows, totals, groups)


def vintage(scope: Scope, month: date) -> Report:
    metrics = [
        "npl_vintage_count",
        "npl_vintage_balance",
        "npl_register_count",
        "npl_register_balance",
    ]
    s = _sums(scope, month, metrics, by=None).get(None, FigureSums())
    keys = sorted(
        set(s.keys_of("npl_vintage_count")) | set(s.keys_of("npl_vintage_balance")),
        key=_vintage_order,
    )
    labels = hooks.key_labels("npl_vintage_count", keys)
    register_balance = s.of("npl_register_balance")
    rows = [
        [
            labels[k],
            int(s.of("npl_vintage_count", k)),
            s.of("npl_vintage_balance", k),
            percent(s.of("npl_vintage_balance", k), register_balance),
        ]
        for k in keys
    ]
    columns = [
        Column(str(_("方案 · 划段")), "text", 24),
        Column(str(_("笔数")), "int", 8),
        Column(str(_("余额")), "money", 16),
        Column(str(_("占不良登记余额（%）")), "pct", 12),
    ]
    totals = [
        str(_("不良贷款登记合计")),
        int(s.of("npl_register_count")),
        register_balance,
        percent(register_balance, register_balance),
    ]
    notes = [str(_("每个划段方案各自覆盖全部不良登记，合计行是登记总数，不是各行相加。"))]
    return Report("vintage", "", "", month, columns, rows, totals, notes=notes)


def recovery(scope: Scope, month: date) -> Report:
    metrics = ["recovered_amount", "recovered_year", "recovery_baseline"]
    sums = _sums(scope, month, metrics, by="cooperative_id")
    kinds = sorted({k for s in sums.values() for k in s.keys_of("recovered_amount") if k})
    labels = hooks.key_labels("recovered_amount", kinds)
    units = (
        [(u.id, u.name) for u in scope.children]
        if scope.level == "union"
        else [(scope.cooperative.pk, scope.cooperative.name)]
    )
    columns = [
        Column(str(_("信用社")), "text", 14),
        Column(str(_("本月收回")), "money", 14, True),
        *[Column(str(_("其中：%(k)s") % {"k": labels[k]}), "money", 14, True) for k in kinds],
        Column(str(_("本年累计收回")), "money", 14, True),
        Column(str(_("年度清收基数")), "money", 14, True),
        Column(str(_("完成基数（%）")), "pct", 10),
    ]

    def line(name, s: FigureSums):
        year, baseline = s.of("recovered_year"), s.of("recovery_baseline")
        return [
            name,
            s.of("recovered_amount"),
            *[s.of("recovered_amount", k) for k in kinds],
            year,
            baseline,
            percent(year, baseline),
        ]

    rows = [line(name, sums.get(pk, FigureSums())) for pk, name in units]
    everything = FigureSums()
    for pk, _name in units:
        for k, v in sums.get(pk, FigureSums()).items():
            everything[k] += v
    return Report("recovery", "", "", month, columns, rows, line(str(_("合计")), everything))


def deadlines(scope: Scope, month: date) -> Report:
    metrics = ["deadlines_closed", "deadlines_on_time", "deadlines_open_overdue"]
    s = _sums(scope, month, metrics, by=None).get(None, FigureSums())
    kinds = sorted(set(s.keys_of("deadlines_closed")) | set(s.keys_of("deadlines_on_time")))
    columns = [
        Column(str(_("事项类别")), "text", 20),
        Column(str(_("本月办结")), "int", 10, True),
        Column(str(_("按期办结")), "int", 10, True),
        Column(str(_("超期办结")), "int", 10, True),
        Column(str(_("按期办结率（%）")), "pct", 12),
    ]

    def line(name, closed, on_time):
        return [name, int(closed), int(on_time), int(closed - on_time), percent(on_time, closed)]

    rows = [
        line(kind_label(k), s.of("deadlines_closed", k), s.of("deadlines_on_time", k))
        for k in kinds
    ]
    closed = sum((s.of("deadlines_closed", k) for k in kinds), ZERO)
    on_time = sum((s.of("deadlines_on_time", k) for k in kinds), ZERO)
    notes = [
        str(_("月末仍超期未办结：%(n)s 件")) % {"n": int(s.of("deadlines_open_overdue"))},
    ]
    return Report(
        "deadlines",
        "",
        "",
        month,
        columns,
        rows,
        line(str(_("合计")), closed, on_time),
        notes=notes,
    )


REPORTS = {
    r.code: r
    for r in (
        ReportKind("five-class", _("五级分类统计表"), five_class),
        ReportKind("vintage", _("不良贷款账龄分析表"), vintage),
        ReportKind("recovery", _("清收情况表"), recovery),
        ReportKind("deadlines", _("限时办结情况表"), deadlines),
    )
}


def monthly_report(code: str, scope: Scope, month: date) -> Report:
    kind = REPORTS[code]
    report = kind.build(scope, month)
    report.title = str(kind.title)
    report.unit = scope.title
    return report
