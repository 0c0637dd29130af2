"""Dashboards (经营分析): the monthly figures of a scope, added up on read.

A page reads ``MonthlyFigure`` only, never the loans or households behind it, in a constant
number of queries whatever the scope's size: the months kept, the scope's units, the as-of
month's figures grouped by child unit, metric and key (the totals are their sum), and the
twelve months of the trend metrics. Derived figures (utilisation, shares, NPL ratio, on-time
rate) are computed here from those sums, never stored.

Scopes: union staff, auditors and administrators start at their union and open a
cooperative, then a village; a director or deputy sees their cooperative and its villages; a
loan officer the sum of their own villages and each of them. Anything else is a 404.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import Sum
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creditcoop.deadlines.kinds import kind_label
from creditcoop.models import Cooperative, FigureMonth, MonthlyFigure, Role
from creditcoop.permissions import may_open

from . import hooks
from .ledgers import ledger_get

UNION_VIEW = (Role.UNION_RISK, Role.UNION_ASSET, Role.AUDITOR, Role.ADMIN)
COOPERATIVE_VIEW = (Role.DIRECTOR, Role.DEPUTY)
DASHBOARD_ROLES = (*UNION_VIEW, *COOPERATIVE_VIEW, Role.OFFICER)
REPORT_ROLES = (*UNION_VIEW, *COOPERATIVE_VIEW)

CLASSES = ("0", "1", "2", "3", "4")
NPL_CLASSES = ("2", "3", "4")
TREND_METRICS = ("class_balance",)
TREND_MONTHS = 12
LIMITATION_WINDOWS = ("30", "60", "90")
ZERO = Decimal("0")
NOT_FOUND = gettext_lazy("未找到该单位，或不在您的查看范围内。")


# --- months ------------------------------------------------------------------------------


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def months_back(as_of: date, n: int) -> list[date]:
    """The ``n`` month ends ending with ``as_of``, oldest first."""
    ends = [as_of]
    for _i in range(n - 1):
        ends.append(ends[-1].replace(day=1) - timedelta(days=1))
    return ends[::-1]


def figure_months() -> list[FigureMonth]:
    """The months whose figures were taken, newest first (one query)."""
    return list(FigureMonth.objects.order_by("-month"))


def pick_month(months: list[FigureMonth], value: str | None) -> FigureMonth | None:
    """The month asked for as ``YYYY-MM`` when its figures exist, else the latest."""
    for m in months:
        if value and f"{m.month:%Y-%m}" == value:
            return m
    return months[0] if months else None


# --- arithmetic --------------------------------------------------------------------------


def percent(part, whole, places: int = 2) -> Decimal | None:
    """``part / whole`` as a percentage rounded half up (None when there is no whole)."""
    if not whole:
        return None
    q = Decimal(1).scaleb(-places)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(q, rounding=ROUND_HALF_UP)


# --- scope -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A unit below the page's (a cooperative under the union, a village under a
    cooperative or an officer): a row of the breakdown and a link to its own page."""

    id: int
    name: str
    url_name: str

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=[self.id])


@dataclass
class Scope:
    level: str  # union | cooperative | officer | village
    title: str
    filters: dict  # MonthlyFigure filter
    child_field: str | None = None  # group the month's figures by this column
    children: list[Unit] = field(default_factory=list)
    cooperative: Cooperative | None = None
    village: hooks.DashboardVillage | None = None
    # The unit the drill-down lists are narrowed to; None = the person's whole scope.
    link_cooperative_id: int | None = None
    link_village_id: int | None = None
    # Whether cooperative-level figures (register, recovery, archives, deadlines) belong here.
    cooperative_figures: bool = True
    crumbs: list[tuple[str, str]] = field(default_factory=list)  # (label, url)


def _village_units(villages) -> list[Unit]:
    return [Unit(v.id, v.name, "dashboard:village") for v in villages]


def dashboard_scope(user, *, cooperative_id=None, village_id=None) -> Scope:
    """The scope of one dashboard page, or Http404 when it is not the person's to see."""
    if user.is_union_wide:
        return _union_scope(user, cooperative_id=cooperative_id, village_id=village_id)
    if user.cooperative_id and user.has_role(*COOPERATIVE_VIEW):
        return _cooperative_scope(user, cooperative_id=cooperative_id, village_id=village_id)
    if user.has_role(Role.OFFICER):
        return _officer_scope(user, cooperative_id=cooperative_id, village_id=village_id)
    raise Http404(NOT_FOUND)


