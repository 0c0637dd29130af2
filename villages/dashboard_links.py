"""The villages a person's dashboard covers, and where a village's households are listed."""

from __future__ import annotations

from creditcoop.reporting.hooks import DashboardVillage, provide_villages, register_drill_down

from .selectors import village_scope


def dashboard_villages(user, *, cooperative_id=None, village_id=None) -> list[DashboardVillage]:
    """The villages in the person's scope (one query), narrowed to a cooperative or a village."""
    qs = village_scope(user)
    if cooperative_id is not None:
        qs = qs.filter(cooperative_id=cooperative_id)
    if village_id is not None:
        qs = qs.filter(pk=village_id)
    rows = qs.order_by("cooperative_id", "code", "id").values_list("id", "name", "cooperative_id")
    return [DashboardVillage(*row) for row in rows]


def village_households(*, metric, key, cooperative_id, village_id):
    if village_id is None:
        return None
    return ("villages:village_detail", (village_id,), {})


def register() -> None:
    provide_villages(dashboard_villages)
    register_drill_down(["households"], village_households)
