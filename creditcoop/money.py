"""Money is Decimal, rounded half-up to the fen in exactly one place."""

import unicodedata
from decimal import ROUND_HALF_UP, Decimal

MONEY = dict(max_digits=14, decimal_places=2)
RATE = dict(max_digits=9, decimal_places=6)
FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_fen(value) -> Decimal:
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def ascii_digits(value) -> str:
    """What was typed, with full-width characters (１２３．５, Ｘ) folded to their ASCII forms
    and every other Unicode digit (٣, ३ …) made the ASCII digit it stands for: ID numbers and
    amounts are checked and stored in ASCII only, whatever keyboard typed them."""
    value = unicodedata.normalize("NFKC", str(value or ""))
    return "".join(
        str(unicodedata.decimal(c)) if not c.isascii() and c.isdecimal() else c for c in value
    )


def yuan(value) -> str:
    """'12,345.60' for display."""
    return f"{to_fen(value):,.2f}"
