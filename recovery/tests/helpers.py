"""Register records for tests: entered directly (the register's own services are what the
tests exercise), with the expiry the engine gives."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from recovery import limitation as L
from recovery.models import NplRecord


def npl(village, *, collector=None, number="XB-0001", due_on=date(2024, 3, 1), **kw) -> NplRecord:
    values = dict(
        cooperative=village.cooperative,
        village=village,
        source=NplRecord.Source.IMPORT,
        entered_on=date(2025, 1, 1),
        borrower_name="欧阳某",
        borrower_id_number="",
        loan_number=number,
        original_amount=Decimal("20000.00"),
        principal_owed=Decimal("15000.00"),
        interest_owed=Decimal("1200.00"),
        drawn_on=date(1998, 5, 1),
        due_on=due_on,
        risk_class=4,
        book_status=NplRecord.BookStatus.WRITTEN_OFF,
        collector=collector if collector is not None else village.officer,
    )
    values.update(kw)
    values.setdefault(
        "limitation_expires_on",
        L.borrower_limitation(due_dates=[values["due_on"]], events=[]).expires_on,
    )
    return NplRecord.objects.create(**values)
