"""What notice batches and objections both need: the error, the cooperative's settings, the
batch lock, the posted snapshot of a household and the batch's audit row."""

from __future__ import annotations

from django.db.models import Max

from creditcoop.audit import audit_record
from creditcoop.errors import DomainError
from villages.idcard import mask_name

from ..models import NoticeBatch, NoticeEntry, NoticePolicy


class NoticeError(DomainError):
    """A notice rule refused the action; the message is meant for the user (Chinese)."""


def policy_for(cooperative) -> NoticePolicy:
    """The cooperative's notice settings; the defaults until an administrator saves some."""
    policy = NoticePolicy.objects.filter(cooperative=cooperative).first()
    return policy or NoticePolicy(cooperative=cooperative)


def lock_batch(batch) -> NoticeBatch:
    return (
        NoticeBatch.objects.select_for_update(of=("self",))
        .select_related("village__cooperative")
        .get(pk=batch.pk)
    )


def entry_from(app, batch) -> NoticeEntry:
    group = app.household.group
    return NoticeEntry(
        batch=batch,
        application=app,
        household_id=app.household_id,
        group_name=group.name,
        group_number=group.number,
        masked_name=mask_name(app.applicant.name),
        grade=app.grade,
        line=app.final_line,
        term_months=app.term_months,
    )


def next_number(village) -> int:
    last = NoticeBatch.objects.filter(village=village).aggregate(m=Max("number"))["m"]
    return (last or 0) + 1


def audit_batch(batch, *, actor, action, changes=None):
    audit_record(
        actor=actor,
        action=f"notices.{action}",
        obj=batch,
        changes=changes or {},
        cooperative=batch.village.cooperative,
    )
