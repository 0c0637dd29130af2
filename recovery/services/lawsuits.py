"""Legal collection (依法清收, docs/rules.md §7.6): a lawsuit from filing to the end of
enforcement. Filing interrupts the limitation (a lawsuit event through
``limitation_event_add``); the judgment's enforcement application period is computed, stored
and warned about like a limitation; terminated enforcement is recorded as the
enforcement-ended event."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record
from creditcoop.jobs import job_lock
from creditcoop.models import Union

from .. import limitation as L
from ..models import Lawsuit, NplRecord, RecoveryPolicy
from ._common import RecoveryError, _today, may_pursue
from .limitation import limitation_event_add
from .sweep import warning_fanout_sql

# The law's period, not policy (L25): 民事诉讼法 (2023 年修正) 第二百五十条 (2021 年版第二百四十六条):
# "申请执行的期间为二年 … 从法律文书规定履行期间的最后一日起计算；法律文书规定分期履行的，
# 从最后一期履行期限届满之日起计算；法律文书未规定履行期间的，从法律文书生效之日起计算。"
# Counted as the limitation is (民法典 arts. 201–202): the day itself is not counted and the
# period ends on the corresponding day two years later.
ENFORCEMENT_APPLY_YEARS = 2
ENFORCEMENT_LAW = "民事诉讼法第二百五十条"

S = Lawsuit.Status


def enforcement_apply_by(*, effective_on: date | None, performance_deadline: date | None):
    """The last day to apply for enforcement: 2 years from the last day of the performance
    period the judgment sets (its last instalment), else from the day it took effect."""
    anchor = performance_deadline or effective_on
    if anchor is None:
        return None
    return L.add_years(anchor, ENFORCEMENT_APPLY_YEARS)


def _status_of(s: Lawsuit) -> str:
    if s.closed_on:
        return S.CLOSED
    if s.enforcement_terminated_on:
        return S.TERMINATED
    if s.enforcement_applied_on:
        return S.ENFORCING
    if s.judgment_on:
        return S.JUDGED
    return S.FILED


def _clean(text, n):
    return (text or "").strip()[:n]


@transaction.atomic
def lawsuit_file(
    *,
    actor,
    record: NplRecord,
    court: str,
    case_number: str,
    filed_on: date,
    claim_amount: Decimal | None = None,
    note: str = "",
    today: date | None = None,
) -> Lawsuit:
    """Record a filed lawsuit and its lawsuit event: the limitation is interrupted and does
    not run while the case goes on. A lawsuit filed after the limitation ended is still a
    lawsuit: it is kept with the engine's reason why it interrupts nothing."""
    today = _today(today)
    record = (
        NplRecord.objects.select_for_update(of=("self",))
        .select_related("cooperative")
        .get(pk=record.pk)
    )
    if not may_pursue(actor, record):
        raise RecoveryError(_("您无权为该笔不良贷款登记诉讼。"))
    court, case_number = _clean(court, 100), _clean(case_number, 60)
    if not court:
        raise RecoveryError(_("请填写受理法院。"), field="court")
    if not case_number:
        raise RecoveryError(_("请填写案号。"), field="case_number")
    if filed_on is None:
        raise RecoveryError(_("请填写起诉日期。"), field="filed_on")
    if filed_on > today:
        raise RecoveryError(_("起诉日期不能晚于今天。"), field="filed_on")
    if claim_amount is not None and claim_amount <= 0:
        raise RecoveryError(_("诉讼标的必须大于零。"), field="claim_amount")
    if Lawsuit.objects.filter(court=court, case_number=case_number).exists():
        raise RecoveryError(_("该法院的这个案号已经登记。"), field="case_number")
    before = record.limitation_expires_on
    event, effect = None, ""
    try:
        with transaction.atomic():
            event, step = limitation_event_add(
                actor=actor,
                record=record,
                kind=L.LAWSUIT,
                occurred_on=filed_on,
                receipt_number=case_number[:40],
                note=_("%(court)s 立案") % {"court": court},
                today=today,
            )
            effect = step.text
    except RecoveryError as exc:
        # After expiry the filing interrupts nothing (the debtor may plead the limitation);
        # the case itself is still recorded.
        effect = exc.message
    record.refresh_from_db(fields=["limitation_expires_on"])
    lawsuit = Lawsuit.objects.create(
        record=record,
        court=court,
        case_number=case_number,
        filed_on=filed_on,
        filing_event=event,
        filing_effect=str(effect)[:300],
        claim_amount=claim_amount,
        note=_clean(note, 300),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="recovery.lawsuit_file",
        obj=lawsuit,
        cooperative=record.cooperative,
        changes={
            "filed_on": filed_on,
            "limitation_expires_on": [before, record.limitation_expires_on],
            "note": effect,
        },
    )
    return lawsuit


