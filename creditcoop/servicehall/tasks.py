from celery import shared_task
from django.utils import timezone

from creditcoop.deadlines import sweep


@shared_task
def deadline_sweep() -> dict:
    """Hourly: reminders, overdue notices and accountability (see creditcoop.deadlines.sweep)."""
    return sweep.deadline_sweep(today=timezone.localdate())
