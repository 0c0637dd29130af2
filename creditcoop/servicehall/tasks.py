from celery import shared_task
from django.utils import timezone

from . import services


@shared_task
def deadline_sweep() -> dict:
    """Hourly: reminders, overdue notices and accountability (see services.deadline_sweep)."""
    return services.deadline_sweep(today=timezone.localdate())
