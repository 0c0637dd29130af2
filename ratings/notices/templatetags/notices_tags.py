from django import template

register = template.Library()


@register.filter
def public_status_for(batch, today):
    """草稿 / 公示中 / 公示结束 as the public sees it on `today`."""
    return batch.public_status(today)


@register.filter
def yuan(value):
    """20000.00 → 20,000 (whole yuan as the notice prints them)."""
    if value is None:
        return ""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}"


@register.filter
def day_of(batch, today):
    """Which day of its period `today` is (publication day = day 1)."""
    return batch.day_number(today)
