"""Periodic jobs: thin, idempotent, safe to run twice; the work is set-based SQL."""

from datetime import date

from celery import shared_task

from . import services


def _day(today):
    return date.fromisoformat(today) if isinstance(today, str) else today


@shared_task
def npl_register_sync_nightly(today=None) -> dict:
    return services.npl_register_sync(today=_day(today))


@shared_task
def limitation_sweep_nightly(today=None) -> dict:
    return services.limitation_sweep(today=_day(today))


@shared_task
def blacklist_lapse_nightly(today=None) -> dict:
    return services.blacklist_lapse(today=_day(today))


@shared_task
def recovery_entries_nightly(today=None) -> dict:
    return services.recovery_entries_from_repayments(today=_day(today))


@shared_task
def year_baseline_lock_daily(today=None) -> dict:
    return services.year_baseline_lock(today=_day(today))


@shared_task
def agreement_broken_flag_nightly(today=None) -> dict:
    return services.agreement_broken_flag(today=_day(today))


@shared_task
def enforcement_sweep_nightly(today=None) -> dict:
    return services.enforcement_sweep(today=_day(today))


@shared_task
def officer_escalation_nightly(today=None) -> dict:
    return services.officer_escalation_sweep(today=_day(today))


@shared_task
def debt_asset_warn_nightly(today=None) -> dict:
    return services.debt_asset_warn(today=_day(today))
