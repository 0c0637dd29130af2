"""The record page's section on collection: its latest actions and notices. A tag, so the
register's own view stays as it is and the section reads its rows in two queries."""

from django import template

register = template.Library()

LATEST = 10


@register.inclusion_tag("recovery/_collect_section.html")
def collect_section(record, may_pursue=False, may_print=None):
    return {
        "record": record,
        "may_pursue": may_pursue,
        "may_print": may_pursue if may_print is None else may_print,
        "actions": list(
            record.actions.select_related("guarantor", "person").order_by("-at", "-id")[:LATEST]
        ),
        "notices": list(record.notices.select_related("guarantor").order_by("-id")[:LATEST]),
    }
