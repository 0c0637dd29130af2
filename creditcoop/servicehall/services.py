"""Writes for the service hall and the deadline engine (限时办结).

Deadline engine — the public API other workflows call
=====================================================

Every promised time (walk-in answer and approval, rating steps, objections, archive
loans) is one ``Deadline`` row pointing at its object through a generic relation.
Counting is in working days (``creditcoop.workdays``), so Spring Festival and make-up
working days move due days correctly.

``deadline_open(*, target, kind, responsible, cooperative, working_days, start=None,
amount=None, annual_rate=None, title="", link="", loan_type=None, actor=None)``
    Start the clock for ``target`` (any saved model instance). ``kind`` is a short
    code (see ``DeadlineKind``; other codes are allowed, max 40 characters).
    ``start`` defaults to today; the due day is ``add_working_days(start,
    working_days)``, the responsible person is reminded one working day before it.
    ``amount`` and ``annual_rate`` (Decimal, e.g. ``Decimal("0.0612")``) let the
    accountability record show the interest lost through the delay. ``link`` is shown
    in reminders; it defaults to ``target.get_absolute_url()`` when that exists.
    Only one open deadline per (target, kind): opening a second raises
    ``DeadlineError``. Returns the ``Deadline``.

``deadline_stop(*, target, kind=None, reason, on=None, actor=None)``
    Stop the clock of the open deadline(s) of ``target`` (of one ``kind`` or all).
    ``on`` (default today) is the day the work was done; if it is after the due day
    the next sweep records the final lateness. Returns the number stopped (0 when
    nothing was open — safe to call twice).

``deadline_open_many(*, items, actor=None)``
    The set-based twin of ``deadline_open`` for bulk steps (e.g. a rating day moving
    500 applications): ``items`` is an iterable of ``DeadlineSpec`` (the keyword
    arguments of ``deadline_open`` except ``actor``). Same due, reminder and late days
    (counted once per distinct start and time limit), same checks — every item is
    checked before anything is written, and a target that already has an open
    deadline of that kind (or appears twice) raises ``DeadlineError`` — and one audit
    row per deadline. A handful of statements whatever the number of items. Returns
    the ``Deadline`` rows in the order of ``items``.

``deadline_stop_many(*, targets, kind=None, reason, on=None, actor=None)``
    The set-based twin of ``deadline_stop``: stops the open deadline(s) of every
    target in ``targets`` (of one ``kind`` or all). ``reason`` is a string, or a
    callable ``reason(target) -> str`` when the reason differs per target. Same
    checks, settling and audit rows as the single version; three statements whatever
    the number of targets. Returns the number stopped (targets with nothing open are
    ignored, so it is safe to call twice).

``deadline_reassign(*, target, kind, responsible, actor=None, reason="", on=None)``
    Hand an open deadline to another person. Lateness already incurred stays with
    the previous person; the new person is accountable only for working days late
    after ``on`` (default today). Raises ``DeadlineError`` when nothing is open.

Call them inside your own service's transaction; they lock the rows they change.

What stops each kind's clock is declared up front in ``models.STOP_CONDITIONS``
(shown as 停表条件 beside every deadline): a workflow calls ``deadline_stop`` exactly
when that event happens, and its ``reason`` says which way it went. A new kind adds
its line there.

The periodic sweep (``deadline_sweep``) reminds, escalates and records
accountability with set-based SQL; see its docstring.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Case, ExpressionWrapper, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop import workdays
from creditcoop.audit import _plain, audit_record, snapshot
from creditcoop.errors import DomainError
from creditcoop.models import AuditLog, Role, Staff
from creditcoop.money import ZERO, to_fen, yuan
from creditcoop.notify import notify, notify_directors
from creditcoop.permissions import cooperative_director, directs_cooperative

from . import selectors
from .models import (
    ADMONITION_MAX_DAYS,
    APPROVAL_DAYS_MAX,
    APPROVAL_DAYS_MIN,
    CRITICISM_MAX_DAYS,
    Accountability,
    AccountabilityEvent,
    AccountabilityStatus,
    Deadline,
    DeadlineKind,
    DutyPost,
    DutyRoster,
    DutyShift,
    Walkin,
    WalkinKind,
    WalkinStatus,
    kind_label,
    tier_for,
)


class DeadlineError(DomainError):
    """A deadline rule refused the action."""


# ================================================================ deadline engine


def _target_key(target):
    if target.pk is None:
        raise DeadlineError(_("对象尚未保存，不能设定时限。"))
    ct = ContentType.objects.get_for_model(target, for_concrete_model=False)
    return ct, target.pk


def deadline_open(
    *,
    target,
    kind: str,
    responsible: Staff,
    cooperative,
    working_days: int,
    start: date | None = None,
    amount: Decimal | None = None,
    annual_rate: Decimal | None = None,
    title: str = "",
    link: str = "",
    loan_type=None,
    actor: Staff | None = None,
) -> Deadline:
    if working_days < 1:
        raise DeadlineError(_("办结时限至少为 1 个工作日。"))
    if responsible is None:
        raise DeadlineError(_("时限必须指定责任人。"))
    ct, object_id = _target_key(target)
    start = start or timezone.localdate()
    due = workdays.add_working_days(start, working_days)
    if not link and hasattr(target, "get_absolute_url"):
        link = target.get_absolute_url()
    with transaction.atomic():
        if (
            Deadline.objects.select_for_update()
            .filter(content_type=ct, object_id=object_id, kind=kind, stopped_at__isnull=True)
            .exists()
        ):
            raise DeadlineError(_("该事项已有未办结的同类时限。"))
        deadline = Deadline.objects.create(
            content_type=ct,
            object_id=object_id,
            kind=kind,
            title=f"{kind_label(kind)}：{title or target}"[:200],
            link=link[:300],
            cooperative=cooperative,
            responsible=responsible,
            loan_type=loan_type,
            started_on=start,
            working_days=working_days,
            due_on=due,
            remind_on=workdays.add_working_days(due, -1),
            late_on=workdays.next_workday(due),
            late_from=due,
            amount=amount,
            annual_rate=annual_rate,
        )
        audit_record(
            actor=actor,
            action="deadline_open",
            obj=deadline,
            changes=snapshot(deadline, ["kind", "started_on", "working_days", "due_on"])
            | {"responsible": responsible.name},
            cooperative=cooperative,
        )
    return deadline


def deadline_stop(*, target, kind: str | None = None, reason: str, on=None, actor=None) -> int:
    ct, object_id = _target_key(target)
    on = on or timezone.localdate()
    with transaction.atomic():
        qs = Deadline.objects.select_for_update().filter(
            content_type=ct, object_id=object_id, stopped_at__isnull=True
        )
        if kind:
            qs = qs.filter(kind=kind)
        stopped = 0
        for deadline in qs:
            if on < deadline.started_on:
                raise DeadlineError(_("办结日期不能早于起算日。"))
            deadline.stopped_at = timezone.now()
            deadline.stopped_on = on
            deadline.stop_reason = reason[:200]
            # Stopped on time: nothing left for the sweep to count.
            deadline.settled = on <= deadline.late_from
            deadline.save(update_fields=["stopped_at", "stopped_on", "stop_reason", "settled"])
            audit_record(
                actor=actor,
                action="deadline_stop",
                obj=deadline,
                changes={"stopped_on": on.isoformat(), "reason": reason},
            )
            stopped += 1
    return stopped


@dataclass(frozen=True, kw_only=True)
class DeadlineSpec:
    """One deadline to open with ``deadline_open_many`` (``deadline_open``'s arguments)."""

    target: models.Model
    kind: str
    responsible: Staff | None
    cooperative: object  # a Cooperative or its id
    working_days: int
    start: date | None = None
    amount: Decimal | None = None
    annual_rate: Decimal | None = None
    title: str = ""
    link: str = ""
    loan_type: object = None


def _audit_row(*, actor, action: str, obj, changes: dict, cooperative_id) -> AuditLog:
    """An unsaved AuditLog row, written exactly as ``audit_record`` would write it."""
    return AuditLog(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes={k: _plain(v) for k, v in changes.items()},
        cooperative_id=cooperative_id,
    )


def _deadline_days(start: date, working_days: int, cache: dict) -> tuple[date, date, date]:
    """(due, remind, late) days, counted once per distinct (start, working days)."""
    key = (start, working_days)
    if key not in cache:
        due = workdays.add_working_days(start, working_days)
        cache[key] = (due, workdays.add_working_days(due, -1), workdays.next_workday(due))
    return cache[key]


def _targets_q(keys: Iterable[tuple]) -> Q:
    """(content type, object id) pairs as one filter: object_id IN (…) per content type."""
    by_type: dict = {}
    for ct_id, object_id in keys:
        by_type.setdefault(ct_id, set()).add(object_id)
    q = Q(pk__in=[])
    for ct_id, ids in by_type.items():
        q |= Q(content_type_id=ct_id, object_id__in=ids)
    return q


def deadline_open_many(*, items: Iterable[DeadlineSpec], actor: Staff | None = None):
    items = list(items)
    if not items:
        return []
    today = timezone.localdate()
    days: dict = {}
    rows, seen = [], set()
    for item in items:
        if item.working_days < 1:
            raise DeadlineError(_("办结时限至少为 1 个工作日。"))
        if item.responsible is None:
            raise DeadlineError(_("时限必须指定责任人。"))
        ct, object_id = _target_key(item.target)
        if (ct.pk, object_id, item.kind) in seen:
            raise DeadlineError(_("该事项已有未办结的同类时限。"))
        seen.add((ct.pk, object_id, item.kind))
        start = item.start or today
        due, remind, late = _deadline_days(start, item.working_days, days)
        link = item.link
        if not link and hasattr(item.target, "get_absolute_url"):
            link = item.target.get_absolute_url()
        rows.append(
            Deadline(
                content_type=ct,
                object_id=object_id,
                kind=item.kind,
                title=f"{kind_label(item.kind)}：{item.title or item.target}"[:200],
                link=link[:300],
                cooperative_id=getattr(item.cooperative, "pk", item.cooperative),
                responsible=item.responsible,
                loan_type=item.loan_type,
                started_on=start,
                working_days=item.working_days,
                due_on=due,
                remind_on=remind,
                late_on=late,
                late_from=due,
                amount=item.amount,
                annual_rate=item.annual_rate,
            )
        )
    with transaction.atomic():
        open_now = (
            Deadline.objects.select_for_update()
            .filter(
                _targets_q((r.content_type_id, r.object_id) for r in rows),
                kind__in={r.kind for r in rows},
                stopped_at__isnull=True,
            )
            .values_list("content_type_id", "object_id", "kind")
        )
        if seen & set(open_now):
            raise DeadlineError(_("该事项已有未办结的同类时限。"))
        try:
            with transaction.atomic():
                Deadline.objects.bulk_create(rows)
        except IntegrityError as e:
            # Opened by someone else since the check above (the one-open-per-kind index).
            raise DeadlineError(_("该事项已有未办结的同类时限。")) from e
        AuditLog.objects.bulk_create(
            _audit_row(
                actor=actor,
                action="deadline_open",
                obj=d,
                changes=snapshot(d, ["kind", "started_on", "working_days", "due_on"])
                | {"responsible": d.responsible.name},
                cooperative_id=d.cooperative_id,
            )
            for d in rows
        )
    return rows


def deadline_stop_many(
    *,
    targets: Iterable,
    kind: str | None = None,
    reason: str | Callable[[models.Model], str],
    on: date | None = None,
    actor: Staff | None = None,
) -> int:
    by_key = {}
    for t in targets:
        ct, object_id = _target_key(t)
        by_key[(ct.pk, object_id)] = t
    if not by_key:
        return 0
    on = on or timezone.localdate()
    with transaction.atomic():
        qs = Deadline.objects.select_for_update().filter(
            _targets_q(by_key), stopped_at__isnull=True
        )
        if kind:
            qs = qs.filter(kind=kind)
        running = list(qs.order_by("id"))
        if not running:
            return 0
        if any(on < d.started_on for d in running):
            raise DeadlineError(_("办结日期不能早于起算日。"))
        now = timezone.now()
        reasons = {}
        for d in running:
            target = by_key[(d.content_type_id, d.object_id)]
            text = reason(target) if callable(reason) else reason
            reasons[d.pk] = text
            d.stopped_at, d.stopped_on, d.stop_reason = now, on, text[:200]
            # Stopped on time: nothing left for the sweep to count.
            d.settled = on <= d.late_from
        # One WHEN per distinct reason (usually one or two), not one per row.
        by_reason: dict[str, list[int]] = {}
        for pk, text in reasons.items():
            by_reason.setdefault(text[:200], []).append(pk)
        if len(by_reason) == 1:
            stop_reason = Value(next(iter(by_reason)))
        else:
            stop_reason = Case(
                *(When(pk__in=pks, then=Value(text)) for text, pks in by_reason.items()),
                output_field=models.CharField(),
            )
        Deadline.objects.filter(pk__in=reasons).update(
            stopped_at=now,
            stopped_on=on,
            stop_reason=stop_reason,
            settled=ExpressionWrapper(Q(late_from__gte=on), output_field=models.BooleanField()),
        )
        AuditLog.objects.bulk_create(
            _audit_row(
                actor=actor,
                action="deadline_stop",
                obj=d,
                changes={"stopped_on": on.isoformat(), "reason": reasons[d.pk]},
                cooperative_id=d.cooperative_id,
            )
            for d in running
        )
    return len(running)


def deadline_reassign(
    *, target, kind: str, responsible: Staff, actor=None, reason: str = "", on=None
) -> Deadline:
    ct, object_id = _target_key(target)
    on = on or timezone.localdate()
    with transaction.atomic():
        deadline = (
            Deadline.objects.select_for_update()
            .filter(content_type=ct, object_id=object_id, kind=kind, stopped_at__isnull=True)
            .first()
        )
        if deadline is None:
            raise DeadlineError(_("没有未办结的该类时限，无法移交。"))
        before = deadline.responsible
        if before.pk == responsible.pk:
            return deadline
        # Lateness so far belongs to the person handing over; record it now, the sweep
        # only follows the current responsible person from here on.
        _hold_accountable(
            deadline=deadline,
            person=before,
            late_days=late_days_between(deadline.late_from, min(on, timezone.localdate())),
        )
        deadline.responsible = responsible
        deadline.late_from = max(deadline.late_from, on)
        if on < deadline.due_on:
            deadline.reminded_at = None  # the new person gets their own reminder
        deadline.save(update_fields=["responsible", "late_from", "reminded_at"])
        audit_record(
            actor=actor,
            action="deadline_reassign",
            obj=deadline,
            changes={"responsible": [before.name, responsible.name], "reason": reason},
        )
        transaction.on_commit(
            lambda: notify(
                recipient=responsible,
                text=_("您接手了限时事项：%(title)s，到期日 %(due)s。")
                % {"title": deadline.title, "due": deadline.due_on.isoformat()},
                link=deadline.link,
            )
        )
    return deadline


# ---------------------------------------------------------------- the sweep

_SQL_CALENDAR = """
DROP TABLE IF EXISTS hall_workday;
CREATE TEMP TABLE hall_workday (day date PRIMARY KEY, seq integer NOT NULL) ON COMMIT DROP;
INSERT INTO hall_workday (day, seq)
SELECT g.day::date,
       count(*) FILTER (WHERE COALESCE(c.is_workday, extract(isodow FROM g.day) < 6))
           OVER (ORDER BY g.day)
FROM generate_series(%(lo)s::date, %(hi)s::date, interval '1 day') AS g(day)
LEFT JOIN creditcoop_calendarday c ON c.date = g.day::date;
ANALYZE hall_workday;
"""

_SQL_REMIND = """
WITH r AS (
    UPDATE servicehall_deadline d SET reminded_at = %(now)s
    WHERE d.stopped_at IS NULL AND d.reminded_at IS NULL
      AND d.remind_on <= %(today)s AND d.due_on >= %(today)s
    RETURNING d.id, d.responsible_id, d.title, d.link, d.due_on
)
INSERT INTO creditcoop_notification (recipient_id, text, link, dedupe_key, created_at)
SELECT r.responsible_id,
       left(%(remind)s || r.title || %(due)s || to_char(r.due_on, 'YYYY-MM-DD'), 500),
       r.link, 'hall-remind:' || r.id || ':' || r.responsible_id, %(now)s
FROM r
ON CONFLICT (dedupe_key) DO NOTHING
"""

# "Passed" means at least one working day has begun after the due day.
_SQL_OVERDUE = """
WITH o AS (
    UPDATE servicehall_deadline d
    SET overdue_notified_at = %(now)s, reminded_at = COALESCE(d.reminded_at, %(now)s)
    WHERE d.stopped_at IS NULL AND d.overdue_notified_at IS NULL AND d.late_on <= %(today)s
    RETURNING d.id, d.responsible_id, d.cooperative_id, d.title, d.link, d.due_on
), recipients AS (
    SELECT o.*, s.id AS recipient_id, 'director' AS who
    FROM o JOIN creditcoop_staff s
      ON s.cooperative_id = o.cooperative_id AND s.is_active
     AND s.roles @> ARRAY['director']::varchar(20)[]
    UNION ALL
    SELECT o.*, o.responsible_id, 'responsible' FROM o
)
INSERT INTO creditcoop_notification (recipient_id, text, link, dedupe_key, created_at)
SELECT recipient_id,
       left(%(overdue)s || title || %(due)s || to_char(due_on, 'YYYY-MM-DD'), 500),
       link, 'hall-overdue:' || id || ':' || recipient_id, %(now)s
FROM recipients
ON CONFLICT (dedupe_key) DO NOTHING
"""

# Lateness of every unsettled deadline, then the accountability records, their history
# and the notices — in one statement, writing only what changed since the last run.
# (Rows written by one CTE are not visible to the others' table scans, so ids travel
# through RETURNING.)
_SQL_LATENESS = """
WITH calc AS (
    SELECT d.id, d.responsible_id, d.cooperative_id, d.title, d.link, d.amount, d.annual_rate,
           e.seq - due.seq AS total_late,
           GREATEST(e.seq - f.seq, 0) AS person_late
    FROM servicehall_deadline d
    JOIN hall_workday due ON due.day = d.due_on
    JOIN hall_workday f ON f.day = d.late_from
    JOIN hall_workday e ON e.day = LEAST(COALESCE(d.stopped_on, %(today)s), %(today)s)
    WHERE NOT d.settled AND d.due_on < %(today)s
), upd AS (
    UPDATE servicehall_deadline d SET late_days = calc.total_late
    FROM calc
    WHERE d.id = calc.id AND d.late_days <> calc.total_late
    RETURNING calc.*
), acc AS (
    INSERT INTO servicehall_accountability AS a
        (deadline_id, person_id, cooperative_id, tier, late_days, lost_interest, status,
         decision_reason, created_at, updated_at)
    SELECT upd.id, upd.responsible_id, upd.cooperative_id,
           CASE WHEN upd.person_late <= %(t1)s THEN 1
                WHEN upd.person_late <= %(t2)s THEN 2 ELSE 3 END,
           upd.person_late,
           round(COALESCE(upd.amount, 0) * COALESCE(upd.annual_rate, 0) * upd.person_late / 360, 2),
           'pending', '', %(now)s, %(now)s
    FROM upd WHERE upd.person_late > 0
    ON CONFLICT (deadline_id, person_id) DO UPDATE SET
        late_days = EXCLUDED.late_days,
        lost_interest = EXCLUDED.lost_interest,
        updated_at = EXCLUDED.updated_at,
        tier = GREATEST(a.tier, EXCLUDED.tier),
        status = CASE WHEN EXCLUDED.tier > a.tier THEN 'pending' ELSE a.status END,
        decided_by_id = CASE WHEN EXCLUDED.tier > a.tier THEN NULL ELSE a.decided_by_id END,
        decided_at = CASE WHEN EXCLUDED.tier > a.tier THEN NULL ELSE a.decided_at END,
        decision_reason = CASE WHEN EXCLUDED.tier > a.tier THEN '' ELSE a.decision_reason END
    WHERE a.late_days <> EXCLUDED.late_days
    RETURNING a.id, a.tier, a.late_days, a.deadline_id, a.person_id, a.cooperative_id
), ev AS (
    INSERT INTO servicehall_accountabilityevent (record_id, action, tier, late_days, note, at)
    SELECT acc.id, 'reached', acc.tier, acc.late_days, '', %(now)s FROM acc
    ON CONFLICT (record_id, tier) WHERE action = 'reached' DO NOTHING
    RETURNING record_id, tier, late_days
), recipients AS (
    SELECT ev.*, acc.person_id, acc.deadline_id, s.id AS recipient_id
    FROM ev JOIN acc ON acc.id = ev.record_id
    JOIN creditcoop_staff s
      ON s.cooperative_id = acc.cooperative_id AND s.is_active
     AND s.roles @> ARRAY['director']::varchar(20)[]
    UNION ALL
    SELECT ev.*, acc.person_id, acc.deadline_id, acc.person_id
    FROM ev JOIN acc ON acc.id = ev.record_id
)
INSERT INTO creditcoop_notification (recipient_id, text, link, dedupe_key, created_at)
SELECT r.recipient_id,
       left(%(acc)s || p.name || %(late)s || r.late_days || %(days)s
            || CASE r.tier WHEN 1 THEN %(tier1)s WHEN 2 THEN %(tier2)s ELSE %(tier3)s END
            || '：' || d.title, 500),
       %(acc_link)s || r.record_id || '/',
       'hall-acc:' || r.record_id || ':' || r.tier || ':' || r.recipient_id, %(now)s
FROM recipients r
JOIN creditcoop_staff p ON p.id = r.person_id
JOIN servicehall_deadline d ON d.id = r.deadline_id
ON CONFLICT (dedupe_key) DO NOTHING
"""

_SQL_SETTLE = """
UPDATE servicehall_deadline SET settled = TRUE
WHERE NOT settled AND stopped_on IS NOT NULL AND stopped_on <= %(today)s
"""


def _sweep_params(today: date) -> dict:
    from django.urls import reverse

    return {
        "today": today,
        "now": timezone.now(),
        "t1": ADMONITION_MAX_DAYS,
        "t2": CRITICISM_MAX_DAYS,
        "remind": _("【限时办结提醒】"),
        "overdue": _("【已超期】"),
        "due": _("，到期日 "),
        "acc": _("【超期问责】"),
        "late": _(" 已超期 "),
        "days": _(" 个工作日，"),
        "tier1": _("诫勉谈话"),
        "tier2": _("通报批评"),
        "tier3": _("调离信贷岗位"),
        "acc_link": reverse("servicehall:accountability_list"),
    }


def deadline_sweep(*, today: date | None = None) -> dict:
    """Remind, escalate and hold people accountable — set-based and idempotent.

    1. remind the responsible person on the working day before the due day (or later
       after downtime, as long as the due day has not passed);
    2. tell the directors (and the responsible person) once a due day has passed;
    3. count working days late with a per-run calendar table (generate_series joined
       with CalendarDay: statutory holidays don't count, make-up days do) and
       create or upgrade one accountability record per person per deadline, with a
       history row per tier reached and a notice to the directors;
    4. mark stopped deadlines whose final lateness has been counted as settled.

    Every write is guarded (``WHERE … IS NULL``, ``ON CONFLICT``, unique dedupe keys),
    so running twice or after a gap creates no duplicates and misses nothing.
    """
    today = today or timezone.localdate()
    params = _sweep_params(today)
    counts = {}
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('servicehall.deadline_sweep'))")
        cur.execute(_SQL_REMIND, params)
        counts["reminders"] = cur.rowcount
        cur.execute(_SQL_OVERDUE, params)
        counts["overdue_notices"] = cur.rowcount
        cur.execute(
            "SELECT min(due_on) FROM servicehall_deadline WHERE NOT settled AND due_on < %s",
            [today],
        )
        lo = cur.fetchone()[0]
        counts["accountability_notices"] = 0
        if lo is not None:
            cur.execute(_SQL_CALENDAR, {"lo": lo, "hi": today})
            cur.execute(_SQL_LATENESS, params)
            counts["accountability_notices"] = cur.rowcount
        cur.execute(_SQL_SETTLE, params)
        counts["settled"] = cur.rowcount
    return counts


