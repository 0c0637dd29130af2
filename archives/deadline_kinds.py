"""The archives' deadline kind, registered with the engine when the app loads."""

from django.utils.translation import gettext_lazy as _

from creditcoop.deadlines.kinds import register_kind

ARCHIVE_LOAN = "archive_loan"


def register() -> None:
    register_kind(ARCHIVE_LOAN, label=_("档案借阅归还"), stop_condition=_("归还档案"))
