"""The one domain error every stage raises when a rule refuses an action.

The message is written for a cooperative employee (Chinese, no jargon); `field` names the
form field it belongs to when there is one. Views turn it into form errors with
`add_to_form` and nothing else, so every page shows a refusal the same way.
"""

from __future__ import annotations

from collections.abc import Iterable


class DomainError(Exception):
    """A rule refused the action.

    `errors` maps a place to messages: None for the whole form, a field name, or any key a
    form knows how to show (a family member's row, for example).
    """

    def __init__(self, message="", *, field: str | None = None, errors: dict | None = None):
        self.errors: dict = {k: [str(m) for m in v] for k, v in (errors or {}).items()}
        if message:
            self.errors.setdefault(field, []).append(str(message))
        self.field = field
        super().__init__(self.message)

    @property
    def messages(self) -> list[str]:
        return [m for ms in self.errors.values() for m in ms]

    @property
    def message(self) -> str:
        return "；".join(self.messages)

    def __str__(self):
        return self.message


def add_to_form(
    form, error: DomainError, *, fields: Iterable[str] | None = None, rows=None
) -> None:
    """Show a domain error on a bound form: on its field when the form has it, else on top.

    With `rows` (the forms of a formset) a (row index, field) key lands on that row's form.
    """
    known = set(fields if fields is not None else getattr(form, "fields", {}))
    for key, messages in error.errors.items():
        target_form, target = form, key
        if rows is not None and isinstance(key, tuple):
            index, target = key
            target_form = rows[index]
            known_here = set(target_form.fields)
        else:
            known_here = known
        if not (isinstance(target, str) and target in known_here):
            target = None
        for message in messages:
            target_form.add_error(target, message)