@transaction.atomic
def lawsuit_update(
    *,
    actor,
    lawsuit: Lawsuit,
    judgment_on: date | None = None,
    judgment_summary: str = "",
    judgment_amount: Decimal | None = None,
    effective_on: date | None = None,
    performance_deadline: date | None = None,
    enforcement_applied_on: date | None = None,
    enforcement_case_number: str = "",
    enforcement_terminated_on: date | None = None,
    recovered_amount: Decimal | None = None,
    closed_on: date | None = None,
    mark_enforcement_ended: bool = False,
    note: str = "",
    today: date | None = None,
) -> Lawsuit:
    """The case's later stages: judgment (the enforcement application deadline is computed
    from the effective date or the performance deadline), enforcement applied, enforcement
    terminated (recorded as the enforcement-ended event; the record's difficulty may be set
    to "enforcement terminated"), closed. The status follows the latest stage filled in.
    The filing (court, case number, date) is not edited: it is the limitation event."""
    today = _today(today)
    lawsuit = (
        Lawsuit.objects.select_for_update(of=("self",))
        .select_related("record__cooperative", "record__village")
        .get(pk=lawsuit.pk)
    )
    record = lawsuit.record
    if not may_pursue(actor, record):
        raise RecoveryError(_("您无权修改该诉讼案件。"))
    dates = {
        "judgment_on": judgment_on,
        "effective_on": effective_on,
        "enforcement_applied_on": enforcement_applied_on,
        "enforcement_terminated_on": enforcement_terminated_on,
        "closed_on": closed_on,
    }
    for name, value in dates.items():
        if value is not None and value > today:
            raise RecoveryError(_("日期不能晚于今天。"), field=name)
    if judgment_on and judgment_on < lawsuit.filed_on:
        raise RecoveryError(_("判决日期不能早于起诉日期。"), field="judgment_on")
    if effective_on and not judgment_on:
        raise RecoveryError(_("请先填写判决日期。"), field="judgment_on")
    if effective_on and effective_on < judgment_on:
        raise RecoveryError(_("生效日期不能早于判决日期。"), field="effective_on")
    if performance_deadline and not effective_on:
        raise RecoveryError(_("请先填写生效日期。"), field="effective_on")
    if performance_deadline and performance_deadline < effective_on:
        raise RecoveryError(_("履行期限不能早于生效日期。"), field="performance_deadline")
    if enforcement_applied_on and not effective_on:
        raise RecoveryError(_("判决生效后才能申请执行，请先填写生效日期。"), field="effective_on")
    if enforcement_applied_on and enforcement_applied_on < effective_on:
        raise RecoveryError(_("申请执行日期不能早于生效日期。"), field="enforcement_applied_on")
    if enforcement_terminated_on and not enforcement_applied_on:
        raise RecoveryError(_("请先填写申请执行日期。"), field="enforcement_applied_on")
    if enforcement_terminated_on and enforcement_terminated_on < enforcement_applied_on:
        raise RecoveryError(
            _("终结执行日期不能早于申请执行日期。"), field="enforcement_terminated_on"
        )
    if closed_on and closed_on < lawsuit.filed_on:
        raise RecoveryError(_("结案日期不能早于起诉日期。"), field="closed_on")
    for name, value in (
        ("judgment_amount", judgment_amount),
        ("recovered_amount", recovered_amount),
    ):
        if value is not None and value < 0:
            raise RecoveryError(_("金额不能为负数。"), field=name)
    if lawsuit.enforcement_terminated_on and (
        enforcement_terminated_on != lawsuit.enforcement_terminated_on
    ):
        raise RecoveryError(
            _("终结执行已登记为时效事项，不能修改；如有错误请由管理员更正。"),
            field="enforcement_terminated_on",
        )
    before = {
        f: getattr(lawsuit, f)
        for f in (*dates, "performance_deadline", "enforcement_apply_by", "status")
    }
    lawsuit.judgment_on = judgment_on
    lawsuit.judgment_summary = _clean(judgment_summary, 500)
    lawsuit.judgment_amount = judgment_amount
    lawsuit.effective_on = effective_on
    lawsuit.performance_deadline = performance_deadline
    lawsuit.enforcement_apply_by = enforcement_apply_by(
        effective_on=effective_on, performance_deadline=performance_deadline
    )
    lawsuit.enforcement_applied_on = enforcement_applied_on
    lawsuit.enforcement_case_number = _clean(enforcement_case_number, 60)
    lawsuit.recovered_amount = recovered_amount
    lawsuit.closed_on = closed_on
    lawsuit.note = _clean(note, 300)
    newly_terminated = enforcement_terminated_on and not lawsuit.enforcement_terminated_on
    lawsuit.enforcement_terminated_on = enforcement_terminated_on
    if newly_terminated:
        event, _step = limitation_event_add(
            actor=actor,
            record=record,
            kind=L.ENFORCEMENT_ENDED,
            occurred_on=enforcement_terminated_on,
            receipt_number=(lawsuit.enforcement_case_number or lawsuit.case_number)[:40],
            note=_("%(court)s 裁定终结执行") % {"court": lawsuit.court},
            today=today,
        )
        lawsuit.termination_event = event
        if mark_enforcement_ended and record.difficulty != NplRecord.Difficulty.ENFORCEMENT_ENDED:
            NplRecord.objects.filter(pk=record.pk).update(
                difficulty=NplRecord.Difficulty.ENFORCEMENT_ENDED
            )
    lawsuit.status = _status_of(lawsuit)
    lawsuit.save()
    after = {f: getattr(lawsuit, f) for f in before}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if newly_terminated and mark_enforcement_ended:
        changes["difficulty"] = str(NplRecord.Difficulty.ENFORCEMENT_ENDED.label)
    audit_record(
        actor=actor,
        action="recovery.lawsuit_update",
        obj=lawsuit,
        cooperative=record.cooperative,
        changes=changes,
    )
    return lawsuit


