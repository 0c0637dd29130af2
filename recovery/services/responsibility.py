"""Responsibility (主责任人制, docs/rules.md §7.7): responsible persons, the loss assessment
and its shares to the fen, force-majeure extensions, monthly deductions, and the nightly
per-officer escalation the director acts on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record, audit_record_many, audit_row
from creditcoop.jobs import job_lock
from creditcoop.models import Staff
from creditcoop.money import FEN, ZERO, to_fen, yuan

from ..models import (
    ForceMajeureExtension,
    LossAssessment,
    NplRecord,
    OfficerEscalation,
    RecoveryPolicy,
    ResponsibilityDeduction,
    ResponsibilityShare,
    ResponsiblePerson,
)
from ._common import RecoveryError, _today, may_manage
from .limitation import _lock

Post = ResponsiblePerson.Post
Part = ResponsibilityShare.Part
HUNDRED = Decimal("100")


# --- the split (pure) ----------------------------------------------------------------------


@dataclass
class ShareLine:
    person: ResponsiblePerson
    part: str
    pct: Decimal
    amount: Decimal


@dataclass
class Split:
    policy: str
    main: ResponsiblePerson
    lines: list[ShareLine]


def _floor_fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_DOWN)


def main_person(persons) -> ResponsiblePerson | None:
    """The record's main responsible person: the investigation post's main person (the
    officer who made the loan, who is also the first responsible person when one is named)."""
    return next((p for p in persons if p.post == Post.INVESTIGATION and p.is_main), None)


def compute_split(
    *, loss: Decimal, persons, policy: RecoveryPolicy, above_authority: bool, drawn_on: date
) -> Split:
    """The shares of `loss` among `persons` under the union's policy. Every person but the
    main one gets their percentage rounded down to the fen; the main person gets the rest,
    so the amounts add up exactly to the loss."""
    persons = list(persons)
    loss = to_fen(loss)
    main = main_person(persons)
    if main is None:
        raise RecoveryError(_("请先登记调查岗（信贷员）的主要责任人。"))
    if (
        policy.responsibility_policy == RecoveryPolicy.Responsibility.FULL_AFTER
        and drawn_on >= policy.full_compensation_from
    ):
        return Split(LossAssessment.Policy.FULL, main, [ShareLine(main, Part.FULL, HUNDRED, loss)])

    def post_main(post):
        found = next((p for p in persons if p.post == post and p.is_main), None)
        if found is None:
            raise RecoveryError(_("请先登记%(post)s的主要责任人。") % {"post": Post(post).label})
        return found

    # (persons, part, pct of the whole for the part) — a part held by several is split
    # equally between them.
    parts: list[tuple[list, str, Decimal]] = []
    if above_authority:
        code = LossAssessment.Policy.ABOVE
        parts.append(([main], Part.OFFICER, policy.above_officer_pct))
        for post, main_part, main_pct, other_part, other_pct in (
            (
                Post.REVIEW,
                Part.REVIEW_MAIN,
                policy.above_review_main_pct,
                Part.REVIEW_OTHER,
                policy.above_review_other_pct,
            ),
            (
                Post.APPROVAL,
                Part.APPROVAL_MAIN,
                policy.above_approval_main_pct,
                Part.APPROVAL_OTHER,
                policy.above_approval_other_pct,
            ),
        ):
            head = post_main(post)
            others = [p for p in persons if p.post == post and not p.is_main]
            if others:
                parts.append(([head], main_part, main_pct))
                parts.append((others, other_part, other_pct))
            else:
                # Nobody else on the post: its main person answers for the whole post.
                parts.append(([head], main_part, main_pct + other_pct))
    else:
        code = LossAssessment.Policy.WITHIN
        parts.append(([main], Part.OFFICER, policy.within_officer_pct))
        parts.append(([post_main(Post.REVIEW)], Part.DEPUTY, policy.within_deputy_pct))
        parts.append(([post_main(Post.APPROVAL)], Part.DIRECTOR, policy.within_director_pct))

    lines: list[ShareLine] = []
    for holders, part, pct in parts:
        if pct <= 0:
            continue
        each = pct / len(holders)
        for person in holders:
            amount = (
                None
                if person is main and part == Part.OFFICER
                else _floor_fen(loss * each / HUNDRED)
            )
            lines.append(ShareLine(person, part, each.quantize(Decimal("0.0001")), amount))
    rest = loss - sum((ln.amount for ln in lines if ln.amount is not None), ZERO)
    officer_line = next((ln for ln in lines if ln.amount is None), None)
    if officer_line is None:  # the officer's percentage is 0: the main person still takes the fen
        officer_line = ShareLine(main, Part.OFFICER, Decimal("0"), ZERO)
        lines.insert(0, officer_line)
    officer_line.amount = rest
    return Split(code, main, lines)


# --- persons, assessment, extension ----------------------------------------------------------


def _has_deductions(record) -> bool:
    return ResponsibilityDeduction.objects.filter(share__assessment__record=record).exists()


def active_extension(record, today: date | None = None) -> ForceMajeureExtension | None:
    return (
        ForceMajeureExtension.objects.filter(record=record, until__gte=_today(today))
        .order_by("-until")
        .first()
    )


@transaction.atomic
def responsible_person_add(
    *,
    actor,
    record: NplRecord,
    post: str,
    is_main: bool = True,
    is_first: bool = False,
    staff: Staff | None = None,
    name: str = "",
    note: str = "",
) -> ResponsiblePerson:
    """Name a responsible person of the record by post (a staff member, or only a name for
    someone no longer employed)."""
    record = _lock(record)
    if not may_manage(actor, record.cooperative):
        raise RecoveryError(_("只有主任、副主任或联社资产保全部可以认定责任人。"))
    if post not in Post.values:
        raise RecoveryError(_("请选择岗位。"), field="post")
    name = (name or "").strip()[:50]
    if staff is None and not name:
        raise RecoveryError(_("请选择在职人员或填写姓名。"), field="name")
    if staff is not None and staff.union_id != record.cooperative.union_id:
        raise RecoveryError(_("责任人须是本联社的工作人员。"), field="staff")
    if is_first and not (post == Post.INVESTIGATION and is_main):
        raise RecoveryError(_("第一责任人须是调查岗的主要责任人。"), field="is_first")
    persons = record.responsible_persons.all()
    if is_main and persons.filter(post=post, is_main=True).exists():
        raise RecoveryError(_("该岗位已有主要责任人。"), field="post")
    if is_first and persons.filter(is_first=True).exists():
        raise RecoveryError(_("该笔贷款已有第一责任人。"), field="is_first")
    if staff is not None and persons.filter(post=post, staff=staff).exists():
        raise RecoveryError(_("该人员已是这个岗位的责任人。"), field="staff")
    if _has_deductions(record):
        raise RecoveryError(_("已开始扣款，责任人不能再变动。"))
    person = ResponsiblePerson.objects.create(
        record=record,
        post=post,
        is_main=is_main,
        is_first=is_first,
        staff=staff,
        name=name if staff is None else staff.name,
        note=(note or "").strip()[:200],
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="recovery.responsible_add",
        obj=person,
        cooperative=record.cooperative,
        changes={"post": post, "is_main": is_main, "is_first": is_first, "name": person.name},
    )
    return person


def default_loss(record: NplRecord) -> Decimal:
    """Outstanding principal plus interest at the assessment."""
    return to_fen(record.principal_owed + record.interest_owed)


@transaction.atomic
def loss_assess(
    *,
    actor,
    record: NplRecord,
    above_authority: bool,
    authority_evidence: str,
    loss_amount: Decimal | None = None,
    amount_reason: str = "",
    today: date | None = None,
) -> LossAssessment:
    """Fix the loss and share it among the responsible persons under the union's policy.
    Saving again recomputes, until the first deduction is recorded."""
    today = _today(today)
    record = _lock(record)
    if not may_manage(actor, record.cooperative):
        raise RecoveryError(_("只有主任、副主任或联社资产保全部可以认定损失。"))
    evidence = (authority_evidence or "").strip()
    if len(evidence) < 2:
        raise RecoveryError(
            _("请写明是否超越本社权限的依据（审批权限表或联社审批意见）。"),
            field="authority_evidence",
        )
    default = default_loss(record)
    loss = default if loss_amount in (None, "") else to_fen(loss_amount)
    reason = (amount_reason or "").strip()
    if loss <= 0:
        raise RecoveryError(_("损失金额必须大于零。"), field="loss_amount")
    if loss != default and len(reason) < 4:
        raise RecoveryError(
            _("损失金额与本息余额 %(d)s 元不同，请写明原因。") % {"d": yuan(default)},
            field="amount_reason",
        )
    if _has_deductions(record):
        raise RecoveryError(_("已开始扣款，损失认定不能再修改。"))
    policy = RecoveryPolicy.current(record.cooperative.union_id)
    persons = list(record.responsible_persons.select_related("staff"))
    split = compute_split(
        loss=loss,
        persons=persons,
        policy=policy,
        above_authority=above_authority,
        drawn_on=record.drawn_on,
    )
    values = {
        "default_amount": default,
        "loss_amount": loss,
        "amount_reason": reason[:300] if loss != default else "",
        "above_authority": above_authority,
        "authority_evidence": evidence[:300],
        "policy": split.policy,
        "full_compensation_from": (
            policy.full_compensation_from
            if policy.responsibility_policy == RecoveryPolicy.Responsibility.FULL_AFTER
            else None
        ),
        "main_person": split.main,
        "main_staff": split.main.staff,
        "assessed_on": today,
        "assessed_by": actor,
    }
    assessment, _created = LossAssessment.objects.update_or_create(record=record, defaults=values)
    assessment.shares.all().delete()
    ResponsibilityShare.objects.bulk_create(
        ResponsibilityShare(
            assessment=assessment, person=ln.person, part=ln.part, pct=ln.pct, amount=ln.amount
        )
        for ln in split.lines
    )
    audit_record(
        actor=actor,
        action="recovery.loss_assess",
        obj=assessment,
        cooperative=record.cooperative,
        changes={
            "loss_amount": str(loss),
            "policy": split.policy,
            "above_authority": above_authority,
            "shares": {ln.person.display_name: str(ln.amount) for ln in split.lines},
        },
    )
    return assessment


@transaction.atomic
def force_majeure_extend(
    *, actor, record: NplRecord, reason: str, evidence: str, until: date, today: date | None = None
) -> ForceMajeureExtension:
    """不可抗力延期: until the date, no deduction and no escalation for the record."""
    today = _today(today)
    record = _lock(record)
    if not may_manage(actor, record.cooperative):
        raise RecoveryError(_("只有主任、副主任或联社资产保全部可以批准延期。"))
    reason, evidence = (reason or "").strip(), (evidence or "").strip()
    if len(reason) < 2:
        raise RecoveryError(_("请写明不可抗力事由。"), field="reason")
    if len(evidence) < 2:
        raise RecoveryError(_("请写明证明材料。"), field="evidence")
    if until is None or until <= today:
        raise RecoveryError(_("延期日期须晚于今天。"), field="until")
    ext = ForceMajeureExtension.objects.create(
        record=record, reason=reason[:300], evidence=evidence[:300], until=until, recorded_by=actor
    )
    audit_record(
        actor=actor,
        action="recovery.force_majeure_extend",
        obj=ext,
        cooperative=record.cooperative,
        changes={"reason": reason, "until": until},
    )
    return ext


# --- deductions ----------------------------------------------------------------------------


@transaction.atomic
def deduction_record(
    *,
    actor,
    share: ResponsibilityShare,
    month: date,
    amount: Decimal,
    source: str = ResponsibilityDeduction.Source.PAY,
    today: date | None = None,
) -> ResponsibilityDeduction:
    """Record one month's deduction against a share; never more than what remains."""
    today = _today(today)
    share = (
        ResponsibilityShare.objects.select_for_update()
        .select_related("assessment__record__cooperative", "person")
        .get(pk=share.pk)
    )
    record = share.assessment.record
    if not may_manage(actor, record.cooperative):
        raise RecoveryError(_("只有主任、副主任或联社资产保全部可以登记扣款。"))
    if source not in ResponsibilityDeduction.Source.values:
        raise RecoveryError(_("请选择扣款来源。"), field="source")
    if month is None:
        raise RecoveryError(_("请填写扣款月份。"), field="month")
    month = month.replace(day=1)
    if month > today.replace(day=1):
        raise RecoveryError(_("不能登记以后月份的扣款。"), field="month")
    ext = active_extension(record, today)
    if ext is not None:
        raise RecoveryError(
            _("该笔贷款因不可抗力延期至 %(d)s，期间暂停扣款。") % {"d": ext.until.isoformat()}
        )
    amount = to_fen(amount or 0)
    if amount <= 0:
        raise RecoveryError(_("扣款金额必须大于零。"), field="amount")
    remaining = share.amount - share.recovered
    if amount > remaining:
        raise RecoveryError(
            _("扣款金额超过尚未扣回的 %(r)s 元。") % {"r": yuan(remaining)}, field="amount"
        )
    if ResponsibilityDeduction.objects.filter(share=share, month=month, source=source).exists():
        raise RecoveryError(_("该月已登记过这项扣款。"), field="month")
    deduction = ResponsibilityDeduction.objects.create(
        share=share, month=month, source=source, amount=amount, recorded_by=actor
    )
    share.recovered += amount
    share.save(update_fields=["recovered"])
    audit_record(
        actor=actor,
        action="recovery.deduction_record",
        obj=deduction,
        cooperative=record.cooperative,
        changes={
            "person": share.person.display_name,
            "month": month.strftime("%Y-%m"),
            "amount": str(amount),
            "remaining": str(share.amount - share.recovered),
        },
    )
    return deduction


