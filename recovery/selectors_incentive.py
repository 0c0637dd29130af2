"""Reads for incentives, targets, risk deposits and the coordination lists, scoped.

A collector sees only their own slips and deposit; the cooperative's roles their
cooperative's; union roles the union's. The coordination lists follow the register's scope
(`npl_scope`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from creditcoop.models import COOPERATIVE_ROLES, Cooperative
from creditcoop.scoping import get_in_scope

from . import board
from .models import IncentiveBand, IncentiveSlip, NplRecord, OfficerTarget, RiskDeposit
from .selectors import PAGE_SIZE, npl_scope

ZERO = Decimal("0.00")


def _sees_cooperative(user) -> bool:
    return bool(user.cooperative_id) and any(r in COOPERATIVE_ROLES for r in user.roles)


def _scoped(user, qs: QuerySet, person_field: str) -> QuerySet:
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.is_union_wide:
        return qs.filter(cooperative__union_id=user.union_id)
    cond = Q(**{person_field: user.pk})
    if _sees_cooperative(user):
        cond |= Q(cooperative_id=user.cooperative_id)
    return qs.filter(cond)


def slip_scope(user) -> QuerySet[IncentiveSlip]:
    return _scoped(user, IncentiveSlip.objects.all(), "collector_id")


def deposit_scope(user) -> QuerySet[RiskDeposit]:
    return _scoped(user, RiskDeposit.objects.all(), "officer_id")


def slip_get(user, pk) -> IncentiveSlip:
    return get_in_scope(
        slip_scope(user).select_related(
            "cooperative__union", "collector", "checked_by", "paid_by", "computed_by"
        ),
        pk,
        "未找到该收回信息单。",
    )


def deposit_get(user, pk) -> RiskDeposit:
    return get_in_scope(
        deposit_scope(user).select_related("cooperative", "officer", "decided_by"),
        pk,
        "未找到该风险保证金。",
    )


def cooperatives_of(user) -> list[Cooperative]:
    """The cooperatives whose slips, targets and deposits the user may see."""
    if user.is_union_wide:
        return list(Cooperative.objects.filter(union_id=user.union_id).order_by("code"))
    return list(Cooperative.objects.filter(pk=user.cooperative_id))


def pick_cooperative(user, value: str | None) -> Cooperative | None:
    """The picked cooperative among the user's; the user's own (or the first) by default;
    None when the pick is outside them (the page answers 404)."""
    coops = cooperatives_of(user)
    value = (value or "").strip()
    if value:
        return next((c for c in coops if str(c.pk) == value), None)
    return next((c for c in coops if c.pk == user.cooperative_id), None) or (
        coops[0] if coops else None
    )


def bands(user) -> list[IncentiveBand]:
    from .services.incentive import incentive_bands_ensure

    if not user.union_id:
        return []
    return incentive_bands_ensure(user.union_id)


def slips_page(*, user, cooperative, month: date, status: str = "", q: str = "", page=1):
    qs = slip_scope(user).filter(month=month).select_related("collector", "cooperative")
    if cooperative is not None:
        qs = qs.filter(cooperative=cooperative)
    if status in IncentiveSlip.Status.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(collector__name__contains=q) | Q(collector__username=q))
    totals = qs.aggregate(n=Count("id"), total=Coalesce(Sum("total"), ZERO))
    return Paginator(qs.order_by("-total", "collector__name"), PAGE_SIZE).get_page(page), totals


def payout_rows(*, user, cooperative, month: date) -> QuerySet[IncentiveSlip]:
    """The payout list: the month's checked and paid slips of the cooperative."""
    return (
        slip_scope(user)
        .filter(cooperative=cooperative, month=month)
        .exclude(status=IncentiveSlip.Status.COMPUTED)
        .select_related("collector", "checked_by")
        .order_by("collector__username")
    )


# --- targets against results ---------------------------------------------------------------


@dataclass
class TargetResult:
    officer_id: int
    name: str
    target: OfficerTarget | None
    result: board.OfficerResult | None

    def _met(self, got, wanted):
        if wanted is None or self.target is None:
            return None
        return got is not None and got >= wanted

    @property
    def principal_met(self):
        return self._met(
            self.result.principal if self.result else ZERO, self.target and self.target.principal
        )

    @property
    def interest_met(self):
        return self._met(
            self.result.interest if self.result else ZERO, self.target and self.target.interest
        )

    @property
    def maturity_met(self):
        got = self.result.maturity_rate if self.result else None
        return self._met(got, self.target and self.target.maturity_rate)

    @property
    def interest_rate_met(self):
        got = self.result.interest_rate if self.result else None
        return self._met(got, self.target and self.target.interest_rate)

    @property
    def all_met(self):
        flags = [self.principal_met, self.interest_met, self.maturity_met, self.interest_rate_met]
        known = [f for f in flags if f is not None]
        return None if not known else all(known)


