"""Writes for the NPL register, its limitation and its warnings. Each service is one
transaction: lock the record, check, write, recompute the limitation, audit."""

from ._common import RecoveryError, may_manage, may_pursue
from .blacklist import (  # noqa: E402 (village roll and blacklist)
    blacklist_add,
    blacklist_default_end,
    blacklist_exit,
    blacklist_lapse,
)
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
from .roll import (
    consent_record,
    roll_create,
    roll_line_check,
    roll_post,
    roll_print_log,
    roll_receipt_add,
    roll_witness,
)
from .roll import (
    may_keep_roll as roll_may_keep,
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
    "blacklist_add",
    "blacklist_default_end",
    "blacklist_exit",
    "blacklist_lapse",
    "consent_record",
    "roll_create",
    "roll_may_keep",
    "roll_line_check",
    "roll_post",
    "roll_print_log",
    "roll_receipt_add",
    "roll_witness",
]
from .collect import (  # noqa: E402
    collection_action_add,
    in_quiet_hours,
    notice_amounts,
    notice_batch_create,
    notice_create,
    notice_receipt_register,
)

__all__ += [
    "collection_action_add",
    "in_quiet_hours",
    "notice_amounts",
    "notice_batch_create",
    "notice_create",
    "notice_receipt_register",
]
from .board import (  # noqa: E402  board
    ranking_publish,
    recovery_entries_from_repayments,
    recovery_entry_record,
    year_baseline_lock,
    year_baseline_take,
)

__all__ += [
    "ranking_publish",
    "recovery_entries_from_repayments",
    "recovery_entry_record",
    "year_baseline_lock",
    "year_baseline_take",
]

# Repayment agreements and lawsuits (agree).
from .agree import (  # noqa: E402
    agreement_approve,
    agreement_broken_flag,
    agreement_cancel,
    agreement_create,
    agreement_payment_record,
    agreement_sign,
    equal_schedule,
    may_approve,
)
from .lawsuits import (  # noqa: E402
    enforcement_apply_by,
    enforcement_sweep,
    lawsuit_file,
    lawsuit_update,
)

__all__ += [
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

from .incentive import (  # noqa: E402  incentive
    incentive_bands_ensure,
    incentive_slip_check,
    incentive_slip_pay,
    incentive_slips_compute,
    officer_targets_save,
    risk_deposit_decide,
    risk_deposits_compute,
)

__all__ += [
    "incentive_bands_ensure",
    "incentive_slip_check",
    "incentive_slip_pay",
    "incentive_slips_compute",
    "officer_targets_save",
    "risk_deposit_decide",
    "risk_deposits_compute",
]

from .agency import (  # noqa: E402  agency (托管清收)
    agency_create,
    agency_member_add,
    agency_whitelist,
    fee_approve,
    fee_invoice,
    fee_list_compute,
    handover_report,
    handover_settle,
    package_create,
    package_end,
)

__all__ += [
    "agency_create",
    "agency_member_add",
    "agency_whitelist",
    "fee_approve",
    "fee_invoice",
    "fee_list_compute",
    "handover_report",
    "handover_settle",
    "package_create",
    "package_end",
]

from .assets import (  # noqa: E402  debt-for-asset
    Settles,
    debt_asset_create,
    debt_asset_dispose,
    debt_asset_lease,
    debt_asset_warn,
    own_use_decide,
    own_use_request,
)
from .writeoff import (  # noqa: E402  write-off
    writeoff_approve,
    writeoff_recovery_record,
    writeoff_save,
    writeoff_submit,
)

__all__ += [
    "Settles",
    "debt_asset_create",
    "debt_asset_dispose",
    "debt_asset_lease",
    "debt_asset_warn",
    "own_use_decide",
    "own_use_request",
    "writeoff_approve",
    "writeoff_recovery_record",
    "writeoff_save",
    "writeoff_submit",
]

from .contract import (  # noqa: E402  contract
    band_bonus,
    bid_submit,
    contract_end,
    contract_forfeit,
    contract_sign,
    contractor_register,
    package_award,
    package_build,
    package_discard,
    package_preview,
    package_publish,
    slip_check,
    slip_compute,
    slip_pay,
)

__all__ += [
    "band_bonus",
    "bid_submit",
    "contract_end",
    "contract_forfeit",
    "contract_sign",
    "contractor_register",
    "package_award",
    "package_build",
    "package_discard",
    "package_preview",
    "package_publish",
    "slip_check",
    "slip_compute",
    "slip_pay",
]
