"""Helpers for the incentive tests: records by drawn date and book status, recoveries and
signed notices through the real services, in March 2026 (checked in April)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from recovery import services

from .helpers import npl

MONTH = date(2026, 3, 1)
TODAY = date(2026, 4, 10)


def record(village, number, *, drawn: date, book="on_balance", **kw):
    return npl(
        village,
        number=number,
        drawn_on=drawn,
        book_status=book,
        principal_owed=Decimal("15000.00"),
        interest_owed=Decimal("1200.00"),
        **kw,
    )


def recover(record, on: date, principal="0", interest="0", actor=None):
    return services.recovery_entry_record(
        actor=actor or record.collector,
        record=record,
        on=on,
        kind="cash",
        principal=Decimal(principal),
        interest=Decimal(interest),
        today=TODAY,
    )


def signed_notice(record, *, signed_on: date, printed_on: date | None = None, sign=True):
    printed_on = printed_on or signed_on
    notice = services.notice_create(
        actor=record.collector, record=record, printed_on=printed_on, today=printed_on
    )
    if sign:
        services.notice_receipt_register(
            actor=record.collector,
            notice=notice,
            signed_on=signed_on,
            signer_name=record.borrower_name,
            signer_relation="self",
            today=signed_on,
        )
    return notice
