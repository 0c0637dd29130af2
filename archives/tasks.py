"""Periodic jobs of the archive stage: thin, idempotent, safe to run twice; the work is
set-based SQL in the services."""

from datetime import date

from celery import shared_task

from .services import retention, series


def _day(today):
    return date.fromisoformat(today) if isinstance(today, str) else today


# --- series, colours, retention ------------------------------------------------------


@shared_task
def archive_classify_nightly(today=None) -> dict:
    return series.archive_classify(today=_day(today))


@shared_task
def archive_retention_nightly(today=None) -> int:
    return retention.retention_refresh(today=_day(today))