def _village_page(village, cooperative, crumbs, *, link_cooperative_id=None) -> Scope:
    return Scope(
        level="village",
        title=village.name,
        filters={"cooperative_id": village.cooperative_id, "village_id": village.id},
        cooperative=cooperative,
        village=village,
        link_cooperative_id=link_cooperative_id,
        link_village_id=village.id,
        cooperative_figures=False,
        crumbs=crumbs,
    )


def _union_scope(user, *, cooperative_id, village_id) -> Scope:
    coops = {
        c.pk: c
        for c in Cooperative.objects.filter(union_id=user.union_id)
        .select_related("union")
        .order_by("code")
    }
    first = next(iter(coops.values()), None)
    union_name = first.union.name if first else _("全联社")
    top = [(union_name, reverse("dashboard:home"))]
    if village_id is not None:
        found = hooks.dashboard_villages(user, village_id=village_id)
        if not found or found[0].cooperative_id not in coops:
            raise Http404(NOT_FOUND)
        village = found[0]
        coop = coops[village.cooperative_id]
        crumbs = [*top, (coop.name, reverse("dashboard:cooperative", args=[coop.pk]))]
        return _village_page(village, coop, crumbs, link_cooperative_id=coop.pk)
    if cooperative_id is not None:
        coop = coops.get(cooperative_id)
        if coop is None:
            raise Http404(NOT_FOUND)
        return Scope(
            level="cooperative",
            title=coop.name,
            filters={"cooperative_id": coop.pk},
            child_field="village_id",
            children=_village_units(hooks.dashboard_villages(user, cooperative_id=coop.pk)),
            cooperative=coop,
            link_cooperative_id=coop.pk,
            crumbs=top,
        )
    return Scope(
        level="union",
        title=union_name,
        filters={"cooperative_id__in": list(coops)},
        child_field="cooperative_id",
        children=[Unit(c.pk, c.name, "dashboard:cooperative") for c in coops.values()],
    )


def _cooperative_scope(user, *, cooperative_id, village_id) -> Scope:
    if cooperative_id is not None and cooperative_id != user.cooperative_id:
        raise Http404(NOT_FOUND)
    coop = Cooperative.objects.get(pk=user.cooperative_id)
    top = [(coop.name, reverse("dashboard:home"))]
    if village_id is not None:
        found = hooks.dashboard_villages(user, cooperative_id=coop.pk, village_id=village_id)
        if not found:
            raise Http404(NOT_FOUND)
        return _village_page(found[0], coop, top)
    return Scope(
        level="cooperative",
        title=coop.name,
        filters={"cooperative_id": coop.pk},
        child_field="village_id",
        children=_village_units(hooks.dashboard_villages(user, cooperative_id=coop.pk)),
        cooperative=coop,
    )


def _officer_scope(user, *, cooperative_id, village_id) -> Scope:
    if cooperative_id is not None:
        raise Http404(NOT_FOUND)
    villages = hooks.dashboard_villages(user)
    top = [(_("我负责的行政村"), reverse("dashboard:home"))]
    if village_id is not None:
        village = next((v for v in villages if v.id == village_id), None)
        if village is None:
            raise Http404(NOT_FOUND)
        return _village_page(village, None, top)
    return Scope(
        level="officer",
        title=_("我负责的行政村"),
        filters={"village_id__in": [v.id for v in villages]},
        child_field="village_id",
        children=_village_units(villages),
        cooperative_figures=False,
    )


# --- figures -----------------------------------------------------------------------------


class FigureSums(dict):
    """``{(metric, key): Decimal}``; a figure never stored reads as 0."""

    def __missing__(self, item):
        return ZERO

    def of(self, metric: str, key: str = "") -> Decimal:
        return self[(metric, key)]

    def keys_of(self, metric: str) -> list[str]:
        return sorted(k for (m, k) in self if m == metric)


@dataclass
class DashboardFigures:
    scope: Scope
    month: date
    totals: FigureSums
    by_child: dict[int, FigureSums]
    trend: dict[date, FigureSums]
    trend_months: list[date]