# --- the nightly escalation ----------------------------------------------------------------

# Per officer: the pursued records whose assessment names them the main responsible person,
# formed inside the policy's window (under "full compensation" only loans drawn on or after
# the cut-off date), not under a force-majeure extension today. The level reached opens
# one record per (officer, level) (the unique key makes it once); open records follow the
# count; a level-2 clock that ran out while the count is still ≥ 2 is flagged; the
# cooperative's directors get one inbox message per new record and per clock run out.
ESCALATE_SQL = """
WITH counted AS (
    SELECT a.main_staff_id AS officer_id,
           (array_agg(r.cooperative_id ORDER BY r.id DESC))[1] AS cooperative_id,
           count(*) AS n,
           min(pol.suspension_recovery_months) AS months
    FROM recovery_lossassessment a
    JOIN recovery_nplrecord r ON r.id = a.record_id
    JOIN creditcoop_cooperative c ON c.id = r.cooperative_id
    JOIN recovery_recoverypolicy pol ON pol.union_id = c.union_id
    WHERE a.main_staff_id IS NOT NULL
      AND r.status = 'pursuing'
      AND (pol.responsibility_policy <> 'full_after' OR r.drawn_on >= pol.full_compensation_from)
      AND NOT EXISTS (SELECT 1 FROM recovery_forcemajeureextension x
                      WHERE x.record_id = r.id AND x.until >= %(today)s)
    GROUP BY a.main_staff_id
), ins AS (
    INSERT INTO recovery_officerescalation
        (cooperative_id, officer_id, level, record_count, opened_on, clock_ends_on,
         clock_ran_out, demerits, status, decision, decision_text, created_at, updated_at)
    SELECT k.cooperative_id, k.officer_id, LEAST(k.n, 3), k.n, %(today)s,
           CASE WHEN k.n = 2 THEN (%(today)s::date + make_interval(months => k.months))::date END,
           FALSE,
           CASE WHEN k.n >= 3 THEN COALESCE((
               SELECT left(string_agg(s.name, '、' ORDER BY s.id), 200) FROM creditcoop_staff s
               WHERE s.cooperative_id = k.cooperative_id AND s.is_active
                 AND s.roles && ARRAY['director', 'deputy']::varchar(20)[]), '') ELSE '' END,
           'open', '', '', %(now)s, %(now)s
    FROM counted k
    ON CONFLICT (officer_id, level) DO NOTHING
    RETURNING id, cooperative_id, officer_id, level, record_count
), upd AS (
    UPDATE recovery_officerescalation e
    SET record_count = COALESCE(k.n, 0),
        clock_ran_out = e.clock_ran_out
            OR (e.level = 2 AND e.clock_ends_on < %(today)s AND COALESCE(k.n, 0) >= 2),
        updated_at = %(now)s
    FROM recovery_officerescalation e2
    LEFT JOIN counted k ON k.officer_id = e2.officer_id
    WHERE e.id = e2.id AND e.status = 'open'
      AND (e.record_count IS DISTINCT FROM COALESCE(k.n, 0)
           OR (NOT e.clock_ran_out AND e.level = 2 AND e.clock_ends_on < %(today)s
               AND COALESCE(k.n, 0) >= 2))
    RETURNING e.id, e.cooperative_id, e.officer_id, e.level, e.clock_ran_out
), news AS (
    SELECT ins.id, ins.cooperative_id, ins.officer_id, ins.level, 'new' AS what FROM ins
    UNION ALL
    SELECT upd.id, upd.cooperative_id, upd.officer_id, upd.level, 'clock' FROM upd
    WHERE upd.clock_ran_out
), inbox AS (
    INSERT INTO creditcoop_notification (recipient_id, text, link, dedupe_key, created_at)
    SELECT d.id,
           left(CASE WHEN n.what = 'new' THEN %(head)s ELSE %(clock)s END || o.name
                || CASE n.level WHEN 1 THEN %(l1)s WHEN 2 THEN %(l2)s ELSE %(l3)s END, 480),
           %(link)s || n.id || '/',
           'npl-esc:' || n.what || ':' || n.id || ':' || d.id, %(now)s
    FROM news n
    JOIN creditcoop_staff o ON o.id = n.officer_id
    JOIN creditcoop_staff d ON d.cooperative_id = n.cooperative_id AND d.is_active
     AND d.roles @> ARRAY['director']::varchar(20)[]
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id
)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd), (SELECT count(*) FROM inbox),
       (SELECT coalesce(json_agg(json_build_array(id, cooperative_id, officer_id, level,
                                                  record_count)), '[]') FROM ins)
"""


