"""The core's own ledger filter (the audit trail, deadlines): a cooperative and dates.

The stages' ledgers use ``villages.ledger_filters.ScopeFilterForm`` (cooperative *and*
village); the core knows no villages, so its ledgers pick among the cooperatives the person
may see. A cooperative outside that scope is a form error, and the export is refused.
"""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from creditcoop.forms import DateInput
from creditcoop.models import Cooperative

from .ledgers import date_range_label

OUT_OF_SCOPE = _("所选单位不在您的查看范围内。")


def cooperatives_seen(user) -> QuerySet[Cooperative]:
    if user.is_union_wide:
        return Cooperative.objects.filter(union_id=user.union_id)
    return Cooperative.objects.filter(pk=user.cooperative_id)


class CoreFilterForm(forms.Form):
    cooperative = forms.ModelChoiceField(
        label=_("信用社"),
        queryset=None,
        required=False,
        empty_label=_("（我可查看的全部）"),
        error_messages={"invalid_choice": OUT_OF_SCOPE},
    )
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["cooperative"].queryset = cooperatives_seen(user).order_by("code")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data


def core_scope_label(user, filters: dict) -> str:
    if filters.get("cooperative"):
        where = filters["cooperative"].name
    elif user.is_union_wide:
        where = f"{user.union.name}（全联社）" if user.union_id else "全联社"
    else:
        where = user.cooperative.name if user.cooperative_id else ""
    return " ".join(p for p in (where, date_range_label(filters)) if p)
