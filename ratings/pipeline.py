"""The rating pipeline as one table: what each step of an application means.

Every open status of ``CreditApplication`` is one ``Step``: who may act on one
application and who may move the rating day's rows in bulk, what the bulk step writes,
when a row is complete, the form of the grid and of the page, the service that form
calls, and the step's clock. The services, the rating-day grid, its rows and the deadline
kinds read this table; the allowed transitions themselves are the model's workflow
(``CreditApplication.NEXT``), which ``Step.next`` reads. The rules are in docs/rules.md §2
and the time limits in §5.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import rules
from .forms import LineForm, ScoresForm
from .models import CreditApplication

S = CreditApplication.Status


def missing_items(app: CreditApplication, *, member_count=None, consent_count=None) -> list[str]:
    """What still keeps a draft application from going to rating (shown on the page)."""
    missing = app.missing_documents()
    if app.investigated_at is None:
        missing.append(str(_("入户调查")))
    else:
        if member_count is None:
            member_count = app.household.members.count()
        if consent_count is None:
            consent_count = app.consents.filter(consented=True).count()
        if consent_count < member_count:
            missing.append(
                _("家庭成员签字同意（%(n)s/%(total)s）")
                % {"n": consent_count, "total": member_count}
            )
        if app.annual_net_income is None:
            missing.append(str(_("家庭年纯收入")))
    if app.history_checked_at is None:
        missing.append(str(_("家庭信用核查")))
    return missing


# --- the forms of the steps entered in the grid and on the page ------------------------


def _initial_form(app, data, initial):
    return ScoresForm(
        data,
        indicators=_indicators(app),
        initial_scores=app.initial_scores,
        initial=initial,
    )


def _review_form(app, data, initial):
    return ScoresForm(
        data,
        indicators=_indicators(app),
        initial_scores=app.reviewed_scores or app.initial_scores,
        committee_scores=app.initial_scores,
        with_reason=True,
        initial=initial,
    )


def _indicators(app):
    from .services import scorecard_indicators

    return scorecard_indicators(app.scorecard)


def _line_form(amount, **more):
    """A LineForm whose initial amount (and term or opinion) comes from the application."""

    def build(app, data, initial):
        values = {"amount": amount(app)}
        values.update({name: get(app) for name, get in more.items()})
        return LineForm(data, initial={**initial, **values})

    return build


def _scores(form) -> dict:
    return {"scores": form.scores()}


def _scores_reason(form) -> dict:
    return {"scores": form.scores(), "reason": form.cleaned_data.get("reason", "")}


def _amount_term(form) -> dict:
    return {"amount": form.cleaned_data["amount"], "term_months": form.cleaned_data["term_months"]}


def _amount_opinion(form) -> dict:
    return {"amount": form.cleaned_data["amount"], "opinion": form.cleaned_data["opinion"]}


def _on_village(check):
    """A check of the village (who may act there) as a check of one application."""
    return lambda actor, app: check(actor, app.village)


# --- the table ------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    status: str
    # Who may act on one application waiting here (raises RatingError); the same check
    # the step's service makes before it writes.
    may_act: Callable
    # The clock of the step (deadline kind label) and what stops it.
    deadline_label: str
    deadline_stop: str = gettext_lazy("转入下一环节，或评定未通过")
    # Who may move the step's rows on in bulk (a question of the village; None: no bulk
    # move), and what else each row must pass (the officer's grade, 审贷分离).
    may_move: Callable | None = None
    row_check: Callable | None = None
    # What the bulk step writes besides status, version and updated_at.
    fields: tuple[str, ...] = ()
    # Whether a row has what the step needs to move on (counts: members and consents).
    complete: Callable = field(default=lambda app, **counts: True)
    # The form of the grid and the page, the service it calls and the form's values.
    form: Callable | None = None
    service: str = ""
    values: Callable | None = None
    # Whether the service takes ``advance`` (save only, or save and move on).
    advances: bool = True

    @property
    def next(self) -> str | None:
        return CreditApplication.NEXT.get(self.status)

    @property
    def label(self) -> str:
        return S(self.status).label

    @property
    def deadline_kind(self) -> str:
        return step_deadline_kind(self.status)

    @property
    def in_grid(self) -> bool:
        """Rows of this step are entered in the rating-day grid."""
        return self.form is not None

    def pending(self, app) -> bool:
        """A grid row whose entry for this step is still missing (highlighted)."""
        return self.in_grid and not self.complete(app)

    def build_form(self, app, data=None):
        return self.form(app, data, {"version": app.version})

    def run(self, app, form, actor, *, advance: bool):
        """Call the step's service with the form's values."""
        from . import services

        kwargs = self.values(form)
        if self.advances:
            kwargs["advance"] = advance
        return getattr(services, self.service)(
            application=app,
            actor=actor,
            expected_version=form.cleaned_data["version"],
            **kwargs,
        )


def step_deadline_kind(status: str) -> str:
    """The deadline kind of a rating step, e.g. ``rating_initial``."""
    return f"rating_{status}"


STEPS: dict[str, Step] = {
    step.status: step
    for step in [
        Step(
            S.DRAFT,
            may_act=_on_village(rules._check_may_prepare),
            deadline_label=gettext_lazy("评级：资料收集与入户调查"),
            may_move=rules._check_may_prepare,
            complete=lambda app, **counts: not missing_items(app, **counts),
        ),
        Step(
            S.INITIAL,
            may_act=_on_village(rules._committee_or_officer),
            deadline_label=gettext_lazy("评级：村评审小组初评"),
            may_move=rules._committee_or_officer,
            complete=lambda app, **counts: app.initial_total is not None,
            form=_initial_form,
            service="application_initial_rate",
            values=_scores,
        ),
        Step(
            S.REVIEW,
            may_act=rules._check_may_investigate,
            deadline_label=gettext_lazy("评级：信贷员审核"),
            may_move=rules._check_village_officer,
            row_check=rules._check_officer_grade,
            fields=(
                "reviewed_scores",
                "reviewed_total",
                "review_reason",
                "reviewed_by",
                "reviewed_at",
            ),
            form=_review_form,
            service="application_review",
            values=_scores_reason,
            advances=False,
        ),
        Step(
            S.DECISION,
            may_act=_on_village(rules._check_review_group),
            deadline_label=gettext_lazy("评级：评定小组评定"),
            fields=(
                "grade",
                "decision",
                "decided_at",
                "rejection_reason",
                "rejected_by",
                "rejected_at",
            ),
            # The rating group decides at a sitting (applications_decide), never row by row.
            complete=lambda app, **counts: False,
        ),
        Step(
            S.LINE_PROPOSAL,
            may_act=_on_village(rules._committee_or_officer),
            deadline_label=gettext_lazy("授信：村评审小组建议额度"),
            may_move=rules._committee_or_officer,
            complete=lambda app, **counts: (
                app.proposed_line is not None and app.proposed_term is not None
            ),
            form=_line_form(
                lambda a: a.proposed_line,
                term_months=lambda a: a.proposed_term or a.scorecard.max_term_months,
            ),
            service="application_line_propose",
            values=_amount_term,
        ),
        Step(
            S.LINE_OFFICER,
            may_act=rules._check_may_investigate,
            deadline_label=gettext_lazy("授信：信贷员意见"),
            may_move=rules._check_village_officer,
            row_check=rules._check_officer_grade,
            fields=("officer_line", "officer_opinion", "officer_line_by"),
            complete=lambda app, **counts: app.officer_line is not None,
            form=_line_form(
                lambda a: a.officer_line or a.proposed_line, opinion=lambda a: a.officer_opinion
            ),
            service="application_line_officer",
            values=_amount_opinion,
        ),
        Step(
            S.LINE_REVIEW,
            may_act=_on_village(rules._check_line_review_role),
            deadline_label=gettext_lazy("授信：审贷小组意见"),
            may_move=rules._check_line_review_role,
            fields=("review_line", "review_opinion", "review_line_by"),
            complete=lambda app, **counts: app.review_line is not None,
            form=_line_form(
                lambda a: a.review_line or a.officer_line, opinion=lambda a: a.review_opinion
            ),
            service="application_line_review",
            values=_amount_opinion,
        ),
        Step(
            S.LINE_DIRECTOR,
            may_act=rules._check_approver,
            deadline_label=gettext_lazy("授信：主任核定额度"),
            deadline_stop=gettext_lazy("主任核定授信额度，或评定未通过"),
            may_move=rules._check_director,
            row_check=rules._check_approver,
            fields=("final_line", "term_months", "line_set_by", "line_set_at"),
            form=_line_form(lambda a: a.review_line, term_months=lambda a: a.proposed_term),
            service="application_line_final",
            values=_amount_term,
            advances=False,
        ),
    ]
}

# Steps whose rows are edited in the grid.
GRID_STEPS = frozenset(s for s, step in STEPS.items() if step.in_grid)


def step_of(app) -> Step | None:
    """The step an application waits in; None once it is closed."""
    return STEPS.get(app.status)


def row_complete(app: CreditApplication, **counts) -> bool:
    """Whether a row has what its current step needs to move on."""
    step = step_of(app)
    return step is not None and step.complete(app, **counts)
