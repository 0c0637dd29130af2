"""Repayment agreements (还款协议, docs/rules.md §7.4): create with a schedule, approve an
exception, sign (an acknowledgement: the limitation restarts), record payments (partial
payments), cancel; and the nightly job that flags the promises broken."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.db import connection, transaction
from django.db.models import F, Max, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record
from creditcoop.jobs import job_lock
from creditcoop.models import Role
from creditcoop.workflow import transition

from .. import limitation as L
from ..models import (
    AgreementInstalment,
    AgreementPayment,
    NplRecord,
    RecoveryPolicy,
    RepaymentAgreement,
)
from ._common import RecoveryError, _today, may_pursue
from .limitation import limitation_event_add

Status = RepaymentAgreement.Status
FEN = Decimal("0.01")

# What needs a director's approval before signing (the codes stored on the agreement).
OVER_CAP = "over_cap"
RENEWAL = "renewal"
EXCEPTION_LABELS = {OVER_CAP: _("期限超过政策上限"), RENEWAL: _("重签借据（借新还旧）")}


@dataclass(frozen=True)
class Row:
    due_on: date
    amount: Decimal


def equal_schedule(*, total: Decimal, count: int, first_due_on: date) -> list[Row]:
    """`count` monthly instalments from `first_due_on`, equal to the fen; the last takes
    the remainder so they add up to `total`."""
    if count < 1:
        raise RecoveryError(_("分期期数至少为 1。"), field="count")
    if total is None or total <= 0:
        raise RecoveryError(_("请填写协议还款总额。"), field="total")
    each = (Decimal(total) / count).quantize(FEN, rounding=ROUND_DOWN)
    if each <= 0:
        raise RecoveryError(_("每期金额不能少于 0.01 元。"), field="count")
    rows = [Row(L.add_months(first_due_on, i), each) for i in range(count)]
    rows[-1] = Row(rows[-1].due_on, Decimal(total) - each * (count - 1))
    return rows


def term_months(starts_on: date, last_due: date) -> int:
    """The term in months: the fewest whole months from the start that reach the last due
    date (36 monthly instalments from the start = 36 months; one day more = 37)."""
    months = (last_due.year - starts_on.year) * 12 + (last_due.month - starts_on.month)
    months = max(months, 0)
    while L.add_months(starts_on, months) < last_due:
        months += 1
    return max(months, 1)


def _check_rows(rows: list[Row], *, starts_on: date, total: Decimal) -> list[Row]:
    if not rows:
        raise RecoveryError(_("请至少填写一期还款计划。"), field="rows")
    rows = sorted(rows, key=lambda r: r.due_on)
    days = [r.due_on for r in rows]
    if len(set(days)) != len(days):
        raise RecoveryError(_("同一天不能有两期还款。"), field="rows")
    if rows[0].due_on <= starts_on:
        raise RecoveryError(_("第一期还款日必须晚于协议起始日。"), field="rows")
    if any(r.amount is None or r.amount <= 0 for r in rows):
        raise RecoveryError(_("每期金额必须大于零。"), field="rows")
    added = sum((r.amount for r in rows), Decimal("0"))
    if added != total:
        raise RecoveryError(
            _("各期金额合计 %(sum)s 元，与协议还款总额 %(total)s 元不符。")
            % {"sum": added, "total": total},
            field="rows",
        )
    return rows


def _next_number(record: NplRecord) -> str:
    # The record is locked: numbers per record are serial.
    n = RepaymentAgreement.objects.filter(record=record).count() + 1
    return f"HK{record.cooperative.code}-{record.pk}-{n:02d}"


@transaction.atomic
def agreement_create(
    *,
    actor,
    record: NplRecord,
    starts_on: date,
    total: Decimal,
    rows: list[Row],
    debtor_name: str = "",
    kind: str = RepaymentAgreement.Kind.INSTALMENTS,
    exception_request: str = "",
    note: str = "",
    today: date | None = None,
) -> RepaymentAgreement:
    """A draft agreement with its schedule. A term over the policy's cap or a renewed IOU
    (借新还旧) is saved only with the reason for the exception, and must be approved by a
    director before it can be signed; a renewal is refused outright while any interest is
    owed."""
    today = _today(today)
    record = (
        NplRecord.objects.select_for_update(of=("self",))
        .select_related("cooperative")
        .get(pk=record.pk)
    )
    if not may_pursue(actor, record):
        raise RecoveryError(_("您无权为该笔不良贷款签订还款协议。"))
    if record.status != NplRecord.Status.PURSUING:
        raise RecoveryError(_("该笔贷款已不在清收中，不能签订还款协议。"))
    if kind not in RepaymentAgreement.Kind.values:
        raise RecoveryError(_("请选择协议类型。"), field="kind")
    if starts_on is None:
        raise RecoveryError(_("请填写协议起始日。"), field="starts_on")
    if total is None or total <= 0:
        raise RecoveryError(_("请填写协议还款总额。"), field="total")
    if RepaymentAgreement.objects.filter(
        record=record, status__in=(Status.DRAFT, Status.SIGNED, Status.BROKEN)
    ).exists():
        raise RecoveryError(_("该笔贷款已有未结束的还款协议，请先履行完毕或作废。"))
    rows = _check_rows(rows, starts_on=starts_on, total=total)
    policy = RecoveryPolicy.current(record.cooperative.union_id)
    months = term_months(starts_on, rows[-1].due_on)
    reasons = []
    if months > policy.agreement_max_months:
        reasons.append(OVER_CAP)
    if kind == RepaymentAgreement.Kind.RENEWAL:
        if record.interest_owed > 0:
            raise RecoveryError(
                _("借新还旧（重签借据）须先结清全部利息：尚欠利息 %(x)s 元。")
                % {"x": record.interest_owed},
                field="kind",
            )
        if policy.renewal_needs_approval:
            reasons.append(RENEWAL)
    exception_request = (exception_request or "").strip()
    if reasons and len(exception_request) < 2:
        why = "；".join(str(EXCEPTION_LABELS[r]) for r in reasons)
        if OVER_CAP in reasons:
            why = _("期限 %(m)s 个月，超过政策上限 %(cap)s 个月") % {
                "m": months,
                "cap": policy.agreement_max_months,
            } + ("；" + str(EXCEPTION_LABELS[RENEWAL]) if RENEWAL in reasons else "")
        raise RecoveryError(
            _("%(why)s：只能作为例外经主任批准后签署，请填写申请例外的理由。") % {"why": why},
            field="exception_request",
        )
    agreement = RepaymentAgreement.objects.create(
        record=record,
        number=_next_number(record),
        kind=kind,
        starts_on=starts_on,
        total=total,
        months=months,
        debtor_name=(debtor_name or "").strip()[:50] or record.borrower_name,
        exception_reasons=reasons,
        exception_request=exception_request[:300] if reasons else "",
        note=(note or "").strip()[:300],
        created_by=actor,
    )
    AgreementInstalment.objects.bulk_create(
        AgreementInstalment(agreement=agreement, number=i, due_on=r.due_on, amount=r.amount)
        for i, r in enumerate(rows, start=1)
    )
    audit_record(
        actor=actor,
        action="recovery.agreement_create",
        obj=agreement,
        cooperative=record.cooperative,
        changes={
            "total": total,
            "months": months,
            "instalments": len(rows),
            "exception": [str(EXCEPTION_LABELS[r]) for r in reasons],
        },
    )
    return agreement


def _lock(agreement) -> RepaymentAgreement:
    return (
        RepaymentAgreement.objects.select_for_update(of=("self",))
        .select_related("record__cooperative", "record__village")
        .get(pk=agreement.pk)
    )


def may_approve(actor, agreement) -> bool:
    """A director of the record's cooperative who is not its collector."""
    record = agreement.record
    return (
        getattr(actor, "pk", None) is not None
        and actor.is_active
        and actor.has_role(Role.DIRECTOR)
        and actor.cooperative_id == record.cooperative_id
        and actor.pk != record.collector_id
    )


