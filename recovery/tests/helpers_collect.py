"""Helpers for the collection tests: local times, an action with defaults."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from recovery import services


def at(day: date, hh: int, mm: int = 0) -> datetime:
    """A moment of local time (Asia/Shanghai)."""
    return datetime.combine(day, time(hh, mm), tzinfo=timezone.get_current_timezone())


def action(actor, record, when, *, guarantor=None, kind="call", result="no_contact", **kw):
    return services.collection_action_add(
        actor=actor,
        record=record,
        kind=kind,
        at=when,
        result=result,
        guarantor=guarantor,
        now=kw.pop("now", when),
        **kw,
    )
