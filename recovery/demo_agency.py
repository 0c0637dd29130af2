"""Demo data for entrusted collection (托管清收): a white-listed firm with a login, a package
of one cooperative's pre-2000 loans, one hand-over confirmed today twelve days after the money
was collected (so taken from the deposit, with interest) and one still waiting, seven days
on. Re-runnable."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from creditcoop.models import Role, Staff

from . import services
from .models import Agency, AgencyPackage, NplRecord, RecoveryPolicy

LICENCE = "91430000DEMOAG001X"
LOGIN = "AG001"


def seed_agency(*, today: date) -> dict:
    from villages.demo import DEMO_PASSWORD

    policy_records = NplRecord.objects.filter(
        status=NplRecord.Status.PURSUING, loan_number__startswith="DEMO-"
    ).select_related("cooperative__union")
    first = policy_records.order_by("id").first()
    if first is None:
        return {"agency_packages": 0}
    coop, union = first.cooperative, first.cooperative.union
    director = (
        Staff.objects.filter(cooperative=coop, is_active=True, roles__contains=[Role.DIRECTOR])
        .order_by("username")
        .first()
    )
    approver = (
        Staff.objects.filter(union=union, is_active=True, roles__contains=[Role.UNION_ASSET])
        .order_by("username")
        .first()
    )
    accompany = (
        Staff.objects.filter(cooperative=coop, is_active=True, roles__contains=[Role.OFFICER])
        .order_by("username")
        .first()
    )
    if director is None or accompany is None:
        return {"agency_packages": 0}
    approver = approver or director
    agency = Agency.objects.filter(union=union, licence_number=LICENCE).first()
    if agency is None:
        agency = services.agency_create(
            actor=director,
            union=union,
            name="湘诚资产管理有限公司",
            licence_number=LICENCE,
            legal_representative="龙建国",
            contact_name="龙建国",
            contact_phone="13807330001",
        )
    if not agency.whitelisted:
        other = approver if approver.pk != agency.created_by_id else None
        if other is None:
            return {"agency_packages": 0}
        agency = services.agency_whitelist(actor=other, agency=agency, today=today)
    user = Staff.objects.filter(username=LOGIN).first()
    if user is None:
        user = Staff(
            username=LOGIN, name="龙催收", union=union, cooperative=None, roles=[Role.AGENCY]
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        services.agency_member_add(actor=director, agency=agency, staff=user)
    package = AgencyPackage.objects.filter(agency=agency).first()
    if package is None:
        drawn_before = RecoveryPolicy.current(union).agency_drawn_before
        try:
            package = services.package_create(
                actor=director,
                agency=agency,
                cooperative=coop,
                drawn_before=drawn_before,
                staff=accompany,
                starts_on=today - timedelta(days=60),
                ends_on=today - timedelta(days=60) + timedelta(days=730),
                today=today,
            )
        except services.RecoveryError:
            return {"agency_packages": 0}
        record = package.lines.order_by("record__loan_number").first().record
        late = services.handover_report(
            actor=user,
            package=package,
            record=record,
            collected_on=today - timedelta(days=12),
            principal=min(Decimal("800.00"), record.principal_owed),
            receipt_number="XC-0001",
            today=today,
        )
        services.handover_settle(actor=director, handover=late, on=today, today=today)
        rest = min(Decimal("300.00"), record.principal_owed - Decimal("800.00"))
        if rest > 0:
            services.handover_report(
                actor=user,
                package=package,
                record=record,
                collected_on=today - timedelta(days=7),
                principal=rest,
                receipt_number="XC-0002",
                today=today,
            )
    return {"agency_packages": AgencyPackage.objects.filter(agency=agency).count()}
