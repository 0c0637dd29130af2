"""Demo village roll and blacklist: per demo cooperative, a posted roll of the demo village
(lines ticked, a committee witness, three copies, one receipt) and a blacklist entry from
the oldest demo record. Re-runnable: a village that has a roll, or a record already listed,
is left alone."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from villages.models import BadCreditRecord, CommitteeMember

from . import limitation as L
from . import services
from .demo import _director
from .models import CollectionRoll, NplRecord


def seed_roll(*, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    rolls = listed = 0
    villages = (
        NplRecord.objects.filter(loan_number__startswith="DEMO-", status="pursuing")
        .exclude(village=None)
        .values_list("village", flat=True)
        .distinct()
    )
    for record in (
        NplRecord.objects.filter(village_id__in=list(villages), loan_number__startswith="DEMO-")
        .select_related("village", "cooperative")
        .order_by("village_id", "drawn_on")
    ):
        village, director = record.village, _director(record.cooperative)
        if director is None:
            continue
        if not CollectionRoll.objects.filter(village=village).exists():
            member = CommitteeMember.objects.filter(village=village).first()
            if member is None:
                continue
            roll = services.roll_create(actor=director, village=village, today=today)
            for line in roll.lines.all():
                services.roll_line_check(actor=director, line=line)
            services.roll_witness(
                actor=director, roll=roll, member=member, witnessed_on=today, today=today
            )
            services.roll_post(
                actor=director,
                roll=roll,
                places=["村委会公示栏", "村小卖部", "村文化广场"],
                posted_on=today,
                today=today,
            )
            first = (
                roll.lines.select_related("record")
                # Leave the records whose warning falls due soon as they are.
                .filter(record__limitation_expires_on__gt=today + timedelta(days=120))
                .order_by("-record__limitation_expires_on")
                .first()
            )
            if first is not None:
                services.roll_receipt_add(
                    actor=director,
                    line=first,
                    signed_on=today,
                    signer_name=first.record.borrower_name,
                    signer_relation=L.SIGNER_SELF,
                    today=today,
                )
            rolls += 1
        if (
            record.borrower_id_number
            and not BadCreditRecord.objects.filter(source_record_id=record.pk).exists()
        ):
            services.blacklist_add(
                actor=director,
                record=record,
                reason="late_repayment",
                listed_on=record.entered_on,
                today=today,
            )
            listed += 1
    return {"rolls": rolls, "blacklisted": listed}
