"""Debt-for-asset (以资抵债): the legal disposal deadline, its clock and warnings, leases,
disposal, own use at the policy's discount."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from creditcoop.deadlines.models import Deadline
from creditcoop.models import Notification
from recovery import services
from recovery.deadline_kinds import DEBT_ASSET_DISPOSAL
from recovery.models import (
    DebtAsset,
    DebtAssetWarning,
    RecoveryEntry,
    RecoveryPolicy,
)
from recovery.models.assets import disposal_deadline
from recovery.services import RecoveryError, Settles

from . import helpers_writeoff as h

pytestmark = pytest.mark.django_db
ACQUIRED = date(2026, 3, 1)
TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("kind", "acquired", "right_ends", "deadline"),
    [
        ("real_estate", date(2026, 3, 1), None, date(2028, 3, 1)),
        ("equity", date(2026, 3, 1), None, date(2028, 3, 1)),
        ("movable", date(2026, 3, 1), None, date(2027, 3, 1)),
        ("other_right", date(2026, 3, 1), None, date(2028, 3, 1)),
        ("other_right", date(2026, 3, 1), date(2027, 6, 30), date(2027, 6, 30)),
        ("other_right", date(2026, 3, 1), date(2029, 1, 1), date(2028, 3, 1)),
        # Acquired on a leap day: the corresponding day does not exist, the month's last does.
        ("movable", date(2024, 2, 29), None, date(2025, 2, 28)),
        ("real_estate", date(2024, 2, 29), None, date(2026, 2, 28)),
    ],
)
def test_the_laws_disposal_deadline(kind, acquired, right_ends, deadline):
    assert disposal_deadline(kind, acquired, right_ends) == deadline


def create(org, rec, *, kind="real_estate", acquired=ACQUIRED, valuation="80000", **kw):
    values = dict(
        actor=org.officer1,
        settles=[Settles(rec, Decimal("12000.00"), Decimal("500.00"))],
        description="张庄村临街门面房一间",
        kind=kind,
        valuation=Decimal(valuation),
        valuer="县正信资产评估所",
        acquired_on=acquired,
        custodian=org.officer1,
        custody_place="张庄村信用站",
        today=TODAY,
    )
    values.update(kw)
    return services.debt_asset_create(**values)


@pytest.fixture
def rec(org):
    return h.record(org.village_a1, "DA-0001")


def test_an_asset_books_a_restructured_recovery_and_opens_the_legal_deadline(org, rec):
    asset = create(org, rec)
    assert asset.disposal_deadline == date(2028, 3, 1)
    assert asset.settled_value == Decimal("12500.00")
    entry = RecoveryEntry.objects.get(record=rec)
    assert (entry.kind, entry.on, entry.principal, entry.interest) == (
        "restructured",
        ACQUIRED,
        Decimal("12000.00"),
        Decimal("500.00"),
    )
    rec.refresh_from_db()
    assert rec.principal_owed == Decimal("3000.00")
    clock = Deadline.objects.get(kind=DEBT_ASSET_DISPOSAL, object_id=asset.pk)
    # 2028-03-01 is a Wednesday: the engine's due working day is the legal day itself.
    assert (clock.started_on, clock.due_on, clock.responsible) == (
        ACQUIRED,
        date(2028, 3, 1),
        org.officer1,
    )


def test_a_movable_is_due_in_one_year(org, rec):
    asset = create(org, rec, kind="movable", description="农用拖拉机一台")
    assert asset.disposal_deadline == date(2027, 3, 1)
    assert Deadline.objects.get(object_id=asset.pk, kind=DEBT_ASSET_DISPOSAL).due_on == date(
        2027, 3, 1
    )


def test_refusals_save_nothing(org, rec):
    with pytest.raises(RecoveryError, match="超过本金余额"):
        create(org, rec, settles=[Settles(rec, Decimal("15000.01"))])
    with pytest.raises(RecoveryError, match="不能晚于今天"):
        create(org, rec, acquired=TODAY + timedelta(days=1))
    with pytest.raises(RecoveryError, match="无权"):
        create(org, rec, actor=org.officer2)
    assert (DebtAsset.objects.count(), RecoveryEntry.objects.count(), Deadline.objects.count()) == (
        0,
        0,
        0,
    )


def test_warning_at_each_lead_day_exactly_once(org, rec):
    asset = create(org, rec)
    deadline = asset.disposal_deadline
    assert services.debt_asset_warn(today=deadline - timedelta(days=91)) == {"warnings": 0}
    assert services.debt_asset_warn(today=deadline - timedelta(days=90)) == {"warnings": 1}
    assert services.debt_asset_warn(today=deadline - timedelta(days=90)) == {"warnings": 0}
    assert services.debt_asset_warn(today=deadline - timedelta(days=60)) == {"warnings": 0}
    assert services.debt_asset_warn(today=deadline - timedelta(days=30)) == {"warnings": 1}
    assert list(DebtAssetWarning.objects.order_by("id").values_list("lead_days", flat=True)) == [
        90,
        30,
    ]
    inbox = Notification.objects.filter(dedupe_key__startswith="asset-warn:")
    assert {n.recipient for n in inbox} == {org.officer1, org.director}
    assert inbox.count() == 4
    assert "2028-03-01" in inbox.first().text and "临街门面房" in inbox.first().text


def test_a_disposed_asset_stops_its_clock_and_is_warned_no_more(org, rec):
    asset = create(org, rec)
    disposal = services.debt_asset_dispose(
        actor=org.officer1,
        asset=asset,
        method="auction",
        on=TODAY,
        buyer="李某某",
        proceeds="11000.00",
        today=TODAY,
    )
    assert disposal.difference == Decimal("-1500.00")
    asset.refresh_from_db()
    assert asset.status == "disposed"
    clock = Deadline.objects.get(object_id=asset.pk, kind=DEBT_ASSET_DISPOSAL)
    assert clock.stopped_on == TODAY
    assert services.debt_asset_warn(today=asset.disposal_deadline - timedelta(days=30)) == {
        "warnings": 0
    }
    with pytest.raises(RecoveryError, match="已处置"):
        services.debt_asset_lease(
            actor=org.officer1,
            asset=asset,
            lessee="王某",
            starts_on=TODAY,
            ends_on=TODAY + timedelta(days=365),
            rent="1200",
        )


def test_a_lease_keeps_the_deadline_running(org, rec):
    asset = create(org, rec)
    services.debt_asset_lease(
        actor=org.officer1,
        asset=asset,
        lessee="王某",
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=365),
        rent="1200",
    )
    asset.refresh_from_db()
    assert asset.status == "leased"
    with pytest.raises(RecoveryError, match="重叠"):
        services.debt_asset_lease(
            actor=org.officer1,
            asset=asset,
            lessee="赵某",
            starts_on=TODAY + timedelta(days=30),
            ends_on=TODAY + timedelta(days=60),
            rent="100",
        )
    assert Deadline.objects.get(object_id=asset.pk).stopped_at is None


def test_own_use_needs_the_director_then_the_union_and_is_booked_at_the_discount(org, rec):
    policy = RecoveryPolicy.current(org.union)
    policy.own_use_discount_pct = Decimal("25")
    policy.save()
    asset = create(org, rec, valuation="80000.00")
    req = services.own_use_request(actor=org.officer1, asset=asset, purpose="改作信用站营业用房")
    assert req.booked_value == Decimal("60000.00")
    with pytest.raises(RecoveryError, match="须先经信用社主任"):
        services.own_use_decide(actor=org.union_asset, request=req, approve=True)
    services.own_use_decide(actor=org.director, request=req, approve=True, opinion="同意")
    asset.refresh_from_db()
    assert asset.status == "held"  # the union has not approved yet
    with pytest.raises(RecoveryError, match="须经联社审批"):
        services.own_use_decide(actor=org.deputy, request=req, approve=True)
    services.own_use_decide(actor=org.union_asset, request=req, approve=True, opinion="同意")
    asset.refresh_from_db()
    assert (asset.status, asset.booked_value) == ("own_use", Decimal("60000.00"))
    assert Deadline.objects.get(object_id=asset.pk).stopped_at is not None


def test_the_requester_cannot_approve_own_use(org, rec):
    asset = create(org, rec, actor=org.director, custodian=org.director)
    req = services.own_use_request(actor=org.director, asset=asset, purpose="办公")
    with pytest.raises(RecoveryError, match="不能是申请人"):
        services.own_use_decide(actor=org.director, request=req, approve=True)
    req.refresh_from_db()
    assert (req.status, req.director_id) == ("requested", None)