def _hold_accountable(*, deadline: Deadline, person: Staff, late_days: int) -> None:
    """The single-row twin of the sweep's upsert (same tiers, history and notices)."""
    tier = tier_for(late_days)
    if tier is None:
        return
    now = timezone.now()
    interest = to_fen(
        (deadline.amount or ZERO) * (deadline.annual_rate or ZERO) * late_days / Decimal(360)
    )
    record, created = Accountability.objects.select_for_update().get_or_create(
        deadline=deadline,
        person=person,
        defaults=dict(
            cooperative_id=deadline.cooperative_id,
            tier=tier,
            late_days=late_days,
            lost_interest=interest,
            created_at=now,
            updated_at=now,
        ),
    )
    if not created:
        if late_days == record.late_days:
            return
        record.late_days, record.lost_interest, record.updated_at = late_days, interest, now
        if tier > record.tier:
            record.tier = tier
            record.status = AccountabilityStatus.PENDING
            record.decided_by, record.decided_at, record.decision_reason = None, None, ""
        record.save()
    _event, new_tier = AccountabilityEvent.objects.get_or_create(
        record=record,
        tier=record.tier,
        action=AccountabilityEvent.Action.REACHED,
        defaults={"late_days": record.late_days, "at": now},
    )
    if new_tier:
        text = _("【超期问责】%(name)s 已超期 %(days)s 个工作日，%(tier)s：%(title)s") % {
            "name": person.name,
            "days": record.late_days,
            "tier": record.get_tier_display(),
            "title": deadline.title,
        }
        link = record.get_absolute_url()
        key = f"hall-acc:{record.pk}:{record.tier}"
        transaction.on_commit(
            lambda: (
                notify_directors(
                    cooperative=deadline.cooperative, text=text, link=link, dedupe_key=key
                ),
                notify(recipient=person, text=text, link=link, dedupe_key=f"{key}:{person.pk}"),
            )
        )


