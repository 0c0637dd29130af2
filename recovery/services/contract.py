"""Internal contracted collection (内部竞标承包清收, docs/rules.md §7.5): packages priced
through the union's table, publication, registration and bids, award, the 2-year contract,
the contractor's monthly slip with the marginal bonus bands, and forfeiture."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record, audit_record_many, audit_row
from creditcoop.models import Cooperative, Role
from creditcoop.permissions import directs_cooperative, may_write

from ..models import (
    Bid,
    BonusBand,
    CollectionContract,
    CollectionPackage,
    ContractCharge,
    ContractorProfile,
    ContractorRegistration,
    ContractSlip,
    DifficultyClass,
    NplRecord,
    PackageLine,
    PricingRow,
    RecoveryEntry,
    RecoveryPolicy,
    VintageSegment,
)
from ._common import RecoveryError, _today

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def _fen(value) -> Decimal:
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


# --- who may do what --------------------------------------------------------------------


def may_build(actor, cooperative=None, union_id=None) -> bool:
    """Build, publish and award packages, sign contracts, charge forfeitures: the union's
    asset-preservation department and administrators for any package of their union; a
    cooperative's director or deputy for packages of their own cooperative."""
    if not may_write(actor):
        return False
    if actor.is_superuser:
        return True
    union_id = union_id or (cooperative.union_id if cooperative else None)
    if actor.has_role(Role.UNION_ASSET, Role.ADMIN) and actor.union_id == union_id:
        return True
    return cooperative is not None and directs_cooperative(actor, cooperative.pk)


def may_lead(actor, package: CollectionPackage) -> bool:
    return may_build(actor, package.cooperative, package.union_id)


def may_check_slip(actor, contract: CollectionContract) -> bool:
    """The slip's check before payout (R5.2, R10.11). The source gives it to the union's
    audit (稽核), but auditors are read-only here: the union's risk department checks, or
    the director of the package's cooperative. Never the contractor."""
    if not may_write(actor) or actor.pk == contract.contractor_id:
        return False
    package = contract.package
    if actor.has_role(Role.UNION_RISK) and actor.union_id == package.union_id:
        return True
    return bool(
        package.cooperative_id
        and actor.has_role(Role.DIRECTOR)
        and actor.cooperative_id == package.cooperative_id
    )


def may_pay_slip(actor, contract: CollectionContract) -> bool:
    return (
        may_write(actor)
        and actor.pk != contract.contractor_id
        and (
            actor.is_superuser
            or (
                actor.has_role(Role.UNION_ASSET, Role.ADMIN)
                and actor.union_id == contract.package.union_id
            )
        )
    )


def ineligible_reason(staff, package: CollectionPackage) -> str:
    """Why this staff member may not register for the package ('' when they may). R10.4:
    every staff member of the union on the payroll, retirees included; never a
    cooperative's director (the president) or an auditor."""
    if not getattr(staff, "pk", None) or not staff.is_active:
        return _("只有在册员工可以报名。")
    if staff.union_id != package.union_id:
        return _("只有本联社员工可以报名。")
    if package.cooperative_id and staff.cooperative_id not in (None, package.cooperative_id):
        return _("该贷款包只向 %(c)s 员工公示。") % {"c": package.cooperative.name}
    if staff.has_role(Role.DIRECTOR):
        return _("信用社主任（行长）不得参加承包竞标。")
    if staff.has_role(Role.AUDITOR):
        return _("稽核人员不得参加承包竞标。")
    return ""


# --- pricing and package building ---------------------------------------------------------


@dataclass
class PackageFilters:
    cooperative: str = ""
    village: str = ""
    segment: str = ""
    difficulty_class: str = ""
    region: str = ""

    @classmethod
    def from_data(cls, data) -> PackageFilters:
        return cls(**{k: str(data.get(k) or "").strip() for k in cls.__dataclass_fields__})

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v}


# A pursued record is litigated while a lawsuit filed against the borrower has no later
# "enforcement ended" event and no end date on or before today (docs/rules.md §7.5).
LITIGATED_SQL = """
EXISTS (
    SELECT 1 FROM recovery_limitationevent e
    WHERE e.record_id = r.id AND e.guarantor_id IS NULL AND e.kind = 'lawsuit'
      AND (e.ends_on IS NULL OR e.ends_on > %(today)s)
      AND NOT EXISTS (
          SELECT 1 FROM recovery_limitationevent x
          WHERE x.record_id = r.id AND x.kind = 'enforcement_ended'
            AND x.occurred_on >= e.occurred_on))
"""