@transaction.atomic
def agreement_approve(*, actor, agreement, note: str) -> RepaymentAgreement:
    """Approve the exception of a draft agreement: who, when and why are recorded."""
    agreement = _lock(agreement)
    record = agreement.record
    if agreement.status != Status.DRAFT or not agreement.exception_reasons:
        raise RecoveryError(_("该协议没有待批准的例外。"))
    if agreement.approved_by_id:
        raise RecoveryError(_("该协议的例外已经批准。"))
    if not actor.has_role(Role.DIRECTOR) or actor.cooperative_id != record.cooperative_id:
        raise RecoveryError(_("例外只能由本社主任批准。"))
    if actor.pk == record.collector_id:
        raise RecoveryError(_("清收责任人不能批准自己经办贷款的例外，请由其他主任批准。"))
    note = (note or "").strip()
    if len(note) < 2:
        raise RecoveryError(_("请填写批准意见（为何同意例外）。"), field="note")
    if RENEWAL in agreement.exception_reasons:
        fresh = NplRecord.objects.get(pk=record.pk)
        if fresh.interest_owed > 0:
            raise RecoveryError(
                _("借新还旧（重签借据）须先结清全部利息：尚欠利息 %(x)s 元。")
                % {"x": fresh.interest_owed}
            )
    agreement.approved_by = actor
    agreement.approved_at = timezone.now()
    agreement.approval_note = note[:300]
    agreement.save(update_fields=["approved_by", "approved_at", "approval_note"])
    audit_record(
        actor=actor,
        action="recovery.agreement_approve",
        obj=agreement,
        cooperative=record.cooperative,
        changes={
            "exception": [str(EXCEPTION_LABELS[r]) for r in agreement.exception_reasons],
            "note": note,
        },
    )
    return agreement


