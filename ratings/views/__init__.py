"""The rating pages, one module per part; ``ratings.urls`` reads every view from here."""

from .applications import (
    application_create,
    application_decide,
    application_detail,
    application_documents,
    application_investigate,
    application_list,
    application_reject,
    application_rejection,
    application_step,
    application_submit,
    household_history,
)
from .outputs import village_approvals, village_ledger
from .rating_day import (
    campaign_add_households,
    campaign_advance,
    campaign_close,
    campaign_create,
    campaign_day,
    campaign_decide,
    campaign_list,
    row,
)

__all__ = [
    "application_create",
    "application_decide",
    "application_detail",
    "application_documents",
    "application_investigate",
    "application_list",
    "application_reject",
    "application_rejection",
    "application_step",
    "application_submit",
    "campaign_add_households",
    "campaign_advance",
    "campaign_close",
    "campaign_create",
    "campaign_day",
    "campaign_decide",
    "campaign_list",
    "household_history",
    "row",
    "village_approvals",
    "village_ledger",
]
