"""Deadline kinds: a short code, the label people read and the event that stops the clock.

The engine knows no kind of its own. Each app registers the kinds it opens when it loads
(``AppConfig.ready``), so the deadline pages show their labels and stop conditions
(停表条件) before any clock runs; a workflow calls ``deadline_stop`` exactly when that
event happens. An unregistered code still works: it shows as itself and "该事项办结".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

OTHER_STOP_CONDITION = _("该事项办结")
CODE_MAX_LENGTH = 40  # Deadline.kind


@dataclass(frozen=True)
class DeadlineKind:
    code: str
    label: str
    stop_condition: str


_KINDS: dict[str, DeadlineKind] = {}


def register_kind(code: str, *, label, stop_condition) -> str:
    """Declare a kind (idempotent for the same declaration); returns the code."""
    if not code or len(code) > CODE_MAX_LENGTH:
        raise ImproperlyConfigured(f"deadline kind code {code!r}: 1 to 40 characters")
    kind = DeadlineKind(code=code, label=label, stop_condition=stop_condition)
    known = _KINDS.setdefault(code, kind)
    if known != kind:
        raise ImproperlyConfigured(f"deadline kind {code!r} is registered twice, differently")
    return code


def registered_kinds() -> list[DeadlineKind]:
    return list(_KINDS.values())


def kind_choices() -> list[tuple[str, str]]:
    """(code, label) of every registered kind, for filters."""
    return [(k.code, k.label) for k in _KINDS.values()]


def kind_label(code: str) -> str:
    kind = _KINDS.get(code)
    return str(kind.label) if kind else code


def stop_condition(code: str) -> str:
    kind = _KINDS.get(code)
    return str(kind.stop_condition if kind else OTHER_STOP_CONDITION)
