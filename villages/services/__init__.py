"""Writes for villages and households. Each service is one transaction with an audit row.

``households`` (families and village groups), ``committees`` (the review committee and the
work schedule), ``promotion`` (choosing promotion villages) and ``household_import`` (the
Excel sheet). Callers import from here: ``from villages import services``.
"""

from ._common import VillageError
from .committees import (
    COMMITTEE_FIELDS,
    SCHEDULE_FIELDS,
    committee_member_end_term,
    committee_member_save,
    work_schedule_save,
)
from .household_import import IMPORT_TTL, household_import_confirm, household_import_preview
from .households import (
    HOUSEHOLD_FIELDS,
    MemberInput,
    household_create,
    household_update,
    village_group_create,
)
from .promotion import (
    SURVEY_FIELDS,
    promotion_decide,
    promotion_propose,
    promotion_survey_record,
)

__all__ = [
    "COMMITTEE_FIELDS",
    "HOUSEHOLD_FIELDS",
    "IMPORT_TTL",
    "SCHEDULE_FIELDS",
    "SURVEY_FIELDS",
    "MemberInput",
    "VillageError",
    "committee_member_end_term",
    "committee_member_save",
    "household_create",
    "household_import_confirm",
    "household_import_preview",
    "household_update",
    "promotion_decide",
    "promotion_propose",
    "promotion_survey_record",
    "village_group_create",
    "work_schedule_save",
]
