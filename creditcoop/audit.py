"""The audit trail: every service write calls `audit_record` inside its transaction.

Rows are built in one place (`audit_row`); bulk paths build them with `audit_row` and
insert them with `audit_record_many`. Actions are named `<app>.<verb>` (for example
`loans.loan_draw`, `villages.household_update`); their Chinese names, and those of object
types and fields, are in `creditcoop/audit_labels.py`.
"""

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


def audit_row(
    *,
    actor,
    action: str,
    obj: models.Model,
    changes: dict | None = None,
    cooperative=None,
    cooperative_id=None,
) -> AuditLog:
    """An unsaved audit row for `obj`; the cooperative is found from the object if not given."""
    if cooperative is None and cooperative_id is None:
        cooperative = _cooperative_of(obj)
    row = AuditLog(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes={k: _plain(v) for k, v in (changes or {}).items()},
    )
    if cooperative is not None:
        row.cooperative = cooperative
    else:
        row.cooperative_id = cooperative_id
    return row


def audit_record(
    *, actor, action: str, obj: models.Model, changes: dict | None = None, cooperative=None
) -> AuditLog:
    row = audit_row(actor=actor, action=action, obj=obj, changes=changes, cooperative=cooperative)
    row.save()
    return row


def audit_record_many(rows) -> list[AuditLog]:
    """Insert rows built with `audit_row` in one statement (bulk steps, periodic jobs)."""
    rows = list(rows)
    if rows:
        AuditLog.objects.bulk_create(rows)
    return rows


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
