"""Agreements and lawsuits for tests, built through the services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from recovery import services
from recovery.services.agree import Row


def draft(
    record,
    actor,
    *,
    count=12,
    starts_on=date(2026, 5, 1),
    first_due_on=date(2026, 6, 1),
    total=Decimal("12000.00"),
    today=date(2026, 5, 4),
    **kw,
):
    rows = services.equal_schedule(total=total, count=count, first_due_on=first_due_on)
    return services.agreement_create(
        actor=actor, record=record, starts_on=starts_on, total=total, rows=rows, today=today, **kw
    )


def signed(record, actor, *, signed_on=date(2026, 5, 4), **kw):
    agreement = draft(record, actor, **kw)
    return services.agreement_sign(
        actor=actor, agreement=agreement, signed_on=signed_on, today=signed_on
    )


def rows(*pairs) -> list[Row]:
    return [Row(d, Decimal(a)) for d, a in pairs]