@transaction.atomic
def officer_escalation_sweep(*, today: date | None = None) -> dict:
    """Nightly: open the escalation records each officer's count reaches, keep open ones
    current, flag level-2 clocks that ran out; the director is told once of each. A second
    run the same day writes nothing."""
    job_lock("recovery.officer_escalation_sweep")
    today = _today(today)
    from creditcoop.models import Union

    for union_id in Union.objects.exclude(recovery_policy__isnull=False).values_list(
        "pk", flat=True
    ):
        RecoveryPolicy.current(union_id)
    params = {
        "today": today,
        "now": timezone.now(),
        "head": _("【责任追究】信贷员 "),
        "clock": _("【停职清收期满未收回】信贷员 "),
        "l1": _(" 有一笔主责任不良贷款：承担赔偿份额。"),
        "l2": _(" 有两笔主责任不良贷款：停职清收，只发生活费，期满未收回则下岗清收。"),
        "l3": _(" 有三笔及以上主责任不良贷款：解除劳动合同，主任、副主任记过。"),
        "link": reverse("recovery:escalation_decide", args=[0]).rsplit("0/", 1)[0],
    }
    with connection.cursor() as cur:
        cur.execute(ESCALATE_SQL, params)
        opened, updated, inbox, rows = cur.fetchone()
    import json

    rows = json.loads(rows) if isinstance(rows, str) else rows
    names = dict(Staff.objects.filter(pk__in={r[2] for r in rows}).values_list("pk", "name"))
    audit_record_many(
        audit_row(
            actor=None,
            action="recovery.escalation_open",
            obj=OfficerEscalation(
                pk=pk, level=level, officer=Staff(pk=officer, name=names.get(officer, ""))
            ),
            cooperative_id=coop,
            changes={"officer_id": officer, "level": level, "record_count": n},
        )
        for pk, coop, officer, level, n in rows
    )
    return {"opened": opened, "updated": updated, "inbox": inbox}


