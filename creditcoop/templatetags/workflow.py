from django import template

from creditcoop.badges import badge_class

register = template.Library()


@register.filter
def status_badge(status) -> str:
    """The badge classes for a workflow status: ``<span class="badge {{ s|status_badge }}">``."""
    return badge_class(status)


@register.filter
def can(obj, step) -> bool:
    """May ``obj`` take ``step`` (a named step or a target state) now:
    ``{% if batch|can:"publish" %}``."""
    return type(obj).workflow.can(obj, step)