def late_days_between(due: date, end: date) -> int:
    """Working days late when work due on `due` is done on `end` (0 when on time)."""
    return max(workdays.working_days_between(due, end), 0) if end > due else 0


# ================================================================ accountability


def accountability_decide(*, record_id: int, actor: Staff, confirm: bool, reason: str):
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写确认或免责的理由。"))
    with transaction.atomic():
        record = (
            Accountability.objects.select_for_update(of=("self",))
            .select_related("person")
            .get(pk=record_id)
        )
        is_director = (
            actor.has_role(Role.DIRECTOR) and actor.cooperative_id == record.cooperative_id
        )
        # A director's own lateness is decided by the union's risk department.
        is_union = actor.has_role(Role.UNION_RISK) and actor.union_id == record.person.union_id
        if not (is_director or is_union):
            raise DomainError(_("只有本社主任或联社风险管理部可以确认或免责。"))
        if record.status != AccountabilityStatus.PENDING:
            raise DomainError(_("该问责记录已处理。"))
        if record.person_id == actor.pk:
            raise DomainError(_("不能处理本人的问责记录，请由联社风险管理部处理。"))
        before = snapshot(record, ["status", "decision_reason"])
        record.status = AccountabilityStatus.CONFIRMED if confirm else AccountabilityStatus.WAIVED
        record.decided_by = actor
        record.decided_at = timezone.now()
        record.decision_reason = reason[:300]
        record.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        AccountabilityEvent.objects.create(
            record=record,
            action=AccountabilityEvent.Action.CONFIRMED
            if confirm
            else AccountabilityEvent.Action.WAIVED,
            tier=record.tier,
            late_days=record.late_days,
            actor=actor,
            note=reason[:300],
            at=record.decided_at,
        )
        audit_record(
            actor=actor,
            action="accountability_confirm" if confirm else "accountability_waive",
            obj=record,
            changes={"status": [before["status"], record.status], "reason": reason},
        )
        person = record.person
        text = (
            _("您的超期问责（%(tier)s）已由主任确认：%(reason)s")
            if confirm
            else _("您的超期问责（%(tier)s）已由主任免责：%(reason)s")
        ) % {"tier": record.get_tier_display(), "reason": reason}
        link = record.get_absolute_url()
        transaction.on_commit(lambda: notify(recipient=person, text=text, link=link))
    return record


