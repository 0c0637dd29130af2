"""Limitation events and the stored expiry (docs/rules.md §7): the engine in
``recovery/limitation.py`` decides; these services record and keep the answer current."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record

from .. import limitation as L
from ..models import LimitationEvent, NplGuarantor, NplRecord
from ._common import RecoveryError, _today, may_pursue


@dataclass
class PartyLimitation:
    guarantor: NplGuarantor | None
    result: L.Result

    @property
    def name(self) -> str:
        return self.guarantor.name if self.guarantor else ""


@dataclass
class RecordLimitation:
    borrower: PartyLimitation
    guarantors: list[PartyLimitation]

    def verdict_of(self, event: LimitationEvent) -> L.Step | None:
        parties = [self.borrower, *self.guarantors]
        for party in parties:
            if (party.guarantor.pk if party.guarantor else None) == event.guarantor_id:
                return party.result.verdict_of(event.pk)
        return None


def limitation_compute(
    record: NplRecord, *, events=None, instalments=None, guarantors=None
) -> RecordLimitation:
    """The engine's answer for the borrower and every guarantor (reads only)."""
    events = list(record.events.all()) if events is None else list(events)
    if instalments is None:
        instalments = list(record.instalments.values_list("due_on", flat=True))
    guarantors = list(record.guarantors.all()) if guarantors is None else list(guarantors)
    due_dates = list(instalments) or [record.due_on]
    borrower_events = [e.as_engine_event() for e in events if e.guarantor_id is None]
    borrower = L.borrower_limitation(due_dates=due_dates, events=borrower_events)
    parties = []
    for g in guarantors:
        mine = [e.as_engine_event() for e in events if e.guarantor_id == g.pk]
        parties.append(
            PartyLimitation(
                g,
                L.guarantor_limitation(
                    main_due=max(due_dates),
                    guarantee=g.guarantee(),
                    events=mine,
                    borrower_events=borrower_events,
                ),
            )
        )
    return RecordLimitation(PartyLimitation(None, borrower), parties)


def limitation_store(
    record: NplRecord, computed: RecordLimitation | None = None
) -> RecordLimitation:
    """Write the expiry of the borrower and of each guarantor where it changed (the caller
    holds the record's lock)."""
    computed = computed or limitation_compute(record)
    b = computed.borrower.result
    if (
        record.limitation_expires_on != b.expires_on
        or record.limitation_revived != b.revived_after_expiry
        or record.limitation_stale
    ):
        record.limitation_expires_on = b.expires_on
        record.limitation_revived = b.revived_after_expiry
        record.limitation_stale = False
        NplRecord.objects.filter(pk=record.pk).update(
            limitation_expires_on=b.expires_on,
            limitation_revived=b.revived_after_expiry,
            limitation_stale=False,
        )
    for party in computed.guarantors:
        g, r = party.guarantor, party.result
        if (g.limitation_expires_on, g.period_ends_on) != (
            r.expires_on,
            r.guarantee_period_ends_on,
        ):
            g.limitation_expires_on, g.period_ends_on = r.expires_on, r.guarantee_period_ends_on
            NplGuarantor.objects.filter(pk=g.pk).update(
                limitation_expires_on=r.expires_on, period_ends_on=r.guarantee_period_ends_on
            )
    return computed


def _lock(record) -> NplRecord:
    return (
        NplRecord.objects.select_for_update(of=("self",))
        .select_related("cooperative", "village")
        .get(pk=record.pk)
    )


COLLECTION_KINDS = {
    L.DEMAND_RECEIPT,
    L.DEMAND_POSTAL,
    L.ACKNOWLEDGEMENT,
    L.AGREEMENT,
    L.LAWSUIT,
    L.MEDIA_NOTICE,
}
PAYMENT_KINDS = {L.PARTIAL_PAYMENT, L.DEDUCTION}


def _check_shape(
    *,
    kind,
    occurred_on,
    ends_on,
    guarantor,
    signer_name,
    signer_relation,
    media_level,
    amount,
    note,
    today,
) -> None:
    if kind not in LimitationEvent.Kind.values:
        raise RecoveryError(_("请选择事项。"), field="kind")
    if occurred_on is None:
        raise RecoveryError(_("请填写发生日期。"), field="occurred_on")
    if occurred_on > today:
        raise RecoveryError(_("发生日期不能晚于今天。"), field="occurred_on")
    if ends_on is not None and ends_on < occurred_on:
        raise RecoveryError(_("终结日期不能早于发生日期。"), field="ends_on")
    if ends_on is not None and kind not in (L.SUSPENSION, L.LAWSUIT):
        raise RecoveryError(_("只有中止事由和诉讼需要填写终结日期。"), field="ends_on")
    if kind == L.DEMAND_RECEIPT and (not signer_name or not signer_relation):
        raise RecoveryError(_("签收回执须记录签收人姓名及其身份。"), field="signer_name")
    if kind == L.MEDIA_NOTICE and not media_level:
        raise RecoveryError(_("请选择公告媒体级别。"), field="media_level")
    if kind in PAYMENT_KINDS and (amount is None or amount <= 0):
        raise RecoveryError(_("请填写金额。"), field="amount")
    if kind == L.SUSPENSION and len((note or "").strip()) < 2:
        raise RecoveryError(
            _("请在说明中写明中止事由（不可抗力、无监护人、继承人未确定等）。"), field="note"
        )
    if kind == L.ENFORCEMENT_ENDED and guarantor is not None:
        raise RecoveryError(_("执行终结是对借款人的事项，不要选择保证人。"), field="guarantor")


