"""The service hall's deadline kinds, registered with the engine when the app loads."""

from django.utils.translation import gettext_lazy as _

from creditcoop.deadlines.kinds import register_kind

WALKIN_ANSWER = "walkin_answer"
WALKIN_APPROVAL = "walkin_approval"


def register() -> None:
    register_kind(
        WALKIN_ANSWER,
        label=_("调查并答复客户"),
        stop_condition=_("答复客户（进入审批或不予受理并告知原因）"),
    )
    register_kind(
        WALKIN_APPROVAL, label=_("贷款审批"), stop_condition=_("作出审批决定（同意或不同意）")
    )
