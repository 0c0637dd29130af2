"""Demo data for recovery incentives: last month's slips of every collector computed and
one of them checked. Re-runnable (a recompute keeps checked slips)."""

from __future__ import annotations

from datetime import date, timedelta

from creditcoop.models import Cooperative, Role, Staff

from . import services
from .models import IncentiveSlip, RecoveryEntry


def seed_incentive(*, today: date) -> dict:
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    computed = checked = 0
    coop_ids = RecoveryEntry.objects.values_list("cooperative_id", flat=True).distinct()
    for coop in Cooperative.objects.filter(pk__in=list(coop_ids)).order_by("pk"):
        director = Staff.objects.filter(
            cooperative=coop, is_active=True, roles__contains=[Role.DIRECTOR]
        ).first()
        if director is None:
            continue
        result = services.incentive_slips_compute(
            actor=director, month=month, cooperative=coop, today=today
        )
        computed += result["computed"]
        slip = (
            IncentiveSlip.objects.filter(
                cooperative=coop, month=month, status=IncentiveSlip.Status.COMPUTED
            )
            .exclude(collector=director)
            .order_by("-total")
            .first()
        )
        if (
            slip is not None
            and not IncentiveSlip.objects.filter(
                cooperative=coop, month=month, status=IncentiveSlip.Status.CHECKED
            ).exists()
        ):
            services.incentive_slip_check(actor=director, slip=slip, today=today)
            checked += 1
    return {"slips": computed, "slips_checked": checked}
