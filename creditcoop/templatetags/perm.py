"""Templates ask the shared permission rules (creditcoop.permissions), never their own copies.

{% load perm %}
{% if user|may_open:"loans:counter" %}…{% endif %}
{% if user|officer_or_director:village %}…{% endif %}
"""

from django import template

from creditcoop import permissions

register = template.Library()


@register.filter
def may_open(user, url_name) -> bool:
    """The page's role check would let the user in (menus and tabs show only these)."""
    return permissions.may_open(user, url_name)


@register.filter
def may_write(user) -> bool:
    return permissions.may_write(user)


@register.filter
def manages_village(user, village) -> bool:
    return permissions.manages_village(user, village)


@register.filter
def officer_or_director(user, village) -> bool:
    return permissions.officer_or_director(user, village)


@register.filter
def directs_cooperative(user, cooperative) -> bool:
    return permissions.directs_cooperative(user, cooperative)


@register.filter
def sits_on_committee(user, village) -> bool:
    return permissions.sits_on_committee(user, village)


@register.filter
def works_at(user, cooperative) -> bool:
    return permissions.works_at(user, cooperative)
