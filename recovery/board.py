"""Reads for the recovery reports and the board (issue #13 point 9, docs/rules.md §7.2).

Every figure is a set-based aggregate: the register, the recovery entries and the loans are
grouped in the database, and a report costs the same handful of queries at any size. Scope
follows the register (`selectors.npl_scope`): union roles the union (or one cooperative they
pick), cooperative roles their cooperative, an officer only the records they collect.
The start-of-year baseline is a cooperative's figure: it is shown to whoever sees whole
cooperatives, never to an officer who sees only their own records.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractMonth

from creditcoop.models import COOPERATIVE_ROLES, Cooperative, Staff
from loans.models import Loan, Repayment

from . import selectors
from .models import (
    MonthlyRanking,
    NplGuarantor,
    NplRecord,
    RecoveryEntry,
    RiskClass,
    YearBaseline,
)

ZERO = Decimal("0.00")
EXPIRY_WINDOWS = (30, 60, 90)
NPL_CLASSES = (RiskClass.SUBSTANDARD, RiskClass.DOUBTFUL, RiskClass.LOSS)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(first: date) -> date:
    return first.replace(day=monthrange(first.year, first.month)[1])


def parse_month(text: str | None, default: date) -> date:
    try:
        year, month = (int(p) for p in (text or "").split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return month_start(default)


@dataclass
class Scope:
    """What one user's report covers."""

    records: QuerySet  # records in scope, still pursued (the stock)
    all_records: QuerySet  # records in scope, any status (the recoveries)
    cooperatives: list  # the cooperatives the user may pick
    coop: Cooperative | None  # the one picked (None: all the user sees)
    whole: bool  # whole cooperatives: the baseline is shown

    @property
    def coop_ids(self) -> list[int]:
        return [self.coop.pk] if self.coop else [c.pk for c in self.cooperatives]


def sees_whole_cooperatives(user) -> bool:
    return user.is_union_wide or any(r in COOPERATIVE_ROLES for r in user.roles)


def board_scope(user, coop_param: str | None = "") -> Scope | None:
    """The user's scope, narrowed to the picked cooperative; None when the user picked a
    cooperative outside it (the page answers 404)."""
    cooperatives = list(selectors.npl_cooperatives(user).order_by("code"))
    records = selectors.npl_scope(user)
    coop = None
    coop_param = (coop_param or "").strip()
    if coop_param:
        coop = next((c for c in cooperatives if str(c.pk) == coop_param), None)
        if coop is None:
            return None
    elif len(cooperatives) == 1:
        coop = cooperatives[0]
    if coop is not None:
        records = records.filter(cooperative_id=coop.pk)
    return Scope(
        records=records.filter(status=NplRecord.Status.PURSUING),
        all_records=records,
        cooperatives=cooperatives,
        coop=coop,
        whole=sees_whole_cooperatives(user),
    )


# --- the stock --------------------------------------------------------------------------


@dataclass
class Line:
    key: object
    label: str
    count: int = 0
    balance: Decimal = ZERO
    query: str = ""  # the register filter that lists these rows


def _lines(rows, labels: dict, query_name: str, keep_all=True) -> list[Line]:
    found = {r["key"]: r for r in rows}
    keys = list(labels) if keep_all else []
    keys += [k for k in found if k not in keys]
    out = []
    for k in keys:
        r = found.get(k, {})
        out.append(
            Line(
                k,
                str(labels.get(k, k if k not in (None, "") else "—")),
                r.get("n", 0),
                r.get("balance") or ZERO,
                f"{query_name}={'' if k is None else k}",
            )
        )
    return out


