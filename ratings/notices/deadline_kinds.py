"""The objection's deadline kind, registered with the engine when the app loads."""

from django.utils.translation import gettext_lazy as _

from creditcoop.deadlines.kinds import register_kind

OBJECTION = "objection"


def register() -> None:
    register_kind(OBJECTION, label=_("异议处理"), stop_condition=_("作出异议处理决定并答复"))