# --- the nightly warning -------------------------------------------------------------------

# The same shape as the limitation sweep's statement (recovery/services/sweep.py): the
# judged lawsuits not yet applied for whose deadline falls within the union's longest lead,
# the nearest lead reached, one warning row per (lawsuit, deadline, lead) — unique, so once —
# and for the rows this run inserted an inbox message and an SMS to the collector and every
# director of the cooperative.
_WARN_HEAD = """
WITH due AS (
    SELECT s.id AS lawsuit_id, s.record_id, s.enforcement_apply_by AS apply_by,
           (SELECT min(lead) FROM unnest(pol.warning_days) AS lead
             WHERE lead >= s.enforcement_apply_by - %(today)s::date) AS lead_days
    FROM recovery_lawsuit s
    JOIN recovery_nplrecord r ON r.id = s.record_id
    JOIN creditcoop_cooperative c ON c.id = r.cooperative_id
    JOIN recovery_recoverypolicy pol ON pol.union_id = c.union_id
    WHERE s.enforcement_applied_on IS NULL AND s.closed_on IS NULL
      AND s.enforcement_apply_by BETWEEN %(today)s AND %(horizon)s
), ins AS (
    INSERT INTO recovery_enforcementwarning (lawsuit_id, apply_by, lead_days, queued_on, created_at)
    SELECT lawsuit_id, apply_by, lead_days, %(today)s, %(now)s
    FROM due WHERE lead_days IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING id, lawsuit_id, apply_by
), msg AS (
    SELECT ins.id AS warning_id, s.id AS lawsuit_id, r.cooperative_id, r.collector_id,
           left(%(head)s || r.borrower_name || %(case)s || s.case_number || %(close)s
                || %(apply)s || to_char(ins.apply_by, 'YYYY-MM-DD')
                || %(left)s || (ins.apply_by - %(today)s::date) || %(days)s, 480) AS text
    FROM ins
    JOIN recovery_lawsuit s ON s.id = ins.lawsuit_id
    JOIN recovery_nplrecord r ON r.id = s.record_id
"""
WARN_SQL = _WARN_HEAD + warning_fanout_sql(prefix="enf-warn", object_column="lawsuit_id")


@transaction.atomic
def enforcement_sweep(*, today: date | None = None) -> dict:
    """Nightly: warn before every judgment's enforcement application deadline at the
    policy's lead days (the limitation warnings' days), to the collector and the
    cooperative's directors, inbox and SMS, exactly once per lawsuit, deadline and lead.
    A second run the same day writes and sends nothing."""
    job_lock("recovery.enforcement_sweep")
    today = _today(today)
    for union_id in Union.objects.exclude(recovery_policy__isnull=False).values_list(
        "pk", flat=True
    ):
        RecoveryPolicy.current(union_id)
    longest = 0
    for days in RecoveryPolicy.objects.values_list("warning_days", flat=True):
        longest = max([longest, *[d for d in days if d]])
    with connection.cursor() as cur:
        cur.execute(
            WARN_SQL,
            {
                "today": today,
                "horizon": today + timedelta(days=longest),
                "now": timezone.now(),
                "head": _("【申请执行期限预警】"),
                "case": _("（案号 "),
                "close": _("）"),
                "apply": _("判决申请执行期限将于 "),
                "left": _(" 届满，还剩 "),
                "days": _(" 天，请及时向法院申请强制执行。"),
                "link": reverse("recovery:lawsuit_detail", args=[0]).rsplit("0/", 1)[0],
            },
        )
        warnings, inbox, sms = cur.fetchone()
    return {"warnings": warnings, "inbox": inbox, "sms": sms}
