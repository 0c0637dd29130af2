"""`{% load money %}`: amounts in capital numerals and rates as percentages on every page."""

from django import template

from creditcoop import money

register = template.Library()


@register.filter
def capital(value):
    """30000 → 叁万元整 (大写)."""
    if value in (None, ""):
        return ""
    return money.to_capital(value)


@register.filter
def percent(rate):
    """Decimal("0.061200") → 6.12%."""
    return money.percent(rate)
