"""Internal contracted collection (docs/rules.md §7.5): pricing, package building, eligibility,
award, the contract, the monthly slip's marginal bands to the fen, forfeiture."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from creditcoop.models import AuditLog, Role
from recovery.models import (
    BonusBand,
    CollectionContract,
    CollectionPackage,
    ContractorProfile,
    ContractSlip,
    LimitationEvent,
    NplRecord,
    PackageLine,
    PricingRow,
)
from recovery.services import RecoveryError, recovery_entry_record
from recovery.services import contract as svc
from tests import factories as f

from .helpers import npl
from .helpers_contract import bid, contracted, published, records

pytestmark = pytest.mark.django_db
D = Decimal
SIGNED = date(2025, 1, 10)


# --- the bands, to the fen ----------------------------------------------------------------


@pytest.mark.parametrize(
    "cumulative, bonus",
    [
        ("0.00", "0.00"),
        ("4990.00", "0.00"),  # 4.99 % of the target: nothing
        ("5000.00", "0.00"),  # 5 %: the band starts here
        ("5000.04", "0.00"),  # 0.004 yuan rounds to nothing
        ("5000.05", "0.01"),  # 0.005 rounds half up to a fen
        ("7345.67", "234.57"),  # 2,345.67 × 10 % = 234.567
        ("50000.00", "4500.00"),  # 45,000 × 10 %
        ("50000.01", "4500.00"),  # + 0.01 × 20 % = 0.002
        ("100000.00", "14500.00"),  # 4,500 + 50,000 × 20 %
        ("120000.00", "22500.00"),  # 14,500 + 20,000 × 40 %
    ],
)
def test_marginal_bands_at_their_edges(org, cumulative, bonus):
    bands = BonusBand.for_union(org.union)
    assert svc.band_bonus(D(cumulative), D("100000.00"), bands) == D(bonus)


def test_bands_are_the_unions_data(org):
    BonusBand.for_union(org.union)
    band = BonusBand.objects.get(union=org.union, from_pct=D("5"))
    band.rate = D("12")
    band.save()
    bands = BonusBand.for_union(org.union)
    assert svc.band_bonus(D("50000.00"), D("100000.00"), bands) == D("5400.00")


# --- building a package -------------------------------------------------------------------


def test_lines_are_priced_by_difficulty_class_and_age(org):
    today = date(2026, 6, 1)
    young = npl(org.village_a1, number="P-1", due_on=date(2024, 3, 1))  # 2 years: 60 %
    old = npl(org.village_a1, number="P-2", due_on=date(2010, 3, 1))  # 16 years: 30 %
    hard = npl(
        org.village_a1,
        number="P-3",
        due_on=date(2021, 3, 1),  # 5 years: 15 %
        difficulty=NplRecord.Difficulty.BANKRUPT,
    )
    package = svc.package_build(
        actor=org.director,
        name="张庄包",
        filters=svc.PackageFilters(cooperative=str(org.coop_a.pk)),
        today=today,
    )
    lines = {line.record_id: line for line in package.lines.all()}
    assert (lines[young.pk].pct, lines[young.pk].price) == (D("60.00"), D("9720.00"))
    assert (lines[old.pk].pct, lines[old.pk].price) == (D("30.00"), D("4860.00"))
    assert lines[hard.pk].difficulty_class == "hard"
    assert (lines[hard.pk].age_years, lines[hard.pk].price) == (5, D("2430.00"))
    assert package.line_count == 3
    assert package.debt == D("48600.00") == package.target
    assert package.price == D("17010.00")
    assert package.status == CollectionPackage.Status.DRAFT
    assert AuditLog.objects.filter(action="recovery.package_build").count() == 1


def test_a_changed_pricing_table_prices_the_next_package(org):
    PricingRow.for_union(org.union)
    PricingRow.objects.filter(union=org.union, difficulty_class="potential", age_from=0).update(
        pct=D("55")
    )
    npl(org.village_a1, number="P-9")
    package = svc.package_build(
        actor=org.director,
        name="包",
        filters=svc.PackageFilters(),
        today=date(2026, 6, 1),
    )
    assert package.lines.get().price == D("8910.00")


def test_litigated_records_are_left_out(org):
    free, sued, done = records(org.village_a1, 3)
    LimitationEvent.objects.create(
        record=sued, kind="lawsuit", occurred_on=date(2025, 3, 1), recorded_by=org.officer1
    )
    LimitationEvent.objects.create(
        record=done, kind="lawsuit", occurred_on=date(2024, 3, 1), recorded_by=org.officer1
    )
    LimitationEvent.objects.create(
        record=done,
        kind="enforcement_ended",
        occurred_on=date(2025, 1, 5),
        recorded_by=org.officer1,
    )
    preview = svc.package_preview(actor=org.director, filters=svc.PackageFilters())
    assert preview.count == 2
    package = svc.package_build(actor=org.director, name="包", filters=svc.PackageFilters())
    assert set(package.lines.values_list("record_id", flat=True)) == {free.pk, done.pk}


def test_filters_village_difficulty_segment_and_region(org):
    org.village_a2.town = "石门镇"
    org.village_a2.save()
    org.village_a1.town = ""
    org.village_a1.save()
    a1 = npl(org.village_a1, number="F-1")
    a2 = npl(org.village_a2, number="F-2", difficulty=NplRecord.Difficulty.DEAD)
    npl(org.village_a2, number="F-3", drawn_on=date(2008, 1, 1), due_on=date(2009, 1, 1))

    def taken(**kw):
        preview = svc.package_preview(actor=org.union_asset, filters=svc.PackageFilters(**kw))
        return preview.count

    assert taken(village=str(org.village_a1.pk)) == 1
    assert taken(difficulty_class="hard") == 1
    assert taken(region="石门镇") == 2
    assert taken(region=org.coop_a.name) == 1  # 张庄村 names no town: its region is the coop
    from recovery.models import VintageSegment

    seg = VintageSegment.objects.filter(ends_before=date(2004, 6, 1)).first()
    assert taken(segment=str(seg.pk)) == 2
    assert {a1.pk, a2.pk}


def test_a_record_is_in_one_live_package_only(org):
    records(org.village_a1, 2)
    first = svc.package_build(actor=org.director, name="一", filters=svc.PackageFilters())
    with pytest.raises(RecoveryError, match="没有符合条件"):
        svc.package_build(actor=org.director, name="二", filters=svc.PackageFilters())
    assert CollectionPackage.objects.count() == 1
    # The database itself refuses a second live line, whatever writes it.
    second = CollectionPackage.objects.create(
        union=org.union, number="X1", name="x", created_by=org.director, created_on=SIGNED
    )
    line = first.lines.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        PackageLine.objects.create(
            package=second,
            record=line.record,
            difficulty_class="potential",
            age_years=1,
            pct=D("50"),
            debt=D("1"),
            price=D("0.50"),
        )
    # Once the first package is discarded its records may be packaged again.
    svc.package_discard(actor=org.director, package=first)
    again = svc.package_build(actor=org.director, name="三", filters=svc.PackageFilters())
    assert again.line_count == 2


def test_a_director_builds_only_from_their_own_cooperative(org):
    npl(org.village_b1, number="B-1")
    with pytest.raises(RecoveryError, match="没有符合条件"):
        svc.package_build(
            actor=org.director,
            name="越权",
            filters=svc.PackageFilters(cooperative=str(org.coop_b.pk)),
        )
    with pytest.raises(RecoveryError, match="无权"):
        svc.package_build(actor=org.officer1, name="x", filters=svc.PackageFilters())


# --- registration, bids, award ------------------------------------------------------------


def test_ineligible_registrants_are_refused_with_the_reason(org):
    records(org.village_a1, 1)
    package = published(org.union_asset, cooperative=None)
    with pytest.raises(RecoveryError, match="主任"):
        svc.contractor_register(actor=org.director, package=package)
    with pytest.raises(RecoveryError, match="稽核"):
        svc.contractor_register(actor=org.auditor, package=package)
    neighbour = f.CooperativeFactory(union=f.UnionFactory(name="邻县农村信用合作联社"))
    other = f.StaffFactory(
        username="Z900", union=neighbour.union, cooperative=neighbour, roles=[Role.OFFICER]
    )
    with pytest.raises(RecoveryError, match="本联社"):
        svc.contractor_register(actor=other, package=package)
    assert package.registrations.count() == 0
    # A retiree (no role left) and an officer of either cooperative may.
    retiree = f.StaffFactory(
        username="Z901", union=org.union, cooperative=org.coop_a, roles=[], name="老李"
    )
    ContractorProfile.objects.create(staff=retiree, retired=True)
    reg = svc.contractor_register(actor=retiree, package=package)
    assert reg.deposit == D("5000.00")
    svc.contractor_register(actor=org.officer_b, package=package)
    assert package.registrations.count() == 2


def test_bids_below_the_price_or_without_registration_are_refused(org):
    records(org.village_a1, 1)
    package = published(org.director)
    with pytest.raises(RecoveryError, match="报名"):
        svc.bid_submit(actor=org.officer1, package=package, amount=package.price)
    svc.contractor_register(actor=org.officer1, package=package)
    with pytest.raises(RecoveryError, match="底价"):
        svc.bid_submit(actor=org.officer1, package=package, amount=package.price - D("0.01"))
    assert svc.bid_submit(actor=org.officer1, package=package, amount=package.price).pk


def test_the_approver_may_not_be_a_bidder(org):
    records(org.village_a1, 1)
    package = published(org.director)
    bid(org.deputy, package, package.price)
    bid(org.officer1, package, package.price + 100)
    with pytest.raises(RecoveryError, match="不能审批定标"):
        svc.package_award(actor=org.deputy, package=package)
    package.refresh_from_db()
    assert package.status == CollectionPackage.Status.PUBLISHED
    assert not AuditLog.objects.filter(action="recovery.package_award").exists()
    svc.package_award(actor=org.director, package=package)
    package.refresh_from_db()
    assert package.awarded_bid.registration.staff == org.officer1
    # The loser's deposit is returned; the winner's stays for the performance deposit.
    regs = {r.staff_id: r for r in package.registrations.all()}
    assert regs[org.deputy.pk].refunded_on is not None
    assert regs[org.officer1.pk].refunded_on is None


def test_a_lower_bid_needs_a_reason(org):
    records(org.village_a1, 1)
    package = published(org.director)
    low = bid(org.deputy, package, package.price)
    bid(org.officer1, package, package.price + 100)
    with pytest.raises(RecoveryError, match="理由"):
        svc.package_award(actor=org.director, package=package, bid=low)
    svc.package_award(actor=org.director, package=package, bid=low, reason="最高报价人放弃")
    package.refresh_from_db()
    assert package.awarded_bid == low and package.award_reason == "最高报价人放弃"


# --- the contract -------------------------------------------------------------------------


def test_signing_makes_the_contractor_the_collector_for_two_years(org):
    recs = records(org.village_a1, 3)
    contract = contracted(org.director, org.officer2, amount="200000.00")
    assert contract.ends_on == date(2027, 1, 10)
    assert contract.price == D("200000.00")
    assert contract.deposit == D("10000.00")  # 5 % of the winning price
    assert contract.deposit_from_registration == D("5000.00")  # the bid deposit taken over
    assert contract.deposit_due == D("5000.00")
    assert contract.package.status == CollectionPackage.Status.UNDER_CONTRACT
    assert set(
        NplRecord.objects.filter(pk__in=[r.pk for r in recs]).values_list("collector_id", flat=True)
    ) == {org.officer2.pk}
    assert set(contract.package.lines.values_list("collector_before_id", flat=True)) == {
        org.officer1.pk
    }
    assert AuditLog.objects.filter(action="recovery.contract_collector").count() == 3
    # Ending gives the records back.
    svc.contract_end(actor=org.director, contract=contract, today=date(2027, 1, 11))
    assert set(
        NplRecord.objects.filter(pk__in=[r.pk for r in recs]).values_list("collector_id", flat=True)
    ) == {org.officer1.pk}
    assert not PackageLine.objects.filter(live=True).exists()


def test_three_live_contracts_make_the_contractor_full_time(org):
    for n in range(3):
        npl(org.village_a1, number=f"FT-{n}")
        contracted(org.director, org.officer2, name=f"包{n}")
        profile = ContractorProfile.objects.filter(staff=org.officer2).first()
        if n < 2:
            assert profile is None or profile.full_time_since is None
    profile.refresh_from_db()
    assert profile.full_time_since is not None
    assert svc.is_full_time(org.officer2.pk, org.union.pk, date(2025, 6, 1))
    assert AuditLog.objects.filter(action="recovery.contractor_full_time").count() == 1


# --- the monthly slip ---------------------------------------------------------------------


def _big_contract(org):
    for n in range(2):
        npl(
            org.village_a1,
            number=f"S-{n}",
            original_amount=D("60000.00"),
            principal_owed=D("60000.00"),
            interest_owed=D("0.00"),
        )
    package = svc.package_build(
        actor=org.director,
        name="大包",
        filters=svc.PackageFilters(),
        target=D("100000.00"),
        today=SIGNED,
    )
    svc.package_publish(actor=org.director, package=package, today=SIGNED)
    bid(org.officer2, package, "80000.00", today=SIGNED)
    svc.package_award(actor=org.director, package=package)
    package.refresh_from_db()
    return svc.contract_sign(actor=org.director, package=package, signed_on=SIGNED, today=SIGNED)


def _recover(org, contract, on, amount, kind="cash"):
    line = contract.package.lines.filter(record__principal_owed__gte=amount).first()
    recovery_entry_record(
        actor=org.officer2, record=line.record, on=on, kind=kind, principal=D(amount)
    )


def test_month_by_month_slips_subtract_what_was_granted(org):
    contract = _big_contract(org)
    # Before signing: not the contractor's.
    NplRecord.objects.filter(collector=org.officer2).update(entered_on=date(2024, 1, 1))
    _recover(org, contract, date(2025, 1, 5), "1000.00")
    _recover(org, contract, date(2025, 1, 20), "5000.00")
    _recover(org, contract, date(2025, 1, 25), "3000.00", kind="restructured")  # not cash
    jan = svc.slip_compute(actor=org.director, contract=contract, month=date(2025, 1, 1))
    assert (jan.recovered, jan.cumulative, jan.bonus) == (D("5000.00"), D("5000.00"), D("0.00"))
    _recover(org, contract, date(2025, 2, 10), "45000.00")
    feb = svc.slip_compute(actor=org.director, contract=contract, month=date(2025, 2, 1))
    assert (feb.cumulative, feb.bonus_cumulative, feb.granted_before, feb.bonus) == (
        D("50000.00"),
        D("4500.00"),
        D("0.00"),
        D("4500.00"),
    )
    _recover(org, contract, date(2025, 3, 3), "50000.00")
    mar = svc.slip_compute(actor=org.director, contract=contract, month=date(2025, 3, 1))
    assert (mar.cumulative, mar.bonus_cumulative, mar.granted_before, mar.bonus) == (
        D("100000.00"),
        D("14500.00"),
        D("4500.00"),
        D("10000.00"),
    )
    assert mar.completion_pct == D("100.00")
    # An earlier month is not recomputed under a later slip.
    with pytest.raises(RecoveryError, match="以后月份"):
        svc.slip_compute(actor=org.director, contract=contract, month=date(2025, 2, 1))


def test_the_slip_is_checked_then_paid_by_other_people(org):
    contract = _big_contract(org)
    slip = svc.slip_compute(actor=org.director, contract=contract, month=date(2025, 1, 1))
    with pytest.raises(RecoveryError, match="先经审核"):
        svc.slip_pay(actor=org.union_asset, slip=slip)
    for not_checker in (org.officer2, org.auditor, org.union_asset):
        with pytest.raises(RecoveryError, match="审核"):
            svc.slip_check(actor=not_checker, slip=slip)
    svc.slip_check(actor=org.union_risk, slip=slip)
    with pytest.raises(RecoveryError, match="已审核"):
        svc.slip_compute(actor=org.director, contract=contract, month=date(2025, 1, 1))
    svc.slip_pay(actor=org.union_asset, slip=slip)
    slip.refresh_from_db()
    assert slip.status == ContractSlip.Status.PAID
    assert (slip.checked_by, slip.paid_by) == (org.union_risk, org.union_asset)


# --- forfeiture -----------------------------------------------------------------------------


def test_a_lapsed_limitation_forfeits_the_deposit_and_charges_the_price(org):
    contract = _big_contract(org)
    lapsed, kept = contract.package.lines.order_by("id")
    NplRecord.objects.filter(pk=lapsed.record_id).update(limitation_expires_on=date(2025, 6, 1))
    assert [line.pk for line in svc.lapsed_lines(contract, today=date(2025, 7, 1))] == [lapsed.pk]
    with pytest.raises(RecoveryError, match="不是在承包期内"):
        svc.contract_forfeit(
            actor=org.director,
            contract=contract,
            line=kept,
            kind="limitation_lapsed",
            today=date(2025, 7, 1),
        )
    charge = svc.contract_forfeit(
        actor=org.director,
        contract=contract,
        line=lapsed,
        kind="limitation_lapsed",
        today=date(2025, 7, 1),
    )
    assert charge.amount == lapsed.price == D("36000.00")  # 60 % of 60,000
    assert charge.on == date(2025, 6, 1)
    contract.refresh_from_db()
    assert contract.status == CollectionContract.Status.FORFEITED
    assert contract.deposit_forfeited_on == date(2025, 7, 1)
    with pytest.raises(RecoveryError, match="已登记"):
        svc.contract_forfeit(
            actor=org.director,
            contract=contract,
            line=lapsed,
            kind="limitation_lapsed",
            today=date(2025, 7, 1),
        )
    # A lost debt-asset needs what happened; a second charge leaves the forfeiture date.
    with pytest.raises(RecoveryError, match="说明"):
        svc.contract_forfeit(
            actor=org.director,
            contract=contract,
            line=kept,
            kind="asset_lost",
            on=date(2025, 6, 20),
            today=date(2025, 7, 1),
        )
    svc.contract_forfeit(
        actor=org.director,
        contract=contract,
        line=kept,
        kind="asset_lost",
        on=date(2025, 6, 20),
        note="查封的拖拉机未看管，被转卖",
        today=date(2025, 7, 1),
    )
    contract.refresh_from_db()
    assert contract.deposit_forfeited_on == date(2025, 7, 1)
    assert contract.charges.count() == 2
    slip = svc.slip_compute(actor=org.director, contract=contract, month=date(2025, 6, 1))
    assert slip.charges == D("72000.00")
    assert slip.net == slip.bonus - D("72000.00")


def test_demo_has_a_package_under_contract_with_a_slip(org):
    from recovery import demo
    from recovery.demo_contract import seed_contract

    today = date(2026, 6, 15)
    demo.seed(today=today)
    contract = CollectionContract.objects.get()
    assert contract.package.status == CollectionPackage.Status.UNDER_CONTRACT
    slip = contract.slips.get()
    assert slip.month == date(2026, 6, 1) and slip.recovered >= D("500.00")
    assert seed_contract(today=today) == {"packages": 0}
