"""The steps that settle a walk-in application, as data (docs/rules.md §5).

An application waits on two promised times in turn: the officer answers the customer
(it enters approval, or it is refused with a reason told to the customer), then the
director decides the approval. Both steps are the same shape — a yes or a no on the
walk-in's workflow, a note the no must carry, a date written, a deadline stopped — so
one service (``services.walkin_settle``), one form (``forms.SettleForm``) and one view
(``views.walkin_settle``) read this table. Which moves are allowed is the workflow's
(``Walkin.workflow``); this table says what each step means.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from creditcoop.models import Role
from creditcoop.permissions import directs_cooperative

from .deadline_kinds import WALKIN_ANSWER, WALKIN_APPROVAL
from .models import WalkinStatus


@dataclass(frozen=True)
class Outcome:
    to: str  # the walk-in's state after it
    label: Promise  # the choice on the form
    stop_reason: Promise  # why the step's deadline stopped
    done: Promise  # the message the page shows
    is_no: bool = False  # a no must carry a note
    then_page: str | None = None  # the page shown next (the walk-in's own page if None)


@dataclass(frozen=True)
class SettleStep:
    name: (
        str  # the URL name is servicehall:walkin_<name>; the audit action servicehall.walkin_<name>
    )
    deadline: str  # the deadline kind this step stops
    outcomes: dict[str, Outcome]  # form value → outcome
    roles: tuple[str, ...]  # roles that may post the step (others: 403)
    may_act: Callable  # (actor, walkin) → bool: the rule behind the roles
    not_allowed: Promise
    date_field: str
    note_field: str
    note_key: str  # the note's name in the audit row and on the form
    note_kept_on_yes: bool  # False: a yes clears the note (a refusal reason only on a refusal)
    note_required: Promise
    # the form and the page
    title: Promise
    decision_label: Promise
    note_label: Promise
    note_max_length: int
    note_rows: int | None
    button: Promise

    @property
    def url_name(self) -> str:
        return f"servicehall:walkin_{self.name}"

    @property
    def action(self) -> str:
        return f"servicehall.walkin_{self.name}"

    def outcome(self, value: str) -> Outcome:
        return self.outcomes[value]


def _officer_or_director(actor, walkin) -> bool:
    return actor.pk == walkin.officer_id or directs_cooperative(actor, walkin.cooperative_id)


def _director(actor, walkin) -> bool:
    return directs_cooperative(actor, walkin.cooperative_id)


ANSWER = SettleStep(
    name="answer",
    deadline=WALKIN_ANSWER,
    outcomes={
        "approve": Outcome(
            WalkinStatus.IN_APPROVAL,
            _("进入审批"),
            _("已答复客户：进入审批"),
            _("已答复客户：进入审批。"),
        ),
        "refuse": Outcome(
            WalkinStatus.REFUSED,
            _("不予受理"),
            _("已答复客户：不予受理"),
            _("已记录不予受理，请打印告知书交客户。"),
            is_no=True,
            then_page="servicehall:walkin_refusal",
        ),
    },
    roles=(Role.OFFICER, Role.DIRECTOR, Role.DEPUTY),
    may_act=_officer_or_director,
    not_allowed=_("只有包村信贷员或本社主任、副主任可以答复客户。"),
    date_field="answered_on",
    note_field="refusal_reason",
    note_key="reason",
    note_kept_on_yes=False,
    note_required=_("不予受理时必须填写告知客户的原因。"),
    title=_("答复客户"),
    decision_label=_("答复结果"),
    note_label=_("不予受理原因（将告知客户）"),
    note_max_length=1000,
    note_rows=3,
    button=_("记录答复"),
)

DECIDE = SettleStep(
    name="decide",
    deadline=WALKIN_APPROVAL,
    outcomes={
        "approve": Outcome(
            WalkinStatus.APPROVED, _("同意"), _("审批办结：同意"), _("审批已办结。")
        ),
        "decline": Outcome(
            WalkinStatus.DECLINED,
            _("不同意"),
            _("审批办结：不同意"),
            _("审批已办结。"),
            is_no=True,
        ),
    },
    roles=(Role.DIRECTOR, Role.DEPUTY),
    may_act=_director,
    not_allowed=_("只有本社主任、副主任可以办结审批。"),
    date_field="decided_on",
    note_field="decision_note",
    note_key="note",
    note_kept_on_yes=True,
    note_required=_("审批不同意时必须填写意见。"),
    title=_("审批办结"),
    decision_label=_("审批结果"),
    note_label=_("审批意见"),
    note_max_length=300,
    note_rows=None,
    button=_("办结审批"),
)

STEPS: dict[str, SettleStep] = {step.name: step for step in (ANSWER, DECIDE)}


def open_steps(walkin, actor) -> list[SettleStep]:
    """The steps ``actor`` may take on ``walkin`` now: the workflow allows their moves and
    the step's rule lets the actor act."""
    return [
        step
        for step in STEPS.values()
        if any(walkin.can(o.to) for o in step.outcomes.values())
        and actor.has_role(*step.roles)
        and step.may_act(actor, walkin)
    ]
