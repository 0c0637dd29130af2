"""Periodic jobs: thin, idempotent, safe to run twice; the work is set-based SQL."""

from datetime import date

from celery import shared_task

from . import services


def _day(today):
    return date.fromisoformat(today) if isinstance(today, str) else today


@shared_task
def loan_classify_nightly(today=None) -> int:
    return services.loans_classify(today=_day(today))


@shared_task
def interest_settle_due(today=None) -> int:
    return services.interest_settle(today=_day(today)).settled_now


@shared_task
def drawdown_due_reminders(today=None) -> int:
    return services.drawdown_reminders_queue(today=_day(today))
