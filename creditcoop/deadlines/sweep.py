"""The periodic sweep of the deadline engine: remind, escalate, hold accountable.

Set-based SQL over the deadline tables (their names are those of the ``servicehall`` app
label, see ``models``); ``deadline_sweep`` is what the hourly task and the benchmark run.
"""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ADMONITION_MAX_DAYS, CRITICISM_MAX_DAYS

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


def sweep_params(today: date) -> dict:
    """The values the sweep's SQL is run with: tier bounds, notice texts, the record link."""
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
    params = sweep_params(today)
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
