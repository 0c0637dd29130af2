"""The nightly limitation sweep: recompute what is stale, warn before every expiry."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.jobs import job_lock
from creditcoop.models import Union

from ..models import RecoveryPolicy
from ._common import _today
from .limitation import limitation_recompute_stale


def warning_fanout_sql(*, prefix: str, object_column: str) -> str:
    """The end of a nightly warning statement: each warning a ``msg`` CTE lists (warning_id,
    the object's id as ``object_column``, cooperative_id, collector_id, text) goes to the
    collector and every director of the cooperative, by inbox and SMS, once per (warning,
    person) under the dedupe key ``<prefix>:<warning>:<person>``; then the three counts."""
    return f"""), recipients AS (
    SELECT msg.*, s.id AS staff_id, s.phone
    FROM msg JOIN creditcoop_staff s
      ON s.cooperative_id = msg.cooperative_id AND s.is_active
     AND s.roles @> ARRAY['director']::varchar(20)[]
    UNION
    SELECT msg.*, s.id, s.phone
    FROM msg JOIN creditcoop_staff s ON s.id = msg.collector_id AND s.is_active
), inbox AS (
    INSERT INTO creditcoop_notification (recipient_id, text, link, dedupe_key, created_at)
    SELECT staff_id, text, %(link)s || {object_column} || '/',
           '{prefix}:' || warning_id || ':' || staff_id, %(now)s
    FROM recipients
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id
), sms AS (
    INSERT INTO creditcoop_smsmessage
        (phone, text, dedupe_key, status, attempts, last_error, created_at)
    SELECT phone, text, '{prefix}:' || warning_id || ':' || staff_id, 'queued', 0, '', %(now)s
    FROM recipients WHERE phone <> ''
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id
)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM inbox), (SELECT count(*) FROM sms)
"""  # noqa: S608 — built from the two callers' literals, never from input


# One statement: the parties (borrowers and guarantors of records still pursued) whose
# expiry falls within their union's longest lead, the nearest lead each has reached, a
# warning row per (party, expiry, lead) — the unique key makes it once — and, for the rows
# this run inserted, an inbox message and an SMS to the collector and every director of the
# cooperative. Rows written by one CTE are not visible to the others, so ids travel through
# RETURNING.
_WARN_HEAD = """
WITH parties AS (
    SELECT r.id AS record_id, NULL::bigint AS guarantor_id, r.limitation_expires_on AS expires_on
    FROM recovery_nplrecord r
    WHERE r.status = 'pursuing'
      AND r.limitation_expires_on BETWEEN %(today)s AND %(horizon)s
    UNION ALL
    SELECT g.record_id, g.id, g.limitation_expires_on
    FROM recovery_nplguarantor g JOIN recovery_nplrecord r ON r.id = g.record_id
    WHERE r.status = 'pursuing'
      AND g.limitation_expires_on BETWEEN %(today)s AND %(horizon)s
), due AS (
    SELECT p.*,
           (SELECT min(lead) FROM unnest(pol.warning_days) AS lead
             WHERE lead >= p.expires_on - %(today)s::date) AS lead_days
    FROM parties p
    JOIN recovery_nplrecord r ON r.id = p.record_id
    JOIN creditcoop_cooperative c ON c.id = r.cooperative_id
    JOIN recovery_recoverypolicy pol ON pol.union_id = c.union_id
), ins AS (
    INSERT INTO recovery_limitationwarning
        (record_id, guarantor_id, expires_on, lead_days, queued_on, created_at)
    SELECT record_id, guarantor_id, expires_on, lead_days, %(today)s, %(now)s
    FROM due WHERE lead_days IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING id, record_id, guarantor_id, expires_on, lead_days
), msg AS (
    SELECT ins.id AS warning_id, r.id AS record_id, r.cooperative_id, r.collector_id,
           left(%(head)s || r.borrower_name || %(loan)s || r.loan_number || %(close)s
                || COALESCE(%(guarantor)s || g.name || %(party_end)s, '')
                || %(expires)s || to_char(ins.expires_on, 'YYYY-MM-DD')
                || %(left)s || (ins.expires_on - %(today)s::date) || %(days)s, 480) AS text
    FROM ins
    JOIN recovery_nplrecord r ON r.id = ins.record_id
    LEFT JOIN recovery_nplguarantor g ON g.id = ins.guarantor_id
"""
WARN_SQL = _WARN_HEAD + warning_fanout_sql(prefix="npl-warn", object_column="record_id")


def sweep_params(today: date, horizon: date) -> dict:
    return {
        "today": today,
        "horizon": horizon,
        "now": timezone.now(),
        "head": _("【诉讼时效预警】"),
        "loan": _("（借据 "),
        "close": _("）"),
        "guarantor": _("保证人 "),
        "party_end": _(" 的保证责任"),
        "expires": _("时效将于 "),
        "left": _(" 届满，还剩 "),
        "days": _(" 天，请及时催收取证。"),
        "link": reverse("recovery:record_detail", args=[0]).rsplit("0/", 1)[0],
    }


@transaction.atomic
def limitation_sweep(*, today: date | None = None) -> dict:
    """Nightly: recompute the records marked stale (nothing else changes a limitation but
    an event, which recomputes at once), then queue each warning at the configured lead
    days — to the collector and the cooperative's directors, inbox and SMS — exactly once
    per party, expiry and lead. A run after days down sends, for each party, the nearest
    lead it has reached; a second run the same day writes nothing."""
    job_lock("recovery.limitation_sweep")
    today = _today(today)
    recomputed = limitation_recompute_stale()
    for union_id in Union.objects.exclude(recovery_policy__isnull=False).values_list(
        "pk", flat=True
    ):
        RecoveryPolicy.current(union_id)
    longest = 0
    for days in RecoveryPolicy.objects.values_list("warning_days", flat=True):
        longest = max([longest, *[d for d in days if d]])
    horizon = today + timedelta(days=longest)
    with connection.cursor() as cur:
        cur.execute(WARN_SQL, sweep_params(today, horizon))
        warnings, inbox, sms = cur.fetchone()
    return {"recomputed": recomputed, "warnings": warnings, "inbox": inbox, "sms": sms}