def targets_vs_results(*, user, cooperative, month: date, today: date) -> list[TargetResult]:
    """Each officer with a target or a result in the month: the board's monthly results
    (`board.officer_results`) set against the director's targets. An officer who sees only
    their own records sees only their own line."""
    results = {r.staff_id: r for r in board.officer_results(cooperative, month, today)}
    targets = {
        t.officer_id: t
        for t in OfficerTarget.objects.filter(cooperative=cooperative, month=month).select_related(
            "officer"
        )
    }
    rows = []
    for pk in sorted(set(results) | set(targets)):
        name = results[pk].name if pk in results else targets[pk].officer.name
        rows.append(TargetResult(pk, name, targets.get(pk), results.get(pk)))
    if not (user.is_union_wide or _sees_cooperative(user)):
        rows = [r for r in rows if r.officer_id == user.pk]
    rows.sort(key=lambda r: (r.result.rank if r.result else 10**6, r.name))
    return rows


# --- coordination lists ------------------------------------------------------------------


def _coordination_base(user, cooperative_id: str):
    qs = npl_scope(user).filter(status=NplRecord.Status.PURSUING)
    if (cooperative_id or "").isdigit():
        qs = qs.filter(cooperative_id=int(cooperative_id))
    return qs


def civil_servant_records(user, *, cooperative: str = "", q: str = "") -> QuerySet[NplRecord]:
    qs = _coordination_base(user, cooperative).filter(civil_servant=True)
    if q:
        qs = qs.filter(Q(employer__contains=q) | Q(borrower_name__startswith=q))
    return qs


def civil_servants_page(user, *, cooperative="", q="", page=1):
    """Civil-servant debtors grouped by employer (count and amounts owed), a page of
    employers with their records: two statements for the groups, one for their records."""
    records = civil_servant_records(user, cooperative=cooperative, q=q)
    groups = (
        records.order_by()
        .values("employer")
        .annotate(
            n=Count("id"),
            principal=Sum("principal_owed"),
            interest=Sum("interest_owed") + Sum("penalty_owed"),
        )
        .order_by("-principal", "employer")
    )
    page_obj = Paginator(groups, PAGE_SIZE).get_page(page)
    employers = [g["employer"] for g in page_obj]
    by_employer: dict[str, list] = {e: [] for e in employers}
    for r in (
        records.filter(employer__in=employers)
        .select_related("cooperative", "collector")
        .order_by("employer", "borrower_name", "id")
    ):
        by_employer[r.employer].append(r)
    for g in page_obj:
        g["records"] = by_employer[g["employer"]]
        g["total"] = g["principal"] + g["interest"]
    totals = records.aggregate(n=Count("id"), principal=Coalesce(Sum("principal_owed"), ZERO))
    return page_obj, totals


ENTERPRISE_GONE = (NplRecord.EnterpriseStatus.DISSOLVED, NplRecord.EnterpriseStatus.TRANSFERRED)


def enterprise_records(user, *, cooperative="", status="", q="") -> QuerySet[NplRecord]:
    qs = _coordination_base(user, cooperative).filter(
        borrower_kind=NplRecord.BorrowerKind.ENTERPRISE, enterprise_status__in=ENTERPRISE_GONE
    )
    if status in ENTERPRISE_GONE:
        qs = qs.filter(enterprise_status=status)
    if q:
        qs = qs.filter(
            Q(borrower_name__contains=q) | Q(successor__contains=q) | Q(heirs__contains=q)
        )
    return qs.select_related("cooperative", "collector").order_by("borrower_name", "id")


def enterprises_page(user, *, cooperative="", status="", q="", page=1):
    qs = enterprise_records(user, cooperative=cooperative, status=status, q=q)
    totals = qs.aggregate(n=Count("id"), principal=Coalesce(Sum("principal_owed"), ZERO))
    return Paginator(qs, PAGE_SIZE).get_page(page), totals
