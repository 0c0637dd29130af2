"""Reads of the bad credit history."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from villages.idcard import normalize_id

from .models import BadCreditRecord


def bad_records_for(*, id_numbers: Iterable[str]) -> QuerySet[BadCreditRecord]:
    """Active records for these resident ID numbers (upper-cased like Member.id_number)."""
    ids = {normalize_id(i) for i in id_numbers if i}
    return BadCreditRecord.objects.filter(id_number__in=ids, active=True).order_by(
        "id_number", "recorded_at"
    )
