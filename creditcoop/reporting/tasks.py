"""Reporting jobs: thin Celery entry points calling one service each."""

from datetime import date

from celery import shared_task

from . import services
from .snapshot import figures_take


@shared_task
def export_run(job_id: int) -> bool:
    """Build one ledger export (a duplicate delivery does nothing)."""
    return services.export_run(job_id)


@shared_task
def export_expire() -> int:
    return services.export_expire()


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