@transaction.atomic
def agreement_sign(
    *, actor, agreement, signed_on: date, guarantors=(), today: date | None = None
) -> RepaymentAgreement:
    """The debtor (and any guarantors) signed: the agreement runs, and the signature is
    recorded as a repayment-plan event on the limitation in the same transaction — the
    expiry moves, or the signing is refused with the engine's reason and nothing is saved."""
    today = _today(today)
    agreement = _lock(agreement)
    record = agreement.record
    if not may_pursue(actor, record):
        raise RecoveryError(_("您无权办理该协议。"))
    if agreement.status != Status.DRAFT:
        raise RecoveryError(_("只有待签署的协议可以登记签署。"))
    if agreement.needs_approval:
        raise RecoveryError(
            _("该协议属于例外（%(why)s），须经主任批准后才能签署。")
            % {"why": "、".join(str(EXCEPTION_LABELS[r]) for r in agreement.exception_reasons)}
        )
    if signed_on is None:
        raise RecoveryError(_("请填写签署日期。"), field="signed_on")
    if signed_on > today:
        raise RecoveryError(_("签署日期不能晚于今天。"), field="signed_on")
    if signed_on < agreement.starts_on:
        raise RecoveryError(_("签署日期不能早于协议起始日。"), field="signed_on")
    first_due = agreement.instalments.order_by("due_on").values_list("due_on", flat=True)[0]
    if signed_on >= first_due:
        raise RecoveryError(
            _("签署日期必须早于第一期还款日（%(d)s），请重新编制还款计划。") % {"d": first_due},
            field="signed_on",
        )
    guarantors = list(guarantors)
    if any(g.record_id != record.pk for g in guarantors):
        raise RecoveryError(_("保证人不属于这笔贷款。"), field="guarantors")
    if agreement.kind == RepaymentAgreement.Kind.RENEWAL:
        fresh = NplRecord.objects.get(pk=record.pk)
        if fresh.interest_owed > 0:
            raise RecoveryError(
                _("借新还旧（重签借据）须先结清全部利息：尚欠利息 %(x)s 元。")
                % {"x": fresh.interest_owed}
            )
    before = record.limitation_expires_on
    event, step = limitation_event_add(
        actor=actor,
        record=record,
        kind=L.AGREEMENT,
        occurred_on=signed_on,
        signer_name=agreement.debtor_name,
        signer_relation=L.SIGNER_SELF,
        receipt_number=agreement.number,
        note=_("签署还款协议 %(n)s") % {"n": agreement.number},
        today=today,
    )
    for g in guarantors:
        # Kept for each guarantor; the engine says whether it counts (a signature after the
        # guarantee period revives nothing and is kept only on file).
        limitation_event_add(
            actor=actor,
            record=record,
            guarantor=g,
            kind=L.AGREEMENT,
            occurred_on=signed_on,
            signer_name=g.name,
            signer_relation=L.SIGNER_SELF,
            receipt_number=agreement.number,
            note=_("保证人共同签署还款协议 %(n)s") % {"n": agreement.number},
            today=today,
        )
    agreement.signed_on = signed_on
    agreement.signing_event = event
    agreement.signed_guarantors.set(guarantors)
    record.refresh_from_db(fields=["limitation_expires_on"])
    transition(
        agreement,
        Status.SIGNED,
        actor=actor,
        fields=["signed_on", "signing_event"],
        action="recovery.agreement_sign",
        cooperative=record.cooperative,
        changes={
            "signed_on": signed_on,
            "limitation_expires_on": [before, record.limitation_expires_on],
            "note": step.text,
        },
    )
    return agreement


