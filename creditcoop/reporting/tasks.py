from celery import shared_task

from . import services


@shared_task
def export_run(job_id: int) -> bool:
    """Build one ledger export (a duplicate delivery does nothing)."""
    return services.export_run(job_id)


@shared_task
def export_expire() -> int:
    return services.export_expire()
