"""The rating models, one module per part; every name is importable from ``ratings.models``."""

from ._common import STAFF, Grade, staff_fk
from .applications import CreditApplication, RatingCampaign, RatingDecision
from .scorecards import Scorecard, ScoreIndicator, ScoreOption
from .steps import (
    STEP_LIMIT_MAX_DAYS,
    ApplicationEvent,
    MemberConsent,
    RatingStepLimit,
    StepRole,
)

__all__ = [
    "STAFF",
    "STEP_LIMIT_MAX_DAYS",
    "ApplicationEvent",
    "CreditApplication",
    "Grade",
    "MemberConsent",
    "RatingCampaign",
    "RatingDecision",
    "RatingStepLimit",
    "ScoreIndicator",
    "ScoreOption",
    "Scorecard",
    "StepRole",
    "staff_fk",
]