@transaction.atomic
def agreement_payment_record(
    *,
    actor,
    agreement,
    paid_on: date,
    amount: Decimal,
    receipt_number: str = "",
    today: date | None = None,
) -> AgreementPayment:
    """A payment under a running (or broken) agreement: applied to the earliest instalments
    still owed, recorded as a partial payment on the limitation (which also sets the
    record's last payment date). It books no money: that is the counter's repayment or
    part 2's recovery ledger. Paying the last fen makes the agreement kept."""
    today = _today(today)
    agreement = _lock(agreement)
    record = agreement.record
    if not may_pursue(actor, record):
        raise RecoveryError(_("您无权办理该协议。"))
    if agreement.status not in (Status.SIGNED, Status.BROKEN):
        raise RecoveryError(_("只有已签署、尚未履行完毕的协议可以登记还款。"))
    if paid_on is None:
        raise RecoveryError(_("请填写还款日期。"), field="paid_on")
    if paid_on > today:
        raise RecoveryError(_("还款日期不能晚于今天。"), field="paid_on")
    if paid_on < agreement.signed_on:
        raise RecoveryError(_("还款日期不能早于协议签署日。"), field="paid_on")
    if amount is None or amount <= 0:
        raise RecoveryError(_("请填写还款金额。"), field="amount")
    instalments = list(
        agreement.instalments.select_for_update().filter(paid_amount__lt=F("amount"))
    )
    owed = sum((i.outstanding for i in instalments), Decimal("0"))
    if amount > owed:
        raise RecoveryError(_("还款金额超过协议尚欠的 %(x)s 元。") % {"x": owed}, field="amount")
    event, _step = limitation_event_add(
        actor=actor,
        record=record,
        kind=L.PARTIAL_PAYMENT,
        occurred_on=paid_on,
        amount=amount,
        receipt_number=receipt_number,
        note=_("按还款协议 %(n)s 还款") % {"n": agreement.number},
        today=today,
    )
    left = amount
    for inst in sorted(instalments, key=lambda i: i.number):
        if left <= 0:
            break
        take = min(left, inst.outstanding)
        inst.paid_amount += take
        left -= take
        inst.save(update_fields=["paid_amount"])
    payment = AgreementPayment.objects.create(
        agreement=agreement,
        paid_on=paid_on,
        amount=amount,
        receipt_number=(receipt_number or "").strip()[:40],
        event=event,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="recovery.agreement_payment",
        obj=agreement,
        cooperative=record.cooperative,
        changes={"paid_on": paid_on, "amount": amount, "owed": owed - amount},
    )
    if owed == amount:
        transition(
            agreement,
            Status.KEPT,
            actor=actor,
            action="recovery.agreement_kept",
            cooperative=record.cooperative,
        )
    return payment


@transaction.atomic
def agreement_cancel(*, actor, agreement, reason: str) -> RepaymentAgreement:
    agreement = _lock(agreement)
    record = agreement.record
    if not may_pursue(actor, record):
        raise RecoveryError(_("您无权办理该协议。"))
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise RecoveryError(_("请填写作废原因。"), field="reason")
    if agreement.status not in (Status.DRAFT, Status.SIGNED, Status.BROKEN):
        raise RecoveryError(_("该协议已结束，不能作废。"))
    transition(
        agreement,
        Status.CANCELLED,
        actor=actor,
        reason=reason[:300],
        action="recovery.agreement_cancel",
        cooperative=record.cooperative,
    )
    return agreement


def agreement_totals(agreement) -> dict:
    agg = agreement.instalments.aggregate(
        due=Sum("amount"), paid=Sum("paid_amount"), last=Max("due_on")
    )
    due, paid = agg["due"] or Decimal("0.00"), agg["paid"] or Decimal("0.00")
    return {"due": due, "paid": paid, "owed": due - paid, "last_due": agg["last"]}


# --- the nightly job -----------------------------------------------------------------------

