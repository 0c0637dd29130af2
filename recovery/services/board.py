"""Recovery results (issue #13 point 9, docs/rules.md §7.2): what was recovered, the
start-of-year baseline, the monthly officer ranking announced to staff."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record, audit_record_many, audit_row
from creditcoop.jobs import job_lock
from creditcoop.models import Cooperative, Notification, Staff

from ..models import MonthlyRanking, NplRecord, RecoveryEntry, YearBaseline
from ._common import RecoveryError, _today, may_manage, may_pursue, refuse_outsider
from .limitation import _lock

CENT = Decimal("0.01")


@transaction.atomic
def recovery_entry_record(
    *,
    actor,
    record: NplRecord,
    on: date,
    kind: str,
    principal: Decimal = Decimal("0"),
    interest: Decimal = Decimal("0"),
    note: str = "",
    today: date | None = None,
) -> RecoveryEntry:
    """Record an amount recovered on a record (cash, or restructured: a renewed loan or an
    agreement that revives the debt). The later stages (agreements, notices, write-off)
    call this; the counter's repayments of linked loans come in by the nightly job. The
    principal recovered may not exceed the principal still owed; the record's balances
    follow (a record whose principal and interest reach nought is marked recovered by its
    own workflow, not here)."""
    today = _today(today)
    record = _lock(record)
    refuse_outsider(actor, _("您无权为该笔不良贷款登记收回。"))
    if not may_pursue(actor, record):
        raise RecoveryError(_("您无权为该笔不良贷款登记收回。"))
    if kind not in RecoveryEntry.Kind.values:
        raise RecoveryError(_("请选择收回方式。"), field="kind")
    if on is None or on > today:
        raise RecoveryError(_("收回日期不能晚于今天。"), field="on")
    if on < record.entered_on:
        raise RecoveryError(_("收回日期不能早于登记日期。"), field="on")
    principal = Decimal(principal or 0).quantize(CENT)
    interest = Decimal(interest or 0).quantize(CENT)
    if principal < 0 or interest < 0 or principal + interest <= 0:
        raise RecoveryError(_("请填写收回的本金或利息。"), field="principal")
    if principal > record.principal_owed:
        raise RecoveryError(
            _("收回本金 %(p)s 元超过本金余额 %(b)s 元。")
            % {"p": principal, "b": record.principal_owed},
            field="principal",
        )
    owed_interest = record.interest_owed + record.penalty_owed
    if interest > owed_interest:
        raise RecoveryError(
            _("收回利息 %(i)s 元超过欠息 %(b)s 元。") % {"i": interest, "b": owed_interest},
            field="interest",
        )
    entry = RecoveryEntry.objects.create(
        record=record,
        cooperative_id=record.cooperative_id,
        collector_id=record.collector_id,
        on=on,
        kind=kind,
        principal=principal,
        interest=interest,
        note=(note or "").strip()[:300],
        recorded_by=actor,
    )
    # Interest first against the interest owed, the rest against the penalty interest.
    to_interest = min(interest, record.interest_owed)
    NplRecord.objects.filter(pk=record.pk).update(
        principal_owed=record.principal_owed - principal,
        interest_owed=record.interest_owed - to_interest,
        penalty_owed=record.penalty_owed - (interest - to_interest),
    )
    audit_record(
        actor=actor,
        action="recovery.entry_record",
        obj=record,
        cooperative=record.cooperative,
        changes={"on": on, "kind": kind, "principal": principal, "interest": interest},
    )
    return entry


# The counter's repayments of loans linked to a register record, paid on or after the day
# the record was entered and not reversed, become cash entries — once each: the unique
# repayment column and ON CONFLICT make a second run (or an overlap) add nothing. The
# record's balances are not touched: the register sync copies them from the loan.
FROM_REPAYMENTS_SQL = """
INSERT INTO recovery_recoveryentry
    (record_id, cooperative_id, collector_id, "on", kind, principal, interest,
     repayment_id, note, recorded_by_id, created_at)
SELECT r.id, r.cooperative_id, r.collector_id, p.paid_on, 'cash', p.to_principal,
       p.to_interest + p.to_penalty, p.id, %(note)s || p.receipt_number, NULL, %(now)s