# ================================================================ duty roster


def month_start(value: date) -> date:
    return value.replace(day=1)


def month_days(month: date) -> list[date]:
    last = calendar.monthrange(month.year, month.month)[1]
    return [month.replace(day=d) for d in range(1, last + 1)]


def roster_get_or_create(*, cooperative, month: date) -> DutyRoster:
    roster, _created = DutyRoster.objects.get_or_create(
        cooperative=cooperative, month=month_start(month)
    )
    return roster


def roster_problems(roster: DutyRoster) -> list[str]:
    """What breaks the hall rules: working days with no officer, weeks with no director."""
    problems = []
    days = month_days(roster.month)
    officer_days = set(roster.shifts.filter(post=DutyPost.OFFICER).values_list("date", flat=True))
    for day in days:
        if workdays.is_workday(day) and day not in officer_days:
            problems.append(
                _("%(day)s（工作日）没有安排值班信贷员。") % {"day": day.strftime("%m月%d日")}
            )
    for monday in _week_starts(roster.month):
        sunday = monday + timedelta(days=6)
        in_month = [d for d in days if monday <= d <= sunday and workdays.is_workday(d)]
        if not in_month:
            continue
        # A director day in the neighbouring month's roster counts for a shared week.
        has_director = DutyShift.objects.filter(
            roster__cooperative_id=roster.cooperative_id,
            post=DutyPost.DIRECTOR,
            date__range=(monday, sunday),
        ).exists()
        if not has_director:
            problems.append(
                _("%(a)s至%(b)s这一周没有安排主任坐班。")
                % {"a": monday.strftime("%m月%d日"), "b": sunday.strftime("%m月%d日")}
            )
    return problems


