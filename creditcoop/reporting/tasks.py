"""Reporting jobs: thin Celery entry points calling one service each."""

from datetime import date

from celery import shared_task

from .snapshot import figures_take


@shared_task
def figures_take_nightly(today=None) -> dict:
    day = date.fromisoformat(today) if isinstance(today, str) else today
    taken = figures_take(today=day)
    return {
        "months": [m.isoformat() for m in taken.months],
        "inserted": taken.inserted,
        "updated": taken.updated,
        "deleted": taken.deleted,
    }