@transaction.atomic
def limitation_event_add(
    *,
    actor,
    record: NplRecord,
    kind: str,
    occurred_on: date,
    guarantor: NplGuarantor | None = None,
    ends_on: date | None = None,
    signer_name: str = "",
    signer_relation: str = "",
    receipt_number: str = "",
    media_level: str = "",
    media_name: str = "",
    amount: Decimal | None = None,
    note: str = "",
    today: date | None = None,
) -> tuple[LimitationEvent, L.Step]:
    """Record an event and recompute the limitation in the same transaction. An event the
    law gives no effect (a deduction after expiry, a poster, a receipt signed by a
    neighbour …) is refused with the engine's reason and nothing is saved; one kept for the
    file without effect (a guarantor signing after the guarantee period) is saved with the
    engine's explanation."""
    today = _today(today)
    record = _lock(record)
    if not may_pursue(actor, record):
        raise RecoveryError(_("您无权为该笔不良贷款登记时效事项。"))
    if guarantor is not None and guarantor.record_id != record.pk:
        raise RecoveryError(_("该保证人不属于这笔贷款。"), field="guarantor")
    signer_name, note = (signer_name or "").strip(), (note or "").strip()
    _check_shape(
        kind=kind,
        occurred_on=occurred_on,
        ends_on=ends_on,
        guarantor=guarantor,
        signer_name=signer_name,
        signer_relation=signer_relation,
        media_level=media_level,
        amount=amount,
        note=note,
        today=today,
    )
    event = LimitationEvent.objects.create(
        record=record,
        guarantor=guarantor,
        kind=kind,
        occurred_on=occurred_on,
        ends_on=ends_on,
        signer_name=signer_name[:50],
        signer_relation=signer_relation or "",
        receipt_number=(receipt_number or "").strip()[:40],
        media_level=media_level or "",
        media_name=(media_name or "").strip()[:100],
        amount=amount,
        note=note[:300],
        recorded_by=actor,
    )
    computed = limitation_compute(record)
    step = computed.verdict_of(event)
    if step is None or step.verdict == L.REFUSED:
        # Raising inside the transaction rolls the event back: nothing is saved.
        raise RecoveryError(
            _("不能作为时效中断事项登记：%(why)s。") % {"why": step.text if step else kind}
        )
    before = record.limitation_expires_on
    limitation_store(record, computed)
    dates = {}
    if (
        kind in COLLECTION_KINDS
        and guarantor is None
        and (record.last_collection_on is None or occurred_on > record.last_collection_on)
    ):
        dates["last_collection_on"] = occurred_on
    if kind in PAYMENT_KINDS and (
        record.last_payment_on is None or occurred_on > record.last_payment_on
    ):
        dates["last_payment_on"] = occurred_on
    if dates:
        NplRecord.objects.filter(pk=record.pk).update(**dates)
    audit_record(
        actor=actor,
        action="recovery.event_add",
        obj=event,
        cooperative=record.cooperative,
        changes={
            "kind": kind,
            "occurred_on": occurred_on,
            "guarantor": guarantor.name if guarantor else "",
            "limitation_expires_on": [before, record.limitation_expires_on],
            "note": step.text,
        },
    )
    return event, step


@transaction.atomic
def limitation_recompute_stale(*, limit: int | None = None) -> int:
    """Recompute the records a set-based write marked stale (the import, the admin), in
    chunks; returns how many."""
    ids = (
        NplRecord.objects.filter(limitation_stale=True).order_by("id").values_list("pk", flat=True)
    )
    ids = list(ids[:limit] if limit else ids)
    done = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        records = list(
            NplRecord.objects.select_for_update(of=("self",))
            .filter(pk__in=chunk)
            .prefetch_related("events", "instalments", "guarantors")
            .order_by("id")
        )
        for record in records:
            limitation_store(
                record,
                limitation_compute(
                    record,
                    events=record.events.all(),
                    instalments=[i.due_on for i in record.instalments.all()],
                    guarantors=record.guarantors.all(),
                ),
            )
            done += 1
    return done