def dashboard_figures(user, *, cooperative_id=None, village_id=None, as_of: date):
    """The scope's figures as of a month end: totals, per child unit, and the trend (the
    scope's own query or two, then two queries on ``MonthlyFigure``)."""
    scope = dashboard_scope(user, cooperative_id=cooperative_id, village_id=village_id)
    return figures_for(scope, as_of=as_of)


def figures_for(scope: Scope, *, as_of: date) -> DashboardFigures:
    base = MonthlyFigure.objects.filter(**scope.filters).order_by()
    group = [scope.child_field] if scope.child_field else []
    rows = (
        base.filter(month=as_of)
        .values_list(*group, "metric", "key")
        .annotate(total=Sum("value"))
        .order_by()
    )
    totals, by_child = FigureSums(), defaultdict(FigureSums)
    for row in rows:
        *child, metric, key, value = row
        totals[(metric, key)] += value
        if child and child[0] is not None:
            by_child[child[0]][(metric, key)] += value
    trend_months = months_back(as_of, TREND_MONTHS)
    trend: dict[date, FigureSums] = {m: FigureSums() for m in trend_months}
    trend_rows = (
        # The twelve month ends named one by one: an index range per month and metric.
        base.filter(month__in=trend_months, metric__in=TREND_METRICS)
        .values_list("month", "metric", "key")
        .annotate(total=Sum("value"))
        .order_by()
    )
    for month, metric, key, value in trend_rows:
        trend[month][(metric, key)] += value
    return DashboardFigures(scope, as_of, totals, dict(by_child), trend, trend_months)


# --- what the page shows -----------------------------------------------------------------


@dataclass(frozen=True)
class Fig:
    """One number on the page: its value, how to show it, and the rows behind it."""

    value: Decimal | None
    kind: str = "int"  # int | money | pct
    url: str | None = None


class Linker:
    """Drill-down URLs for one page, each only when the person may open that list."""

    def __init__(self, user, scope: Scope):
        self.user, self.scope, self._may = user, scope, {}

    def __call__(self, metric: str, key: str = "") -> str | None:
        target = hooks.drill_down(
            metric,
            key=key,
            cooperative_id=self.scope.link_cooperative_id,
            village_id=self.scope.link_village_id,
        )
        if target is None:
            return None
        url_name, args, query = target
        if url_name not in self._may:
            self._may[url_name] = may_open(self.user, url_name, *args)
        if not self._may[url_name]:
            return None
        url = reverse(url_name, args=args)
        return f"{url}?{urlencode(query)}" if query else url

    def ledger(self, code: str, month_end: date) -> str | None:
        """A month's flow has no list page: its rows are the ledger export of that month,
        the start page filled in with the unit and the month's first and last day."""
        ledger = ledger_get(code)
        if ledger is None or not ledger.allowed(self.user):
            return None
        if "exports:start" not in self._may:
            self._may["exports:start"] = may_open(self.user, "exports:start")
        if not self._may["exports:start"]:
            return None
        query = {"ledger": code, "date_from": month_end.replace(day=1), "date_to": month_end}
        if self.scope.link_village_id is not None:
            query["village"] = self.scope.link_village_id
        elif self.scope.link_cooperative_id is not None:
            query["cooperative"] = self.scope.link_cooperative_id
        return f"{reverse('exports:start')}?{urlencode(query)}"


def class_table(sums: FigureSums, labels: dict[str, str], link=None) -> dict:
    """Counts and balances per five-level class, the totals, NPL balance and ratio."""
    link = link or (lambda *a: None)
    balance_total = sum((sums.of("class_balance", k) for k in CLASSES), ZERO)
    rows = [
        {
            "key": k,
            "label": labels.get(k, k),
            "count": Fig(sums.of("class_count", k), "int", link("class_count", k)),
            "balance": Fig(sums.of("class_balance", k), "money", link("class_balance", k)),
            "share": Fig(percent(sums.of("class_balance", k), balance_total), "pct"),
        }
        for k in CLASSES
    ]
    npl = sum((sums.of("class_balance", k) for k in NPL_CLASSES), ZERO)
    return {
        "rows": rows,
        "count": Fig(sum((sums.of("class_count", k) for k in CLASSES), ZERO)),
        "balance": Fig(balance_total, "money"),
        "npl_count": Fig(sum((sums.of("class_count", k) for k in NPL_CLASSES), ZERO)),
        "npl_balance": Fig(npl, "money"),
        "npl_ratio": Fig(percent(npl, balance_total), "pct"),
    }


