"""Write-off and debt-asset fixtures: a pursued on-balance-of-the-register record, a dossier
with every required evidence item ticked, the approval chain walked by the org's people."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from recovery import services
from recovery.models import NplRecord, WriteOffCondition, WriteOffLevel

from .helpers import npl


def record(village, number="WO-0001", **kw) -> NplRecord:
    kw.setdefault("book_status", NplRecord.BookStatus.OTHER)
    return npl(village, number=number, **kw)


def condition(code="death") -> WriteOffCondition:
    return WriteOffCondition.objects.get(code=code)


def all_ticks(cond: WriteOffCondition) -> dict[int, str]:
    return {e.pk: f"档案 {e.pk}" for e in cond.evidence.all()}


def dossier(
    actor,
    rec,
    *,
    principal="15000.00",
    interest_on="200.00",
    interest_off="1000.00",
    code="death",
    ticks=None,
):
    cond = condition(code)
    return services.writeoff_save(
        actor=actor,
        record=rec,
        condition=cond,
        principal=Decimal(principal),
        interest_on=Decimal(interest_on),
        interest_off=Decimal(interest_off),
        reason="借款人死亡，继承人无财产",
        ticks=all_ticks(cond) if ticks is None else ticks,
    )


def level(position: int) -> WriteOffLevel:
    return WriteOffLevel.objects.get(position=position)


def written_off(org, rec, *, preparer=None, today=date(2026, 6, 1), **kw):
    """A dossier prepared by the record's officer and approved by director → union risk →
    admin: the record is written off."""
    d = dossier(preparer or rec.collector, rec, **kw)
    services.writeoff_submit(actor=preparer or rec.collector, dossier=d)
    for pos, who in ((1, org_director(org, rec)), (2, org.union_risk), (3, org.admin)):
        services.writeoff_approve(
            actor=who,
            dossier=d,
            level=level(pos),
            decision="approve",
            opinion="同意核销",
            today=today,
        )
    d.refresh_from_db()
    return d


def org_director(org, rec):
    return org.director if rec.cooperative_id == org.coop_a.pk else org.director_b
