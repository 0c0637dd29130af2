from django import template

from creditcoop.models import OUTSIDE_ROLES, Role
from loans.selectors import household_loans_summary

register = template.Library()


@register.simple_tag
def household_loans(household, user):
    """{% household_loans household user as loans %} — contracts, certificate and open loans;
    None for a village committee member, who does not read the books."""
    if not (
        user.is_superuser
        or user.has_role(*(r for r in Role if r != Role.COMMITTEE and r not in OUTSIDE_ROLES))
    ):
        return None
    return household_loans_summary(household=household)