# One statement: the instalments of running agreements whose due date has passed unpaid are
# flagged broken as of the day after their due date (a run after downtime dates each on its
# own day); their agreements move to "broken" (status, first broken day, a workflow event and
# an audit row), and the collector gets one inbox message per instalment. Rows written by
# one CTE are not visible to the others, so ids travel through RETURNING.
BROKEN_SQL = """
WITH flagged AS (
    UPDATE recovery_agreementinstalment i
       SET broken = TRUE, broken_on = i.due_on + 1
      FROM recovery_repaymentagreement a
     WHERE a.id = i.agreement_id
       AND a.status IN ('signed', 'broken')
       AND i.broken = FALSE
       AND i.due_on < %(today)s
       AND i.paid_amount < i.amount
    RETURNING i.id, i.agreement_id, i.number, i.due_on, i.amount - i.paid_amount AS owed
), first_broken AS (
    SELECT agreement_id, min(due_on) + 1 AS broken_on FROM flagged GROUP BY agreement_id
), moved AS (
    UPDATE recovery_repaymentagreement a
       SET status = 'broken', broken_on = COALESCE(a.broken_on, fb.broken_on)
      FROM first_broken fb
     WHERE a.id = fb.agreement_id AND a.status = 'signed'
    RETURNING a.id, a.record_id
), wf AS (
    INSERT INTO creditcoop_workflowevent
        (object_type, object_id, from_state, to_state, actor_id, reason, cooperative_id, at)
    SELECT 'recovery.repaymentagreement', moved.id::text, 'signed', 'broken', NULL,
           %(reason)s, r.cooperative_id, %(now)s
    FROM moved JOIN recovery_nplrecord r ON r.id = moved.record_id
    RETURNING id
), audit AS (
    INSERT INTO creditcoop_auditlog
        (actor_id, action, object_type, object_id, object_repr, changes, cooperative_id, at)
    SELECT NULL, 'recovery.agreement_broken', 'recovery.repaymentagreement', moved.id::text,
           left(a.number, 200), jsonb_build_object('status', jsonb_build_array('signed', 'broken')),
           r.cooperative_id, %(now)s
    FROM moved
    JOIN recovery_repaymentagreement a ON a.id = moved.id
    JOIN recovery_nplrecord r ON r.id = moved.record_id
    RETURNING id
), inbox AS (
    INSERT INTO creditcoop_notification (recipient_id, text, link, dedupe_key, created_at)
    SELECT r.collector_id,
           left(%(head)s || r.borrower_name || %(loan)s || r.loan_number || %(mid)s || a.number
                || %(inst)s || f.number || %(due)s || to_char(f.due_on, 'YYYY-MM-DD')
                || %(owed)s || f.owed || %(tail)s, 480),
           %(link)s || a.id || '/',
           'agree-broken:' || f.id || ':' || r.collector_id, %(now)s
    FROM flagged f
    JOIN recovery_repaymentagreement a ON a.id = f.agreement_id
    JOIN recovery_nplrecord r ON r.id = a.record_id
    JOIN creditcoop_staff s ON s.id = r.collector_id AND s.is_active
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id
)
SELECT (SELECT count(*) FROM flagged), (SELECT count(*) FROM moved),
       (SELECT count(*) FROM wf), (SELECT count(*) FROM audit), (SELECT count(*) FROM inbox)
"""


@transaction.atomic
def agreement_broken_flag(*, today: date | None = None) -> dict:
    """Nightly: flag every instalment still unpaid after its due date as broken on the
    day after it (never on the due date itself), move its agreement to broken and tell the
    collector once. A second run the same day writes nothing."""
    job_lock("recovery.agreement_broken_flag")
    today = _today(today)
    with connection.cursor() as cur:
        cur.execute(
            BROKEN_SQL,
            {
                "today": today,
                "now": timezone.now(),
                "reason": _("到期未还，违约"),
                "head": _("【还款协议违约】"),
                "loan": _("（借据 "),
                "mid": _("）协议 "),
                "inst": _(" 第 "),
                "due": _(" 期（约定 "),
                "owed": _(" 还款）未按期偿还，尚欠 "),
                "tail": _(" 元，请及时催收。"),
                "link": reverse("recovery:agreement_detail", args=[0]).rsplit("0/", 1)[0],
            },
        )
        flagged, moved, _wf, _audit, inbox = cur.fetchone()
    return {"instalments": flagged, "agreements": moved, "inbox": inbox}
