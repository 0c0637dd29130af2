from celery import shared_task

from . import sms
from .workdays import uncovered_years


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def sms_outbox_send(message_id: int | None = None) -> int:
    """Send one message, or every pending one when called by beat."""
    ids = [message_id] if message_id else sms.sms_pending_ids()
    return sum(1 for pk in ids if sms.sms_send_one(message_id=pk))


@shared_task
def calendar_coverage_check() -> list[int]:
    from django.utils import timezone

    from .models import Role, Staff
    from .notify import notify

    today = timezone.localdate()
    missing = uncovered_years([today.year, today.year + 1])
    if missing:
        for admin in Staff.objects.filter(roles__contains=[Role.ADMIN], is_active=True):
            for year in missing:
                notify(
                    recipient=admin,
                    text=f"{year} 年节假日安排尚未录入，工作日计算暂按周末处理。",
                    link="/admin/creditcoop/calendarday/",
                    dedupe_key=f"calendar-missing:{year}:{admin.pk}",
                )
    return missing


# The ledger export tasks live with the reporting layer; importing them here registers them
# with the worker (autodiscovery reads each app's ``tasks`` module).
from .reporting.tasks import export_expire, export_run  # noqa: E402, F401
