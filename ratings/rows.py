"""The display row of the rating day grid, shared by the full page and the htmx fragment.

Rendered in Python rather than with a template: a village of 500 households is 500 rows,
and the template engine spent most of the page's time resolving variables.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from creditcoop.badges import badge_class

from .models import CreditApplication
from .pipeline import step_of

S = CreditApplication.Status


def _money(v) -> str:
    return "" if v is None else f"{v:,.0f}"


def _pending(a) -> bool:
    step = step_of(a)
    return step is not None and step.pending(a)


class RowRenderer:
    """Holds what is the same for every row (URLs, labels) so each row is one format call."""

    def __init__(self, *, editable_steps, can_write):
        self.editable_steps = editable_steps
        self.can_write = can_write
        self.row_url = reverse("ratings:row", args=[0])[:-2]
        self.detail_url = reverse("ratings:application_detail", args=[0])[:-2]
        self.month = _("月")
        self.missing = _("缺：")
        self.cap = _("上限")
        self.edit = _("录入")
        self.today = timezone.localdate()
        self.due = _("限")
        self.late = _("已超期")
        # get_status_display() rebuilds the choices on every call: look labels up once.
        self.labels = {value: str(label) for value, label in S.choices}

    def render(self, a) -> str:
        badge = badge_class(a.status)
        initial = ""
        if a.initial_total is not None:
            initial = str(a.initial_total) + (f" / {a.initial_grade}" if a.initial_grade else "")
        proposed = (
            f"{_money(a.proposed_line)} / {a.proposed_term}{self.month}"
            if a.proposed_line is not None
            else ""
        )
        final = (
            f"<strong>{_money(a.final_line)}</strong> / {a.term_months}{self.month}"
            if a.final_line is not None
            else ""
        )
        missing = getattr(a, "missing", None)
        if missing:
            note = f'<span class="text-danger">{self.missing}{escape("、".join(missing))}</span>'
        elif a.status == S.REJECTED:
            reason = a.rejection_reason
            reason = reason if len(reason) <= 30 else reason[:29] + "…"
            note = f'<span class="text-danger">{escape(reason)}</span>'
        elif a.grade and a.scorecard is not None:
            note = f"{self.cap} {_money(a.line_cap)}"
        else:
            note = ""
        button = ""
        if self.can_write and a.status in self.editable_steps:
            button = (
                f'<button type="button" class="btn btn-sm btn-outline-primary" data-edit '
                f'hx-get="{self.row_url}{a.pk}/?edit=1" hx-target="#row-{a.pk}" '
                f'hx-swap="outerHTML">{self.edit}</button>'
            )
        reviewed = "" if a.reviewed_total is None else str(a.reviewed_total)
        due = ""
        due_on = getattr(a, "step_due_on", None)
        if due_on is not None:
            late_on = getattr(a, "step_late_on", None)
            if late_on is not None and self.today >= late_on:
                due = (
                    f'<div class="small text-danger fw-bold step-late">{self.late}'
                    f"（{self.due} {due_on:%Y-%m-%d}）</div>"
                )
            else:
                due = f'<div class="small text-muted step-due">{self.due} {due_on:%Y-%m-%d}</div>'
        return (
            f'<tr id="row-{a.pk}" class="rating-row" data-pending="{1 if _pending(a) else 0}">'
            f"<td>{escape(a.household.group.name)}</td>"
            f'<td><a href="{self.detail_url}{a.pk}/">{escape(a.applicant.name)}</a></td>'
            f'<td class="money">{_money(a.requested_amount)}</td>'
            f'<td><span class="badge {badge}">{escape(self.labels[a.status])}</span>{due}</td>'
            f"<td>{initial}</td><td>{reviewed}</td><td><strong>{a.grade}</strong></td>"
            f'<td class="money">{proposed}</td>'
            f'<td class="money">{_money(a.officer_line)}</td>'
            f'<td class="money">{_money(a.review_line)}</td>'
            f'<td class="money">{final}</td>'
            f'<td class="small">{note}</td>'
            f'<td class="d-print-none">{button}</td></tr>'
        )

    def render_all(self, rows) -> str:
        return mark_safe("\n".join(self.render(a) for a in rows))  # noqa: S308 (escaped above)