def _week_starts(month: date) -> list[date]:
    days = month_days(month)
    first_monday = days[0] - timedelta(days=days[0].weekday())
    weeks = []
    monday = first_monday
    while monday <= days[-1]:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def _roster_for_update(roster_id: int) -> DutyRoster:
    roster = DutyRoster.objects.select_for_update().select_related("cooperative").get(pk=roster_id)
    if roster.is_published:
        raise DomainError(_("值班表已发布，不能修改。如需调整请先撤回发布。"))
    return roster


def _check_roster_editor(actor: Staff, roster: DutyRoster) -> None:
    if not directs_cooperative(actor, roster.cooperative_id):
        raise DomainError(_("只有本社主任、副主任可以编排值班表。"))


def shift_add(*, roster_id: int, actor: Staff, day: date, post: str, staff: Staff) -> DutyShift:
    with transaction.atomic():
        roster = _roster_for_update(roster_id)
        _check_roster_editor(actor, roster)
        if month_start(day) != roster.month:
            raise DomainError(_("日期不在本月值班表范围内。"))
        if not workdays.is_workday(day):
            raise DomainError(_("%(day)s 不是工作日，无需排班。") % {"day": day.isoformat()})
        if staff.cooperative_id != roster.cooperative_id or not staff.is_active:
            raise DomainError(_("值班人必须是本社在岗员工。"))
        if post == DutyPost.OFFICER and not staff.has_role(Role.OFFICER):
            raise DomainError(_("值班信贷员岗位只能安排信贷员。"))
        if post == DutyPost.DIRECTOR and not staff.has_role(Role.DIRECTOR):
            raise DomainError(_("主任坐班岗位只能安排信用社主任。"))
        if roster.shifts.filter(date=day, post=post, staff=staff).exists():
            raise DomainError(_("该员工当天已在此岗位值班。"))
        shift = DutyShift.objects.create(roster=roster, date=day, post=post, staff=staff)
        audit_record(
            actor=actor,
            action="duty_shift_add",
            obj=roster,
            changes={"date": day.isoformat(), "post": post, "staff": staff.name},
        )
    return shift


