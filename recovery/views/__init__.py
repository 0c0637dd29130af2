"""Pages of the NPL register: the list, a record with its limitation, corrections, the
off-balance import and the list of limitations ending soon."""

from .imports import npl_import, npl_import_preview, npl_import_template
from .register import (
    assessment_edit,
    event_add,
    expiring,
    guarantor_add,
    record_detail,
    record_edit,
    register,
)

__all__ = [
    "assessment_edit",
    "event_add",
    "expiring",
    "guarantor_add",
    "npl_import",
    "npl_import_preview",
    "npl_import_template",
    "record_detail",
    "record_edit",
    "register",
]
