"""`{% load figures %}`: the numbers of dashboards and monthly reports, one way everywhere.

``{{ fig|fig }}`` shows a ``Fig`` (count, money or percentage) linked to the rows behind it
when there is such a list; ``{{ value|num:"money" }}`` shows a plain value the same way.
"""

from decimal import Decimal

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def num(value, kind="int") -> str:
    if value is None or value == "":
        return "—"
    if kind == "pct":
        return f"{Decimal(value):,.2f}%"
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    if kind in ("int", "id"):
        return f"{int(value):,}"
    return str(value)


@register.filter
def fig(f) -> str:
    text = num(f.value, f.kind)
    if f.url:
        return format_html('<a href="{}">{}</a>', f.url, text)
    return text


@register.filter
def cell(row, i):
    """``row[i]`` (report rows are lists)."""
    return row[i]