# One scan of the scope for every breakdown of the stock (GROUPING SETS): by class, cause,
# actual user, collector, and by drawn date — the dates then joined on the vintage segments'
# ranges (docs/recovery.md), a few thousand grouped days rather than every record.
STOCK_SQL = """
WITH g AS (
    SELECT GROUPING(x.risk_class, x.cause, x.actual_user, x.collector_id, x.drawn_on) AS grp,
           x.risk_class, x.cause, x.actual_user, x.collector_id, x.drawn_on,
           count(*) AS n, COALESCE(sum(x.principal_owed), 0) AS balance
    FROM ({inner}) x
    GROUP BY GROUPING SETS ((x.risk_class), (x.cause), (x.actual_user), (x.collector_id),
                            (x.drawn_on))
)
SELECT grp, risk_class, cause, actual_user, collector_id, NULL::bigint, n, balance
FROM g WHERE grp <> 30
UNION ALL
SELECT 30, NULL, NULL, NULL, NULL, seg.id, sum(g.n), sum(g.balance)
FROM g
JOIN recovery_vintagesegment seg
  ON (seg.starts_on IS NULL OR g.drawn_on >= seg.starts_on)
 AND (seg.ends_before IS NULL OR g.drawn_on < seg.ends_before)
JOIN recovery_vintagescheme sc ON sc.id = seg.scheme_id AND sc.active
WHERE g.grp = 30
GROUP BY seg.id
"""
# GROUPING() bit masks: the set each row belongs to.
BY_CLASS, BY_CAUSE, BY_USER, BY_COLLECTOR, BY_SEGMENT = 15, 23, 27, 29, 30
KEY_COLUMN = {BY_CLASS: 1, BY_CAUSE: 2, BY_USER: 3, BY_COLLECTOR: 4, BY_SEGMENT: 5}


def _grouped(records: QuerySet) -> dict[int, list[dict]]:
    """Count and balance by class, cause, actual user, collector and vintage segment:
    ONE statement, one scan of the scope."""
    inner, params = (
        records.order_by()
        .values("risk_class", "cause", "actual_user", "collector_id", "drawn_on", "principal_owed")
        .query.sql_with_params()
    )
    out: dict[int, list[dict]] = {k: [] for k in KEY_COLUMN}
    with connection.cursor() as cur:
        cur.execute(STOCK_SQL.format(inner=inner), params)
        for row in cur.fetchall():
            if row[0] in out:
                out[row[0]].append({"key": row[KEY_COLUMN[row[0]]], "n": row[6], "balance": row[7]})
    return out


def by_segment(rows: list[dict]) -> list[dict]:
    """Per active scheme, each segment's count and balance (segments with none show 0)."""
    found = {r["key"]: (r["n"], r["balance"]) for r in rows}
    out = []
    for scheme in selectors.schemes():
        lines = []
        for seg in scheme.segments.all():
            n, bal = found.get(seg.pk, (0, ZERO))
            lines.append(Line(seg.pk, seg.name, n, bal, f"segment={seg.pk}"))
        out.append({"scheme": scheme, "lines": lines})
    return out


def expiring_counts(records: QuerySet, today: date) -> list[dict]:
    """Parties (borrowers and guarantors of pursued records) whose limitation ends within
    30, 60 and 90 days: the same rows as the expiring list. Two statements."""
    windows = {
        f"d{d}": Count(
            "id", filter=Q(**{"limitation_expires_on__range": (today, today + timedelta(days=d))})
        )
        for d in EXPIRY_WINDOWS
    }
    span = (today, today + timedelta(days=max(EXPIRY_WINDOWS)))
    own = records.filter(limitation_expires_on__range=span).order_by().aggregate(**windows)
    guarantors = (
        NplGuarantor.objects.filter(limitation_expires_on__range=span, record__in=records)
        .order_by()
        .aggregate(**windows)
    )
    return [{"days": d, "count": own[f"d{d}"] + guarantors[f"d{d}"]} for d in EXPIRY_WINDOWS]


def stock(scope: Scope, today: date) -> dict:
    records = scope.records
    groups = _grouped(records)
    by_class = _lines(groups[BY_CLASS], dict(RiskClass.choices), "risk_class")
    names = dict(
        Staff.objects.filter(
            pk__in=[r["key"] for r in groups[BY_COLLECTOR] if r["key"]]
        ).values_list("pk", "name")
    )
    by_collector = [
        Line(
            r["key"],
            names.get(r["key"], "（未指定）"),
            r["n"],
            r["balance"],
            f"collector={r['key'] or ''}",
        )
        for r in sorted(
            groups[BY_COLLECTOR], key=lambda r: (-r["balance"], names.get(r["key"], ""))
        )
    ]
    npl = [line for line in by_class if line.key in NPL_CLASSES]
    return {
        "by_class": by_class,
        "npl_count": sum(line.count for line in npl),
        "npl_balance": sum((line.balance for line in npl), ZERO),
        "total_count": sum(line.count for line in by_class),
        "total_balance": sum((line.balance for line in by_class), ZERO),
        "by_segment": by_segment(groups[BY_SEGMENT]),
        "by_cause": _lines(groups[BY_CAUSE], dict(NplRecord.Cause.choices), "cause", False),
        "by_user": _lines(
            groups[BY_USER], dict(NplRecord.ActualUser.choices), "actual_user", False
        ),
        "by_collector": by_collector,
        "expiring": expiring_counts(records, today),
    }


