"""The recovery journey in a real browser: a loan drawn at the counter turns non-performing
and enters the register; the collector finds it, prints a collection notice, registers the
receipt the borrower signed; the record shows the limitation moved and the board counts it.

With SCREENSHOT_DIR set, the main recovery pages are also saved as
$SCREENSHOT_DIR/rfinal_<page>.png for a look at the layout."""

import os
from datetime import timedelta
from decimal import Decimal
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import timezone

from loans.models import Loan, RiskClass
from loans.services import loans_classify
from loans.tests import factories as lf
from recovery import limitation as L
from recovery import services
from recovery.models import CollectionNotice, LimitationEvent, NplRecord
from recovery.services.agree import equal_schedule
from recovery.tests.helpers_responsibility import three_posts
from tests.browser import browser_login


def shot(page, name):
    """A full-page screenshot when SCREENSHOT_DIR is set (never otherwise)."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / f"rfinal_{name}.png"), full_page=True)


@pytest.mark.browser
def test_npl_notice_receipt_moves_the_limitation_and_the_board_counts_it(
    transactional_db, org, page, live_server
):
    # The vintage schemes are migration data that an earlier transactional test's flush
    # removed: seed them again (the migration's own idempotent function).
    import_module("recovery.migrations.0004_vintage_schemes").seed(apps, None)
    today = timezone.localdate()
    drawn_on, due_on = today - timedelta(days=400), today - timedelta(days=220)
    contract = lf.contract(org, signed_on=drawn_on - timedelta(days=5))
    loan = lf.draw(org, contract, "8000", today=drawn_on, due_date=due_on)
    # The nightly jobs: the classification (220 days overdue), then the register's sync.
    loans_classify(today=today)
    loan.refresh_from_db()
    assert loan.risk_class >= RiskClass.SUBSTANDARD
    assert services.npl_register_sync(today=today)
    record = NplRecord.objects.get(loan=loan)
    old_expiry = L.add_years(due_on, 3)
    assert record.limitation_expires_on == old_expiry
    assert record.collector == org.officer1

    browser_login(page, live_server, org.officer1)
    url = live_server.url
    page.goto(f"{url}/recovery/")
    page.get_by_placeholder("姓名、身份证号、借据或合同编号").fill(record.loan_number)
    page.get_by_role("button", name="查询").click()
    rows = page.locator("#npl-register tbody tr")
    assert rows.count() == 1
    row = rows.first.inner_text()
    assert record.borrower_name in row and "8000.00" in row
    assert old_expiry.isoformat() in row
    shot(page, "register")
    rows.first.get_by_role("link", name=record.borrower_name).click()
    page.wait_for_url(f"**/recovery/records/{record.pk}/")
    borrower = page.locator("#limitation-borrower")
    assert f"届满日 {old_expiry.isoformat()}" in borrower.inner_text()

    # The notice: printed today, amounts computed to today from the loan's own rates.
    page.get_by_role("link", name="打印催收通知书").click()
    page.get_by_role("button", name="生成并打印").click()
    page.wait_for_url("**/notices/*/print/")
    notice = CollectionNotice.objects.get(record=record)
    assert notice.printed_on == today and notice.principal == Decimal("8000.00")
    assert (
        notice.interest > 0 and notice.total == notice.principal + notice.interest + notice.penalty
    )
    assert page.get_by_text(f"已生成催收通知书 {notice.number}").is_visible()
    sheet = page.locator(f"#notice-{notice.number}").inner_text()
    assert notice.number in sheet and "8000.00 元" in sheet
    assert f"{notice.interest} 元" in sheet and f"{notice.total} 元" in sheet
    assert "催收通知书回执" in sheet
    shot(page, "notice_print")

    # The signed receipt, signed by the borrower himself, restarts the period.
    page.get_by_role("link", name="登记回执").click()
    page.fill("#id_signer_name", record.borrower_name)
    page.select_option("#id_signer_relation", "self")
    page.fill("#id_receipt_no", "HZ-001")
    page.get_by_role("button", name="登记回执").click()
    result = page.locator("#receipt-result").inner_text()
    new_expiry = L.add_years(today, 3)
    assert "已登记回执" in result and new_expiry.isoformat() in result

    page.get_by_role("link", name=record.borrower_name).click()
    page.wait_for_url(f"**/recovery/records/{record.pk}/")
    borrower = page.locator("#limitation-borrower").inner_text()
    assert f"届满日 {new_expiry.isoformat()}" in borrower
    assert (
        old_expiry.isoformat() not in page.locator("#limitation-borrower .card-header").inner_text()
    )
    event_row = page.locator("tr", has_text="HZ-001").inner_text()
    assert "催收通知书签收回执" in event_row and notice.number in event_row
    assert f"{record.borrower_name}（本人）" in page.locator("#collect-section ~ div").inner_text()
    shot(page, "record")

    # The board: the collector's stock by class, with this loan in its class.
    page.goto(f"{url}/recovery/board/")
    assert "1 笔 / 8000.00 元" in page.locator("#npl-total").inner_text()
    label = RiskClass(record.risk_class).label
    line = page.locator("#by-class tbody tr", has_text=str(label)).inner_text()
    assert "1" in line and "8000.00" in line
    # … and under each vintage scheme, in the segment of its drawing date.
    segment = page.locator("#by-segment-four-periods tbody tr", has_text="2005年及以后")
    assert "8000.00" in segment.inner_text()
    shot(page, "board")

    # The database at the end: one receipt event, the notice receipted, the stored expiry.
    record.refresh_from_db()
    notice.refresh_from_db()
    assert notice.status == CollectionNotice.Status.RECEIPTED and notice.receipt_counts
    event = LimitationEvent.objects.get(record=record)
    assert (event.kind, event.signer_relation, event.occurred_on) == (
        L.DEMAND_RECEIPT,
        L.SIGNER_SELF,
        today,
    )
    assert record.limitation_expires_on == new_expiry and record.last_collection_on == today
    assert Loan.objects.get().status == Loan.Status.OPEN

    # The other main pages the collector and the director work with.
    roll = services.roll_create(actor=org.officer1, village=record.village)
    page.goto(f"{url}/recovery/rolls/{roll.pk}/print/")
    assert page.locator(".poster-line").count() == 1
    shot(page, "roll_poster")
    agreement = services.agreement_create(
        actor=org.officer1,
        record=record,
        starts_on=today,
        total=Decimal("8000.00"),
        rows=equal_schedule(
            total=Decimal("8000.00"), count=4, first_due_on=today + timedelta(days=30)
        ),
    )
    page.goto(f"{url}/recovery/agreements/{agreement.pk}/")
    assert record.borrower_name in page.locator("main").inner_text()
    shot(page, "agreement")
    page.context.clear_cookies()
    browser_login(page, live_server, org.director)
    three_posts(org, record)
    page.goto(f"{url}/recovery/records/{record.pk}/responsibility/")
    assert org.officer1.name in page.locator("main").inner_text()
    shot(page, "responsibility")