def npl_ratio(sums: FigureSums) -> Decimal | None:
    total = sum((sums.of("class_balance", k) for k in CLASSES), ZERO)
    return percent(sum((sums.of("class_balance", k) for k in NPL_CLASSES), ZERO), total)


def migration_matrix(sums: FigureSums, labels: dict[str, str]) -> dict:
    """From × to: the month's moves between classes, each cell shaded by its count."""
    counts = {k: v for (m, k), v in sums.items() if m == "migration_count"}
    top = max(counts.values(), default=ZERO)
    rows = []
    for f in CLASSES:
        cells = []
        for t in CLASSES:
            key = f"{f}-{t}"
            count = counts.get(key, ZERO)
            cells.append(
                {
                    "key": key,
                    "same": f == t,
                    "count": count,
                    "balance": sums.of("migration_balance", key),
                    "worse": t > f,
                    "shade": int(count * 100 / top) if top and count else 0,
                }
            )
        rows.append({"label": labels.get(f, f), "cells": cells})
    moved = sum(counts.values(), ZERO)
    worse = sum((v for k, v in counts.items() if k[2] > k[0]), ZERO)
    return {
        "columns": [labels.get(t, t) for t in CLASSES],
        "rows": rows,
        "moved": moved,
        "worse": worse,
        "better": moved - worse,
    }


def dashboard_page(user, figures: DashboardFigures) -> dict:
    """Everything one dashboard page shows, as sections of ``Fig`` numbers (plus one query
    for the vintage segment names when the page has them)."""
    scope, s = figures.scope, figures.totals
    link = Linker(user, scope)
    class_labels = hooks.key_labels("class_count", CLASSES)
    drawn = link.ledger("loans.loans", figures.month)
    repaid = link.ledger("loans.repayments", figures.month)
    page = {
        "credit": {
            "line_total": Fig(s.of("line_total"), "money", link("line_total")),
            "line_used": Fig(s.of("line_used"), "money", link("line_used")),
            "utilisation": Fig(percent(s.of("line_used"), s.of("line_total")), "pct"),
        },
        "rating": {
            "households": Fig(s.of("households"), "int", link("households")),
            "rated": Fig(s.of("households_rated"), "int", link("households_rated")),
            "rated_share": Fig(percent(s.of("households_rated"), s.of("households")), "pct"),
            "credit": Fig(s.of("households_credit"), "int", link("households_credit")),
            "credit_share": Fig(percent(s.of("households_credit"), s.of("households")), "pct"),
        },
        "notices": {
            "running": Fig(s.of("notices_running"), "int", link("notices_running")),
            "objections_open": Fig(s.of("objections_open"), "int", link("objections_open")),
            "objections_month": Fig(s.of("objections_month"), "int", link("objections_month")),
        },
        "flow": {
            "drawdowns_count": Fig(s.of("drawdowns_count"), "int", drawn),
            "drawdowns_amount": Fig(s.of("drawdowns_amount"), "money", drawn),
            "repayments_count": Fig(s.of("repayments_count"), "int", repaid),
            "repayments_amount": Fig(s.of("repayments_amount"), "money", repaid),
            "repayments_principal": Fig(s.of("repayments_principal"), "money", repaid),
        },
        "classes": class_table(s, class_labels, link),
        "migration": migration_matrix(s, class_labels),
        "trend": _trend(figures, class_labels),
        "breakdown": _breakdown(figures),
    }
    if scope.cooperative_figures:
        page.update(_cooperative_sections(s, link))
    return page


def _trend(figures: DashboardFigures, class_labels) -> dict:
    rows = []
    for m in figures.trend_months:
        sums = figures.trend[m]
        rows.append(
            {
                "month": m,
                "balances": [sums.of("class_balance", k) for k in CLASSES],
                "total": sum((sums.of("class_balance", k) for k in CLASSES), ZERO),
                "npl_ratio": npl_ratio(sums),
            }
        )
    return {"rows": rows, "classes": [class_labels[k] for k in CLASSES]}