# --- recoveries against the baseline -------------------------------------------------------


@dataclass
class MonthRecovery:
    month: int
    cash_principal: Decimal = ZERO
    cash_interest: Decimal = ZERO
    restructured_principal: Decimal = ZERO
    restructured_interest: Decimal = ZERO
    cumulative_principal: Decimal = ZERO  # cash + restructured principal since 1 January
    remaining: Decimal | None = None  # baseline balance − cumulative principal

    @property
    def cash(self) -> Decimal:
        return self.cash_principal + self.cash_interest

    @property
    def restructured(self) -> Decimal:
        return self.restructured_principal + self.restructured_interest


@dataclass
class Baseline:
    year: int
    count: dict = field(default_factory=dict)
    balance: dict = field(default_factory=dict)
    cooperatives: int = 0  # how many of the scope's cooperatives have one

    @property
    def npl_count(self) -> int:
        return sum(self.count.get(c, 0) for c in NPL_CLASSES)

    @property
    def npl_balance(self) -> Decimal:
        return sum((self.balance.get(c, ZERO) for c in NPL_CLASSES), ZERO)

    @property
    def total_balance(self) -> Decimal:
        return sum(self.balance.values(), ZERO)

    @property
    def total_count(self) -> int:
        return sum(self.count.values())


def baseline_of(scope: Scope, year: int) -> Baseline | None:
    """The locked start-of-year stock of the scope's cooperatives (one statement); None
    for an officer's own-records view or before any baseline of the year exists."""
    if not scope.whole:
        return None
    sums = {f"c{c}": Coalesce(Sum(f"count_{c}"), 0) for c in range(5)}
    sums |= {f"b{c}": Coalesce(Sum(f"balance_{c}"), ZERO) for c in range(5)}
    row = YearBaseline.objects.filter(cooperative_id__in=scope.coop_ids, year=year).aggregate(
        n=Count("id"), **sums
    )
    if not row["n"]:
        return None
    return Baseline(
        year,
        {c: row[f"c{c}"] for c in range(5)},
        {c: row[f"b{c}"] for c in range(5)},
        row["n"],
    )


def entries_of(scope: Scope) -> QuerySet:
    """Recoveries on the scope's records; for whole cooperatives by the entry's own
    cooperative column (indexed with the day), an officer's through their records."""
    if scope.whole:
        return RecoveryEntry.objects.filter(cooperative_id__in=scope.coop_ids)
    return RecoveryEntry.objects.filter(record__in=scope.all_records)


def recoveries(scope: Scope, today: date, baseline: Baseline | None) -> dict:
    """This year's recoveries by month and kind (one statement), cumulated, with what is
    left of the locked baseline after each month."""
    rows = (
        entries_of(scope)
        .filter(on__range=(date(today.year, 1, 1), today))
        .order_by()
        .values("kind", m=ExtractMonth("on"))
        .annotate(p=Sum("principal"), i=Sum("interest"))
    )
    months = {m: MonthRecovery(m) for m in range(1, today.month + 1)}
    for r in rows:
        line = months[r["m"]]
        if r["kind"] == RecoveryEntry.Kind.CASH:
            line.cash_principal, line.cash_interest = r["p"], r["i"]
        else:
            line.restructured_principal, line.restructured_interest = r["p"], r["i"]
    running = ZERO
    for line in months.values():
        running += line.cash_principal + line.restructured_principal
        line.cumulative_principal = running
        if baseline is not None:
            line.remaining = baseline.npl_balance - running
    lines = list(months.values())
    year = MonthRecovery(0)
    for line in lines:
        year.cash_principal += line.cash_principal
        year.cash_interest += line.cash_interest
        year.restructured_principal += line.restructured_principal
        year.restructured_interest += line.restructured_interest
    year.cumulative_principal = running
    return {"months": lines, "this_month": months[today.month], "year": year}


