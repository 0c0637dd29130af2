from django import template

from creditcoop import money

register = template.Library()


@register.filter
def deadline_state(deadline, today):
    return deadline.state_label(today)


@register.filter
def percent(rate):
    """An annual rate as people read it: Decimal("0.061200") → 6.12%."""
    return money.percent(rate)