FROM loans_repayment p
JOIN recovery_nplrecord r ON r.loan_id = p.loan_id
WHERE p.reversed_at IS NULL
  AND p.paid_on >= r.entered_on
  AND p.created_at >= %(since)s
  AND p.to_principal + p.to_interest + p.to_penalty > 0
ON CONFLICT (repayment_id) DO NOTHING
RETURNING id, record_id, cooperative_id
"""

# A repayment reversed after its entry was derived: the entry goes (a reversal means the
# money never came).
DROP_REVERSED_SQL = """
DELETE FROM recovery_recoveryentry e
USING loans_repayment p
WHERE e.repayment_id = p.id AND p.reversed_at IS NOT NULL
RETURNING e.id, e.record_id, e.cooperative_id
"""

LAST_RUN_SQL = "SELECT max(created_at) FROM recovery_recoveryentry WHERE repayment_id IS NOT NULL"


@transaction.atomic
def recovery_entries_from_repayments(*, today: date | None = None, full: bool = False) -> dict:
    """Nightly, after the register sync: derive the cash entries of the counter's
    repayments since the last run (a week's overlap: the unique key keeps each once; `full`
    rescans everything), and drop the entries of repayments reversed since."""
    job_lock("recovery.entries_from_repayments")
    now = timezone.now()
    with connection.cursor() as cur:
        since = None
        if not full:
            cur.execute(LAST_RUN_SQL)
            since = cur.fetchone()[0]
        since = since - timedelta(days=7) if since else datetime(1900, 1, 1, tzinfo=UTC)
        cur.execute(FROM_REPAYMENTS_SQL, {"note": _("柜面还款 "), "now": now, "since": since})
        added = cur.fetchall()
        cur.execute(DROP_REVERSED_SQL)
        dropped = cur.fetchall()
    audit_record_many(
        audit_row(
            actor=None,
            action=action,
            obj=NplRecord(pk=record_id),
            cooperative_id=coop,
            changes={"entry": pk},
        )
        for rows, action in ((added, "recovery.entry_derive"), (dropped, "recovery.entry_drop"))
        for pk, record_id, coop in rows
    )
    return {"added": len(added), "dropped": len(dropped)}


# --- the start-of-year baseline ----------------------------------------------------------------

BASELINE_SQL = """
INSERT INTO recovery_yearbaseline
    (cooperative_id, year, taken_on, created_at,
     count_0, balance_0, count_1, balance_1, count_2, balance_2,
     count_3, balance_3, count_4, balance_4)
SELECT c.id, %(year)s, %(today)s, %(now)s,
       count(r.id) FILTER (WHERE r.risk_class = 0), COALESCE(sum(r.principal_owed) FILTER (WHERE r.risk_class = 0), 0),
       count(r.id) FILTER (WHERE r.risk_class = 1), COALESCE(sum(r.principal_owed) FILTER (WHERE r.risk_class = 1), 0),
       count(r.id) FILTER (WHERE r.risk_class = 2), COALESCE(sum(r.principal_owed) FILTER (WHERE r.risk_class = 2), 0),
       count(r.id) FILTER (WHERE r.risk_class = 3), COALESCE(sum(r.principal_owed) FILTER (WHERE r.risk_class = 3), 0),
       count(r.id) FILTER (WHERE r.risk_class = 4), COALESCE(sum(r.principal_owed) FILTER (WHERE r.risk_class = 4), 0)
FROM creditcoop_cooperative c
LEFT JOIN recovery_nplrecord r ON r.cooperative_id = c.id AND r.status = 'pursuing'
WHERE {where}
  AND NOT EXISTS (SELECT 1 FROM recovery_yearbaseline b WHERE b.cooperative_id = c.id AND b.year = %(year)s)
