"""The main journey in a real browser: grant after the notice, print the certificate, draw
down at the counter, be refused over the limit, repay."""

from datetime import timedelta

import pytest
from django.utils import timezone

from loans.models import CreditContract, Loan, Repayment
from loans.tests import factories as lf
from tests.browser import browser_login


@pytest.mark.browser
def test_grant_certificate_counter_refusal_and_repayment(transactional_db, org, page, live_server):
    app = lf.passed_application(org)

    browser_login(page, live_server, org.officer1)
    page.goto(f"{live_server.url}/loans/grant/")
    page.get_by_role("link", name="集中授信").last.click()
    assert page.get_by_text("公示期满，可授信").is_visible()
    present = page.get_by_label(f"{app.applicant.name} 本人到场面签")
    assert not present.is_checked()  # presence is ticked by hand, household by household
    present.check()
    page.get_by_role("button", name="签订合同并发放贷款证").click()
    page.wait_for_url("**/grant/batches/**")
    assert page.get_by_text("集中授信完成：授信 1 户，未授信 0 户。").is_visible()
    contract = CreditContract.objects.get(application=app)
    page.get_by_role("link", name="打印贷款证").click()
    sheet = page.locator(".print-sheet")
    assert contract.certificate.number in sheet.inner_text()
    assert "AAA" in sheet.inner_text() and str(contract.line) in sheet.inner_text()

    page.context.clear_cookies()
    browser_login(page, live_server, org.teller)
    page.goto(f"{live_server.url}/loans/counter/")
    due = (timezone.localdate() + timedelta(days=180)).isoformat()
    page.fill("#id_certificate_number", contract.certificate.number)
    page.fill("#id_id_number", contract.borrower.id_number)
    page.check("#id_seal_checked")
    page.fill("#id_amount", str(contract.line + 1))
    page.fill("#id_due_date", due)
    page.get_by_role("button", name="放款").click()
    refusal = page.locator("#refusal")
    assert "超过可用额度" in refusal.inner_text()
    assert Loan.objects.count() == 0

    page.fill("#id_amount", "5000")
    page.get_by_role("button", name="放款").click()
    page.wait_for_url("**/loans/loans/**")
    assert page.get_by_text("放款成功").is_visible()
    page.fill("#id_amount", "1000")
    page.get_by_role("button", name="收款").click()
    page.wait_for_url("**/receipts/**")
    receipt = Repayment.objects.get()
    assert receipt.receipt_number in page.locator(".print-sheet").inner_text()
    assert receipt.to_principal == 1000
    contract.refresh_from_db()
    assert contract.outstanding == 4000
