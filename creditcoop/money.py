"""Money is Decimal, rounded half-up to the fen in exactly one place."""

from decimal import ROUND_HALF_UP, Decimal

MONEY = dict(max_digits=14, decimal_places=2)
RATE = dict(max_digits=9, decimal_places=6)
FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_fen(value) -> Decimal:
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def yuan(value) -> str:
    """'12,345.60' for display."""
    return f"{to_fen(value):,.2f}"
