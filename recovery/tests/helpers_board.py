"""Rows for the board's tests: records with what the reports group on, loans due in a month."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loans.models import Loan
from loans.tests import factories as lf

from .helpers import npl


def record(village, number, *, principal="1000", **kw):
    return npl(village, number=number, principal_owed=Decimal(principal), **kw)


def due_loan(org, amount: str, *, drawn: date, due: date) -> Loan:
    """A loan of village A1 (officer1) falling due on `due`."""
    c = lf.contract(org, signed_on=drawn, today=drawn)
    return lf.draw(org, c, amount, today=drawn, due_date=due)