# The candidates of a build, priced by joining the union's pricing table: one statement
# whatever the size (age = whole years since the due date on the build day).
PRICED_SQL = """
WITH cand AS MATERIALIZED (
    SELECT r.id AS record_id,
           CASE WHEN r.difficulty = 'potential' THEN 'potential' ELSE 'hard' END AS cls,
           GREATEST(0, EXTRACT(YEAR FROM age(%(today)s::date, r.due_on)))::int AS age_years,
           r.principal_owed + r.interest_owed + r.penalty_owed AS debt
    FROM recovery_nplrecord r
    JOIN creditcoop_cooperative c ON c.id = r.cooperative_id
    LEFT JOIN villages_village v ON v.id = r.village_id
    WHERE c.union_id = %(union)s AND r.status = 'pursuing'
      AND r.principal_owed + r.interest_owed + r.penalty_owed > 0
      AND NOT EXISTS (
          SELECT 1 FROM recovery_packageline l WHERE l.record_id = r.id AND l.live)
      AND NOT {litigated}
      {where}
)
SELECT q.record_id, q.cls, q.age_years, p.pct, q.debt, round(q.debt * p.pct / 100, 2) AS price
FROM cand q
JOIN recovery_pricingrow p
  ON p.union_id = %(union)s AND p.difficulty_class = q.cls
 AND q.age_years >= p.age_from AND (p.age_to IS NULL OR q.age_years < p.age_to)
"""


INSERT_LINES_SQL = """
INSERT INTO recovery_packageline
    (package_id, record_id, difficulty_class, age_years, pct, debt, price, live)
SELECT %(package)s, s.record_id, s.cls, s.age_years, s.pct, s.debt, s.price, TRUE
FROM ({priced}) s
"""


def _where(f: PackageFilters, params: dict) -> str:
    parts = []
    if f.cooperative.isdigit():
        parts.append("r.cooperative_id = %(cooperative)s")
        params["cooperative"] = int(f.cooperative)
    if f.village.isdigit():
        parts.append("r.village_id = %(village)s")
        params["village"] = int(f.village)
    if f.segment.isdigit():
        seg = VintageSegment.objects.filter(pk=int(f.segment)).first()
        if seg is None:
            parts.append("FALSE")
        else:
            if seg.starts_on:
                parts.append("r.drawn_on >= %(seg_from)s")
                params["seg_from"] = seg.starts_on
            if seg.ends_before:
                parts.append("r.drawn_on < %(seg_to)s")
                params["seg_to"] = seg.ends_before
    if f.difficulty_class == DifficultyClass.POTENTIAL:
        parts.append("r.difficulty = 'potential'")
    elif f.difficulty_class == DifficultyClass.HARD:
        parts.append("r.difficulty <> 'potential'")
    if f.region:
        # The region is the village's town where the village names one, else the cooperative.
        parts.append("COALESCE(NULLIF(v.town, ''), c.name) = %(region)s")
        params["region"] = f.region
    return "".join(f" AND {p}" for p in parts)


def _priced(union_id: int, f: PackageFilters, today: date) -> tuple[str, dict]:
    params = {"union": union_id, "today": today}
    sql = PRICED_SQL.format(litigated=LITIGATED_SQL.strip(), where=_where(f, params))
    return sql, params


def regions(union_id: int, cooperative_id: int | None = None) -> list[str]:
    """The regions a package can be built for: towns, and cooperatives for villages without
    (only one cooperative's when `cooperative_id` is given)."""
    with connection.cursor() as cur:
        cur.execute(
            """SELECT DISTINCT COALESCE(NULLIF(v.town, ''), c.name)
               FROM villages_village v JOIN creditcoop_cooperative c ON c.id = v.cooperative_id
               WHERE c.union_id = %(u)s AND (%(c)s::bigint IS NULL OR c.id = %(c)s)
               UNION SELECT name FROM creditcoop_cooperative
               WHERE union_id = %(u)s AND (%(c)s::bigint IS NULL OR id = %(c)s)
               ORDER BY 1""",
            {"u": union_id, "c": cooperative_id},
        )
        return [r[0] for r in cur.fetchall()]


@dataclass
class Preview:
    count: int
    debt: Decimal
    price: Decimal
    unpriced: int


