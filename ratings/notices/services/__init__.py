"""Writes for public notices and objections (docs/rules.md §3).

``batches`` drafts, publishes and ends the notices; ``objections`` registers, investigates
and decides objections under the deadline engine. Callers import from here:
``from ratings.notices import services`` then ``services.objection_file(...)``.
"""

from ._common import NoticeError, policy_for
from .batches import (
    batch_create_draft,
    batch_publish,
    batch_update_draft,
    entry_drop_from_draft,
    listable_applications,
    notice_end_expired,
)
from .objections import (
    CONTACT_NAME_MAX,
    CONTACT_PHONE_MAX,
    OBJECTION_DEADLINE,
    PRIVATE_PATTERN,
    REPLY_MAX,
    TEXT_MAX,
    may_handle_objection,
    may_register_objection,
    objection_assign,
    objection_deadlines,
    objection_decide,
    objection_file,
    objection_flag_overdue,
    objection_investigate,
    objection_record_findings,
    source_hash,
)

__all__ = [
    "CONTACT_NAME_MAX",
    "CONTACT_PHONE_MAX",
    "OBJECTION_DEADLINE",
    "PRIVATE_PATTERN",
    "REPLY_MAX",
    "TEXT_MAX",
    "NoticeError",
    "batch_create_draft",
    "batch_publish",
    "batch_update_draft",
    "entry_drop_from_draft",
    "listable_applications",
    "may_handle_objection",
    "may_register_objection",
    "notice_end_expired",
    "objection_assign",
    "objection_deadlines",
    "objection_decide",
    "objection_file",
    "objection_flag_overdue",
    "objection_investigate",
    "objection_record_findings",
    "policy_for",
    "source_hash",
]
