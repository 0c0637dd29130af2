"""Amounts in capital numerals (大写) and rates as percentages, as printed on paper."""

from decimal import Decimal

import pytest

from creditcoop.money import percent, to_capital

pytestmark = pytest.mark.django_db  # the project conftest restores calendar data


@pytest.mark.parametrize(
    "amount, words",
    [
        ("30000", "叁万元整"),
        ("40000.00", "肆万元整"),
        ("1234.05", "壹仟贰佰叁拾肆元零伍分"),
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("0.50", "伍角"),
        ("0.07", "柒分"),
        ("0", "零元整"),
        ("10", "壹拾元整"),
        ("10005", "壹万零伍元整"),
        ("1010", "壹仟零壹拾元整"),
        ("105000", "壹拾万伍仟元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("12003400", "壹仟贰佰万叁仟肆佰元整"),
        ("100000000", "壹亿元整"),
        ("100000001.99", "壹亿零壹元玖角玖分"),
        ("1.005", "壹元零壹分"),  # rounded half-up to the fen first
    ],
)
def test_to_capital(amount, words):
    assert to_capital(Decimal(amount)) == words


@pytest.mark.parametrize(
    "rate, text", [("0.043500", "4.35%"), ("0.061200", "6.12%"), ("0.072", "7.2%"), (None, "—")]
)
def test_percent(rate, text):
    assert percent(None if rate is None else Decimal(rate)) == text
