"""Periodic jobs (scheduled in creditcoop/settings.py)."""

from celery import shared_task

from . import services


@shared_task(name="ratings.notices.tasks.notice_end_expired")
def notice_end_expired() -> int:
    return services.notice_end_expired()


@shared_task(name="ratings.notices.tasks.objection_flag_overdue")
def objection_flag_overdue() -> int:
    return services.objection_flag_overdue()
