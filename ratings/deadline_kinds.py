"""The rating pipeline's deadline kinds, registered with the engine when the app loads.

Each step's clock is ``rating_<status>``; its label and stop condition are the step's in
``ratings.pipeline``.
"""

from django.utils.translation import gettext_lazy as _

from creditcoop.deadlines.kinds import register_kind

RATING = "rating"


def register() -> None:
    from .pipeline import STEPS

    register_kind(RATING, label=_("信用评级"), stop_condition=_("评级办结，或评定未通过"))
    for step in STEPS.values():
        register_kind(
            step.deadline_kind, label=step.deadline_label, stop_condition=step.deadline_stop
        )