@transaction.atomic
def escalation_decide(
    *, actor, escalation: OfficerEscalation, decision: str, text: str = ""
) -> OfficerEscalation:
    """The director's decision on an escalation: confirm (carry it out) or waive with the
    reason."""
    escalation = (
        OfficerEscalation.objects.select_for_update()
        .select_related("cooperative")
        .get(pk=escalation.pk)
    )
    if not may_manage(actor, escalation.cooperative):
        raise RecoveryError(_("只有主任、副主任或联社资产保全部可以作出处理决定。"))
    if escalation.status != OfficerEscalation.Status.OPEN:
        raise RecoveryError(_("该责任追究已处理。"))
    text = (text or "").strip()
    if decision not in (OfficerEscalation.Decision.CONFIRM, OfficerEscalation.Decision.WAIVE):
        raise RecoveryError(_("请选择处理决定。"), field="decision")
    if decision == OfficerEscalation.Decision.WAIVE and len(text) < 4:
        raise RecoveryError(_("不予追究的，须写明理由。"), field="text")
    escalation.status = OfficerEscalation.Status.DECIDED
    escalation.decision = decision
    escalation.decision_text = text[:2000]
    escalation.decided_by = actor
    escalation.decided_at = timezone.now()
    escalation.save(
        update_fields=[
            "status",
            "decision",
            "decision_text",
            "decided_by",
            "decided_at",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="recovery.escalation_decide",
        obj=escalation,
        cooperative=escalation.cooperative,
        changes={"decision": decision, "decision_text": text, "level": escalation.level},
    )
    return escalation
