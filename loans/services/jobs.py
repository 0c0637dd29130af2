"""Periodic jobs, set-based: interest settlement, the five-level classification (and an
officer's manual classification), drawdown reminders."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record
from creditcoop.jobs import job_lock
from creditcoop.money import yuan
from creditcoop.permissions import may_write, officer_or_director
from creditcoop.sms import sms_queue

from .. import interest
from ..models import ClassChange, Loan, LoanSettings, RiskClass, SettlementRun
from ._common import LoanError, _today


@transaction.atomic
def interest_settle(*, today: date | None = None) -> SettlementRun:
    """Settle the latest quarterly settlement date that is over (run on the 20th it does
    nothing new: the counter is open and repayments that day settle to the day; the job
    settles the 20th early on the 21st), and first every earlier one missed while the
    system was down, oldest first, so each quarter's interest bears compound interest from
    its own payment day. A second run adds nothing (settled loans are not selected again)."""
    job_lock("interest_settle")
    settle = interest.settle_date_due(_today(today))
    oldest = Loan.objects.filter(status=Loan.Status.OPEN, accrued_through__lt=settle).aggregate(
        d=Min("accrued_through")
    )["d"]
    missed = interest.settle_dates_between(oldest, settle)[:-1] if oldest else []
    settled_now = 0
    for day in [*missed, settle]:
        run, _created = SettlementRun.objects.select_for_update().get_or_create(settle_date=day)
        with connection.cursor() as cur:
            cur.execute(interest.SETTLE_SQL, interest.settle_params(day))
            count, interest_total, penalty_total = cur.fetchone()
        run.loan_count += count
        run.interest_total += interest_total
        run.penalty_total += penalty_total
        run.finished_at = timezone.now()
        run.save()
        settled_now += count
    run.settled_now = settled_now  # what this call settled (the run row keeps the quarter's)
    return run


CLASSIFY_SQL = """
WITH calc AS (
    SELECT l.id, l.risk_class AS old, d.days,
        GREATEST(COALESCE(l.manual_class, 0),
            CASE WHEN d.days > %(loss)s THEN 4
                 WHEN d.days > %(doubtful)s THEN 3
                 WHEN d.days > %(substandard)s THEN 2
                 WHEN d.days > %(watch)s THEN 1
                 ELSE 0 END) AS new
    FROM loans_loan l
    CROSS JOIN LATERAL (
        SELECT GREATEST(0, %(today)s::date - LEAST(
            CASE WHEN l.principal > 0 THEN l.due_date END,
            CASE WHEN l.interest_due > 0 THEN l.interest_due_since END)) AS days
    ) d
    WHERE l.status = 'open'
), changed AS (
    UPDATE loans_loan l SET risk_class = c.new
    FROM calc c
    -- l.risk_class = c.old: a loan another run reclassified meanwhile is left to it.
    WHERE l.id = c.id AND c.new <> c.old AND l.risk_class = c.old
    RETURNING l.id, c.old, c.new, c.days
)
INSERT INTO loans_classchange (loan_id, changed_on, from_class, to_class, days_overdue, by_id,
                               reason, at)
SELECT id, %(today)s::date, old, new, COALESCE(days, 0), NULL, %(reason)s, now() FROM changed
"""


def rule_class(days: int, s: LoanSettings) -> int:
    if days > s.days_loss:
        return RiskClass.LOSS
    if days > s.days_doubtful:
        return RiskClass.DOUBTFUL
    if days > s.days_substandard:
        return RiskClass.SUBSTANDARD
    if days > s.days_watch:
        return RiskClass.WATCH
    return RiskClass.NORMAL


@transaction.atomic
def loans_classify(*, today: date | None = None) -> int:
    """The nightly five-level classification of every open loan, in one statement. Returns
    how many loans changed class (each change is kept with its date)."""
    job_lock("loans_classify")
    s = LoanSettings.current()
    with connection.cursor() as cur:
        cur.execute(
            CLASSIFY_SQL,
            {
                "today": _today(today),
                "watch": s.days_watch,
                "substandard": s.days_substandard,
                "doubtful": s.days_doubtful,
                "loss": s.days_loss,
                "reason": _("按逾期天数自动分类"),
            },
        )
        return cur.rowcount


def may_classify(actor, loan) -> bool:
    return may_write(actor) and officer_or_director(actor, loan.contract.village)


@transaction.atomic
def loan_classify_manual(
    *, loan: Loan, actor, to_class: int, reason: str, today: date | None = None
) -> Loan:
    """An officer classifies a loan worse than the days rule, with a reason; never better."""
    today = _today(today)
    loan = (
        Loan.objects.select_for_update(of=("self",))
        .select_related("contract__village")
        .get(pk=loan.pk)
    )
    if not may_classify(actor, loan):
        raise LoanError(_("您无权认定该笔贷款的分类。"))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise LoanError(_("请写明认定理由。"))
    to_class = int(to_class)
    if to_class not in RiskClass.values:
        raise LoanError(_("请选择分类。"))
    days = interest.days_overdue(loan, today) if loan.status == Loan.Status.OPEN else 0
    floor = rule_class(days, LoanSettings.current())
    if to_class < floor:
        raise LoanError(
            _("逾期 %(d)s 天，按规则至少为%(c)s类，不能认定为更好的分类。")
            % {"d": days, "c": RiskClass(floor).label}
        )
    old = loan.risk_class
    loan.manual_class = to_class if to_class > floor else None
    loan.manual_reason = reason[:300] if loan.manual_class is not None else ""
    loan.risk_class = to_class
    loan.save(update_fields=["manual_class", "manual_reason", "risk_class"])
    if old != to_class:
        ClassChange.objects.create(
            loan=loan,
            changed_on=today,
            from_class=old,
            to_class=to_class,
            days_overdue=days,
            by=actor,
            reason=reason[:300],
        )
    audit_record(
        actor=actor,
        action="loans.loan_classify",
        obj=loan,
        cooperative=loan.contract.cooperative,
        changes={"risk_class": [old, to_class], "reason": reason},
    )
    return loan


@transaction.atomic
def drawdown_reminders_queue(*, today: date | None = None) -> int:
    """SMS the borrowers whose drawdown falls due in 7 days and in 1 day (never twice). A
    reminder day missed while the system was down is made up on the next run: each loan not
    yet due gets the reminder of the nearest window it has reached, once."""
    job_lock("drawdown_reminders")
    today = _today(today)
    s = LoanSettings.current()
    windows = sorted({s.reminder_days_first, s.reminder_days_second})
    queued = 0
    loans = (
        Loan.objects.filter(
            status=Loan.Status.OPEN,
            principal__gt=0,
            due_date__gte=today,
            due_date__lte=today + timedelta(days=windows[-1]),
        )
        .select_related("contract__borrower", "contract__household", "contract__cooperative")
        .order_by("id")
    )
    for loan in loans.iterator(chunk_size=500):
        c = loan.contract
        phone = c.borrower.phone or c.household.phone
        text = _(
            "【%(coop)s】%(name)s您好，您的借款（借据 %(n)s）本金余额 %(p)s 元将于 %(d)s 到期，"
            "请按时归还。"
        ) % {
            "coop": c.cooperative.name,
            "name": c.borrower.name,
            "n": loan.number,
            "p": yuan(loan.principal),
            "d": loan.due_date,
        }
        days = next(d for d in windows if loan.due_date <= today + timedelta(days=d))
        if sms_queue(
            phone=phone, text=text, dedupe_key=f"loan-due:{loan.pk}:{loan.due_date}:{days}"
        ):
            queued += 1
    return queued
