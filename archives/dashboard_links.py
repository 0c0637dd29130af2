"""Where the archive figures of a dashboard are listed (the lists filter by state, not by
cooperative: a cooperative seen from the union has no list of its own)."""

from __future__ import annotations

from creditcoop.reporting.hooks import register_drill_down

from .models import FileStatus

LISTS = {
    "archive_incomplete": ("archives:file_list", {"status": FileStatus.PREPARING}),
    "archive_lent": ("archives:file_list", {"status": FileStatus.LENT}),
    "archive_overdue": ("archives:borrowing_list", {"overdue": "on"}),
}


def archive_list(*, metric, key, cooperative_id, village_id):
    if cooperative_id is not None or village_id is not None:
        return None
    url_name, query = LISTS[metric]
    return (url_name, (), dict(query))


def register() -> None:
    register_drill_down(LISTS, archive_list)
