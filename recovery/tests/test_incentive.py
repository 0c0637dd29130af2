"""Recovery incentives (docs/rules.md §7.8): bands by drawn date to the fen, interest only on
balance and principal + interest written off or replaced, 1 yuan per signed notice, the
recompute that never touches a checked slip, check / pay, the payout Excel."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from creditcoop.errors import DomainError
from creditcoop.models import AuditLog
from recovery import services
from recovery.models import IncentiveSlip, RecoveryPolicy

from .helpers_incentive import MONTH, TODAY, record, recover, signed_notice

pytestmark = pytest.mark.django_db


def compute(actor, **kw):
    return services.incentive_slips_compute(actor=actor, month=MONTH, today=TODAY, **kw)


def slip_of(staff, month=MONTH):
    return IncentiveSlip.objects.get(collector=staff, month=month)


def lines(slip):
    return {
        (line.kind, line.band_name): (line.base, line.rate_pct, line.amount)
        for line in slip.lines.all()
    }


@pytest.fixture
def march(org):
    """Recoveries of officer1 in March 2026 on records drawn at the edge of two bands."""
    v = org.village_a1
    last_of_band = record(v, "E-1", drawn=date(1978, 12, 31))  # ≤1978: 10 % / 8 %
    first_of_next = record(v, "E-2", drawn=date(1979, 1, 1))  # 1979–1985: 8 % / 6 %
    written_off = record(v, "E-3", drawn=date(1979, 1, 1), book="written_off")
    replaced = record(v, "E-4", drawn=date(1978, 12, 31), book="replaced")
    recover(last_of_band, date(2026, 3, 1), principal="1000", interest="100.05")
    recover(first_of_next, date(2026, 3, 31), principal="2000", interest="33.33")
    recover(written_off, date(2026, 3, 15), principal="500", interest="0.25")
    recover(replaced, date(2026, 3, 16), principal="100")
    # Outside the month: the day before and the day after.
    recover(last_of_band, date(2026, 2, 28), interest="50")
    recover(last_of_band, date(2026, 4, 1), interest="50")
    return {"E-1": last_of_band, "E-2": first_of_next, "E-3": written_off, "E-4": replaced}


def test_bands_by_drawn_date_at_their_edges_to_the_fen(org, march):
    result = compute(org.director)
    slip = slip_of(org.officer1)
    assert lines(slip) == {
        # on balance: the interest only — 100.05 × 10 % = 10.005 → 10.01 (half up)
        ("on_balance", "1978年及以前"): (Decimal("100.05"), Decimal("10.00"), Decimal("10.01")),
        # first day of the next band: 33.33 × 8 % = 2.6664 → 2.67
        ("on_balance", "1979—1985年"): (Decimal("33.33"), Decimal("8.00"), Decimal("2.67")),
        # written off: principal and interest — 500.25 × 6 % = 30.015 → 30.02
        ("off_balance", "1979—1985年"): (Decimal("500.25"), Decimal("6.00"), Decimal("30.02")),
        # replaced, drawn on the band's last day: 100.00 × 8 % = 8.00
        ("off_balance", "1978年及以前"): (Decimal("100.00"), Decimal("8.00"), Decimal("8.00")),
    }
    assert slip.band_amount == Decimal("50.70")
    assert slip.total == Decimal("50.70")
    assert result["computed"] == 1


def test_a_band_edited_in_the_admin_moves_the_edge(org, march):
    from recovery.models import IncentiveBand

    services.incentive_bands_ensure(org.union)
    first = IncentiveBand.objects.get(union=org.union, name="1978年及以前")
    second = IncentiveBand.objects.get(union=org.union, name="1979—1985年")
    first.ends_on, second.starts_on = date(1979, 1, 1), date(1979, 1, 2)
    first.save()
    second.save()
    compute(org.director)
    got = lines(slip_of(org.officer1))
    # E-2 (drawn 1979-01-01) now falls in the first band: 33.33 × 10 % = 3.333 → 3.33
    assert got[("on_balance", "1978年及以前")][2] == Decimal("10.01") + Decimal("3.33")
    assert ("on_balance", "1979—1985年") not in got


def test_one_yuan_per_signed_notice_and_none_for_an_unsigned_one(org):
    v = org.village_a1
    a = record(v, "N-1", drawn=date(1990, 1, 1))
    b = record(v, "N-2", drawn=date(1990, 1, 1))
    signed_notice(a, signed_on=date(2026, 3, 10))
    signed_notice(b, signed_on=date(2026, 3, 31), printed_on=date(2026, 3, 20))
    signed_notice(a, signed_on=date(2026, 3, 12), sign=False)  # printed, never signed
    signed_notice(b, signed_on=date(2026, 4, 1))  # signed the next month
    compute(org.director)
    slip = slip_of(org.officer1)
    assert (slip.notices, slip.plans) == (2, 0)
    assert slip.document_amount == Decimal("2.00")
    assert slip.total == Decimal("2.00")
    # The reward is the union's policy number.
    RecoveryPolicy.objects.filter(union=org.union).update(notice_reward=Decimal("1.50"))
    compute(org.director)
    assert slip_of(org.officer1).document_amount == Decimal("3.00")


def test_one_yuan_per_repayment_plan_signed_in_the_month(org):
    from recovery.tests.helpers_agree import signed

    in_month = record(org.village_a1, "P-1", drawn=date(1990, 1, 1))
    next_month = record(org.village_a1, "P-2", drawn=date(1990, 1, 1))
    signed(
        in_month,
        org.officer1,
        signed_on=date(2026, 3, 15),
        starts_on=date(2026, 3, 1),
        first_due_on=date(2026, 4, 1),
        today=date(2026, 3, 15),
    )
    signed(
        next_month,
        org.officer1,
        signed_on=date(2026, 4, 2),
        starts_on=date(2026, 4, 1),
        first_due_on=date(2026, 5, 1),
        today=date(2026, 4, 2),
    )
    compute(org.director)
    slip = slip_of(org.officer1)
    assert (slip.notices, slip.plans) == (0, 1)
    assert slip.document_amount == Decimal("1.00")
    RecoveryPolicy.objects.filter(union=org.union).update(plan_reward=Decimal("2.00"))
    compute(org.director)
    assert slip_of(org.officer1).document_amount == Decimal("2.00")


def test_recompute_replaces_unchecked_slips_and_never_touches_a_checked_one(org, march):
    officer2_record = record(org.village_a2, "E-9", drawn=date(1990, 6, 1))
    recover(officer2_record, date(2026, 3, 5), interest="200")  # 1986–1996: 6 % → 12.00
    compute(org.director)
    checked = services.incentive_slip_check(
        actor=org.director, slip=slip_of(org.officer1), today=TODAY
    )
    assert checked.status == "checked"
    # New recoveries for both officers in March, recorded late.
    recover(march["E-1"], date(2026, 3, 20), interest="100")
    recover(officer2_record, date(2026, 3, 21), interest="100")
    result = compute(org.director)
    again = slip_of(org.officer1)
    assert again.pk == checked.pk and again.status == "checked"
    assert again.total == Decimal("50.70")  # unchanged
    assert slip_of(org.officer2).total == Decimal("18.00")  # 300 × 6 %
    assert [s.collector for s in result["skipped"]] == [org.officer1]
    # Twice in a row: the same slips, the same totals.
    compute(org.director)
    assert IncentiveSlip.objects.filter(month=MONTH).count() == 2
    assert slip_of(org.officer2).total == Decimal("18.00")


def test_check_and_pay_rules(org, march):
    compute(org.director)
    slip = slip_of(org.officer1)
    before = AuditLog.objects.count()
    for actor, message in [
        (org.officer1, "只有联社风险管理部或信用社主任"),
        (org.deputy, "只有联社风险管理部或信用社主任"),
        (org.director_b, "只有联社风险管理部或信用社主任"),
        (org.auditor, "只有联社风险管理部或信用社主任"),
    ]:
        with pytest.raises(DomainError, match=message):
            services.incentive_slip_check(actor=actor, slip=slip, today=TODAY)
    with pytest.raises(DomainError, match="当月尚未结束"):
        services.incentive_slip_check(actor=org.director, slip=slip, today=date(2026, 3, 31))
    with pytest.raises(DomainError, match="须先审核"):
        services.incentive_slip_pay(actor=org.director, slip=slip, today=TODAY)
    slip.refresh_from_db()
    assert slip.status == "computed" and slip.checked_by is None
    assert AuditLog.objects.count() == before
    services.incentive_slip_check(actor=org.union_risk, slip=slip, today=TODAY)
    paid = services.incentive_slip_pay(actor=org.director, slip=slip, today=TODAY)
    assert (paid.status, paid.paid_on, paid.checked_by) == ("paid", TODAY, org.union_risk)
    assert AuditLog.objects.filter(action="recovery.incentive_pay").count() == 1


def test_nobody_checks_their_own_slip(org):
    r = record(org.village_a1, "S-1", drawn=date(1990, 1, 1), collector=org.director)
    recover(r, date(2026, 3, 3), interest="10")
    compute(org.director)
    with pytest.raises(DomainError, match="不能审核本人"):
        services.incentive_slip_check(actor=org.director, slip=slip_of(org.director), today=TODAY)


def test_compute_refusals_save_nothing(org, march):
    before = AuditLog.objects.count()
    for actor in (org.officer1, org.auditor, org.director_b, org.teller):
        with pytest.raises(DomainError):
            services.incentive_slips_compute(
                actor=actor, month=MONTH, cooperative=org.coop_a, today=TODAY
            )
    with pytest.raises(DomainError, match="未来月份"):
        services.incentive_slips_compute(
            actor=org.director, month=date(2026, 5, 1), cooperative=org.coop_a, today=TODAY
        )
    assert not IncentiveSlip.objects.exists()
    assert AuditLog.objects.count() == before


def test_union_staff_compute_the_whole_union_set_based(org, march, django_assert_max_num_queries):
    recover(record(org.village_b1, "B-1", drawn=date(2004, 1, 1)), date(2026, 3, 9), interest="50")
    with django_assert_max_num_queries(30):
        result = services.incentive_slips_compute(
            actor=org.union_risk, month=MONTH, union=org.union, today=TODAY
        )
    assert result["computed"] == 2
    assert slip_of(org.officer_b).total == Decimal("2.00")  # 2003–2005: 50 × 4 %


def test_payout_excel_lists_checked_slips_with_their_sum(org, march, client):
    other = record(org.village_a2, "E-8", drawn=date(1990, 6, 1))
    recover(other, date(2026, 3, 5), interest="200")  # officer2: 12.00, never checked
    signed_notice(march["E-2"], signed_on=date(2026, 3, 9))
    compute(org.director)
    services.incentive_slip_check(actor=org.director, slip=slip_of(org.officer1), today=TODAY)
    client.force_login(org.director)
    resp = client.get(reverse("recovery:incentive_payout") + f"?coop={org.coop_a.pk}&month=2026-03")
    book = load_workbook(BytesIO(b"".join(resp.streaming_content)), read_only=True)
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert rows[1][:8] == [
        "序号",
        "工号",
        "清收人",
        "收回奖励（元）",
        "签收通知书（份）",
        "还款计划（份）",
        "文书奖励（元）",
        "应发合计（元）",
    ]
    body = rows[2:]
    assert [r[2] for r in body[:-1]] == ["郑信贷"]  # officer2's unchecked slip is not paid out
    assert body[0][3:8] == [50.7, 1, 0, 1, 51.7]
    assert body[-1][0] == "合计" and body[-1][7] == 51.7


def test_slip_pages_scope_and_steps(org, march, client):
    r = record(org.village_a2, "E-7", drawn=date(1990, 6, 1))
    recover(r, date(2026, 3, 5), interest="200")
    compute(org.director)
    mine, theirs = slip_of(org.officer1), slip_of(org.officer2)
    client.force_login(org.officer1)
    assert client.get(reverse("recovery:incentive_slip", args=[mine.pk])).status_code == 200
    assert client.get(reverse("recovery:incentive_slip", args=[theirs.pk])).status_code == 404
    page = client.get(reverse("recovery:incentive_slips") + "?month=2026-03")
    text = page.content.decode()
    assert "郑信贷" in text and "王信贷" not in text
    client.force_login(org.director_b)
    assert client.get(reverse("recovery:incentive_slip", args=[mine.pk])).status_code == 404
    client.force_login(org.director)
    page = client.get(reverse("recovery:incentive_slips") + "?month=2026-03")
    assert "王信贷" in page.content.decode() and "62.70" in page.content.decode()
    detail = client.get(reverse("recovery:incentive_slip", args=[mine.pk]))
    assert "50.70" in detail.content.decode() and 'id="check"' in detail.content.decode()
    # The page's compute button (this month: nothing recovered yet, no slip).
    resp = client.post(
        reverse("recovery:incentive_compute"), {"coop": org.coop_a.pk, "month": "2026-03"}
    )
    assert resp.status_code == 302
    assert IncentiveSlip.objects.filter(month=MONTH).count() == 2


def test_bands_page_shows_the_placeholders(org, client):
    client.force_login(org.officer1)
    text = client.get(reverse("recovery:incentive_bands")).content.decode()
    assert "1978年及以前" in text and "2006年及以后" in text and "1.00 元" in text
