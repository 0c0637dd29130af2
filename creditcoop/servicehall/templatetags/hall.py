from django import template

register = template.Library()


@register.filter
def deadline_state(deadline, today):
    return deadline.state_label(today)
