"""Collection actions and collection notices (docs/rules.md §7.3).

- `collection_action_add`: a log line, under the record's row lock, refused inside the quiet
  hours and beyond the daily cap per debtor (policy). An action is never by itself a
  limitation interruption.
- `notice_batch_create` / `notice_create`: numbered notices with the amounts computed to the
  print date, numbers reserved from the cooperative's counter in one statement.
- `notice_receipt_register`: the signed stub; records the served-notice limitation event
  through `limitation_event_add` in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record, audit_record_many, audit_row
from creditcoop.permissions import manages_village, may_write
from loans.selectors import loan_quote

from .. import limitation as L
from ..models import (
    CollectionAction,
    CollectionNotice,
    NoticeBatch,
    NoticeCounter,
    NplGuarantor,
    NplRecord,
    RecoveryPolicy,
)
from ..models.collect import CURRENT_WORDING
from ._common import RecoveryError, _today, may_manage, may_pursue
from .limitation import limitation_event_add

# --- collection actions ----------------------------------------------------------------------


def in_quiet_hours(moment: time, *, quiet_from: time, quiet_until: time) -> bool:
    """Whether a time of day falls in [quiet_from, quiet_until), the window wrapping past
    midnight when it starts later than it ends (22:00–08:00)."""
    if quiet_from == quiet_until:
        return False
    if quiet_from < quiet_until:
        return quiet_from <= moment < quiet_until
    return moment >= quiet_from or moment < quiet_until


def _lock(record) -> NplRecord:
    return (
        NplRecord.objects.select_for_update(of=("self",))
        .select_related("cooperative", "village")
        .get(pk=record.pk)
    )


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


@transaction.atomic
def collection_action_add(
    *,
    actor,
    record: NplRecord,
    kind: str,
    at: datetime,
    result: str,
    guarantor: NplGuarantor | None = None,
    contact_name: str = "",
    contact_relation: str = "",
    result_text: str = "",
    next_step: str = "",
    next_on: date | None = None,
    now: datetime | None = None,
) -> CollectionAction:
    """Log one contact with a debtor. Refused (nothing saved) inside the quiet hours and
    once the debtor — the borrower, or that guarantor — has had the policy's number of
    contacts that day; the count is taken under the record's row lock so two collectors
    cannot both squeeze in the last one."""
    now = now or timezone.now()
    record = _lock(record)
    if not may_pursue(actor, record):
        raise RecoveryError(_("您无权为该笔不良贷款登记催收记录。"))
    if record.status != NplRecord.Status.PURSUING:
        raise RecoveryError(_("该笔贷款已不在清收中。"))
    if guarantor is not None and guarantor.record_id != record.pk:
        raise RecoveryError(_("该保证人不属于这笔贷款。"), field="guarantor")
    if kind not in CollectionAction.Kind.values:
        raise RecoveryError(_("请选择催收方式。"), field="kind")
    if result not in CollectionAction.Result.values:
        raise RecoveryError(_("请选择催收结果。"), field="result")
    if at is None:
        raise RecoveryError(_("请填写催收时间。"), field="at")
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + timedelta(minutes=5):
        raise RecoveryError(_("催收时间不能晚于现在。"), field="at")
    local = timezone.localtime(at)
    if next_on is not None and next_on < local.date():
        raise RecoveryError(_("下次催收日期不能早于本次催收日期。"), field="next_on")
    policy = RecoveryPolicy.current(record.cooperative.union_id)
    if in_quiet_hours(local.time(), quiet_from=policy.quiet_from, quiet_until=policy.quiet_until):
        raise RecoveryError(
            _("%(from)s 至次日 %(until)s 禁止催收（%(at)s），请在允许的时间内联系债务人。")
            % {
                "from": f"{policy.quiet_from:%H:%M}",
                "until": f"{policy.quiet_until:%H:%M}",
                "at": f"{local:%H:%M}",
            },
            field="at",
        )
    start, end = local_day_bounds(local.date())
    done = CollectionAction.objects.filter(
        record=record, guarantor=guarantor, at__gte=start, at__lt=end
    ).count()
    if done >= policy.daily_contact_cap:
        who = guarantor.name if guarantor else record.borrower_name
        raise RecoveryError(
            _("%(who)s 在 %(day)s 已被联系 %(n)s 次，达到每日上限 %(cap)s 次，今天不能再联系。")
            % {"who": who, "day": local.date(), "n": done, "cap": policy.daily_contact_cap},
            field="at",
        )
    action = CollectionAction.objects.create(
        record=record,
        guarantor=guarantor,
        kind=kind,
        at=at,
        person=actor,
        contact_name=(contact_name or "").strip()[:50],
        contact_relation=(contact_relation or "").strip()[:30],
        result=result,
        result_text=(result_text or "").strip()[:300],
        next_step=(next_step or "").strip()[:200],
        next_on=next_on,
    )
    if record.last_collection_on is None or local.date() > record.last_collection_on:
        NplRecord.objects.filter(pk=record.pk).update(last_collection_on=local.date())
    audit_record(
        actor=actor,
        action="recovery.action_add",
        obj=action,
        cooperative=record.cooperative,
        changes={
            "record": str(record),
            "kind": kind,
            "at": f"{local:%Y-%m-%d %H:%M}",
            "result": result,
            "guarantor": guarantor.name if guarantor else "",
        },
    )
    return action


# --- notices ---------------------------------------------------------------------------------


@dataclass
class Amounts:
    principal: Decimal
    interest: Decimal
    penalty: Decimal
    basis: str


def notice_amounts(record: NplRecord, *, on: date) -> Amounts:
    """What the notice asks for, to the print date. A record linked to a loan: the loan's
    own interest rules (`loans.selectors.loan_quote`, as the loan page shows what is due on
    a day). Off-balance stock has no rate on the register: the amounts stored on the record
    (as of its last update), which the register keeps current from the sheet or the sync."""
    if record.loan_id is not None:
        q = loan_quote(record.loan, on=on)
        return Amounts(q.principal, q.interest, q.penalty, CollectionNotice.Basis.LOAN)
    return Amounts(
        record.principal_owed,
        record.interest_owed,
        record.penalty_owed,
        CollectionNotice.Basis.RECORD,
    )


def _reserve_numbers(cooperative, year: int, count: int) -> list[str]:
    """`count` consecutive numbers of the cooperative's yearly series, in one locked
    UPDATE (the counter row is created the first time)."""
    NoticeCounter.objects.get_or_create(cooperative=cooperative, year=year)
    counter = NoticeCounter.objects.select_for_update().get(cooperative=cooperative, year=year)
    first = counter.last + 1
    NoticeCounter.objects.filter(pk=counter.pk).update(last=F("last") + count)
    return [f"CS{cooperative.code}{year}{n:05d}" for n in range(first, first + count)]


def _may_print_for(actor, records) -> bool:
    return all(may_pursue(actor, r) for r in records)


def _create_notices(*, actor, cooperative, parties, printed_on, batch=None):
    """Number and save notices for (record, guarantor) pairs; the caller has checked."""
    policy = RecoveryPolicy.current(cooperative.union_id)
    pay_by = printed_on + timedelta(days=policy.notice_pay_days)
    numbers = _reserve_numbers(cooperative, printed_on.year, len(parties))
    amounts = {}
    notices = []
    for number, (record, guarantor) in zip(numbers, parties, strict=True):
        if record.pk not in amounts:
            amounts[record.pk] = notice_amounts(record, on=printed_on)
        a = amounts[record.pk]
        notices.append(
            CollectionNotice(
                cooperative=cooperative,
                number=number,
                record=record,
                guarantor=guarantor,
                batch=batch,
                printed_on=printed_on,
                pay_by=pay_by,
                principal=a.principal,
                interest=a.interest,
                penalty=a.penalty,
                basis=a.basis,
                wording_version=CURRENT_WORDING,
                created_by=actor,
            )
        )
    notices = CollectionNotice.objects.bulk_create(notices)
    audit_record_many(
        audit_row(
            actor=actor,
            action="recovery.notice_print",
            obj=n,
            cooperative=cooperative,
            changes={
                "number": n.number,
                "record": str(n.record),
                "party": n.party_name,
                "total": n.total,
            },
        )
        for n in notices
    )
    return notices


def _check_print_day(printed_on, today) -> None:
    if printed_on is None:
        raise RecoveryError(_("请填写打印日期。"), field="printed_on")
    if printed_on < today:
        raise RecoveryError(_("打印日期不能早于今天：金额计算到打印日。"), field="printed_on")
    if printed_on > today + timedelta(days=30):
        raise RecoveryError(_("打印日期不能晚于今天 30 天以上。"), field="printed_on")


@transaction.atomic
def notice_create(
    *,
    actor,
    record: NplRecord,
    guarantor: NplGuarantor | None = None,
    printed_on: date | None = None,
    today: date | None = None,
) -> CollectionNotice:
    """One notice to the borrower or to one guarantor of a record."""
    today = _today(today)
    printed_on = printed_on or today
    record = _lock(record)
    if not may_pursue(actor, record):
        raise RecoveryError(_("您无权为该笔不良贷款打印催收通知书。"))
    if record.status != NplRecord.Status.PURSUING:
        raise RecoveryError(_("该笔贷款已不在清收中。"))
    if guarantor is not None and guarantor.record_id != record.pk:
        raise RecoveryError(_("该保证人不属于这笔贷款。"), field="guarantor")
    _check_print_day(printed_on, today)
    if record.loan_id:
        record = NplRecord.objects.select_related("cooperative", "loan").get(pk=record.pk)
    (notice,) = _create_notices(
        actor=actor,
        cooperative=record.cooperative,
        parties=[(record, guarantor)],
        printed_on=printed_on,
    )
    return notice


@transaction.atomic
def notice_batch_create(
    *,
    actor,
    village=None,
    officer=None,
    printed_on: date | None = None,
    with_guarantors: bool = True,
    today: date | None = None,
) -> NoticeBatch:
    """All notices for a village's records, or for the records an officer collects, in one
    go: the records still pursued, the borrower and (optionally) each guarantor, one number
    each from one reservation."""
    today = _today(today)
    printed_on = printed_on or today
    if not may_write(actor):
        raise RecoveryError(_("您无权打印催收通知书。"))
    if (village is None) == (officer is None):
        raise RecoveryError(_("请选择一个行政村或一名清收责任人。"), field="village")
    _check_print_day(printed_on, today)
    if village is not None:
        cooperative = village.cooperative
        allowed = manages_village(actor, village) or may_manage(actor, cooperative)
        records = NplRecord.objects.filter(village=village)
    else:
        cooperative = officer.cooperative
        if cooperative is None:
            raise RecoveryError(_("该人员不属于任何信用社。"), field="officer")
        allowed = officer.pk == actor.pk or may_manage(actor, cooperative)
        records = NplRecord.objects.filter(collector=officer, cooperative=cooperative)
    if not allowed:
        raise RecoveryError(_("您无权为该村或该责任人批量打印催收通知书。"))
    records = list(
        records.filter(status=NplRecord.Status.PURSUING)
        .select_for_update(of=("self",))
        .select_related("cooperative", "village", "loan")
        .order_by("village_id", "id")
    )
    if not records:
        raise RecoveryError(_("没有清收中的不良贷款，无需打印。"), field="village")
    guarantors: dict[int, list[NplGuarantor]] = {}
    if with_guarantors:
        for g in NplGuarantor.objects.filter(record__in=records).order_by("record_id", "id"):
            guarantors.setdefault(g.record_id, []).append(g)
    parties = []
    for r in records:
        parties.append((r, None))
        parties.extend((r, g) for g in guarantors.get(r.pk, []))
    batch = NoticeBatch.objects.create(
        cooperative=cooperative,
        village=village,
        officer=officer,
        printed_on=printed_on,
        created_by=actor,
    )
    notices = _create_notices(
        actor=actor, cooperative=cooperative, parties=parties, printed_on=printed_on, batch=batch
    )
    audit_record(
        actor=actor,
        action="recovery.notice_batch",
        obj=batch,
        cooperative=cooperative,
        changes={
            "village": str(village or ""),
            "officer": officer.name if officer else "",
            "printed_on": printed_on,
            "count": len(notices),
        },
    )
    return batch


@transaction.atomic
def notice_receipt_register(
    *,
    actor,
    notice: CollectionNotice,
    signed_on: date,
    signer_name: str,
    signer_relation: str,
    receipt_no: str = "",
    today: date | None = None,
) -> CollectionNotice:
    """Register the signed receipt stub. It is a served demand (L5): the limitation event
    is recorded through `limitation_event_add` in this transaction, so the expiry moves at
    once. A stub signed by someone who is not the debtor, a co-resident adult relative or an
    authorised person is kept on the notice but does not interrupt (the engine's reason is
    kept with it); a guarantor's signature after the guarantee period is recorded with the
    engine's explanation that it revives nothing."""
    today = _today(today)
    notice = (
        CollectionNotice.objects.select_for_update(of=("self",))
        .select_related("record__cooperative", "record__village", "guarantor")
        .get(pk=notice.pk)
    )
    record = notice.record
    if not may_pursue(actor, record):
        raise RecoveryError(_("您无权登记该通知书的回执。"))
    if notice.status != CollectionNotice.Status.PRINTED:
        raise RecoveryError(_("该通知书的回执已于 %(d)s 登记。") % {"d": notice.signed_on})
    signer_name = (signer_name or "").strip()
    if signed_on is None:
        raise RecoveryError(_("请填写签收日期。"), field="signed_on")
    if signed_on < notice.printed_on:
        raise RecoveryError(
            _("签收日期不能早于通知书打印日期（%(d)s）。") % {"d": notice.printed_on},
            field="signed_on",
        )
    if signed_on > today:
        raise RecoveryError(_("签收日期不能晚于今天。"), field="signed_on")
    if not signer_name:
        raise RecoveryError(_("请填写签收人姓名。"), field="signer_name")
    if signer_relation not in L.SIGNER_LABELS:
        raise RecoveryError(_("请选择签收人身份。"), field="signer_relation")
    receipt_no = (receipt_no or "").strip()[:40]
    event, counts = None, False
    try:
        event, step = limitation_event_add(
            actor=actor,
            record=record,
            kind=L.DEMAND_RECEIPT,
            occurred_on=signed_on,
            guarantor=notice.guarantor,
            signer_name=signer_name,
            signer_relation=signer_relation,
            receipt_number=receipt_no or notice.number,
            note=_("催收通知书 %(n)s") % {"n": notice.number},
            today=today,
        )
        effect = step.text
        counts = step.verdict in (L.COUNTED, L.REVIVED)
        if not counts:
            effect = _("已存档，不中断时效：%(why)s") % {"why": step.text}
    except RecoveryError as exc:
        # The event's savepoint rolled back; the stub stays on the notice with the reason.
        effect = exc.message
    CollectionNotice.objects.filter(pk=notice.pk).update(
        status=CollectionNotice.Status.RECEIPTED,
        signed_on=signed_on,
        signer_name=signer_name[:50],
        signer_relation=signer_relation,
        receipt_no=receipt_no,
        limitation_event=event,
        receipt_counts=counts,
        receipt_effect=effect[:400],
        receipt_by=actor,
    )
    notice.refresh_from_db()
    record.refresh_from_db()
    audit_record(
        actor=actor,
        action="recovery.notice_receipt",
        obj=notice,
        cooperative=record.cooperative,
        changes={
            "number": notice.number,
            "signed_on": signed_on,
            "signer_name": signer_name,
            "signer_relation": signer_relation,
            "receipt_counts": counts,
            "receipt_effect": effect,
        },
    )
    return notice
