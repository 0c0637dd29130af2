"""Recovery incentives, officer targets and the yearly risk deposit (issue #14 points 5–6,
docs/rules.md §7.8).

The month's slips of every collector are computed set-based, in one statement once the
cooperatives and the month's slips are locked: the unchecked slips of the month go, the
month's recovery entries are grouped by collector, band and book group, the signed documents
are counted, and the slip headers (totals included) and their lines are inserted — the same
few statements whatever the number of collectors. A checked (or paid) slip is never touched:
the unique key and ON CONFLICT DO NOTHING keep it, and the result says which were skipped.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record, audit_record_many, audit_row
from creditcoop.models import Cooperative, Role, Staff
from creditcoop.permissions import directs_cooperative, may_write
from creditcoop.workflow import transition

from ..models import IncentiveBand, IncentiveSlip, OfficerTarget, RecoveryPolicy, RiskDeposit
from ._common import RecoveryError, _today, may_manage

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# Placeholder bands (R5.1: the source names the vintages, its percentages are redacted):
# the union edits names, dates and rates in the admin.
DEFAULT_BANDS = [
    ("1978年及以前", None, date(1978, 12, 31), "10.00", "8.00"),
    ("1979—1985年", date(1979, 1, 1), date(1985, 12, 31), "8.00", "6.00"),
    ("1986—1996年", date(1986, 1, 1), date(1996, 12, 31), "6.00", "5.00"),
    ("1997—2002年", date(1997, 1, 1), date(2002, 12, 31), "5.00", "4.00"),
    ("2003—2005年", date(2003, 1, 1), date(2005, 12, 31), "4.00", "3.00"),
    ("2006年及以后", date(2006, 1, 1), None, "3.00", "2.00"),
]


def month_first(day: date) -> date:
    return day.replace(day=1)


def month_last(first: date) -> date:
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def incentive_bands_ensure(union) -> list[IncentiveBand]:
    """The union's bands; the placeholders are written the first time they are asked for."""
    union_id = getattr(union, "pk", union)
    bands = list(IncentiveBand.objects.filter(union_id=union_id))
    if not bands:
        IncentiveBand.objects.bulk_create(
            [
                IncentiveBand(
                    union_id=union_id,
                    name=name,
                    starts_on=lo,
                    ends_on=hi,
                    interest_pct=Decimal(i),
                    off_balance_pct=Decimal(o),
                    position=n,
                )
                for n, (name, lo, hi, i, o) in enumerate(DEFAULT_BANDS)
            ],
            ignore_conflicts=True,
        )
        bands = list(IncentiveBand.objects.filter(union_id=union_id))
    return bands


# --- who may do what ------------------------------------------------------------------


def _union_risk(actor, cooperative) -> bool:
    return bool(getattr(actor, "pk", None)) and (
        actor.is_superuser
        or (actor.has_role(Role.UNION_RISK) and actor.union_id == cooperative.union_id)
    )


def _director(actor, cooperative) -> bool:
    return (
        bool(getattr(actor, "pk", None))
        and actor.has_role(Role.DIRECTOR)
        and actor.cooperative_id == cooperative.pk
    )


def may_compute(actor, cooperative) -> bool:
    """Compute a month's slips: whoever manages the cooperative's book, and union risk."""
    return may_write(actor) and (may_manage(actor, cooperative) or _union_risk(actor, cooperative))


def may_check(actor, cooperative) -> bool:
    """Check and pay a slip: the union's risk department or the cooperative's director
    (auditors only read in this project)."""
    return may_write(actor) and (_director(actor, cooperative) or _union_risk(actor, cooperative))


def may_set_targets(actor, cooperative) -> bool:
    return may_write(actor) and directs_cooperative(actor, cooperative.pk)


def may_decide_deposit(actor, cooperative) -> bool:
    return may_write(actor) and _director(actor, cooperative)


# --- the monthly slips -------------------------------------------------------------------

# Signed documents of the month, per cooperative and collector (the record's collector).
NOTICES_SQL = """
    SELECT n.cooperative_id, r.collector_id, 'notice' AS kind, count(*) AS n
    FROM recovery_collectionnotice n
    JOIN recovery_nplrecord r ON r.id = n.record_id
    WHERE n.status = 'receipted' AND n.signed_on BETWEEN %(first)s AND %(last)s
      AND n.cooperative_id = ANY(%(coops)s) AND r.collector_id IS NOT NULL
    GROUP BY n.cooperative_id, r.collector_id
"""

