"""Demo collection work: yesterday's visits and calls, a village batch of collection
notices, one receipt signed by the borrower (the limitation moves) and one signed by a
neighbour (kept, moves nothing). Idempotent: a cooperative that has notices is left alone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from creditcoop.models import Role, Staff

from . import limitation as L
from . import services
from .models import CollectionNotice, NplRecord

ACTIONS = [
    ("visit", time(9, 30), "absent", "本人外出务工，其妻在家，答应转告", "月底电话回访"),
    ("call", time(15, 0), "promised", "承诺年底前先还利息", "年底前上门收息"),
]


def _director(coop):
    return (
        Staff.objects.filter(cooperative=coop, is_active=True, roles__contains=[Role.DIRECTOR])
        .order_by("username")
        .first()
    )


def seed_collect(*, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    yesterday = today - timedelta(days=1)
    counts = {"actions": 0, "notices": 0, "receipts": 0}
    for coop_id in (
        NplRecord.objects.filter(loan_number__startswith="DEMO-")
        .values_list("cooperative_id", flat=True)
        .distinct()
    ):
        if CollectionNotice.objects.filter(cooperative_id=coop_id).exists():
            continue
        records = NplRecord.objects.filter(
            cooperative_id=coop_id, status=NplRecord.Status.PURSUING
        ).select_related("cooperative", "village")
        demo = {r.loan_number[-2:]: r for r in records.filter(loan_number__startswith="DEMO-")}
        anchor = demo.get("02") or next(iter(demo.values()))
        director = _director(anchor.cooperative)
        if director is None or anchor.village is None:
            continue
        for kind, clock, result, text, next_step in ACTIONS:
            moment = datetime.combine(yesterday, clock, tzinfo=tz)
            services.collection_action_add(
                actor=director,
                record=anchor,
                kind=kind,
                at=moment,
                result=result,
                contact_name=anchor.borrower_name,
                contact_relation="本人" if kind == "call" else "",
                result_text=text,
                next_step=next_step,
                next_on=today + timedelta(days=20),
                now=moment + timedelta(hours=1),
            )
            counts["actions"] += 1
        batch = services.notice_batch_create(actor=director, village=anchor.village, today=today)
        notices = list(batch.notices.filter(guarantor=None).select_related("record"))
        counts["notices"] += batch.notices.count()
        # The borrower signs a loan entered from the five-level book if there is one (its
        # limitation moves three years on), else 钱有田's replaced loan.
        signed = next((n for n in notices if n.record.loan_id), None) or next(
            (n for n in notices if n.record_id == anchor.pk), None
        )
        refused = next((n for n in notices if n.record.loan_number.endswith("-04")), None)
        for notice, relation, signer in (
            (signed, L.SIGNER_SELF, None),
            (refused, L.SIGNER_OTHER, "邻居王某"),
        ):
            if notice is None:
                continue
            services.notice_receipt_register(
                actor=director,
                notice=notice,
                signed_on=today,
                signer_name=signer or notice.record.borrower_name,
                signer_relation=relation,
                receipt_no=f"HZ{notice.number[-5:]}",
                today=today,
            )
            counts["receipts"] += 1
    return counts
