"""Writes for the NPL register, its limitation and its warnings. Each service is one
transaction: lock the record, check, write, recompute the limitation, audit."""

from ._common import RecoveryError, may_manage, may_pursue
from .imports import npl_import_confirm, npl_import_preview
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
from .responsibility import (
    active_extension,
    compute_split,
    deduction_record,
    escalation_decide,
    force_majeure_extend,
    loss_assess,
    officer_escalation_sweep,
    responsible_person_add,
)
from .sweep import limitation_sweep

__all__ = [
    "active_extension",
    "compute_split",
    "deduction_record",
    "escalation_decide",
    "force_majeure_extend",
    "loss_assess",
    "officer_escalation_sweep",
    "responsible_person_add",
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
]
