"""Demo contracted collection: the first cooperative's pursued records in a package,
published, bid for by an officer, awarded by the director, signed, one recovery booked and
the month's slip computed — all through the real services. Re-runnable: a second run finds
the package and adds nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from creditcoop.models import Cooperative, Role, Staff

from .models import CollectionPackage, NplRecord
from .services import contract as svc
from .services import recovery_entry_record

NAME = "演示承包清收包"


def seed_contract(*, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    if CollectionPackage.objects.filter(name=NAME).exists():
        return {"packages": 0}
    for coop in Cooperative.objects.order_by("code"):
        leader = (
            Staff.objects.filter(cooperative=coop, is_active=True, roles__contains=[Role.DIRECTOR])
            .order_by("username")
            .first()
        )
        contractor = (
            Staff.objects.filter(cooperative=coop, is_active=True, roles__contains=[Role.OFFICER])
            .exclude(roles__contains=[Role.DIRECTOR])
            .order_by("-username")
            .first()
        )
        pursued = NplRecord.objects.filter(cooperative=coop, status=NplRecord.Status.PURSUING)
        if leader is None or contractor is None or not pursued.exists():
            continue
        filters = svc.PackageFilters(cooperative=str(coop.pk))
        if not svc.package_preview(actor=leader, filters=filters, today=today).count:
            continue
        package = svc.package_build(actor=leader, name=NAME, filters=filters, today=today)
        svc.package_publish(actor=leader, package=package, today=today)
        svc.contractor_register(actor=contractor, package=package, today=today)
        svc.bid_submit(actor=contractor, package=package, amount=package.price + Decimal("1000"))
        svc.package_award(actor=leader, package=package)
        package.refresh_from_db()
        contract = svc.contract_sign(actor=leader, package=package, signed_on=today, today=today)
        line = (
            package.lines.select_related("record")
            .filter(record__principal_owed__gte=Decimal("500"), record__entered_on__lte=today)
            .first()
        )
        if line is not None:
            recovery_entry_record(
                actor=contractor,
                record=line.record,
                on=today,
                kind="cash",
                principal=Decimal("500.00"),
                note="承包人上门收回",
                today=today,
            )
        svc.slip_compute(actor=leader, contract=contract, month=today, today=today)
        return {"packages": 1}
    return {"packages": 0}
