"""The workflow kit: states as data, one checked call per transition.

A workflow declares, beside its model, its states (a ``TextChoices``) and the moves it
allows, in one ``Workflow`` object::

    class Walkin(models.Model):
        ...
    Walkin.workflow = Workflow(WalkinStatus, {
        WalkinStatus.INVESTIGATING: {WalkinStatus.IN_APPROVAL, WalkinStatus.REFUSED},
        WalkinStatus.IN_APPROVAL: {WalkinStatus.APPROVED, WalkinStatus.DECLINED},
    })

Templates ask ``workflow.can(obj, to)`` (or the model's ``can``); services call
``transition(obj, to, actor=..., reason=...)``, which checks the move (a refusal is a
``DomainError`` naming both states), writes the state with ``save(update_fields)``, and
records one event row and one audit row in the caller's transaction. Bulk steps call
``transition_many`` (or ``record_many`` after a set-based write): events and audit rows
go in with one ``bulk_create`` each.

Where the event row goes — one row per transition, always in the same place for a given
workflow:

- a workflow whose history carries more than the move (the scores of a rating step, the
  note of an objection step, the reason of a survey decision, the accountability of a
  missed deadline) names its own event table with ``events=`` — rating applications
  (``ApplicationEvent``), objections (``ObjectionEvent``), promotion surveys
  (``PromotionEvent``);
- every other workflow (notice batches, walk-ins, credit contracts, loan certificates,
  loans) writes the one core table ``WorkflowEvent``.

Steps that change no state (editing a draft, assigning an investigator) are not
transitions: they write their own event row and audit row as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _

from .audit import audit_record, audit_record_many, audit_row
from .errors import DomainError


@dataclass
class Move:
    """One transition about to be recorded: the object is already in ``to`` state."""

    obj: models.Model
    from_state: str
    to_state: str
    actor: object
    reason: str = ""
    changes: dict | None = None
    action: str | None = None
    # The cooperative the rows belong to (a Cooperative or its id); found from obj if None.
    cooperative: object = None


def pipeline(next_of: dict, *exits) -> dict[str, set[str]]:
    """Transitions of a pipeline: each step may move to the one after it or to an exit."""
    return {step: {following, *exits} for step, following in next_of.items()}


EventBuilder = Callable[[Move], models.Model]


class Workflow:
    def __init__(
        self,
        states: type[models.TextChoices],
        transitions: dict[str, Iterable[str]] | None = None,
        *,
        actions: dict[str, tuple[str, str]] | None = None,
        field: str = "status",
        events: EventBuilder | None = None,
    ):
        """``transitions`` maps a state to the states it may move to; ``actions`` names
        steps for templates and services (``"publish": (DRAFT, PUBLISHED)``), and every
        named step that changes the state is a transition too. A step that keeps the state
        (``"edit": (DRAFT, DRAFT)``) is allowed in that state but is not a transition."""
        self.states = states
        self.actions = {k: (str(a), str(b)) for k, (a, b) in (actions or {}).items()}
        moves: dict[str, set[str]] = {}
        for k, v in (transitions or {}).items():
            moves.setdefault(str(k), set()).update(str(t) for t in v)
        for a, b in self.actions.values():
            if a != b:
                moves.setdefault(a, set()).add(b)
        self.transitions = {k: frozenset(v) for k, v in moves.items()}
        self.field = field
        self._events = events

    # ----------------------------------------------------------------- reading
    def allowed(self, from_state) -> frozenset[str]:
        return self.transitions.get(str(from_state), frozenset())

    def state_of(self, obj) -> str:
        return str(getattr(obj, self.field))

    def can(self, obj, to) -> bool:
        """May ``obj`` move to state ``to`` (or take the named action ``to``)?"""
        state = self.state_of(obj)
        if str(to) in self.actions:
            return self.actions[str(to)][0] == state
        return str(to) in self.allowed(state)

    def label(self, state) -> str:
        try:
            return str(self.states(state).label)
        except ValueError:
            return str(state or "—")

    def check(self, from_state, to) -> None:
        if str(to) not in self.allowed(from_state):
            raise DomainError(
                _("当前状态为“%(from)s”，不能办理此操作（不能转为“%(to)s”）。")
                % {"from": self.label(from_state), "to": self.label(to)}
            )

    def check_action(self, obj, action: str) -> None:
        if not self.can(obj, action):
            raise DomainError(
                _("当前状态为“%(from)s”，不能办理此操作。")
                % {"from": self.label(self.state_of(obj))}
            )

    def target(self, action: str) -> str:
        return self.actions[action][1]

    # ----------------------------------------------------------------- writing
    def event_row(self, move: Move, *, cooperative=None) -> models.Model:
        if self._events is not None:
            return self._events(move)
        from .models import WorkflowEvent

        if cooperative is None:
            cooperative = move.cooperative
        coop_id = getattr(cooperative, "pk", cooperative)

        return WorkflowEvent(
            object_type=move.obj._meta.label_lower,
            object_id=str(move.obj.pk),
            from_state=move.from_state,
            to_state=move.to_state,
            actor=move.actor if getattr(move.actor, "pk", None) else None,
            reason=move.reason,
            cooperative_id=coop_id if coop_id is not None else _cooperative_id(move.obj),
        )


def _workflow_of(obj) -> Workflow:
    return type(obj).workflow


def _cooperative_id(obj):
    from .audit import _cooperative_of

    coop = _cooperative_of(obj)
    return coop.pk if coop is not None else None


def _audit_changes(move: Move) -> dict:
    changes = dict(move.changes or {})
    if move.from_state != move.to_state:
        changes = {"status": [move.from_state, move.to_state], **changes}
    if move.reason and "reason" not in changes and "note" not in changes:
        changes["reason"] = move.reason
    return changes


def _default_action(obj, to) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}_{to}"


def record(move: Move, *, cooperative=None):
    """The event row and the audit row of one move already written to the object."""
    event = _workflow_of(move.obj).event_row(move, cooperative=cooperative)
    event.save()
    audit_record(
        actor=move.actor,
        action=move.action or _default_action(move.obj, move.to_state),
        obj=move.obj,
        changes=_audit_changes(move),
        cooperative=cooperative if cooperative is not None else _coop_instance(move),
    )
    return event


def _coop_instance(move: Move):
    return move.cooperative if isinstance(move.cooperative, models.Model) else None


def _audit_row_of(move: Move):
    coop = move.cooperative
    return audit_row(
        actor=move.actor,
        action=move.action or _default_action(move.obj, move.to_state),
        obj=move.obj,
        changes=_audit_changes(move),
        cooperative=coop if isinstance(coop, models.Model) else None,
        cooperative_id=coop if coop is not None and not isinstance(coop, models.Model) else None,
    )


def record_many(moves: list[Move]) -> None:
    """``record`` for many moves: one bulk insert of events per table, one of audit rows."""
    if not moves:
        return
    by_table: dict[type, list] = {}
    for move in moves:
        row = _workflow_of(move.obj).event_row(move)
        by_table.setdefault(type(row), []).append(row)
    for model, rows in by_table.items():
        model.objects.bulk_create(rows)
    audit_record_many(_audit_row_of(m) for m in moves)


def transition(
    obj,
    to,
    *,
    actor,
    reason: str = "",
    fields: Iterable[str] = (),
    action: str | None = None,
    changes: dict | None = None,
    cooperative=None,
):
    """Check, write and record one move of ``obj`` (locked by the caller) to ``to``."""
    workflow = _workflow_of(obj)
    before = workflow.state_of(obj)
    workflow.check(before, to)
    setattr(obj, workflow.field, to)
    obj.save(update_fields=[workflow.field, *fields])
    record(
        Move(obj, before, str(to), actor, reason, changes, action),
        cooperative=cooperative,
    )
    return obj


def transition_many(
    objs,
    to,
    *,
    actor,
    reason: str = "",
    action: str | None = None,
    values: dict | None = None,
    changes: dict | None = None,
) -> list:
    """Move many objects of one model (locked by the caller) to ``to`` set-wise: one
    UPDATE (with ``values`` for other fields), then the events and audit rows with one bulk
    insert each."""
    objs = list(objs)
    if not objs:
        return objs
    workflow = _workflow_of(objs[0])
    moves = []
    for obj in objs:
        before = workflow.state_of(obj)
        workflow.check(before, to)
        setattr(obj, workflow.field, to)
        for k, v in (values or {}).items():
            setattr(obj, k, v)
        moves.append(Move(obj, before, str(to), actor, reason, changes, action))
    type(objs[0]).objects.filter(pk__in=[o.pk for o in objs]).update(
        **{workflow.field: to, **(values or {})}
    )
    record_many(moves)
    return objs
