"""Read back what the nightly job stored: ``taken(month)`` → {(coop, village, metric, key): value}."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from creditcoop.models import MonthlyFigure
from creditcoop.reporting.snapshot import figures_take, month_end_of


def today():
    return timezone.localdate()


def before_month(day):
    """The last day of the month before ``day``'s month: a flow there is not this month's."""
    return day.replace(day=1) - timedelta(days=1)


def taken(month=None, *metrics) -> dict:
    month = month or month_end_of(today())
    qs = MonthlyFigure.objects.filter(month=month)
    if metrics:
        qs = qs.filter(metric__in=metrics)
    return {
        (f.cooperative_id, f.village_id, f.metric, f.key): f.value
        for f in qs.order_by("cooperative_id", "village_id", "metric", "key")
    }


def take(day=None, *metrics) -> dict:
    """Run the job for ``day`` (default today) and return the running month's figures."""
    day = day or today()
    figures_take(today=day)
    return taken(month_end_of(day), *metrics)


def D(value) -> Decimal:
    return Decimal(str(value))
