"""What every recovery service shares: the refusal, today, who may do what."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from creditcoop.errors import DomainError
from creditcoop.models import Role
from creditcoop.permissions import directs_cooperative, manages_village, may_write


class RecoveryError(DomainError):
    """A recovery rule refused the action; the message is meant for the user (Chinese)."""


def _today(today=None) -> date:
    return today or timezone.localdate()


def _union_staff(actor, cooperative) -> bool:
    """The union's asset-preservation staff and administrators, for this union's books."""
    return bool(getattr(actor, "pk", None)) and (
        actor.is_superuser
        or (actor.has_role(Role.UNION_ASSET, Role.ADMIN) and actor.union_id == cooperative.union_id)
    )


def may_manage(actor, cooperative) -> bool:
    """Assign collectors, correct a record, import off-balance stock: the cooperative's
    director or deputy, the union's asset-preservation department."""
    return may_write(actor) and (
        directs_cooperative(actor, cooperative.pk) or _union_staff(actor, cooperative)
    )


def may_pursue(actor, record) -> bool:
    """Record limitation events, guarantors and assessments: the record's collector, the
    village's officer, and whoever may manage the cooperative's book."""
    if not may_write(actor):
        return False
    if getattr(actor, "is_outsider", False):
        # An entrusted firm's staff: the records of their agency's live packages only.
        return actor.has_role(Role.AGENCY) and _agency_works_on(actor, record)
    if record.collector_id == actor.pk:
        return True
    if record.village_id and manages_village(actor, record.village):
        return True
    # … and the cooperative's member of staff who accompanies a firm, on its package.
    return may_manage(actor, record.cooperative) or _accompanies(actor, record)


def _accompanies(actor, record) -> bool:
    from ..models import AgencyPackageLine

    return AgencyPackageLine.objects.filter(
        record_id=record.pk, live=True, package__staff_id=actor.pk
    ).exists()


def _agency_works_on(actor, record) -> bool:
    from ..models import AgencyPackageLine

    return AgencyPackageLine.objects.filter(
        record_id=record.pk, live=True, package__agency__members__staff_id=actor.pk
    ).exists()


def refuse_outsider(actor, message) -> None:
    """Amounts, corrections, assessments: never an entrusted firm's staff."""
    if getattr(actor, "is_outsider", False):
        raise RecoveryError(message)
