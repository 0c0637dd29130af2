"""Demo data for the recovery board: this year's recoveries (cash and restructured), the
year's locked baseline and last month's published ranking. Re-runnable."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from creditcoop.models import Role, Staff

from . import board, services
from .models import MonthlyRanking, NplRecord, RecoveryEntry, YearBaseline


def seed_board(*, today: date) -> dict:
    # The baseline as the year began (in the demo: the register as it is when first seeded).
    services.year_baseline_lock(today=today)
    services.recovery_entries_from_repayments(today=today)
    added = 0
    records = NplRecord.objects.filter(
        status=NplRecord.Status.PURSUING, loan_number__startswith="DEMO-"
    ).select_related("cooperative", "collector")
    for i, record in enumerate(records.order_by("id")[:6]):
        if RecoveryEntry.objects.filter(record=record, recorded_by__isnull=False).exists():
            continue
        if record.collector is None or record.principal_owed < Decimal("100"):
            continue
        on = max(record.entered_on, today - timedelta(days=20 + 35 * i))
        on = max(on, date(today.year, 1, 1))
        services.recovery_entry_record(
            actor=record.collector,
            record=record,
            on=on,
            kind="restructured" if i % 3 == 2 else "cash",
            principal=(record.principal_owed / 10).quantize(Decimal("0.01")),
            interest=min(record.interest_owed, Decimal("50")),
            note="演示",
            today=today,
        )
        added += 1
    published = 0
    last_month = board.month_start(board.month_start(today) - timedelta(days=1))
    for baseline in YearBaseline.objects.filter(year=today.year).select_related("cooperative"):
        coop = baseline.cooperative
        if MonthlyRanking.objects.filter(cooperative=coop, month=last_month).exists():
            continue
        director = Staff.objects.filter(
            cooperative=coop, is_active=True, roles__contains=[Role.DIRECTOR]
        ).first()
        if director is None or not NplRecord.objects.filter(cooperative=coop).exists():
            continue
        services.ranking_publish(actor=director, cooperative=coop, month=last_month, today=today)
        published += 1
    return {"recoveries": added, "rankings": published}
