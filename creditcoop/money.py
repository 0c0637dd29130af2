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


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")


def _capital_integer(n: int) -> str:
    """12,003,400 → 壹仟贰佰万叁仟肆佰: groups of four digits, one 零 for each run of zeros."""
    if n == 0:
        return ""
    groups = []
    while n:
        n, group = divmod(n, 10000)
        groups.append(group)
    out, zero = "", False
    for i in range(len(groups) - 1, -1, -1):
        group = groups[i]
        if group == 0:
            zero = bool(out)
            continue
        # A group below 1000 after a higher group is read with a leading 零 (壹万零伍佰).
        if out and (zero or group < 1000):
            out += "零"
        zero = False
        digits = f"{group:04d}"
        started, pending_zero = False, False
        for pos, ch in enumerate(digits):
            d = int(ch)
            if d == 0:
                pending_zero = started
                continue
            if pending_zero:
                out += "零"
                pending_zero = False
            out += _DIGITS[d] + _SMALL_UNITS[3 - pos]
            started = True
        out += _BIG_UNITS[i]
    return out


def to_capital(value) -> str:
    """An amount in capital Chinese numerals (大写) as written on receipts, IOUs and
    contracts: 30000 → 叁万元整, 1234.05 → 壹仟贰佰叁拾肆元零伍分, 0.5 → 伍角."""
    amount = to_fen(value)
    if amount < 0:
        return "负" + to_capital(-amount)
    fen_total = int(amount * 100)
    yuan_part, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    if fen_total == 0:
        return "零元整"
    out = _capital_integer(yuan_part)
    if out:
        out += "元"
    if not jiao and not fen:
        return out + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif out:
        out += "零"
    if fen:
        out += _DIGITS[fen] + "分"
    return out


def percent(rate) -> str:
    """An annual rate as people read it: Decimal("0.043500") → 4.35%."""
    if rate is None:
        return "—"
    return f"{(Decimal(rate) * 100).normalize():f}%"
