"""Entrusted collection (托管清收, docs/rules.md §7.9): white list, packages, hand-over
rules to the fen, the quarterly fee list and its invoice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from creditcoop.models import AuditLog
from recovery import services
from recovery.models import (
    AgencyFeeList,
    AgencyHandover,
    AgencyPackage,
    AgencyPackageLine,
    LimitationEvent,
    NplRecord,
    RecoveryEntry,
)
from recovery.services import RecoveryError

from .helpers import npl
from .helpers_agency import agency, agency_user, package

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def book(org):
    v = org.village_b1
    return {
        "old": npl(v, number="B-1", borrower_name="欧阳甲"),
        "old2": npl(v, number="B-2", borrower_name="欧阳丙"),
        "new": npl(v, number="B-3", borrower_name="欧阳丁", drawn_on=date(2003, 1, 1)),
        "sued": npl(v, number="B-4", borrower_name="欧阳戊"),
        "ended": npl(v, number="B-5", borrower_name="欧阳己"),
    }


def _sue(org, record, on, *, ended_on=None):
    LimitationEvent.objects.create(
        record=record, kind=LimitationEvent.Kind.LAWSUIT, occurred_on=on, recorded_by=org.director_b
    )
    if ended_on:
        LimitationEvent.objects.create(
            record=record,
            kind=LimitationEvent.Kind.ENFORCEMENT_ENDED,
            occurred_on=ended_on,
            recorded_by=org.director_b,
        )


def test_package_takes_pre_2000_loans_and_leaves_litigated_ones_out(org, book):
    _sue(org, book["sued"], date(2024, 3, 1))
    _sue(org, book["ended"], date(2020, 3, 1), ended_on=date(2022, 5, 1))
    pkg = package(org, agency(org))
    got = set(pkg.lines.values_list("record__loan_number", flat=True))
    # Drawn 2003: outside the default scope; B-4 is in litigation; B-5's enforcement ended.
    assert got == {"B-1", "B-2", "B-5"}
    assert pkg.rules["excluded_litigated"] == 1
    assert pkg.deposit == pkg.deposit_balance == D("200000.00")
    assert pkg.fee_pct == D("20.00")
    assert pkg.staff == org.officer_b


def test_a_record_is_in_one_live_package_only(org, book):
    firm = agency(org)
    first = package(org, firm)
    second_firm = agency(org, name="潇湘清收有限公司", licence="91430000TEST00002X")
    with pytest.raises(RecoveryError, match="没有符合条件的贷款"):
        package(org, second_firm)
    # The database says so too, whatever a service forgets.
    from django.db import IntegrityError, transaction

    other = AgencyPackage.objects.create(
        **{
            k: getattr(first, k)
            for k in (
                "union_id",
                "cooperative_id",
                "rules",
                "deposit",
                "deposit_balance",
                "fee_pct",
                "handover_days",
                "deduct_after_days",
                "late_daily_rate",
                "preserved_bonus",
                "staff_id",
                "starts_on",
                "ends_on",
                "created_by_id",
            )
        },
        agency=second_firm,
        number="TGX",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AgencyPackageLine.objects.create(
            package=other, record=book["old"], principal_at_start=1, interest_at_start=0
        )
    # Once the first package ends, its records may be entrusted again.
    services.package_end(actor=org.director_b, package=first)
    again = package(org, second_firm)
    assert again.lines.count() == first.lines.count() == 4


def test_a_firm_not_on_the_white_list_gets_nothing(org, book):
    firm = agency(org, whitelist=False)
    before = (AuditLog.objects.count(), AgencyPackage.objects.count())
    with pytest.raises(RecoveryError, match="不在白名单内"):
        package(org, firm)
    assert (AuditLog.objects.count(), AgencyPackage.objects.count()) == before
    # The one who registered the firm does not approve it.
    with pytest.raises(RecoveryError, match="不能自己批准"):
        services.agency_whitelist(actor=org.union_asset, agency=firm)
    with pytest.raises(RecoveryError, match="只有联社资产保全部或信用社主任"):
        services.agency_whitelist(actor=org.officer_b, agency=firm)
    firm.refresh_from_db()
    assert not firm.whitelisted


@pytest.fixture
def entrusted(org, book):
    firm = agency(org)
    pkg = package(org, firm)
    return pkg, agency_user(org, firm), book


def _collect(org, pkg, record, amount, on, *, actor=None, interest="0"):
    return services.handover_report(
        actor=actor or org.officer_b,
        package=pkg,
        record=record,
        collected_on=on,
        principal=D(amount),
        interest=D(interest),
        today=on,
    )


def _settle(org, handover, on):
    return services.handover_settle(actor=org.director_b, handover=handover, on=on, today=on)


def test_five_and_ten_day_rules_to_the_fen(org, entrusted):
    pkg, _user, book = entrusted
    day0 = date(2026, 1, 5)
    rec = book["old"]
    # Day 5: no interest.
    h5 = _settle(org, _collect(org, pkg, rec, "1234.56", day0), date(2026, 1, 10))
    assert (h5.days_late, h5.late_interest, h5.settlement) == (5, D("0.00"), "cash")
    # Day 6: one day at 0.05 % a day: 1234.56 × 0.0005 = 0.61728 → 0.62.
    h6 = _settle(org, _collect(org, pkg, rec, "1234.56", day0), date(2026, 1, 11))
    assert (h6.days_late, h6.late_interest, h6.deducted) == (6, D("0.62"), D("0.00"))
    # Day 11: six days' interest, 3.70368 → 3.70, and amount + interest from the deposit.
    h11 = _settle(org, _collect(org, pkg, rec, "1234.56", day0), date(2026, 1, 16))
    assert (h11.days_late, h11.late_interest, h11.settlement) == (11, D("3.70"), "deposit")
    assert (h11.deducted, h11.owed) == (D("1238.26"), D("0.00"))
    pkg.refresh_from_db()
    assert pkg.deposit_balance == D("200000.00") - D("1238.26")
    # Each one booked as a recovery of the record.
    rec.refresh_from_db()
    assert rec.principal_owed == D("15000.00") - 3 * D("1234.56")
    assert RecoveryEntry.objects.filter(record=rec).count() == 3


def test_the_deposit_never_goes_below_nought_the_rest_is_owed(org, book):
    pkg = package(org, agency(org), deposit=D("1000.00"))
    h = _collect(org, pkg, book["old"], "1234.56", date(2026, 1, 5))
    h = _settle(org, h, date(2026, 1, 16))
    assert (h.deducted, h.owed) == (D("1000.00"), D("238.26"))
    pkg.refresh_from_db()
    assert pkg.deposit_balance == D("0.00")
    # The cooperative received the 1,000 from the deposit: that is what is booked.
    assert h.entry.principal + h.entry.interest == D("1000.00")
    # A second late hand-over (28 days: 23 days of interest, 100 × 0.0005 × 23 = 1.15) finds
    # an empty deposit: all of it is owed, nothing booked.
    h2 = _settle(org, _collect(org, pkg, book["old"], "100.00", date(2026, 2, 1)), date(2026, 3, 1))
    assert (h2.deducted, h2.owed, h2.entry) == (D("0.00"), D("101.15"), None)


def test_hand_over_refusals_save_nothing(org, entrusted):
    pkg, user, book = entrusted
    h = _collect(org, pkg, book["old"], "100.00", date(2026, 1, 5), actor=user)
    before = (AuditLog.objects.count(), RecoveryEntry.objects.count())
    # The firm reports money; it does not confirm its own hand-over.
    with pytest.raises(RecoveryError, match="只有陪同配合人员"):
        services.handover_settle(
            actor=user, handover=h, on=date(2026, 1, 6), today=date(2026, 1, 6)
        )
    with pytest.raises(RecoveryError, match="不能早于收款日期"):
        _settle(org, h, date(2026, 1, 4))
    with pytest.raises(RecoveryError, match="不在此托管资产包内"):
        _collect(org, pkg, book["new"], "1.00", date(2026, 1, 5))
    with pytest.raises(RecoveryError, match="超过本金余额"):
        _collect(org, pkg, book["old"], "14950.00", date(2026, 1, 5))
    assert (AuditLog.objects.count(), RecoveryEntry.objects.count()) == before
    h.refresh_from_db()
    assert h.settlement == AgencyHandover.Settlement.OPEN


def test_a_worked_quarter_bonus_compensation_and_interest(org, entrusted):
    pkg, user, book = entrusted
    # Recoveries in 2026 Q1: 8,000 + 2,000 on B-1 on time; 1,234.56 on B-2 six days late.
    _settle(
        org,
        _collect(org, pkg, book["old"], "8000", date(2026, 1, 5), interest="1000"),
        date(2026, 1, 8),
    )
    _settle(org, _collect(org, pkg, book["old2"], "1234.56", date(2026, 2, 1)), date(2026, 2, 7))
    # The firm's staff register the borrower's written acknowledgement: it counts.
    services.limitation_event_add(
        actor=user,
        record=book["old2"],
        kind=LimitationEvent.Kind.ACKNOWLEDGEMENT,
        occurred_on=date(2026, 2, 10),
        signer_name="欧阳丙",
        signer_relation="self",
        today=date(2026, 2, 10),
    )
    # B-5's limitation ends on 1 March 2026 in the firm's hands: it compensates the debt.
    NplRecord.objects.filter(pk=book["ended"].pk).update(limitation_expires_on=date(2026, 3, 1))
    fl = services.fee_list_compute(
        actor=org.director_b, package=pkg, year=2026, quarter=1, today=date(2026, 4, 2)
    )
    assert fl.recoveries == D("10234.56")
    assert fl.fee == D("2046.91")  # 20 % of 10,234.56 = 2,046.912
    assert (fl.preserved_count, fl.preserved_bonus) == (1, D("20.00"))
    assert (fl.lapsed_count, fl.compensation) == (1, D("16200.00"))  # 15,000 + 1,200
    assert fl.late_interest == D("0.62")
    assert fl.payable == D("2046.91") + D("20.00") - D("16200.00") - D("0.62")
    assert [x["loan_number"] for x in fl.details["lapsed"]] == ["B-5"]
    services.fee_invoice(
        actor=org.director_b, fee_list=fl, invoice_number="0001", invoice_amount=D("0")
    )
    with pytest.raises(RecoveryError, match="应向信用社赔付 14133.71 元"):
        services.fee_approve(actor=org.director_b, fee_list=fl)


def test_invoice_matched_to_the_fen_or_refused(org, entrusted):
    pkg, _user, book = entrusted
    _settle(org, _collect(org, pkg, book["old"], "1234.56", date(2026, 4, 1)), date(2026, 4, 3))
    fl = services.fee_list_compute(
        actor=org.director_b, package=pkg, year=2026, quarter=2, today=date(2026, 7, 1)
    )
    assert fl.payable == D("246.91")  # 20 % of 1,234.56 = 246.912
    fl = services.fee_invoice(
        actor=org.director_b, fee_list=fl, invoice_number="44001", invoice_amount=D("246.92")
    )
    assert not fl.matched and fl.difference == D("0.01")
    before = AuditLog.objects.count()
    with pytest.raises(RecoveryError, match="相差 0.01 元"):
        services.fee_approve(actor=org.director_b, fee_list=fl)
    assert AuditLog.objects.count() == before
    fl = services.fee_invoice(
        actor=org.director_b, fee_list=fl, invoice_number="44001", invoice_amount=D("246.91")
    )
    fl = services.fee_approve(actor=org.union_asset, fee_list=fl)
    assert fl.status == AgencyFeeList.Status.APPROVED
    with pytest.raises(RecoveryError, match="已审批，不能重算"):
        services.fee_list_compute(
            actor=org.director_b, package=pkg, year=2026, quarter=2, today=date(2026, 7, 1)
        )


def test_the_firm_works_only_on_its_package_and_never_on_amounts(org, entrusted):
    from recovery.selectors import npl_scope

    pkg, user, book = entrusted
    assert set(npl_scope(user)) == {book["old"], book["old2"], book["sued"], book["ended"]}
    assert services.may_pursue(user, book["old"])
    assert not services.may_pursue(user, book["new"])
    before = AuditLog.objects.count()
    with pytest.raises(RecoveryError):
        services.npl_record_update(actor=user, record=book["old"], whereabouts="广州")
    with pytest.raises(RecoveryError):
        services.recovery_entry_record(
            actor=user, record=book["old"], on=date(2026, 1, 1), kind="cash", principal=D("1")
        )
    assert AuditLog.objects.count() == before
    services.package_end(actor=org.director_b, package=pkg)
    assert not npl_scope(user).exists()


def test_demo_has_an_agency_package_with_a_late_hand_over_and_a_login(org):
    from recovery import demo

    today = date(2026, 12, 7)
    demo.seed(today=today)
    pkg = AgencyPackage.objects.get()
    late = pkg.handovers.get(settlement="deposit")
    assert late.days_late == 12 and late.deducted == D("800.00") + late.late_interest
    assert pkg.handovers.filter(settlement="open").count() == 1
    assert pkg.agency.whitelisted and pkg.agency.members.get().staff.username == "AG001"
    demo.seed(today=today)
    assert AgencyPackage.objects.count() == 1 and AgencyHandover.objects.count() == 2