GROUP BY c.id
ON CONFLICT (cooperative_id, year) DO NOTHING
RETURNING id, cooperative_id
"""


def _take(year: int, today: date, where: str = "TRUE", params: dict | None = None) -> list:
    with connection.cursor() as cur:
        cur.execute(
            BASELINE_SQL.replace("{where}", where),
            {"year": year, "today": today, "now": timezone.now(), **(params or {})},
        )
        taken = cur.fetchall()
    names = dict(
        Cooperative.objects.filter(pk__in=[c for _pk, c in taken]).values_list("pk", "name")
    )
    audit_record_many(
        audit_row(
            actor=None,
            action="recovery.baseline_lock",
            obj=YearBaseline(pk=pk, cooperative=Cooperative(pk=coop, name=names[coop]), year=year),
            cooperative_id=coop,
            changes={"year": year, "taken_on": today},
        )
        for pk, coop in taken
    )
    return taken


@transaction.atomic
def year_baseline_lock(*, today: date | None = None) -> dict:
    """Daily (00:10): lock this year's baseline of every cooperative that has none — on
    1 January the register as the year begins; after downtime, the first run catches up with
    the register as it is then (the date taken says so). A baseline once taken is never
    rewritten: the unique key and `year_baseline_take`'s refusal."""
    job_lock("recovery.year_baseline_lock")
    today = _today(today)
    return {"taken": len(_take(today.year, today))}


@transaction.atomic
def year_baseline_take(*, cooperative: Cooperative, year: int, today: date | None = None):
    """Take one cooperative's baseline now (the job, or a new cooperative); refused when the
    year's baseline exists — it is locked."""
    today = _today(today)
    if year != today.year:
        raise RecoveryError(_("只能锁定本年度的年初基数。"))
    if YearBaseline.objects.filter(cooperative=cooperative, year=year).exists():
        raise RecoveryError(_("%(y)s 年的年初基数已锁定，不能重新计算。") % {"y": year})
    try:
        with transaction.atomic():
            taken = _take(year, today, "c.id = %(coop)s", {"coop": cooperative.pk})
    except IntegrityError:
        taken = []
    if not taken:
        raise RecoveryError(_("%(y)s 年的年初基数已锁定，不能重新计算。") % {"y": year})
    return YearBaseline.objects.get(pk=taken[0][0])


# --- the monthly ranking ------------------------------------------------------------------------


@transaction.atomic
def ranking_publish(
    *, actor, cooperative: Cooperative, month: date, today: date | None = None
) -> MonthlyRanking:
    """Publish a finished month's officer results to the cooperative's staff: a snapshot
    (the announced figures do not move) and an inbox notice to every active staff member of
    the cooperative. Once per cooperative and month."""
    from .. import board

    today = _today(today)
    if not may_manage(actor, cooperative):
        raise RecoveryError(_("只有主任、副主任或联社资产保全部可以发布清收业绩排名。"))
    month = board.month_start(month)
    if month >= board.month_start(today):
        raise RecoveryError(_("只能发布已结束月份的业绩。"), field="month")
    Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    if MonthlyRanking.objects.filter(cooperative=cooperative, month=month).exists():
        raise RecoveryError(_("%(m)s 的清收业绩排名已发布。") % {"m": f"{month:%Y年%m月}"})
    rows = [r.as_row() for r in board.officer_results(cooperative, month, today)]
    ranking = MonthlyRanking.objects.create(
        cooperative=cooperative, month=month, rows=rows, published_by=actor
    )
    link = reverse("recovery:ranking") + f"?coop={cooperative.pk}&month={month:%Y-%m}"
    text = _("【清收业绩】%(coop)s %(m)s 信贷员清收业绩排名已公布，请查阅。") % {
        "coop": cooperative.name,
        "m": f"{month:%Y年%m月}",
    }
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk,
                text=text[:500],
                link=link,
                dedupe_key=f"npl-ranking:{ranking.pk}:{pk}",
            )
            for pk in Staff.objects.filter(cooperative=cooperative, is_active=True).values_list(
                "pk", flat=True
            )
        ],
        ignore_conflicts=True,
    )
    audit_record(
        actor=actor,
        action="recovery.ranking_publish",
        obj=ranking,
        cooperative=cooperative,
        changes={"month": f"{month:%Y-%m}", "officers": len(rows)},
    )
    return ranking