# The whole computation in one statement, after the slips of the month are locked:
#   dropped_lines, dropped — the unchecked slips of the month and their lines go;
#   m      — the month's recovery entries with their record's drawn date and book group,
#            read once (the bands, a handful of rows, are joined to this);
#   g      — the band lines: entries grouped by collector, band and book group. Written-off
#            and replaced records earn on principal and interest, every other record on the
#            interest only; each line is rounded to the fen (half up);
#   docs   — signed notices (and plans, when agreements exist), read once; d prices them
#            with the union's policy reward;
#   t      — every collector with an entry or a signed document, with the totals of the
#            lines above (a collector whose entries fall in no band gets a slip of 0);
#   headers — the slips, totals included. A checked or paid slip keeps its place: the
#            unique key and ON CONFLICT DO NOTHING leave it as it is, and it gets no lines.
#            The one-time filter reads `dropped` to its end first, so the unchecked slips
#            are gone before the new ones go in;
#   lines  — the band and document lines of the new slips.
# The result: per cooperative, the slips written and their sum.
COMPUTE_SQL = """
WITH dropped_lines AS (
    DELETE FROM recovery_incentiveslipline l USING recovery_incentiveslip s
    WHERE l.slip_id = s.id AND s.month = %(month)s AND s.status = 'computed'
      AND s.cooperative_id = ANY(%(coops)s)
    RETURNING l.id
), dropped AS (
    DELETE FROM recovery_incentiveslip
    WHERE month = %(month)s AND status = 'computed' AND cooperative_id = ANY(%(coops)s)
    RETURNING id
), m AS MATERIALIZED (
    SELECT e.cooperative_id, e.collector_id, c.union_id, r.drawn_on, e.principal, e.interest,
           CASE WHEN r.book_status IN ('written_off', 'replaced')
                THEN 'off_balance' ELSE 'on_balance' END AS kind
    FROM recovery_recoveryentry e
    -- Each entry's record looked up by its key (OFFSET 0 keeps the lookup per entry): the
    -- work follows the month's entries, not the size of the register, which the planner
    -- would otherwise read whole and hash once a month has a few thousand entries.
    CROSS JOIN LATERAL (
        SELECT r.drawn_on, r.book_status FROM recovery_nplrecord r
        WHERE r.id = e.record_id OFFSET 0
    ) r
    JOIN creditcoop_cooperative c ON c.id = e.cooperative_id
    WHERE e."on" BETWEEN %(first)s AND %(last)s AND e.cooperative_id = ANY(%(coops)s)
      AND e.collector_id IS NOT NULL
), g AS MATERIALIZED (
    SELECT x.*, round(x.base * x.rate / 100, 2) AS amount
    FROM (
        SELECT m.cooperative_id, m.collector_id, b.id AS band_id, b.name AS band_name, m.kind,
               sum(m.principal) AS p, sum(m.interest) AS i, count(*) AS n,
               CASE WHEN m.kind = 'off_balance' THEN sum(m.principal + m.interest)
                    ELSE sum(m.interest) END AS base,
               CASE WHEN m.kind = 'off_balance' THEN b.off_balance_pct
                    ELSE b.interest_pct END AS rate
        FROM m
        JOIN recovery_incentiveband b ON b.union_id = m.union_id
             AND (b.starts_on IS NULL OR m.drawn_on >= b.starts_on)
             AND (b.ends_on IS NULL OR m.drawn_on <= b.ends_on)
        GROUP BY m.cooperative_id, m.collector_id, b.id, m.kind
    ) x
), docs AS MATERIALIZED (
    {documents}
), d AS MATERIALIZED (
    SELECT docs.cooperative_id, docs.collector_id, docs.kind, docs.n,
           docs.n * CASE WHEN docs.kind = 'notice' THEN p.notice_reward
                         ELSE p.plan_reward END AS amount
    FROM docs
    JOIN creditcoop_cooperative c ON c.id = docs.cooperative_id
    JOIN recovery_recoverypolicy p ON p.union_id = c.union_id
), t AS (
    SELECT w.cooperative_id, w.collector_id,
           COALESCE(gb.band, 0) AS band, COALESCE(dd.docs, 0) AS docs,
           COALESCE(dd.notices, 0) AS notices, COALESCE(dd.plans, 0) AS plans
    FROM (
        SELECT cooperative_id, collector_id FROM m
        UNION
        SELECT cooperative_id, collector_id FROM docs
    ) w
    LEFT JOIN (
        SELECT cooperative_id, collector_id, sum(amount) AS band
        FROM g GROUP BY cooperative_id, collector_id
    ) gb ON gb.cooperative_id = w.cooperative_id AND gb.collector_id = w.collector_id
    LEFT JOIN (
        SELECT cooperative_id, collector_id, sum(amount) AS docs,
               sum(n) FILTER (WHERE kind = 'notice') AS notices,
               sum(n) FILTER (WHERE kind = 'plan') AS plans
        FROM d GROUP BY cooperative_id, collector_id
    ) dd ON dd.cooperative_id = w.cooperative_id AND dd.collector_id = w.collector_id
), headers AS (
    INSERT INTO recovery_incentiveslip
        (cooperative_id, collector_id, month, status, band_amount, notices, plans,
         document_amount, total, computed_at, computed_by_id)
    SELECT t.cooperative_id, t.collector_id, %(month)s, 'computed', t.band, t.notices, t.plans,
           t.docs, t.band + t.docs, %(now)s, %(actor)s
    FROM t
    WHERE (SELECT count(*) FROM dropped) + (SELECT count(*) FROM dropped_lines) >= 0
    ON CONFLICT (cooperative_id, collector_id, month) DO NOTHING
    RETURNING id, cooperative_id, collector_id, total
), lines AS (
    INSERT INTO recovery_incentiveslipline
        (slip_id, kind, band_id, band_name, principal, interest, base, rate_pct, count, amount)
    SELECT h.id, g.kind, g.band_id, g.band_name, g.p, g.i, g.base, g.rate, g.n, g.amount
    FROM g JOIN headers h
         ON h.cooperative_id = g.cooperative_id AND h.collector_id = g.collector_id
    UNION ALL
    SELECT h.id, d.kind, NULL, '', 0, 0, 0, 0, d.n, d.amount
    FROM d JOIN headers h
         ON h.cooperative_id = d.cooperative_id AND h.collector_id = d.collector_id
    RETURNING slip_id
)
SELECT h.cooperative_id, count(*), sum(h.total), (SELECT count(*) FROM lines)
FROM headers h
GROUP BY h.cooperative_id
"""


