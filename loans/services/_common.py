"""What every loan service shares: the refusals, today, the number sequences."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.utils import timezone

from creditcoop.errors import DomainError


class LoanError(DomainError):
    """A lending rule refused the action; the message is meant for the user (Chinese)."""


class DrawdownRefused(LoanError):
    """The counter must refuse; recorded and reported to the director.

    `refusal_code` is the CounterRefusal.Reason the refusal is filed under.
    """

    def __init__(self, refusal_code, message, contract=None):
        super().__init__(message)
        self.refusal_code = refusal_code
        self.contract = contract


def _today(today=None) -> date:
    return today or timezone.localdate()


def _next(sequence: str) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(%s)", [sequence])
        return cur.fetchone()[0]
