"""Writes for household credit rating and credit lines, one module per part of the pipeline.

Every public service is one transaction: lock the application, check the actor and the
transition, write, keep a history row (ApplicationEvent) and an audit record. The shared
machinery (locking, history, step clocks, bulk writes) is in ``_common``; every public name
is importable from ``ratings.services``.
"""

from ..pipeline import missing_items, row_complete, step_deadline_kind
from ..rules import RatingError, StaleApplicationError
from ._common import TRACKED, _bulk_write, _steps_follow
from .applications import (
    application_create,
    application_documents_update,
    application_initial_rate,
    application_investigate,
    application_may_act,
    application_may_reject,
    application_reject,
    application_review,
    application_submit,
    campaign_add_households,
    campaign_close,
    campaign_create,
    history_check,
)
from .lines import (
    application_line_final,
    application_line_officer,
    application_line_propose,
    application_line_review,
    application_line_revise,
)
from .rating_day import applications_advance, applications_decide, decision_facts
from .scorecards import (
    DEFAULT_INDICATORS,
    scorecard_create_default,
    scorecard_current,
    scorecard_indicators,
    scorecard_new_version,
    scorecard_publish,
    scores_clean,
)

__all__ = [
    "DEFAULT_INDICATORS",
    "TRACKED",
    "RatingError",
    "StaleApplicationError",
    "_bulk_write",
    "_steps_follow",
    "application_create",
    "application_documents_update",
    "application_initial_rate",
    "application_investigate",
    "application_line_final",
    "application_line_officer",
    "application_line_propose",
    "application_line_review",
    "application_line_revise",
    "application_may_act",
    "application_may_reject",
    "application_reject",
    "application_review",
    "application_submit",
    "applications_advance",
    "applications_decide",
    "campaign_add_households",
    "campaign_close",
    "campaign_create",
    "decision_facts",
    "history_check",
    "missing_items",
    "row_complete",
    "scorecard_create_default",
    "scorecard_current",
    "scorecard_indicators",
    "scorecard_new_version",
    "scorecard_publish",
    "scores_clean",
    "step_deadline_kind",
]