def _plans_sql() -> str | None:
    """Signed repayment plans of the month, when the agreements exist (another stage builds
    `RepaymentAgreement`): found by name, its record and its signing date read from the
    model. None when there is no such model or it has no signing date."""
    try:
        model = apps.get_model("recovery", "RepaymentAgreement")
    except LookupError:
        return None
    fields = {f.name: f for f in model._meta.concrete_fields}
    signed = next(
        (fields[n] for n in ("signed_on", "signed_at", "signed_date", "signed") if n in fields),
        None,
    )
    record = fields.get("record")
    if signed is None or record is None:
        return None
    column = f'a."{signed.column}"'
    if isinstance(signed, models.DateTimeField):
        column = f"({column} AT TIME ZONE 'Asia/Shanghai')::date"
    elif not isinstance(signed, models.DateField):
        return None
    # Names from the model's own metadata, never from input.
    return f"""
    SELECT r.cooperative_id, r.collector_id, 'plan' AS kind, count(*) AS n
    FROM "{model._meta.db_table}" a
    JOIN recovery_nplrecord r ON r.id = a."{record.column}"
    WHERE {column} BETWEEN %(first)s AND %(last)s
      AND r.cooperative_id = ANY(%(coops)s) AND r.collector_id IS NOT NULL
    GROUP BY r.cooperative_id, r.collector_id
"""  # noqa: S608


def documents_sql() -> str:
    plans = _plans_sql()
    return NOTICES_SQL + (f"\n    UNION ALL\n{plans}" if plans else "")


def slips_compute_sql(cur, *, month: date, coop_ids: list[int], actor_id, now) -> dict:
    """The computation's one statement (the slips of the month must be locked first):
    cooperative id → (slips written, their sum)."""
    cur.execute(
        COMPUTE_SQL.replace("{documents}", documents_sql()),
        {
            "month": month,
            "first": month,
            "last": month_last(month),
            "coops": coop_ids,
            "now": now,
            "actor": actor_id,
        },
    )
    return {coop_id: (n, total) for coop_id, n, total, _lines in cur.fetchall()}


