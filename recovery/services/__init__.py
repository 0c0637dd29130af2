"""Writes for the NPL register, its limitation and its warnings. Each service is one
transaction: lock the record, check, write, recompute the limitation, audit."""

from ._common import RecoveryError, may_manage, may_pursue

# Repayment agreements and lawsuits (agree).
from .agree import (
    agreement_approve,
    agreement_broken_flag,
    agreement_cancel,
    agreement_create,
    agreement_payment_record,
    agreement_sign,
    equal_schedule,
    may_approve,
)
from .imports import npl_import_confirm, npl_import_preview
from .lawsuits import enforcement_apply_by, enforcement_sweep, lawsuit_file, lawsuit_update
from .limitation import (
    limitation_compute,
    limitation_event_add,
    limitation_recompute_stale,
    limitation_store,
)
from .register import (
    assessment_save,
    expiry_sql,
    npl_guarantor_add,
    npl_record_update,
    npl_register_sync,
)
from .sweep import limitation_sweep

__all__ = [
    "RecoveryError",
    "assessment_save",
    "expiry_sql",
    "limitation_compute",
    "limitation_event_add",
    "limitation_recompute_stale",
    "limitation_store",
    "limitation_sweep",
    "may_manage",
    "may_pursue",
    "npl_guarantor_add",
    "npl_import_confirm",
    "npl_import_preview",
    "npl_record_update",
    "npl_register_sync",
    "agreement_approve",
    "agreement_broken_flag",
    "agreement_cancel",
    "agreement_create",
    "agreement_payment_record",
    "agreement_sign",
    "enforcement_apply_by",
    "enforcement_sweep",
    "equal_schedule",
    "lawsuit_file",
    "lawsuit_update",
    "may_approve",
]
