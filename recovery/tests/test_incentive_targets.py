"""Officer targets against the board's results, the yearly risk deposit, the coordination
lists (docs/rules.md §7.8)."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from creditcoop.errors import DomainError
from creditcoop.models import AuditLog
from recovery import services
from recovery.models import IncentiveSlip, OfficerTarget, RiskDeposit

from .helpers import npl
from .helpers_incentive import MONTH, TODAY, record, recover

pytestmark = pytest.mark.django_db


def test_targets_set_in_bulk_and_measured_with_the_board(org, client):
    services.officer_targets_save(
        actor=org.director,
        cooperative=org.coop_a,
        month=MONTH,
        rows={
            org.officer1.pk: {"principal": "1000", "interest": "100", "interest_rate": "5"},
            org.officer2.pk: {"principal": "500", "interest": "50"},
        },
        today=date(2026, 3, 1),
    )
    assert OfficerTarget.objects.filter(month=MONTH).count() == 2
    recover(record(org.village_a1, "T-1", drawn=date(1990, 1, 1)), date(2026, 3, 3), "1000", "100")
    recover(record(org.village_a2, "T-2", drawn=date(1990, 1, 1)), date(2026, 3, 3), "499.99")
    client.force_login(org.director)
    resp = client.get(reverse("recovery:officer_results") + "?month=2026-03")
    rows = {r.name: r for r in resp.context["rows"]}
    assert rows["郑信贷"].principal_met and rows["郑信贷"].interest_met
    # 100 ÷ (100 + 1,100 still owed) = 8.33 % ≥ 5 %
    assert rows["郑信贷"].interest_rate_met and rows["郑信贷"].all_met
    assert rows["王信贷"].principal_met is False and rows["王信贷"].all_met is False
    # An officer sees only their own line.
    client.force_login(org.officer2)
    resp = client.get(reverse("recovery:officer_results") + "?month=2026-03")
    assert [r.name for r in resp.context["rows"]] == ["王信贷"]


def test_target_refusals_save_nothing(org, client):
    before = AuditLog.objects.count()
    cases = [
        (org.officer1, org.officer1.pk, "1", date(2026, 3, 1), "只有本社主任或副主任"),
        (org.director_b, org.officer1.pk, "1", date(2026, 3, 1), "只有本社主任或副主任"),
        (org.director, org.officer_b.pk, "1", date(2026, 3, 1), "本社在岗的信贷员"),
        (org.director, org.officer1.pk, "-5", date(2026, 3, 1), "不能为负数"),
        (org.director, org.officer1.pk, "1", date(2026, 4, 1), "已结束月份"),
    ]
    for actor, officer, value, today, message in cases:
        with pytest.raises(DomainError, match=message):
            services.officer_targets_save(
                actor=actor,
                cooperative=org.coop_a,
                month=MONTH,
                rows={officer: {"principal": value}},
                today=today,
            )
    assert not OfficerTarget.objects.exists()
    assert AuditLog.objects.count() == before
    client.force_login(org.director)
    page = client.get(reverse("recovery:officer_targets"))
    assert "郑信贷" in page.content.decode() and 'id="save"' in page.content.decode()


def _paid_slip(org, month, interest):
    r = record(org.village_a1, f"D-{month:%m}", drawn=date(1990, 1, 1))
    recover(r, month, interest=interest)
    services.incentive_slips_compute(actor=org.director, month=month, today=TODAY)
    slip = IncentiveSlip.objects.get(collector=org.officer1, month=month)
    services.incentive_slip_check(actor=org.director, slip=slip, today=TODAY)
    return services.incentive_slip_pay(actor=org.director, slip=slip, today=TODAY)


def test_risk_deposit_holds_half_the_yearly_paid_bonus(org):
    _paid_slip(org, date(2026, 1, 1), "100.10")  # 6 % → 6.01 (6.006)
    _paid_slip(org, date(2026, 2, 1), "200.15")  # 6 % → 12.01 (12.009)
    r = record(org.village_a1, "D-UNPAID", drawn=date(1990, 1, 1))
    recover(r, date(2026, 3, 2), interest="1000")  # computed, never paid: not counted
    services.incentive_slips_compute(actor=org.director, month=MONTH, today=TODAY)
    services.risk_deposits_compute(
        actor=org.director, cooperative=org.coop_a, year=2026, today=TODAY
    )
    d = RiskDeposit.objects.get(officer=org.officer1, year=2026)
    assert (d.bonus, d.pct, d.held, d.status) == (
        Decimal("18.02"),
        Decimal("50.00"),
        Decimal("9.01"),
        "held",
    )
    with pytest.raises(DomainError, match="年度结束后"):
        services.risk_deposit_decide(actor=org.director, deposit=d, outcome="released", today=TODAY)
    with pytest.raises(DomainError, match="只有本社主任"):
        services.risk_deposit_decide(
            actor=org.deputy, deposit=d, outcome="released", today=date(2027, 1, 5)
        )
    with pytest.raises(DomainError, match="不超过暂存金额"):
        services.risk_deposit_decide(
            actor=org.director,
            deposit=d,
            outcome="forfeited",
            forfeited=Decimal("9.02"),
            reason="新增不良超比例",
            today=date(2027, 1, 5),
        )
    d.refresh_from_db()
    assert d.status == "held" and d.decided_by is None
    done = services.risk_deposit_decide(
        actor=org.director,
        deposit=d,
        outcome="forfeited",
        forfeited=Decimal("4.50"),
        reason="新增不良超比例",
        today=date(2027, 1, 5),
    )
    assert (done.status, done.forfeited, done.returned) == (
        "forfeited",
        Decimal("4.50"),
        Decimal("4.51"),
    )
    # A decided deposit never moves when the year is recomputed.
    services.risk_deposits_compute(
        actor=org.director, cooperative=org.coop_a, year=2026, today=date(2027, 1, 6)
    )
    done.refresh_from_db()
    assert (done.held, done.status) == (Decimal("9.01"), "forfeited")


def test_risk_deposit_page(org, client):
    _paid_slip(org, date(2026, 1, 1), "100")
    services.risk_deposits_compute(
        actor=org.director, cooperative=org.coop_a, year=2026, today=TODAY
    )
    client.force_login(org.officer1)
    text = client.get(reverse("recovery:risk_deposits") + "?year=2026").content.decode()
    assert "郑信贷" in text and "3.00" in text


def test_coordination_lists_grouped_by_employer_and_enterprises(org, client):
    v = org.village_a1
    npl(v, number="C-1", civil_servant=True, employer="某镇政府", principal_owed=Decimal("100"))
    npl(v, number="C-2", civil_servant=True, employer="某镇政府", principal_owed=Decimal("250.5"))
    npl(v, number="C-3", civil_servant=True, employer="县教育局", principal_owed=Decimal("80"))
    npl(v, number="C-4", civil_servant=False, employer="某镇政府")
    npl(org.village_b1, number="C-5", civil_servant=True, employer="西城某局")
    npl(
        v,
        number="F-1",
        borrower_name="红星煤矿",
        borrower_kind="enterprise",
        enterprise_status="dissolved",
        successor="县煤炭公司",
    )
    npl(
        v,
        number="F-2",
        borrower_name="前进砖厂",
        borrower_kind="enterprise",
        enterprise_status="active",
    )
    client.force_login(org.director)
    resp = client.get(reverse("recovery:coord_civil_servants"))
    groups = [(g["employer"], g["n"], g["principal"]) for g in resp.context["page_obj"]]
    assert groups == [("某镇政府", 2, Decimal("350.50")), ("县教育局", 1, Decimal("80.00"))]
    assert "西城某局" not in resp.content.decode()
    resp = client.get(reverse("recovery:coord_civil_servants") + "?export=xlsx")
    book = load_workbook(BytesIO(b"".join(resp.streaming_content)), read_only=True)
    body = [r for r in book.active.iter_rows(values_only=True)][2:]
    assert [(r[0], r[6]) for r in body] == [
        ("县教育局", 80),
        ("某镇政府", 100),
        ("某镇政府", 250.5),
    ]
    resp = client.get(reverse("recovery:coord_enterprises"))
    assert [r.borrower_name for r in resp.context["page_obj"]] == ["红星煤矿"]
    assert "县煤炭公司" in resp.content.decode()
    resp = client.get(reverse("recovery:coord_enterprises") + "?status=transferred&export=xlsx")
    book = load_workbook(BytesIO(b"".join(resp.streaming_content)), read_only=True)
    assert len(list(book.active.iter_rows(values_only=True))) == 2  # title and header only


def test_enterprise_fields_are_edited_on_the_record(org):
    r = npl(org.village_a1, number="F-9")
    with pytest.raises(DomainError, match="只有企业借款人"):
        services.npl_record_update(actor=org.director, record=r, enterprise_status="dissolved")
    services.npl_record_update(
        actor=org.director,
        record=r,
        borrower_kind="enterprise",
        enterprise_status="transferred",
        successor="某集团",
    )
    r.refresh_from_db()
    assert (r.enterprise_status, r.successor) == ("transferred", "某集团")


def test_demo_seeds_slips_and_checks_one(org):
    from recovery.demo_incentive import seed_incentive

    recover(record(org.village_a1, "Demo-1", drawn=date(1990, 1, 1)), date(2026, 3, 3), "0", "50")
    out = seed_incentive(today=TODAY)
    assert out == {"slips": 1, "slips_checked": 1}
    again = seed_incentive(today=TODAY)
    assert again["slips_checked"] == 0
    assert IncentiveSlip.objects.get(month=MONTH).status == "checked"