def _lock_cooperatives(**where) -> list[Cooperative]:
    """The cooperatives, locked in id order (two computations of the same cooperatives wait
    for each other), each saying whether its union has its policy and bands yet."""
    return list(
        Cooperative.objects.select_for_update(of=("self",))
        .filter(**where)
        .annotate(
            has_policy=models.Exists(
                RecoveryPolicy.objects.filter(union_id=models.OuterRef("union_id"))
            ),
            has_bands=models.Exists(
                IncentiveBand.objects.filter(union_id=models.OuterRef("union_id"))
            ),
        )
        .order_by("pk")
    )


@transaction.atomic
def incentive_slips_compute(
    *, actor, month: date, cooperative: Cooperative | None = None, union=None, today=None
) -> dict:
    """Compute (or recompute) the month's recovery slips of every collector of one
    cooperative — or, for union staff with no cooperative given, of the whole union.
    Unchecked slips are replaced; checked and paid slips are kept as they are and named in
    the result (`skipped`).

    A fixed handful of statements whatever the number of collectors: lock the cooperatives
    (reading whether the policy and bands exist), lock the month's slips (the kept ones
    read for the result), the computation, the audit rows."""
    today = _today(today)
    month = month_first(month)
    if month > month_first(today):
        raise RecoveryError(_("不能计算未来月份的收回信息单。"), field="month")
    if cooperative is None and not actor.is_union_wide and actor.cooperative_id:
        cooperative = actor.cooperative
    refusal = _("只有主任、副主任或联社风险管理部、资产保全部可以计算收回信息单。")
    if cooperative is not None:
        if not may_compute(actor, cooperative):
            raise RecoveryError(refusal)
        coops = _lock_cooperatives(pk=cooperative.pk)
    else:
        union_id = getattr(union, "pk", union) or getattr(actor, "union_id", None)
        coops = _lock_cooperatives(union_id=union_id)
    # Refused after the lock (the union's cooperatives are read with it): the transaction
    # is rolled back, nothing is written.
    if not coops or not all(may_compute(actor, c) for c in coops):
        raise RecoveryError(refusal)
    coop_ids = [c.pk for c in coops]
    for union_id in {c.union_id for c in coops if not c.has_policy}:
        RecoveryPolicy.current(union_id)
    for union_id in {c.union_id for c in coops if not c.has_bands}:
        incentive_bands_ensure(union_id)
    # The month's slips, locked before anything is read: a slip being checked right now is
    # waited for, and is then kept as checked. The checked and paid ones are the result's
    # `skipped` — the computation never changes them.
    slips = list(
        IncentiveSlip.objects.select_for_update(of=("self",))
        .filter(month=month, cooperative_id__in=coop_ids)
        .select_related("collector")
        .order_by("collector__name", "pk")
    )
    skipped = [s for s in slips if s.status != IncentiveSlip.Status.COMPUTED]
    with connection.cursor() as cur:
        written = slips_compute_sql(
            cur, month=month, coop_ids=coop_ids, actor_id=actor.pk, now=timezone.now()
        )
    audit_record_many(
        audit_row(
            actor=actor,
            action="recovery.incentive_compute",
            obj=c,
            cooperative=c,
            changes={
                "month": f"{month:%Y-%m}",
                "slips": written.get(c.pk, (0, ZERO))[0],
                "skipped": sum(1 for s in skipped if s.cooperative_id == c.pk),
            },
        )
        for c in coops
    )
    return {
        "month": month,
        "computed": sum(n for n, _total in written.values()),
        "skipped": skipped,
        "total": sum((total for _n, total in written.values()), ZERO),
    }


def _lock_slip(slip) -> IncentiveSlip:
    return (
        IncentiveSlip.objects.select_for_update(of=("self",))
        .select_related("cooperative", "collector")
        .get(pk=slip.pk)
    )


@transaction.atomic
def incentive_slip_check(*, actor, slip: IncentiveSlip, today=None) -> IncentiveSlip:
    """The audit of a slip before payout (R5.2): the union's risk department or the
    cooperative's director, never the collector themself, after the month has ended. From
    then on the slip never changes."""
    today = _today(today)
    slip = _lock_slip(slip)
    if not may_check(actor, slip.cooperative):
        raise RecoveryError(_("只有联社风险管理部或信用社主任可以审核收回信息单。"))
    if actor.pk == slip.collector_id:
        raise RecoveryError(_("不能审核本人的收回信息单。"))
    if slip.month >= month_first(today):
        raise RecoveryError(_("当月尚未结束，收回信息单还可能变化，月末后再审核。"))
    slip.checked_by, slip.checked_at = actor, timezone.now()
    return transition(
        slip,
        IncentiveSlip.Status.CHECKED,
        actor=actor,
        fields=["checked_by", "checked_at"],
        action="recovery.incentive_check",
        changes={"total": slip.total},
        cooperative=slip.cooperative,
    )