def shift_remove(*, shift_id: int, actor: Staff) -> None:
    with transaction.atomic():
        shift = DutyShift.objects.select_related("staff").get(pk=shift_id)
        roster = _roster_for_update(shift.roster_id)
        _check_roster_editor(actor, roster)
        audit_record(
            actor=actor,
            action="duty_shift_remove",
            obj=roster,
            changes={"date": shift.date.isoformat(), "post": shift.post, "staff": shift.staff.name},
        )
        shift.delete()


def roster_autofill(*, roster_id: int, actor: Staff | None) -> int:
    """Fill the gaps: officers in turn on uncovered working days, a director each week."""
    with transaction.atomic():
        roster = _roster_for_update(roster_id)
        if actor is not None:
            _check_roster_editor(actor, roster)
        coop_staff = Staff.objects.filter(cooperative_id=roster.cooperative_id, is_active=True)
        officers = list(
            coop_staff.filter(roles__contains=[Role.OFFICER], officer_grade__in=[1, 2]).order_by(
                "username"
            )
        ) or list(coop_staff.filter(roles__contains=[Role.OFFICER]).order_by("username"))
        directors = list(coop_staff.filter(roles__contains=[Role.DIRECTOR]).order_by("username"))
        days = [d for d in month_days(roster.month) if workdays.is_workday(d)]
        covered = set(roster.shifts.filter(post=DutyPost.OFFICER).values_list("date", flat=True))
        new = []
        for i, day in enumerate(days):
            if officers and day not in covered:
                new.append(
                    DutyShift(
                        roster=roster,
                        date=day,
                        post=DutyPost.OFFICER,
                        staff=officers[i % len(officers)],
                    )
                )
        if directors:
            for monday in _week_starts(roster.month):
                week = [d for d in days if monday <= d <= monday + timedelta(days=6)]
                if (
                    week
                    and not DutyShift.objects.filter(
                        roster__cooperative_id=roster.cooperative_id,
                        post=DutyPost.DIRECTOR,
                        date__range=(monday, monday + timedelta(days=6)),
                    ).exists()
                ):
                    new.append(
                        DutyShift(
                            roster=roster, date=week[0], post=DutyPost.DIRECTOR, staff=directors[0]
                        )
                    )
        DutyShift.objects.bulk_create(new)
        if new:
            audit_record(
                actor=actor, action="duty_roster_autofill", obj=roster, changes={"shifts": len(new)}
            )
    return len(new)