def pct(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


def report(user, coop_param: str | None, today: date) -> dict | None:
    scope = board_scope(user, coop_param)
    if scope is None:
        return None
    s = stock(scope, today)
    baseline = baseline_of(scope, today.year)
    r = recoveries(scope, today, baseline)
    change = None
    if baseline is not None:
        change = {
            "count": s["npl_count"] - baseline.npl_count,
            "balance": s["npl_balance"] - baseline.npl_balance,
            "recovered_pct": pct(r["year"].cumulative_principal, baseline.npl_balance),
        }
    return {"scope": scope, "today": today, "baseline": baseline, "change": change} | s | r


# --- officers' monthly results ---------------------------------------------------------------


@dataclass
class OfficerResult:
    staff_id: int
    name: str
    principal: Decimal = ZERO  # recovered principal in the month (NPL entries)
    interest: Decimal = ZERO  # recovered interest in the month (NPL entries)
    due: Decimal = ZERO  # principal of the officer's loans that fell due in the month
    due_back: Decimal = ZERO  # … of it repaid by the month's end
    interest_owed: Decimal = ZERO  # interest still owed on the officer's pursued records
    rank: int = 0

    @property
    def maturity_rate(self) -> Decimal | None:
        return pct(self.due_back, self.due)

    @property
    def interest_rate(self) -> Decimal | None:
        return pct(self.interest, self.interest + self.interest_owed)

    @property
    def recovered(self) -> Decimal:
        return self.principal + self.interest

    def as_row(self) -> dict:
        return {
            "rank": self.rank,
            "staff_id": self.staff_id,
            "name": self.name,
            "principal": str(self.principal),
            "interest": str(self.interest),
            "due": str(self.due),
            "due_back": str(self.due_back),
            "maturity_rate": None if self.maturity_rate is None else str(self.maturity_rate),
            "interest_owed": str(self.interest_owed),
            "interest_rate": None if self.interest_rate is None else str(self.interest_rate),
        }


def rank_key(r: OfficerResult):
    rate = r.maturity_rate
    return (-r.recovered, rate is None, -(rate or 0), r.name, r.staff_id)


def officer_results(cooperative: Cooperative, month: date, today: date) -> list[OfficerResult]:
    """The month's results of each officer of the cooperative, ranked (docs/rules.md §7.2):
    five statements whatever the number of officers, records or loans."""
    first, last = month_start(month), month_end(month)
    upto = min(last, today)
    results: dict[int, OfficerResult] = {}

    def get(pk) -> OfficerResult:
        return results.setdefault(pk, OfficerResult(pk, ""))

    for r in (
        RecoveryEntry.objects.filter(cooperative=cooperative, on__range=(first, upto))
        .exclude(collector=None)
        .order_by()
        .values("collector_id")
        .annotate(p=Sum("principal"), i=Sum("interest"))
    ):
        o = get(r["collector_id"])
        o.principal, o.interest = r["p"], r["i"]
    due_loans = Loan.objects.filter(
        contract__cooperative=cooperative, due_date__range=(first, last)
    ).exclude(contract__village__officer=None)
    for r in (
        due_loans.order_by()
        .values(officer=F("contract__village__officer_id"))
        .annotate(due=Sum("amount"))
    ):
        get(r["officer"]).due = r["due"]
    for r in (
        Repayment.objects.filter(loan__in=due_loans, reversed_at=None, paid_on__lte=upto)
        .order_by()
        .values(officer=F("loan__contract__village__officer_id"))
        .annotate(back=Sum("to_principal"))
    ):
        get(r["officer"]).due_back = r["back"]
    for r in (
        NplRecord.objects.filter(cooperative=cooperative, status=NplRecord.Status.PURSUING)
        .exclude(collector=None)
        .order_by()
        .values("collector_id")
        .annotate(owed=Sum(F("interest_owed") + F("penalty_owed")))
    ):
        # Every collector with a pursued record is ranked, a month without recoveries too.
        get(r["collector_id"]).interest_owed = r["owed"]
    for pk, name in Staff.objects.filter(pk__in=list(results)).values_list("pk", "name"):
        results[pk].name = name
    ranked = sorted(results.values(), key=rank_key)
    for i, r in enumerate(ranked, start=1):
        r.rank = i
    return ranked


def published(cooperative, month: date) -> MonthlyRanking | None:
    return (
        MonthlyRanking.objects.filter(cooperative=cooperative, month=month_start(month))
        .select_related("published_by")
        .first()
    )
