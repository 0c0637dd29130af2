"""Recovery's deadline kind, registered with the engine when the app loads."""

from django.utils.translation import gettext_lazy as _

from creditcoop.deadlines.kinds import register_kind

DEBT_ASSET_DISPOSAL = "debt_asset_disposal"


def register() -> None:
    register_kind(
        DEBT_ASSET_DISPOSAL,
        label=_("抵债资产处置期限"),
        stop_condition=_("资产处置完毕或批准转为自用"),
    )