def roster_publish(*, roster_id: int, actor: Staff) -> DutyRoster:
    with transaction.atomic():
        roster = _roster_for_update(roster_id)
        _check_roster_editor(actor, roster)
        problems = roster_problems(roster)
        if problems:
            raise DomainError(_("值班表不符合要求，不能发布：") + "；".join(problems))
        roster.published_at = timezone.now()
        roster.published_by = actor
        roster.save(update_fields=["published_at", "published_by"])
        audit_record(actor=actor, action="duty_roster_publish", obj=roster)
    return roster


def roster_withdraw(*, roster_id: int, actor: Staff) -> DutyRoster:
    with transaction.atomic():
        roster = DutyRoster.objects.select_for_update().get(pk=roster_id)
        _check_roster_editor(actor, roster)
        if not roster.is_published:
            raise DomainError(_("值班表尚未发布。"))
        roster.published_at = None
        roster.published_by = None
        roster.save(update_fields=["published_at", "published_by"])
        audit_record(actor=actor, action="duty_roster_withdraw", obj=roster)
    return roster


# ================================================================ walk-in register


def walkin_register(
    *,
    actor: Staff,
    kind: str,
    customer_name: str,
    phone: str,
    village,
    need: str,
    id_number: str = "",
    loan_type=None,
    amount: Decimal | None = None,
    today: date | None = None,
) -> Walkin:
    today = today or timezone.localdate()
    if not actor.has_role(Role.OFFICER, Role.DIRECTOR, Role.DEPUTY) or not actor.cooperative_id:
        raise DomainError(_("只有信用社的值班人员可以登记来访。"))
    if village.cooperative_id != actor.cooperative_id:
        raise DomainError(_("只能登记本社辖内村的客户。"))
    is_application = kind == WalkinKind.APPLICATION
    if is_application:
        if loan_type is None or not amount or amount <= 0:
            raise DomainError(_("贷款申请必须填写贷款种类和申请金额。"))
        if village.officer_id is None:
            raise DomainError(_("该村尚未指定包村信贷员，请先在村信息中指定。"))
    # Whoever is in the hall registers (a customer is never turned away), but a
    # registration by someone off the published roster is marked for the director.
    on_duty = selectors.staff_on_duty(actor, today)
    with transaction.atomic():
        walkin = Walkin.objects.create(
            cooperative_id=actor.cooperative_id,
            kind=kind,
            status=WalkinStatus.INVESTIGATING if is_application else WalkinStatus.RECORDED,
            customer_name=customer_name,
            phone=phone,
            id_number=id_number,
            village=village,
            loan_type=loan_type,
            amount=amount,
            need=need,
            registered_by=actor,
            registered_on=today,
            registrar_on_duty=on_duty,
            officer=village.officer if is_application else None,
        )
        audit_record(
            actor=actor,
            action="walkin_register",
            obj=walkin,
            changes=snapshot(
                walkin,
                ["kind", "customer_name", "village", "loan_type", "amount", "registrar_on_duty"],
            ),
        )
        if is_application:
            officer = village.officer
            deadline_open(
                target=walkin,
                kind=DeadlineKind.WALKIN_ANSWER,
                responsible=officer,
                cooperative=walkin.cooperative,
                working_days=loan_type.answer_days,
                start=today,
                amount=amount,
                annual_rate=loan_type.annual_rate,
                title=_("%(name)s %(type)s %(amount)s元")
                % {"name": customer_name, "type": loan_type.name, "amount": yuan(amount)},
                loan_type=loan_type,
                actor=actor,
            )
            due = walkin_deadline(walkin, DeadlineKind.WALKIN_ANSWER).due_on
            text = _(
                "大厅受理了%(village)s %(name)s 的%(type)s申请（%(amount)s元），"
                "请在 %(due)s 前完成调查并答复客户。"
            ) % {
                "village": village.name,
                "name": customer_name,
                "type": loan_type.name,
                "amount": amount,
                "due": due.isoformat(),
            }
            link = walkin.get_absolute_url()
            key = f"hall-walkin:{walkin.pk}:{officer.pk}"
            transaction.on_commit(
                lambda: notify(recipient=officer, text=text, link=link, dedupe_key=key)
            )
    return walkin


