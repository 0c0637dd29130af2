"""Limitation events and the stored expiry (docs/rules.md §7): the engine in
``recovery/limitation.py`` decides; these services record and keep the answer current."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record

from .. import limitation as L
from ..models import LimitationEvent, NplGuarantor, NplInstalment, NplRecord
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


def _engine(
    due_dates: list[date],
    events: list[tuple[int | None, L.Event]],
    guarantees: list[tuple[int, L.Guarantee]],
) -> tuple[L.Result, list[L.Result]]:
    """The engine for one record: `events` as (guarantor id or None, event) in the events'
    order, `guarantees` as (guarantor id, guarantee) in the guarantors' order. Pure; the one
    place both the record page and the bulk recomputation call the engine from."""
    due_dates = list(due_dates)
    borrower_events = [e for gid, e in events if gid is None]
    borrower = L.borrower_limitation(due_dates=due_dates, events=borrower_events)
    guarantors = [
        L.guarantor_limitation(
            main_due=max(due_dates),
            guarantee=guarantee,
            events=[e for gid, e in events if gid == pk],
            borrower_events=borrower_events,
        )
        for pk, guarantee in guarantees
    ]
    return borrower, guarantors


def limitation_compute(
    record: NplRecord, *, events=None, instalments=None, guarantors=None
) -> RecordLimitation:
    """The engine's answer for the borrower and every guarantor (reads only)."""
    events = list(record.events.all()) if events is None else list(events)
    if instalments is None:
        instalments = list(record.instalments.values_list("due_on", flat=True))
    guarantors = list(record.guarantors.all()) if guarantors is None else list(guarantors)
    borrower, results = _engine(
        list(instalments) or [record.due_on],
        [(e.guarantor_id, e.as_engine_event()) for e in events],
        [(g.pk, g.guarantee()) for g in guarantors],
    )
    return RecordLimitation(
        PartyLimitation(None, borrower),
        [PartyLimitation(g, r) for g, r in zip(guarantors, results, strict=True)],
    )


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


RECOMPUTE_CHUNK = 2000

_RECORDS_UPDATE = """
UPDATE recovery_nplrecord r
SET limitation_expires_on = v.expires_on, limitation_revived = v.revived,
    limitation_stale = FALSE
FROM (VALUES {rows}) AS v (id, expires_on, revived)
WHERE r.id = v.id
"""
_GUARANTORS_UPDATE = """
UPDATE recovery_nplguarantor g
SET limitation_expires_on = v.expires_on, period_ends_on = v.period_ends_on
FROM (VALUES {rows}) AS v (id, expires_on, period_ends_on)
WHERE g.id = v.id
"""


def _update_from_values(cur, sql: str, row: str, values: list[tuple]) -> None:
    if values:
        cur.execute(
            sql.format(rows=", ".join([row] * len(values))),
            [v for item in values for v in item],
        )


def _recompute_chunk(ids: list[int]) -> int:
    """Lock a chunk of records, read their due dates, instalments, events and guarantors in
    four set-based queries, run the engine on each in memory and write back only what
    changed (and every stale flag) in one UPDATE … FROM (VALUES …) per table. Same answer
    and same writes as `limitation_store(record)` on each record, one by one."""
    records = list(
        NplRecord.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by("id")
        .values_list(
            "pk", "due_on", "limitation_expires_on", "limitation_revived", "limitation_stale"
        )
    )
    instalments: dict[int, list[date]] = {}
    for record_id, due_on in (
        NplInstalment.objects.filter(record_id__in=ids)
        .order_by("record_id", "due_on")
        .values_list("record_id", "due_on")
    ):
        instalments.setdefault(record_id, []).append(due_on)
    events: dict[int, list[tuple[int | None, L.Event]]] = {}
    for row in (
        LimitationEvent.objects.filter(record_id__in=ids)
        .order_by("record_id", "occurred_on", "id")
        .values_list(
            "record_id",
            "guarantor_id",
            "kind",
            "occurred_on",
            "ends_on",
            "signer_relation",
            "signer_name",
            "receipt_number",
            "media_level",
            "media_name",
            "pk",
        )
    ):
        events.setdefault(row[0], []).append(
            (
                row[1],
                L.Event(
                    kind=row[2],
                    on=row[3],
                    ends_on=row[4],
                    signer_relation=row[5],
                    signer_name=row[6],
                    receipt_number=row[7],
                    media_level=row[8],
                    media_name=row[9],
                    ref=row[10],
                ),
            )
        )
    guarantors: dict[int, list[tuple]] = {}
    for row in (
        NplGuarantor.objects.filter(record_id__in=ids)
        .order_by("record_id", "id")
        .values_list(
            "record_id",
            "pk",
            "contract_signed_on",
            "stated_type",
            "agreed_period_end",
            "until_repaid",
            "limitation_expires_on",
            "period_ends_on",
        )
    ):
        guarantors.setdefault(row[0], []).append(row[1:])
    record_rows, guarantor_rows = [], []
    for pk, due_on, expires_on, revived, stale in records:
        mine = guarantors.get(pk, [])
        borrower, results = _engine(
            instalments.get(pk) or [due_on],
            events.get(pk, []),
            [
                (
                    g[0],
                    L.Guarantee(
                        signed_on=g[1], stated_type=g[2], agreed_end=g[3], until_repaid=g[4]
                    ),
                )
                for g in mine
            ],
        )
        if (expires_on, revived, stale) != (
            borrower.expires_on,
            borrower.revived_after_expiry,
            False,
        ):
            record_rows.append((pk, borrower.expires_on, borrower.revived_after_expiry))
        for g, r in zip(mine, results, strict=True):
            if (g[5], g[6]) != (r.expires_on, r.guarantee_period_ends_on):
                guarantor_rows.append((g[0], r.expires_on, r.guarantee_period_ends_on))
    with connection.cursor() as cur:
        _update_from_values(
            cur, _RECORDS_UPDATE, "(%s::bigint, %s::date, %s::boolean)", record_rows
        )
        _update_from_values(
            cur, _GUARANTORS_UPDATE, "(%s::bigint, %s::date, %s::date)", guarantor_rows
        )
    return len(records)


@transaction.atomic
def limitation_recompute_stale(*, limit: int | None = None) -> int:
    """Recompute the records a set-based write marked stale (the import, the admin), in
    chunks read and written set-based (`_recompute_chunk`); returns how many."""
    ids = (
        NplRecord.objects.filter(limitation_stale=True).order_by("id").values_list("pk", flat=True)
    )
    ids = list(ids[:limit] if limit else ids)
    done = 0
    for start in range(0, len(ids), RECOMPUTE_CHUNK):
        done += _recompute_chunk(ids[start : start + RECOMPUTE_CHUNK])
    return done
