"""What the core (and the service hall) need from the stages, provided when each app loads.

The core imports no stage (``pyproject.toml``, import-linter). Where it needs something a
stage knows — how to check a resident ID number, what a person's home page lists — the
stage registers it in its ``AppConfig.ready`` and the core asks here.
"""

from __future__ import annotations

from collections.abc import Callable

_IDENTITY: dict[str, Callable] = {}
_HOME_SECTIONS: dict[str, Callable] = {}


def provide_identity_checks(*, normalize_id, id_number_error, phone_error) -> None:
    """Register the ID-number and phone checks (the villages layer owns them)."""
    _IDENTITY.update(
        normalize_id=normalize_id, id_number_error=id_number_error, phone_error=phone_error
    )


def normalize_id(value: str) -> str:
    return _IDENTITY["normalize_id"](value)


def id_number_error(value: str) -> str | None:
    return _IDENTITY["id_number_error"](value)


def phone_error(value: str) -> str | None:
    return _IDENTITY["phone_error"](value)


def register_home_section(name: str, context: Callable[[object], dict]) -> None:
    """``context(user) -> dict`` adds a stage's part of the home page (idempotent by name)."""
    _HOME_SECTIONS[name] = context


def home_context(user) -> dict:
    context: dict = {}
    for section in _HOME_SECTIONS.values():
        context.update(section(user))
    return context


_LOAN_PRODUCTS: list[Callable] = []


def provide_loan_products(source: Callable) -> None:
    """Register what a cooperative publishes as its loan products (the notices stage owns
    the published list); the service hall's loan-type page shows the same rows."""
    _LOAN_PRODUCTS[:] = [source]


def published_loan_products(cooperative) -> list:
    return _LOAN_PRODUCTS[0](cooperative) if _LOAN_PRODUCTS else []