def _breakdown(figures: DashboardFigures) -> list[dict]:
    rows = []
    for unit in figures.scope.children:
        sums = figures.by_child.get(unit.id, FigureSums())
        balance = sum((sums.of("class_balance", k) for k in CLASSES), ZERO)
        rows.append(
            {
                "unit": unit,
                "households": sums.of("households"),
                "credit": sums.of("households_credit"),
                "credit_share": percent(sums.of("households_credit"), sums.of("households")),
                "line_total": sums.of("line_total"),
                "line_used": sums.of("line_used"),
                "utilisation": percent(sums.of("line_used"), sums.of("line_total")),
                "npl_balance": balance
                - sums.of("class_balance", "0")
                - sums.of("class_balance", "1"),
                "npl_ratio": npl_ratio(sums),
            }
        )
    return rows


def _cooperative_sections(s: FigureSums, link) -> dict:
    vintage_keys = sorted(
        set(s.keys_of("npl_vintage_count")) | set(s.keys_of("npl_vintage_balance")),
        key=_vintage_order,
    )
    vintage_labels = hooks.key_labels("npl_vintage_count", vintage_keys)
    kind_keys = [k for k in s.keys_of("recovered_amount") if k]
    kind_labels = hooks.key_labels("recovered_amount", kind_keys)
    deadline_kinds = sorted(
        set(s.keys_of("deadlines_closed")) | set(s.keys_of("deadlines_on_time"))
    )
    closed = sum((s.of("deadlines_closed", k) for k in deadline_kinds), ZERO)
    on_time = sum((s.of("deadlines_on_time", k) for k in deadline_kinds), ZERO)
    return {
        "vintage": {
            "rows": [
                {
                    "label": vintage_labels[k],
                    "count": Fig(s.of("npl_vintage_count", k), "int", link("npl_vintage_count", k)),
                    "balance": Fig(
                        s.of("npl_vintage_balance", k), "money", link("npl_vintage_balance", k)
                    ),
                }
                for k in vintage_keys
            ],
            "count": Fig(s.of("npl_register_count"), "int", link("npl_register_count")),
            "balance": Fig(s.of("npl_register_balance"), "money", link("npl_register_balance")),
        },
        "recovery": {
            "month": Fig(s.of("recovered_amount"), "money"),
            "kinds": [
                {"label": kind_labels[k], "amount": Fig(s.of("recovered_amount", k), "money")}
                for k in kind_keys
            ],
            "year": Fig(s.of("recovered_year"), "money"),
            "baseline": Fig(s.of("recovery_baseline"), "money"),
            "of_baseline": Fig(percent(s.of("recovered_year"), s.of("recovery_baseline")), "pct"),
        },
        "limitation": [
            {
                "days": d,
                "count": Fig(s.of("limitation_expiring", d), "int", link("limitation_expiring", d)),
            }
            for d in LIMITATION_WINDOWS
        ],
        "archives": {
            "incomplete": Fig(s.of("archive_incomplete"), "int", link("archive_incomplete")),
            "lent": Fig(s.of("archive_lent"), "int", link("archive_lent")),
            "overdue": Fig(s.of("archive_overdue"), "int", link("archive_overdue")),
        },
        "deadlines": {
            "rows": [
                {
                    "code": k,
                    "label": kind_label(k),
                    "closed": Fig(s.of("deadlines_closed", k), "int", link("deadlines_closed", k)),
                    "on_time": Fig(s.of("deadlines_on_time", k)),
                    "late": Fig(s.of("deadlines_closed", k) - s.of("deadlines_on_time", k)),
                    "rate": Fig(
                        percent(s.of("deadlines_on_time", k), s.of("deadlines_closed", k)), "pct"
                    ),
                }
                for k in deadline_kinds
            ],
            "closed": Fig(closed),
            "on_time": Fig(on_time),
            "late": Fig(closed - on_time),
            "rate": Fig(percent(on_time, closed), "pct"),
            "open_overdue": Fig(
                s.of("deadlines_open_overdue"), "int", link("deadlines_open_overdue")
            ),
        },
    }


def _vintage_order(key: str):
    scheme, _sep, segment = key.partition(":")
    return (int(scheme) if scheme.isdigit() else 0, int(segment) if segment.isdigit() else 0)


# The deadline lists are the core's own (the service hall): no stage registers them.
def _deadline_list(*, metric, key, cooperative_id, village_id):
    if cooperative_id is not None or village_id is not None:
        return None
    if metric == "deadlines_open_overdue":
        return ("servicehall:deadline_list", (), {"state": "late"})
    return ("servicehall:deadline_list", (), {"state": "done", "kind": key})


hooks.register_drill_down(["deadlines_closed", "deadlines_open_overdue"], _deadline_list)
