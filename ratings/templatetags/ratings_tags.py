from django import template

from ratings.selectors import household_credit_summary

register = template.Library()


@register.simple_tag
def household_credit(household):
    """{% household_credit household as credit %} — grade, line, term and history."""
    return household_credit_summary(household=household)