@transaction.atomic
def incentive_slip_pay(*, actor, slip: IncentiveSlip, paid_on: date | None = None, today=None):
    """Record that a checked slip was paid to the collector directly."""
    today = _today(today)
    paid_on = paid_on or today
    slip = _lock_slip(slip)
    if not may_check(actor, slip.cooperative):
        raise RecoveryError(_("只有联社风险管理部或信用社主任可以登记发放。"))
    if slip.status != IncentiveSlip.Status.CHECKED:
        raise RecoveryError(_("收回信息单须先审核才能发放。"))
    if paid_on > today:
        raise RecoveryError(_("发放日期不能晚于今天。"), field="paid_on")
    slip.paid_by, slip.paid_on = actor, paid_on
    return transition(
        slip,
        IncentiveSlip.Status.PAID,
        actor=actor,
        fields=["paid_by", "paid_on"],
        action="recovery.incentive_pay",
        changes={"total": slip.total, "paid_on": paid_on},
        cooperative=slip.cooperative,
    )


# --- officer targets ------------------------------------------------------------------------


def target_officers(cooperative) -> list[Staff]:
    return list(
        Staff.objects.filter(
            cooperative=cooperative, is_active=True, roles__contains=[Role.OFFICER]
        ).order_by("username")
    )


def _money(value, label) -> Decimal:
    try:
        amount = Decimal(str(value or 0)).quantize(CENT, ROUND_HALF_UP)
    except ArithmeticError:
        raise RecoveryError(_("%(f)s 不是有效的金额。") % {"f": label}) from None
    if amount < 0:
        raise RecoveryError(_("%(f)s 不能为负数。") % {"f": label})
    return amount


def _rate(value, label) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        rate = Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)
    except ArithmeticError:
        raise RecoveryError(_("%(f)s 不是有效的百分比。") % {"f": label}) from None
    if not (0 <= rate <= 100):
        raise RecoveryError(_("%(f)s 须在 0 到 100 之间。") % {"f": label})
    return rate


@transaction.atomic
def officer_targets_save(
    *, actor, cooperative: Cooperative, month: date, rows: dict[int, dict], today=None
) -> list[OfficerTarget]:
    """The director sets the month's tasks of the cooperative's officers in one go
    (`rows`: officer id → principal, interest, maturity_rate, interest_rate). A month that
    has ended keeps its targets: the results are measured against them."""
    today = _today(today)
    month = month_first(month)
    if not may_set_targets(actor, cooperative):
        raise RecoveryError(_("只有本社主任或副主任可以下达清收任务。"))
    if month < month_first(today):
        raise RecoveryError(_("已结束月份的清收任务不能再修改。"), field="month")
    officers = {s.pk: s for s in target_officers(cooperative)}
    unknown = set(rows) - set(officers)
    if unknown:
        raise RecoveryError(_("只能给本社在岗的信贷员下达任务。"))
    Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    targets = []
    for officer_id, v in rows.items():
        name = officers[officer_id].name
        targets.append(
            OfficerTarget(
                cooperative=cooperative,
                officer_id=officer_id,
                month=month,
                principal=_money(v.get("principal"), f"{name} 收回本金任务"),
                interest=_money(v.get("interest"), f"{name} 收回利息任务"),
                maturity_rate=_rate(v.get("maturity_rate"), f"{name} 到期收回率任务"),
                interest_rate=_rate(v.get("interest_rate"), f"{name} 利息收回率任务"),
                set_by=actor,
            )
        )
    OfficerTarget.objects.bulk_create(
        targets,
        update_conflicts=True,
        unique_fields=["cooperative", "officer", "month"],
        update_fields=["principal", "interest", "maturity_rate", "interest_rate", "set_by"],
    )
    audit_record(
        actor=actor,
        action="recovery.targets_set",
        obj=cooperative,
        cooperative=cooperative,
        changes={
            "month": f"{month:%Y-%m}",
            "targets": {
                officers[t.officer_id].name: f"本金 {t.principal} / 利息 {t.interest}"
                for t in targets
            },
        },
    )
    return list(OfficerTarget.objects.filter(cooperative=cooperative, month=month))


