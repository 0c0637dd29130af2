"""Reports and the recovery board (docs/rules.md §7.2): every figure against rows built here,
the locked baseline, recoveries from the counter exactly once, the officer ranking, Excel,
scope and a constant number of queries."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from creditcoop.models import AuditLog, Notification, Staff
from loans.services import repayment_reverse
from loans.tests import factories as lf
from recovery import board, services
from recovery.models import (
    MonthlyRanking,
    NplGuarantor,
    NplRecord,
    RecoveryEntry,
    VintageScheme,
    YearBaseline,
)
from recovery.services import RecoveryError

from .helpers_board import due_loan, record

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)


@pytest.fixture
def book(org):
    """Cooperative A's book as plain facts (what the test expects is computed from these),
    plus one recovered record and one record of cooperative B that must never count."""
    specs = [
        # number, village, class, principal, cause, actual user, drawn, expires in (days)
        ("A-1", org.village_a1, 2, "1000.00", "deadbeat", "borrower", date(1995, 3, 1), 20),
        ("A-2", org.village_a1, 4, "2500.50", "government", "government", date(1999, 1, 1), 45),
        ("A-3", org.village_a2, 3, "800.00", "deadbeat", "collective", date(2003, 7, 1), 80),
        ("A-4", org.village_a2, 4, "4000.00", "business", "borrower", date(2010, 1, 1), 400),
        ("A-5", org.village_a1, 2, "150.25", "other", "other_person", date(2004, 6, 1), 200),
    ]
    rows = []
    for number, village, cls, principal, cause, user, drawn, days in specs:
        r = record(
            village,
            number,
            principal=principal,
            risk_class=cls,
            cause=cause,
            actual_user=user,
            drawn_on=drawn,
            limitation_expires_on=TODAY + timedelta(days=days),
        )
        rows.append(r)
    # A guarantor whose own limitation ends within 60 days (counts as a party).
    NplGuarantor.objects.create(
        record=rows[3], name="保证人甲", limitation_expires_on=TODAY + timedelta(days=55)
    )
    record(org.village_a1, "A-done", principal="9999", status=NplRecord.Status.RECOVERED)
    record(org.village_b1, "B-1", principal="7777", risk_class=3)
    return rows


def _sum(rows, key):
    out = defaultdict(lambda: [0, Decimal("0")])
    for r in rows:
        k = key(r)
        out[k][0] += 1
        out[k][1] += r.principal_owed
    return {k: tuple(v) for k, v in out.items()}


def _as(lines):
    return {line.key: (line.count, line.balance) for line in lines if line.count}


def test_every_figure_matches_the_rows(org, book):
    data = board.report(org.director, "", TODAY)
    assert _as(data["by_class"]) == _sum(book, lambda r: r.risk_class)
    assert _as(data["by_cause"]) == _sum(book, lambda r: r.cause)
    assert _as(data["by_user"]) == _sum(book, lambda r: r.actual_user)
    assert _as(data["by_collector"]) == _sum(book, lambda r: r.collector_id)
    for block in data["by_segment"]:
        scheme = block["scheme"]
        expected = {}
        for seg in scheme.segments.all():
            inside = [r for r in book if seg.contains(r.drawn_on)]
            if inside:
                expected[seg.pk] = (len(inside), sum(r.principal_owed for r in inside))
        assert _as(block["lines"]) == expected, scheme.name
    assert {s.code for s in VintageScheme.objects.filter(active=True)} == {
        b["scheme"].code for b in data["by_segment"]
    }
    assert data["npl_count"] == 5
    assert data["npl_balance"] == Decimal("8450.75")
    # Parties whose limitation ends within 30/60/90 days: A-1 (20); A-2 (45) and the
    # guarantor (55); A-3 (80).
    assert [(e["days"], e["count"]) for e in data["expiring"]] == [(30, 1), (60, 3), (90, 4)]
    listed = board.selectors.expiring_soon(user=org.director, days=60, today=TODAY)
    assert len(listed) == 3


def test_officer_sees_only_their_figures_and_no_baseline(org, book):
    services.year_baseline_lock(today=date(TODAY.year, 1, 1))
    data = board.report(org.officer1, "", TODAY)
    mine = [r for r in book if r.collector_id == org.officer1.pk]
    assert data["npl_count"] == len(mine) == 3
    assert data["npl_balance"] == sum(r.principal_owed for r in mine)
    assert data["baseline"] is None
    # Another cooperative's figures never: naming it is a 404, and the union view splits.
    assert board.report(org.director, str(org.coop_b.pk), TODAY) is None
    union = board.report(org.union_asset, "", TODAY)
    assert union["npl_count"] == 6
    only_b = board.report(org.union_asset, str(org.coop_b.pk), TODAY)
    assert only_b["npl_balance"] == Decimal("7777.00")


def test_board_page_shows_the_numbers_and_links_in_constant_queries(
    org, book, client, django_assert_max_num_queries
):
    client.force_login(org.director)
    url = reverse("recovery:board")
    resp = client.get(url)
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "chart.umd.min.js" in body and 'nonce="' in body
    assert "8450.75" in body and "7777" not in body and "西城信用社" not in body
    assert f"?cooperative={org.coop_a.pk}&amp;risk_class=4" in body
    assert 'id="expiring-60"' in body
    # The linked register list shows exactly the class's rows.
    listed = client.get(reverse("recovery:register"), {"risk_class": 4}).content.decode()
    assert "A-2" in listed and "A-4" in listed and "A-1" not in listed
    listed = client.get(reverse("recovery:register"), {"actual_user": "government"})
    assert "A-2" in listed.content.decode() and "A-4" not in listed.content.decode()
    with django_assert_max_num_queries(30) as before:
        client.get(url)
    n = len(before.captured_queries)
    for i in range(40):
        record(org.village_a2, f"A-x{i}", risk_class=2 + i % 3, drawn_on=date(1990 + i % 30, 1, 1))
        RecoveryEntry.objects.create(
            record=book[0],
            cooperative=org.coop_a,
            on=timezone.localdate().replace(day=1),
            kind="cash",
            principal=Decimal("1"),
        )
    with django_assert_max_num_queries(n):
        client.get(url)
    client.force_login(org.officer1)
    body = client.get(url).content.decode()
    assert "4000.00" not in body  # officer2's record


def test_baseline_is_locked_on_1_january_and_never_rewritten(org, book):
    assert services.year_baseline_lock(today=date(2026, 1, 1)) == {"taken": 2}
    a = YearBaseline.objects.get(cooperative=org.coop_a, year=2026)
    assert (a.count_2, a.balance_2) == (2, Decimal("1150.25"))
    assert (a.count_4, a.balance_4) == (2, Decimal("6500.50"))
    assert a.taken_on == date(2026, 1, 1)
    # The book changes; later runs and a direct take change nothing.
    NplRecord.objects.filter(loan_number="A-4").update(principal_owed=Decimal("1"))
    assert services.year_baseline_lock(today=date(2026, 1, 2)) == {"taken": 0}
    with pytest.raises(RecoveryError, match="已锁定"):
        services.year_baseline_take(cooperative=org.coop_a, year=2026, today=date(2026, 3, 1))
    a.refresh_from_db()
    assert a.balance_4 == Decimal("6500.50")
    with pytest.raises(IntegrityError), transaction.atomic():
        YearBaseline.objects.create(cooperative=org.coop_a, year=2026, taken_on=date(2026, 5, 1))
    # The board compares with the locked figure.
    data = board.report(org.director, "", date(2026, 6, 15))
    assert data["baseline"].npl_balance == Decimal("8450.75")
    assert data["change"]["balance"] == data["npl_balance"] - Decimal("8450.75")


def test_catch_up_after_downtime_takes_the_register_as_it_is_then(org, book):
    NplRecord.objects.filter(loan_number="A-1").update(status=NplRecord.Status.RECOVERED)
    services.year_baseline_lock(today=date(2027, 1, 4))
    a = YearBaseline.objects.get(cooperative=org.coop_a, year=2027)
    assert a.taken_on == date(2027, 1, 4)
    assert (a.count_2, a.balance_2) == (1, Decimal("150.25"))
    assert AuditLog.objects.filter(action="recovery.baseline_lock").count() == 2


@pytest.fixture
def linked(org):
    c = lf.contract(org)
    loan = lf.draw(org, c, "5000")
    return record(
        org.village_a1, loan.number, principal="5000", loan=loan, entered_on=date(2025, 1, 1)
    )


def test_repayments_become_cash_entries_exactly_once_and_never_reversed_ones(org, linked):
    loan = linked.loan
    kept = lf.repay(org, loan, "1000")
    undone = lf.repay(org, loan, "700")
    repayment_reverse(
        repayment=undone, actor=org.teller, reason="录入错误", authoriser=org.director
    )
    assert services.recovery_entries_from_repayments() == {"added": 1, "dropped": 0}
    entry = RecoveryEntry.objects.get()
    assert entry.repayment == kept and entry.kind == "cash"
    assert entry.principal == kept.to_principal
    assert entry.interest == kept.to_interest + kept.to_penalty
    assert entry.collector == org.officer1 and entry.cooperative == org.coop_a
    # A second run, and a full rescan, add nothing.
    assert services.recovery_entries_from_repayments() == {"added": 0, "dropped": 0}
    assert services.recovery_entries_from_repayments(full=True) == {"added": 0, "dropped": 0}
    # A repayment reversed after its entry was derived takes the entry away.
    kept.refresh_from_db()
    repayment_reverse(repayment=kept, actor=org.teller, reason="录入错误", authoriser=org.director)
    assert services.recovery_entries_from_repayments() == {"added": 0, "dropped": 1}
    assert not RecoveryEntry.objects.exists()


def test_recording_a_recovery_and_its_refusals(org):
    r = record(org.village_a1, "A-9", principal="1000", interest_owed=Decimal("100"))
    with pytest.raises(RecoveryError, match="超过本金余额"):
        services.recovery_entry_record(
            actor=org.officer1,
            record=r,
            on=TODAY,
            kind="cash",
            principal=Decimal("1000.01"),
            today=TODAY,
        )
    with pytest.raises(RecoveryError, match="无权"):
        services.recovery_entry_record(
            actor=org.officer2, record=r, on=TODAY, kind="cash", principal=Decimal("1"), today=TODAY
        )
    with pytest.raises(RecoveryError, match="晚于今天"):
        services.recovery_entry_record(
            actor=org.officer1,
            record=r,
            on=TODAY + timedelta(days=1),
            kind="cash",
            principal=Decimal("1"),
            today=TODAY,
        )
    assert not RecoveryEntry.objects.exists()
    services.recovery_entry_record(
        actor=org.officer1,
        record=r,
        on=TODAY,
        kind="restructured",
        principal=Decimal("400"),
        interest=Decimal("60"),
        today=TODAY,
    )
    r.refresh_from_db()
    assert (r.principal_owed, r.interest_owed) == (Decimal("600.00"), Decimal("40.00"))
    assert AuditLog.objects.filter(action="recovery.entry_record").count() == 1


def test_recoveries_by_month_cash_and_restructured_against_the_baseline(org, book):
    services.year_baseline_lock(today=date(2026, 1, 1))
    for on, kind, p, i in [
        (date(2026, 2, 3), "cash", "100", "10"),
        (date(2026, 6, 1), "cash", "200", "0"),
        (date(2026, 6, 2), "restructured", "300", "30"),
        (date(2025, 12, 31), "cash", "999", "0"),  # last year: not counted
    ]:
        RecoveryEntry.objects.create(
            record=book[1],
            cooperative=org.coop_a,
            collector=org.officer1,
            on=on,
            kind=kind,
            principal=Decimal(p),
            interest=Decimal(i),
        )
    data = board.report(org.director, "", TODAY)
    assert data["this_month"].cash == Decimal("200") and data["this_month"].restructured == Decimal(
        "330"
    )
    assert data["year"].cash == Decimal("310") and data["year"].restructured == Decimal("330")
    assert data["months"][1].cash_principal == Decimal("100")
    assert data["months"][-1].cumulative_principal == Decimal("600")
    assert data["months"][-1].remaining == Decimal("8450.75") - Decimal("600")
    assert data["change"]["recovered_pct"] == Decimal("7.10")  # 600 / 8450.75


def test_monthly_ranking_rates_order_and_publication(org, client):
    october = date(2026, 10, 1)
    # officer1: a record with interest owed, a loan due in October partly repaid.
    r1 = record(org.village_a1, "A-r1", principal="5000", interest_owed=Decimal("300"))
    r2 = record(org.village_a2, "A-r2", principal="9000", interest_owed=Decimal("500"))
    services.recovery_entry_record(
        actor=org.officer1,
        record=r1,
        on=date(2026, 10, 9),
        kind="cash",
        principal=Decimal("1000"),
        interest=Decimal("100"),
        today=date(2026, 11, 2),
    )
    services.recovery_entry_record(
        actor=org.officer2,
        record=r2,
        on=date(2026, 10, 20),
        kind="cash",
        principal=Decimal("3000"),
        today=date(2026, 11, 2),
    )
    services.recovery_entry_record(  # September: not October's
        actor=org.officer2,
        record=r2,
        on=date(2026, 9, 30),
        kind="cash",
        principal=Decimal("50"),
        today=date(2026, 11, 2),
    )
    loan = due_loan(org, "8000", drawn=date(2026, 4, 1), due=date(2026, 10, 15))
    back = lf.repay(org, loan, "2000", paid_on=date(2026, 10, 15))
    late = lf.repay(org, loan, "1000", paid_on=date(2026, 11, 1))  # after the month: no
    assert late.to_principal > 0
    results = board.officer_results(org.coop_a, october, date(2026, 11, 2))
    assert [r.staff_id for r in results] == [org.officer2.pk, org.officer1.pk]
    o2, o1 = results
    assert (o2.rank, o2.principal, o2.interest) == (1, Decimal("3000"), Decimal("0"))
    assert o2.maturity_rate is None  # nothing fell due
    assert o2.interest_rate == Decimal("0.00")  # 0 / (0 + 500)
    assert (o1.rank, o1.principal, o1.interest) == (2, Decimal("1000"), Decimal("100"))
    assert o1.due == Decimal("8000") and o1.due_back == back.to_principal
    assert o1.maturity_rate == (back.to_principal * 100 / Decimal("8000")).quantize(Decimal("0.01"))
    assert o1.interest_rate == Decimal("33.33")  # 100 / (100 + 200 still owed)

    # Published by the director: a snapshot, an inbox notice to every staff member.
    ranking = services.ranking_publish(
        actor=org.director, cooperative=org.coop_a, month=october, today=date(2026, 11, 2)
    )
    assert [row["name"] for row in ranking.rows] == [org.officer2.name, org.officer1.name]
    staff = Staff.objects.filter(cooperative=org.coop_a, is_active=True).count()
    assert (
        Notification.objects.filter(dedupe_key__startswith=f"npl-ranking:{ranking.pk}:").count()
        == staff
    )
    with pytest.raises(RecoveryError, match="已发布"):
        services.ranking_publish(
            actor=org.director, cooperative=org.coop_a, month=october, today=date(2026, 11, 3)
        )
    with pytest.raises(RecoveryError, match="已结束"):
        services.ranking_publish(
            actor=org.director,
            cooperative=org.coop_a,
            month=date(2026, 11, 1),
            today=date(2026, 11, 3),
        )
    with pytest.raises(RecoveryError, match="只有主任"):
        services.ranking_publish(
            actor=org.officer1,
            cooperative=org.coop_a,
            month=date(2026, 9, 1),
            today=date(2026, 11, 3),
        )
    # Every staff member of the cooperative sees it, a teller too; cooperative B never.
    client.force_login(org.teller)
    body = client.get(reverse("recovery:ranking"), {"month": "2026-10"}).content.decode()
    assert org.officer2.name in body and org.officer1.name in body and 'id="published"' in body
    client.force_login(org.director_b)
    assert client.get(reverse("recovery:ranking"), {"coop": org.coop_a.pk}).status_code == 404
    assert MonthlyRanking.objects.count() == 1


def test_unpublished_ranking_shows_an_officer_only_their_row(org, client):
    r2 = record(org.village_a2, "A-r2", principal="9000")
    r1 = record(org.village_a1, "A-r1", principal="9000")
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=5)
    for who, rec in ((org.officer1, r1), (org.officer2, r2)):
        services.recovery_entry_record(
            actor=who, record=rec, on=last_month, kind="cash", principal=Decimal("10")
        )
    client.force_login(org.officer1)
    body = client.get(reverse("recovery:ranking")).content.decode()
    assert org.officer1.name in body and org.officer2.name not in body
    client.force_login(org.director)
    body = client.get(reverse("recovery:ranking")).content.decode()
    assert org.officer1.name in body and org.officer2.name in body and "向全社员工公布" in body
    resp = client.post(
        reverse("recovery:ranking_publish"), {"coop": org.coop_a.pk, "month": f"{last_month:%Y-%m}"}
    )
    assert resp.status_code == 302
    assert MonthlyRanking.objects.filter(cooperative=org.coop_a).count() == 1


def test_excel_has_the_sheets_and_numbers_as_numbers(org, book, client):
    services.year_baseline_lock(today=date(timezone.localdate().year, 1, 1))
    client.force_login(org.director)
    resp = client.get(reverse("recovery:board_export"))
    wb = load_workbook(BytesIO(b"".join(resp.streaming_content)))
    assert wb.sheetnames == [
        "五级分类",
        "新老划段",
        "形成原因",
        "实际用款人",
        "清收责任人",
        "时效即将届满",
        "本年收回",
        "年初基数",
    ]
    classes = {row[0]: row[1:] for row in wb["五级分类"].iter_rows(min_row=3, values_only=True)}
    assert classes["损失"] == (2, 6500.5)
    assert isinstance(classes["次级"][1], (int, float))
    causes = {row[0]: row[1:] for row in wb["形成原因"].iter_rows(min_row=3, values_only=True)}
    assert causes["赖债"] == (2, 1800)
    assert "7777" not in str(list(wb["五级分类"].values))


def test_demo_shows_recoveries_a_baseline_and_a_published_ranking(org):
    from recovery import demo

    today = date(2026, 12, 7)
    demo.seed(today=today)
    assert YearBaseline.objects.filter(year=2026).count() >= 2
    assert RecoveryEntry.objects.filter(recorded_by__isnull=False).exists()
    assert MonthlyRanking.objects.filter(month=date(2026, 11, 1)).exists()
    entries = RecoveryEntry.objects.count()
    demo.seed(today=today)  # re-runnable: nothing twice
    assert RecoveryEntry.objects.count() == entries


def test_generated_scale_data_agrees_with_the_engine(db):
    from django.core.management import call_command

    from recovery.services import limitation_compute

    call_command("recovery_generate", records=300, today=date(2026, 12, 7), stdout=BytesIOText())
    records = NplRecord.objects.filter(cooperative__code__startswith="QSJZ")
    assert records.count() == 300
    assert records.exclude(book_status="on_balance").count() > 200
    assert records.filter(drawn_on__year__lt=1997).exists()
    for r in records.prefetch_related("events", "guarantors"):
        c = limitation_compute(
            r, events=r.events.all(), instalments=[], guarantors=r.guarantors.all()
        )
        assert (c.borrower.result.expires_on, c.borrower.result.revived_after_expiry) == (
            r.limitation_expires_on,
            r.limitation_revived,
        )
        for p in c.guarantors:
            assert p.result.expires_on == p.guarantor.limitation_expires_on
    assert (
        YearBaseline.objects.filter(year=2026, cooperative__code__startswith="QSJZ").count() == 10
    )


class BytesIOText:
    def write(self, text):
        pass

    def flush(self):
        pass
