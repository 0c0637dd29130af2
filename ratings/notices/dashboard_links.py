"""Where the notice and objection figures of a dashboard are listed."""

from __future__ import annotations

from creditcoop.reporting.hooks import register_drill_down

from .models import NoticeBatch


def _village_list(url_name, **query):
    def link(*, metric, key, cooperative_id, village_id):
        # The lists filter by village only: a cooperative inside a wider scope has no list.
        if village_id is None and cooperative_id is not None:
            return None
        q = dict(query)
        if village_id is not None:
            q["village"] = village_id
        return (url_name, (), q)

    return link


def register() -> None:
    register_drill_down(
        ["notices_running"],
        _village_list("notices:batch_list", status=NoticeBatch.Status.PUBLISHED),
    )
    register_drill_down(["objections_open"], _village_list("notices:objection_list", status="open"))
    register_drill_down(["objections_month"], _village_list("notices:objection_list"))