# --- the yearly risk deposit ------------------------------------------------------------------

DEPOSIT_SQL = """
INSERT INTO recovery_riskdeposit
    (cooperative_id, officer_id, year, bonus, pct, held, forfeited, status, reason, updated_at)
SELECT s.cooperative_id, s.collector_id, %(year)s, sum(s.total), %(pct)s,
       round(sum(s.total) * %(pct)s / 100, 2), 0, 'held', '', %(now)s
FROM recovery_incentiveslip s
WHERE s.cooperative_id = %(coop)s AND s.status = 'paid'
  AND s.month >= %(jan1)s AND s.month < %(next_jan1)s
GROUP BY s.cooperative_id, s.collector_id
ON CONFLICT (cooperative_id, officer_id, year) DO UPDATE
SET bonus = EXCLUDED.bonus, pct = EXCLUDED.pct, held = EXCLUDED.held,
    updated_at = EXCLUDED.updated_at
WHERE recovery_riskdeposit.status = 'held'
RETURNING id
"""


@transaction.atomic
def risk_deposits_compute(*, actor, cooperative: Cooperative, year: int, today=None) -> int:
    """Hold the policy's share (default 50 %) of each officer's bonus paid in the year (the
    sum of their paid slips). Re-running follows later payments; a deposit already released
    or forfeited never moves."""
    today = _today(today)
    if not may_set_targets(actor, cooperative):
        raise RecoveryError(_("只有本社主任或副主任可以计提风险保证金。"))
    if year > today.year:
        raise RecoveryError(_("不能计提未来年度的风险保证金。"), field="year")
    Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    pct = RecoveryPolicy.current(cooperative.union_id).risk_deposit_pct
    with connection.cursor() as cur:
        cur.execute(
            DEPOSIT_SQL,
            {
                "year": year,
                "pct": pct,
                "now": timezone.now(),
                "coop": cooperative.pk,
                "jan1": date(year, 1, 1),
                "next_jan1": date(year + 1, 1, 1),
            },
        )
        n = len(cur.fetchall())
    audit_record(
        actor=actor,
        action="recovery.deposit_compute",
        obj=cooperative,
        cooperative=cooperative,
        changes={"year": year, "pct": pct, "officers": n},
    )
    return n


@transaction.atomic
def risk_deposit_decide(
    *,
    actor,
    deposit: RiskDeposit,
    outcome: str,
    forfeited: Decimal | None = None,
    reason: str = "",
    today=None,
) -> RiskDeposit:
    """The director's decision after the year: the NPL targets met — the deposit is
    returned in full; missed — all or part of it is forfeited (R4.8: deducted in proportion),
    with the reason."""
    today = _today(today)
    deposit = (
        RiskDeposit.objects.select_for_update(of=("self",))
        .select_related("cooperative", "officer")
        .get(pk=deposit.pk)
    )
    if not may_decide_deposit(actor, deposit.cooperative):
        raise RecoveryError(_("只有本社主任可以决定风险保证金的返还或扣罚。"))
    if deposit.year >= today.year:
        raise RecoveryError(_("年度结束后才能决定风险保证金的返还或扣罚。"))
    reason = (reason or "").strip()[:300]
    if outcome == RiskDeposit.Status.RELEASED:
        amount = ZERO
    elif outcome == RiskDeposit.Status.FORFEITED:
        amount = deposit.held if forfeited in (None, "") else _money(forfeited, _("扣罚金额"))
        if amount <= 0 or amount > deposit.held:
            raise RecoveryError(
                _("扣罚金额须大于 0 且不超过暂存金额 %(h)s 元。") % {"h": deposit.held},
                field="forfeited",
            )
        if not reason:
            raise RecoveryError(_("扣罚须写明未完成的不良贷款控制目标。"), field="reason")
    else:
        raise RecoveryError(_("请选择返还或扣罚。"), field="outcome")
    deposit.forfeited, deposit.reason = amount, reason
    deposit.decided_by, deposit.decided_on = actor, today
    return transition(
        deposit,
        outcome,
        actor=actor,
        reason=reason,
        fields=["forfeited", "reason", "decided_by", "decided_on", "updated_at"],
        action="recovery.deposit_decide",
        changes={"held": deposit.held, "forfeited": amount},
        cooperative=deposit.cooperative,
    )