def package_preview(*, actor, filters: PackageFilters, today: date | None = None) -> Preview:
    """What a build with these filters would take: count, debt and price (one statement),
    and how many candidates the pricing table does not cover."""
    today = _today(today)
    filters = _restrict(actor, filters)
    PricingRow.for_union(actor.union_id)
    sql, params = _priced(actor.union_id, filters, today)
    head = sql.split("SELECT q.record_id")[0]
    with connection.cursor() as cur:
        cur.execute(
            # The SQL is built from constant fragments only; every value is a parameter.
            f"SELECT count(*), coalesce(sum(debt), 0), coalesce(sum(price), 0) FROM ({sql}) s",  # noqa: S608
            params,
        )
        count, debt, price = cur.fetchone()
        cur.execute(f"{head} SELECT count(*) FROM cand", params)  # noqa: S608
        candidates = cur.fetchone()[0]
    return Preview(count, _fen(debt), _fen(price), candidates - count)


def _restrict(actor, filters: PackageFilters) -> PackageFilters:
    """A cooperative's director builds only from their own cooperative."""
    if not (actor.is_superuser or actor.has_role(Role.UNION_ASSET, Role.ADMIN)):
        filters.cooperative = str(actor.cooperative_id or 0)
    return filters


def _next_number(prefix: str, model, year: int) -> str:
    last = (
        model.objects.filter(number__startswith=f"{prefix}{year}")
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    n = int(last[-4:]) + 1 if last else 1
    return f"{prefix}{year}{n:04d}"


@transaction.atomic
def package_build(
    *,
    actor,
    name: str,
    filters: PackageFilters,
    target: Decimal | None = None,
    today: date | None = None,
) -> CollectionPackage:
    """Build a draft package: one INSERT … SELECT takes every pursued, unlitigated record of
    the union matching the filters that is in no live package, priced through the table."""
    today = _today(today)
    filters = _restrict(actor, filters)
    cooperative = (
        Cooperative.objects.filter(pk=int(filters.cooperative), union_id=actor.union_id).first()
        if filters.cooperative.isdigit()
        else None
    )
    if filters.cooperative.isdigit() and cooperative is None:
        raise RecoveryError(_("请选择本联社的信用社。"), field="cooperative")
    if not may_build(actor, cooperative, actor.union_id):
        raise RecoveryError(_("您无权组建承包清收贷款包。"))
    name = (name or "").strip()
    if not name:
        raise RecoveryError(_("请填写贷款包名称。"), field="name")
    # The union's policy row serialises builds and numbering.
    RecoveryPolicy.current(actor.union_id)
    RecoveryPolicy.objects.select_for_update().get(union_id=actor.union_id)
    PricingRow.for_union(actor.union_id)
    package = CollectionPackage.objects.create(
        union_id=actor.union_id,
        cooperative=cooperative,
        number=_next_number("CB", CollectionPackage, today.year),
        name=name[:100],
        filters=filters.as_dict(),
        created_by=actor,
        created_on=today,
    )
    sql, params = _priced(actor.union_id, filters, today)
    params["package"] = package.pk
    try:
        with connection.cursor() as cur:
            cur.execute(
                INSERT_LINES_SQL.format(priced=sql),
                params,
            )
            cur.execute(
                "SELECT count(*), coalesce(sum(debt), 0), coalesce(sum(price), 0)"
                " FROM recovery_packageline WHERE package_id = %s",
                [package.pk],
            )
            count, debt, price = cur.fetchone()
    except IntegrityError as exc:
        raise RecoveryError(_("有贷款已被其他贷款包占用，请重新组包。")) from exc
    if not count:
        raise RecoveryError(_("没有符合条件、可以组包的不良贷款。"))
    target = debt if target in (None, "") else _fen(target)
    if target <= 0:
        raise RecoveryError(_("清收目标必须大于 0。"), field="target")
    package.line_count, package.debt, package.price, package.target = count, debt, price, target
    package.save(update_fields=["line_count", "debt", "price", "target"])
    audit_record(
        actor=actor,
        action="recovery.package_build",
        obj=package,
        cooperative=cooperative,
        changes={"records": count, "debt": debt, "price": price, "target": target},
    )
    return package


def _lock_package(package) -> CollectionPackage:
    return (
        CollectionPackage.objects.select_for_update(of=("self",))
        .select_related("cooperative")
        .get(pk=package.pk)
    )


@transaction.atomic
def package_publish(*, actor, package: CollectionPackage, today=None) -> CollectionPackage:
    """Publish internally (R10.5): the union's staff (a cooperative's package: that
    cooperative's staff) see it with its price and target and may register."""
    package = _lock_package(package)
    if not may_lead(actor, package):
        raise RecoveryError(_("您无权公示该贷款包。"))
    if package.status != CollectionPackage.Status.DRAFT:
        raise RecoveryError(_("只有草稿状态的贷款包可以公示。"))
    package.status = CollectionPackage.Status.PUBLISHED
    package.published_on = _today(today)
    package.save(update_fields=["status", "published_on"])
    audit_record(
        actor=actor,
        action="recovery.package_publish",
        obj=package,
        cooperative=package.cooperative,
        changes={"status": package.status},
    )
    return package


@transaction.atomic
def package_discard(*, actor, package: CollectionPackage) -> CollectionPackage:
    """End a package nobody contracted (draft or published): its records are free again."""
    package = _lock_package(package)
    if not may_lead(actor, package):
        raise RecoveryError(_("您无权撤销该贷款包。"))
    if package.status not in (CollectionPackage.Status.DRAFT, CollectionPackage.Status.PUBLISHED):
        raise RecoveryError(_("已定标的贷款包不能撤销。"))
    package.status = CollectionPackage.Status.ENDED
    package.save(update_fields=["status"])
    package.lines.update(live=False)
    package.registrations.filter(refunded_on=None).update(refunded_on=_today())
    audit_record(
        actor=actor,
        action="recovery.package_discard",
        obj=package,
        cooperative=package.cooperative,
        changes={"status": package.status},
    )
    return package


# --- registration, bids, award ------------------------------------------------------------


@transaction.atomic
def contractor_register(
    *, actor, package: CollectionPackage, paid_on: date | None = None, today=None
) -> ContractorRegistration:
    """The actor registers for a published package; the bid deposit (policy, default 5,000)
    is recorded as paid."""
    today = _today(today)
    package = _lock_package(package)
    if not may_write(actor):
        raise RecoveryError(_("稽核人员不得参加承包竞标。"))
    if package.status != CollectionPackage.Status.PUBLISHED:
        raise RecoveryError(_("该贷款包不在报名期。"))
    reason = ineligible_reason(actor, package)
    if reason:
        raise RecoveryError(reason)
    if package.registrations.filter(staff=actor).exists():
        raise RecoveryError(_("您已报名该贷款包。"))
    paid_on = paid_on or today
    if paid_on > today:
        raise RecoveryError(_("缴纳日期不能晚于今天。"), field="paid_on")
    policy = RecoveryPolicy.current(package.union_id)
    reg = ContractorRegistration.objects.create(
        package=package,
        staff=actor,
        deposit=policy.contract_registration_deposit,
        paid_on=paid_on,
    )
    audit_record(
        actor=actor,
        action="recovery.contractor_register",
        obj=package,
        cooperative=package.cooperative,
        changes={"staff": actor.name, "deposit": reg.deposit, "paid_on": paid_on},
    )
    return reg


@transaction.atomic
def bid_submit(*, actor, package: CollectionPackage, amount) -> Bid:
    """A registered staff member bids (at least the package's price, the reserve)."""
    package = _lock_package(package)
    if package.status != CollectionPackage.Status.PUBLISHED:
        raise RecoveryError(_("该贷款包不在竞标期。"))
    reg = package.registrations.filter(staff_id=getattr(actor, "pk", None)).first()
    if reg is None:
        raise RecoveryError(_("请先报名并缴纳竞标定金。"))
    try:
        amount = _fen(amount)
    except (TypeError, ValueError, ArithmeticError):
        raise RecoveryError(_("请填写报价。"), field="amount") from None
    if amount < package.price or amount <= 0:
        raise RecoveryError(_("报价不能低于底价 %(p)s 元。") % {"p": package.price}, field="amount")
    bid = Bid.objects.create(registration=reg, amount=amount)
    audit_record(
        actor=actor,
        action="recovery.bid_submit",
        obj=package,
        cooperative=package.cooperative,
        changes={"amount": amount},
    )
    return bid


def bids_ranked(package: CollectionPackage) -> list[Bid]:
    """Each registrant's best bid, highest first (earlier bid first on a tie)."""
    best: dict[int, Bid] = {}
    for bid in (
        Bid.objects.filter(registration__package=package)
        .select_related("registration__staff")
        .order_by("-amount", "submitted_at", "id")
    ):
        best.setdefault(bid.registration_id, bid)
    return list(best.values())


@transaction.atomic
def package_award(
    *, actor, package: CollectionPackage, bid: Bid | None = None, reason: str = ""
) -> CollectionPackage:
    """The leadership group awards the package (R10.7): the highest bid by default; another
    bid only with a reason. The approver may not have bid on this package."""
    package = _lock_package(package)
    if not may_lead(actor, package):
        raise RecoveryError(_("您无权定标该贷款包。"))
    if package.status != CollectionPackage.Status.PUBLISHED:
        raise RecoveryError(_("只有已公示的贷款包可以定标。"))
    if package.registrations.filter(staff=actor).exists():
        raise RecoveryError(_("您报名参加了该贷款包的竞标，不能审批定标。"))
    ranked = bids_ranked(package)
    if not ranked:
        raise RecoveryError(_("该贷款包还没有报价。"))
    reason = (reason or "").strip()
    if bid is None:
        bid = ranked[0]
    elif bid.pk not in {b.pk for b in ranked}:
        raise RecoveryError(_("请选择本包的有效报价。"), field="bid")
    elif bid.amount < ranked[0].amount and not reason:
        raise RecoveryError(_("未选择最高报价的，须说明理由。"), field="reason")
    package.status = CollectionPackage.Status.AWARDED
    package.awarded_bid = bid
    package.awarded_by = actor
    package.award_reason = reason[:300]
    package.save(update_fields=["status", "awarded_bid", "awarded_by", "award_reason"])
    # The losers' bid deposits are returned.
    package.registrations.exclude(pk=bid.registration_id).filter(refunded_on=None).update(
        refunded_on=_today()
    )
    audit_record(
        actor=actor,
        action="recovery.package_award",
        obj=package,
        cooperative=package.cooperative,
        changes={
            "contractor": bid.registration.staff.name,
            "amount": bid.amount,
            "reason": reason,
        },
    )
    return package


def live_contracts(staff_id: int, today: date | None = None) -> int:
    today = _today(today)
    return CollectionContract.objects.filter(
        contractor_id=staff_id, status__in=CollectionContract.LIVE, ends_on__gte=today
    ).count()


def is_full_time(staff_id: int, union_id: int, today: date | None = None) -> bool:
    policy = RecoveryPolicy.current(union_id)
    return live_contracts(staff_id, today) >= policy.contract_full_time_min


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def contract_sign(
    *, actor, package: CollectionPackage, signed_on: date | None = None, today=None
) -> CollectionContract:
    """The winner signs (R10.8, R10.9): a contract of `contract_years` (2), the performance
    deposit of `contract_deposit_pct` (5 %) of the winning price, the bid deposit taken
    over into it. The contractor becomes the collector of every record of the package (one
    UPDATE; the previous collector kept on the line; an audit row per record)."""
    today = _today(today)
    signed_on = signed_on or today
    package = _lock_package(package)
    if not may_lead(actor, package):
        raise RecoveryError(_("您无权签订承包协议。"))
    if package.status != CollectionPackage.Status.AWARDED or package.awarded_bid_id is None:
        raise RecoveryError(_("该贷款包尚未定标。"))
    if signed_on > today:
        raise RecoveryError(_("签订日期不能晚于今天。"), field="signed_on")
    bid = Bid.objects.select_related("registration__staff").get(pk=package.awarded_bid_id)
    reg = bid.registration
    contractor = reg.staff
    policy = RecoveryPolicy.current(package.union_id)
    deposit = _fen(bid.amount * policy.contract_deposit_pct / 100)
    contract = CollectionContract.objects.create(
        package=package,
        number=_next_number("CBXY", CollectionContract, signed_on.year),
        contractor=contractor,
        awarded_by=package.awarded_by,
        signed_by=actor,
        signed_on=signed_on,
        ends_on=_add_years(signed_on, policy.contract_years),
        price=bid.amount,
        target=package.target,
        deposit=deposit,
        deposit_from_registration=min(reg.deposit, deposit),
    )
    package.status = CollectionPackage.Status.UNDER_CONTRACT
    package.save(update_fields=["status"])
    with connection.cursor() as cur:
        cur.execute(
            """UPDATE recovery_packageline l SET collector_before_id = r.collector_id
               FROM recovery_nplrecord r WHERE l.record_id = r.id AND l.package_id = %s""",
            [package.pk],
        )
        cur.execute(
            """UPDATE recovery_nplrecord r SET collector_id = %s, updated_at = now()
               FROM recovery_packageline l
               WHERE l.record_id = r.id AND l.package_id = %s AND l.live
               RETURNING r.id, r.cooperative_id, l.collector_before_id""",
            [contractor.pk, package.pk],
        )
        moved = cur.fetchall()
    audit_record_many(
        audit_row(
            actor=actor,
            action="recovery.contract_collector",
            obj=NplRecord(pk=pk),
            cooperative_id=coop,
            changes={"collector": [before, contractor.pk], "contract": contract.number},
        )
        for pk, coop, before in moved
    )
    audit_record(
        actor=actor,
        action="recovery.contract_sign",
        obj=contract,
        cooperative=package.cooperative,
        changes={
            "contractor": contractor.name,
            "price": contract.price,
            "deposit": deposit,
            "ends_on": contract.ends_on,
            "records": len(moved),
        },
    )
    _full_time_check(actor, contractor, package, today)
    return contract


def _full_time_check(actor, contractor, package, today) -> None:
    """Holding the policy's number of live contracts (3) makes the contractor full-time
    (R10.8): recorded once on their profile, with an audit row."""
    if not is_full_time(contractor.pk, package.union_id, today):
        return
    profile, _created = ContractorProfile.objects.get_or_create(staff=contractor)
    if profile.full_time_since is None:
        profile.full_time_since = today
        profile.save(update_fields=["full_time_since"])
        audit_record(
            actor=actor,
            action="recovery.contractor_full_time",
            obj=profile,
            cooperative=package.cooperative,
            changes={"contracts": live_contracts(contractor.pk, today)},
        )


@transaction.atomic
def contract_end(*, actor, contract: CollectionContract, today=None) -> CollectionContract:
    """End a contract (at its end date, or earlier by the leadership): the records go back
    to their previous collectors, the package ends and its records are free again."""
    today = _today(today)
    contract = CollectionContract.objects.select_for_update().get(pk=contract.pk)
    package = _lock_package(contract.package)
    if not may_lead(actor, package):
        raise RecoveryError(_("您无权终止该承包协议。"))
    if not contract.is_live:
        raise RecoveryError(_("该承包协议已终止。"))
    with connection.cursor() as cur:
        cur.execute(
            """UPDATE recovery_nplrecord r SET collector_id = l.collector_before_id,
                      updated_at = now()
               FROM recovery_packageline l
               WHERE l.record_id = r.id AND l.package_id = %s AND l.live
                 AND r.collector_id = %s
               RETURNING r.id, r.cooperative_id, l.collector_before_id""",
            [package.pk, contract.contractor_id],
        )
        moved = cur.fetchall()
    package.lines.update(live=False)
    package.status = CollectionPackage.Status.ENDED
    package.save(update_fields=["status"])
    contract.status = CollectionContract.Status.ENDED
    contract.ended_on = today
    contract.save(update_fields=["status", "ended_on"])
    audit_record_many(
        audit_row(
            actor=actor,
            action="recovery.contract_collector",
            obj=NplRecord(pk=pk),
            cooperative_id=coop,
            changes={"collector": [contract.contractor_id, before], "contract": contract.number},
        )
        for pk, coop, before in moved
    )
    audit_record(
        actor=actor,
        action="recovery.contract_end",
        obj=contract,
        cooperative=package.cooperative,
        changes={"ended_on": today},
    )
    return contract


# --- the monthly slip -----------------------------------------------------------------------


def band_bonus(cumulative: Decimal, target: Decimal, bands) -> Decimal:
    """The bonus on `cumulative` by marginal bands of the target (R10.10): each band pays its
    rate on the part of the cumulative amount that falls inside it."""
    cumulative, target = Decimal(cumulative), Decimal(target)
    if target <= 0 or cumulative <= 0:
        return ZERO
    total = Decimal("0")
    for band in sorted(bands, key=lambda b: b.from_pct):
        low = target * band.from_pct / 100
        high = None if band.to_pct is None else target * band.to_pct / 100
        top = cumulative if high is None else min(cumulative, high)
        if top > low:
            total += (top - low) * band.rate / 100
    return _fen(total)


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _recovered(contract: CollectionContract, start: date, end: date, policy) -> Decimal:
    kinds = [RecoveryEntry.Kind.CASH]
    if policy.contract_count_restructured:
        kinds.append(RecoveryEntry.Kind.RESTRUCTURED)
    start = max(start, contract.signed_on)
    end = min(end, contract.ends_on)
    if end < start:
        return ZERO
    agg = RecoveryEntry.objects.filter(
        record_id__in=PackageLine.objects.filter(package_id=contract.package_id).values(
            "record_id"
        ),
        kind__in=kinds,
        on__gte=start,
        on__lte=end,
    ).aggregate(p=Sum("principal"), i=Sum("interest"))
    return _fen((agg["p"] or 0) + (agg["i"] or 0))


@transaction.atomic
def slip_compute(*, actor, contract: CollectionContract, month: date, today=None) -> ContractSlip:
    """Compute (or recompute, while unchecked) the month's slip: recovered in the month and
    since signing (cash only unless the policy counts restructured), the band bonus on the
    cumulative amount less what earlier slips granted, the month's charges."""
    today = _today(today)
    contract = CollectionContract.objects.select_for_update().get(pk=contract.pk)
    package = contract.package
    if not may_lead(actor, package):
        raise RecoveryError(_("您无权计算承包人收回信息单。"))
    month = month.replace(day=1)
    if month > today.replace(day=1):
        raise RecoveryError(_("不能计算未来月份。"), field="month")
    if _month_end(month) < contract.signed_on or month > contract.ends_on:
        raise RecoveryError(_("该月份不在承包期内。"), field="month")
    if contract.slips.filter(month__gt=month).exists():
        raise RecoveryError(_("已有以后月份的信息单，不能重算本月。"), field="month")
    slip = contract.slips.filter(month=month).first()
    if slip and slip.status != ContractSlip.Status.COMPUTED:
        raise RecoveryError(_("本月信息单已审核，不能重算。"))
    policy = RecoveryPolicy.current(package.union_id)
    bands = BonusBand.for_union(package.union_id)
    recovered = _recovered(contract, month, _month_end(month), policy)
    cumulative = _recovered(contract, contract.signed_on, _month_end(month), policy)
    bonus_cum = band_bonus(cumulative, contract.target, bands)
    granted = contract.slips.filter(month__lt=month).aggregate(s=Sum("bonus"))["s"] or ZERO
    charges = (
        contract.charges.filter(on__gte=month, on__lte=_month_end(month)).aggregate(
            s=Sum("amount")
        )["s"]
        or ZERO
    )
    values = dict(
        recovered=recovered,
        cumulative=cumulative,
        completion_pct=_fen(cumulative * 100 / contract.target) if contract.target else ZERO,
        bonus_cumulative=bonus_cum,
        granted_before=_fen(granted),
        bonus=bonus_cum - _fen(granted),
        charges=_fen(charges),
        computed_by=actor,
        computed_at=timezone.now(),
    )
    if slip:
        for k, v in values.items():
            setattr(slip, k, v)
        slip.save()
    else:
        slip = ContractSlip.objects.create(contract=contract, month=month, **values)
    audit_record(
        actor=actor,
        action="recovery.slip_compute",
        obj=contract,
        cooperative=package.cooperative,
        changes={"month": month, "recovered": recovered, "bonus": slip.bonus},
    )
    return slip


@transaction.atomic
def slip_check(*, actor, slip: ContractSlip) -> ContractSlip:
    slip = (
        ContractSlip.objects.select_for_update().select_related("contract__package").get(pk=slip.pk)
    )
    if not may_check_slip(actor, slip.contract):
        raise RecoveryError(_("只有联社风险管理部或该社主任可以审核信息单，且不能审核本人的。"))
    if slip.status != ContractSlip.Status.COMPUTED:
        raise RecoveryError(_("该信息单已审核。"))
    slip.status = ContractSlip.Status.CHECKED
    slip.checked_by, slip.checked_at = actor, timezone.now()
    slip.save(update_fields=["status", "checked_by", "checked_at"])
    audit_record(
        actor=actor,
        action="recovery.slip_check",
        obj=slip.contract,
        cooperative=slip.contract.package.cooperative,
        changes={"month": slip.month, "bonus": slip.bonus},
    )
    return slip


@transaction.atomic
def slip_pay(*, actor, slip: ContractSlip) -> ContractSlip:
    slip = (
        ContractSlip.objects.select_for_update().select_related("contract__package").get(pk=slip.pk)
    )
    if not may_pay_slip(actor, slip.contract):
        raise RecoveryError(_("只有联社资产保全部可以登记发放。"))
    if slip.status != ContractSlip.Status.CHECKED:
        raise RecoveryError(_("信息单须先经审核才能发放。"))
    slip.status = ContractSlip.Status.PAID
    slip.paid_by, slip.paid_at = actor, timezone.now()
    slip.save(update_fields=["status", "paid_by", "paid_at"])
    audit_record(
        actor=actor,
        action="recovery.slip_pay",
        obj=slip.contract,
        cooperative=slip.contract.package.cooperative,
        changes={"month": slip.month, "bonus": slip.bonus},
    )
    return slip


# --- forfeiture -------------------------------------------------------------------------------


def lapsed_lines(contract: CollectionContract, today: date | None = None):
    """Lines whose limitation ended inside the contract period (signing to today or the end
    date) while still pursued, not yet charged."""
    today = _today(today)
    return (
        contract.package.lines.filter(
            record__limitation_expires_on__gte=contract.signed_on,
            record__limitation_expires_on__lte=min(today, contract.ends_on),
            record__status=NplRecord.Status.PURSUING,
        )
        .exclude(charges__contract=contract)
        .select_related("record")
    )


@transaction.atomic
def contract_forfeit(
    *,
    actor,
    contract: CollectionContract,
    line: PackageLine,
    kind: str,
    on: date | None = None,
    note: str = "",
    today=None,
) -> ContractCharge:
    """Charge a line's price to the contractor and forfeit the performance deposit (R10.9):
    its limitation lapsed during the contract, or its debt-asset was lost by the
    contractor's fault (a recorded event: date and what happened)."""
    today = _today(today)
    contract = CollectionContract.objects.select_for_update().get(pk=contract.pk)
    package = _lock_package(contract.package)
    if not may_lead(actor, package):
        raise RecoveryError(_("您无权登记承包人赔偿。"))
    if contract.status == CollectionContract.Status.ENDED:
        raise RecoveryError(_("该承包协议已终止。"))
    if line.package_id != package.pk:
        raise RecoveryError(_("该笔贷款不在本包内。"), field="line")
    if contract.charges.filter(line=line).exists():
        raise RecoveryError(_("该笔贷款已登记赔偿。"), field="line")
    note = (note or "").strip()
    record = NplRecord.objects.get(pk=line.record_id)
    if kind == ContractCharge.Kind.LIMITATION_LAPSED:
        expiry = record.limitation_expires_on
        if not expiry or not (contract.signed_on <= expiry <= min(today, contract.ends_on)):
            raise RecoveryError(_("该笔贷款的诉讼时效不是在承包期内丧失的。"), field="line")
        on = expiry
    elif kind == ContractCharge.Kind.ASSET_LOST:
        on = on or today
        if not (contract.signed_on <= on <= min(today, contract.ends_on)):
            raise RecoveryError(_("灭失日期须在承包期内且不晚于今天。"), field="on")
        if not note:
            raise RecoveryError(_("请说明抵债资产灭失的经过及承包人的过错。"), field="note")
    else:
        raise RecoveryError(_("请选择赔偿事由。"), field="kind")
    charge = ContractCharge.objects.create(
        contract=contract,
        line=line,
        kind=kind,
        on=on,
        amount=line.price,
        note=note[:300],
        recorded_by=actor,
    )
    changes = {"kind": kind, "amount": line.price, "record": str(record)}
    if contract.deposit_forfeited_on is None:
        contract.deposit_forfeited_on = today
        contract.status = CollectionContract.Status.FORFEITED
        contract.save(update_fields=["deposit_forfeited_on", "status"])
        changes["deposit"] = contract.deposit
    audit_record(
        actor=actor,
        action="recovery.contract_forfeit",
        obj=contract,
        cooperative=package.cooperative,
        changes=changes,
    )
    return charge


__all__ = [
    "Preview",
    "PackageFilters",
    "band_bonus",
    "bid_submit",
    "bids_ranked",
    "contract_end",
    "contract_forfeit",
    "contract_sign",
    "contractor_register",
    "ineligible_reason",
    "is_full_time",
    "lapsed_lines",
    "live_contracts",
    "may_build",
    "may_check_slip",
    "may_lead",
    "may_pay_slip",
    "package_award",
    "package_build",
    "package_discard",
    "package_preview",
    "package_publish",
    "regions",
    "slip_check",
    "slip_compute",
    "slip_pay",
]