def walkin_deadline(walkin: Walkin, kind: str) -> Deadline | None:
    ct = ContentType.objects.get_for_model(Walkin)
    return (
        Deadline.objects.filter(content_type=ct, object_id=walkin.pk, kind=kind)
        .order_by("-id")
        .first()
    )


def walkin_deadlines(walkin: Walkin):
    ct = ContentType.objects.get_for_model(Walkin)
    return (
        Deadline.objects.filter(content_type=ct, object_id=walkin.pk)
        .select_related("responsible")
        .order_by("id")
    )


def _walkin_for_update(walkin_id: int, to: str) -> Walkin:
    walkin = (
        Walkin.objects.select_for_update(of=("self",))
        .select_related("loan_type", "cooperative")
        .get(pk=walkin_id)
    )
    if not walkin.can(to):
        raise DomainError(_("当前状态“%(s)s”不能办理此操作。") % {"s": walkin.get_status_display()})
    return walkin


def walkin_answer(
    *, walkin_id: int, actor: Staff, enters_approval: bool, reason: str = "", today=None
) -> Walkin:
    """The customer is told: the loan enters approval, or it does not and why."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    to = WalkinStatus.IN_APPROVAL if enters_approval else WalkinStatus.REFUSED
    with transaction.atomic():
        walkin = _walkin_for_update(walkin_id, to)
        if actor.pk != walkin.officer_id and not directs_cooperative(actor, walkin.cooperative_id):
            raise DomainError(_("只有包村信贷员或本社主任、副主任可以答复客户。"))
        if not enters_approval and not reason:
            raise DomainError(_("不予受理时必须填写告知客户的原因。"))
        before = walkin.status
        walkin.status = to
        walkin.answered_on = today
        walkin.refusal_reason = "" if enters_approval else reason
        walkin.save(update_fields=["status", "answered_on", "refusal_reason"])
        deadline_stop(
            target=walkin,
            kind=DeadlineKind.WALKIN_ANSWER,
            reason=_("已答复客户：进入审批") if enters_approval else _("已答复客户：不予受理"),
            on=today,
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="walkin_answer",
            obj=walkin,
            changes={"status": [before, to], "reason": reason},
        )
        if enters_approval:
            approver = cooperative_director(walkin.cooperative_id) or walkin.officer
            deadline_open(
                target=walkin,
                kind=DeadlineKind.WALKIN_APPROVAL,
                responsible=approver,
                cooperative=walkin.cooperative,
                working_days=walkin.loan_type.approval_days,
                start=today,
                amount=walkin.amount,
                annual_rate=walkin.loan_type.annual_rate,
                title=_("%(name)s %(type)s %(amount)s元")
                % {
                    "name": walkin.customer_name,
                    "type": walkin.loan_type.name,
                    "amount": yuan(walkin.amount),
                },
                loan_type=walkin.loan_type,
                actor=actor,
            )
    return walkin


def walkin_decide(*, walkin_id: int, actor: Staff, approved: bool, note: str, today=None) -> Walkin:
    today = today or timezone.localdate()
    to = WalkinStatus.APPROVED if approved else WalkinStatus.DECLINED
    note = (note or "").strip()
    with transaction.atomic():
        walkin = _walkin_for_update(walkin_id, to)
        if not directs_cooperative(actor, walkin.cooperative_id):
            raise DomainError(_("只有本社主任、副主任可以办结审批。"))
        if not approved and not note:
            raise DomainError(_("审批不同意时必须填写意见。"))
        before = walkin.status
        walkin.status = to
        walkin.decided_on = today
        walkin.decision_note = note[:300]
        walkin.save(update_fields=["status", "decided_on", "decision_note"])
        deadline_stop(
            target=walkin,
            kind=DeadlineKind.WALKIN_APPROVAL,
            reason=_("审批办结：同意") if approved else _("审批办结：不同意"),
            on=today,
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="walkin_decide",
            obj=walkin,
            changes={"status": [before, to], "note": note},
        )
    return walkin


# Keep the bounds importable for forms/admin validation messages.
__all__ = [
    "APPROVAL_DAYS_MAX",
    "APPROVAL_DAYS_MIN",
    "DeadlineError",
    "DomainError",
    "DeadlineSpec",
    "deadline_open",
    "deadline_open_many",
    "deadline_reassign",
    "deadline_stop",
    "deadline_stop_many",
    "deadline_sweep",
]
