"""The rating pipeline's deadline kinds, registered with the engine when the app loads.

Each step's clock is ``rating_<status>`` (``services.step_deadline_kind``).
"""

from django.utils.translation import gettext_lazy as _

from creditcoop.deadlines.kinds import register_kind

RATING = "rating"
_STEP_STOP = _("转入下一环节，或评定未通过")
STEPS = {
    "rating_draft": _("评级：资料收集与入户调查"),
    "rating_initial": _("评级：村评审小组初评"),
    "rating_review": _("评级：信贷员审核"),
    "rating_decision": _("评级：评定小组评定"),
    "rating_line_proposal": _("授信：村评审小组建议额度"),
    "rating_line_officer": _("授信：信贷员意见"),
    "rating_line_review": _("授信：审贷小组意见"),
}
LINE_DIRECTOR = "rating_line_director"


def register() -> None:
    register_kind(RATING, label=_("信用评级"), stop_condition=_("评级办结，或评定未通过"))
    for code, label in STEPS.items():
        register_kind(code, label=label, stop_condition=_STEP_STOP)
    register_kind(
        LINE_DIRECTOR,
        label=_("授信：主任核定额度"),
        stop_condition=_("主任核定授信额度，或评定未通过"),
    )
