"""The audit trail: every service write calls `audit_record` inside its transaction."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import models

from .models import AuditLog


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: list[str]) -> dict:
    return {f: _plain(getattr(obj, f)) for f in fields}


def diff(before: dict, after: dict) -> dict:
    """{'field': [old, new]} for the fields that changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def audit_record(
    *, actor, action: str, obj: models.Model, changes: dict | None = None, cooperative=None
) -> AuditLog:
    if cooperative is None:
        cooperative = _cooperative_of(obj)
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes={k: _plain(v) for k, v in (changes or {}).items()},
        cooperative=cooperative,
    )


def _cooperative_of(obj):
    from .models import Cooperative

    if isinstance(obj, Cooperative):
        return obj
    for path in ("cooperative", "village.cooperative", "household.village.cooperative"):
        target = obj
        try:
            for part in path.split("."):
                target = getattr(target, part)
        except AttributeError:
            continue
        if isinstance(target, Cooperative):
            return target
    return None
