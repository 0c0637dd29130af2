"""An auction in a real browser: the union builds a package and publishes it, a staff member
registers and bids, the leader awards and signs, the contract shows."""

import pytest
from django.utils import timezone

from recovery.models import CollectionContract, CollectionPackage
from tests.browser import browser_login

from .helpers_contract import records


@pytest.mark.browser
def test_package_to_contract(transactional_db, org, page, live_server):
    records(org.village_a1, 3)

    browser_login(page, live_server, org.director)
    page.goto(f"{live_server.url}/recovery/contract/packages/new/")
    page.fill("#id_name", "张庄村一号包")
    page.get_by_role("button", name="预览").click()
    assert page.locator("#preview").inner_text().startswith("符合条件 3 笔")
    page.get_by_role("button", name="保存贷款包").click()
    page.wait_for_url("**/contract/packages/*/")
    package = CollectionPackage.objects.get()
    assert package.line_count == 3
    page.get_by_role("button", name="内部公示").click()
    assert page.get_by_text("贷款包已在内部公示。").is_visible()

    page.context.clear_cookies()
    browser_login(page, live_server, org.officer2)
    page.goto(f"{live_server.url}/recovery/contract/packages/")
    page.get_by_role("link", name=package.number).click()
    page.get_by_role("button", name="报名并缴纳定金").click()
    assert page.get_by_text("已报名，竞标定金已登记。").is_visible()
    page.fill("#id_amount", "35000")
    page.get_by_role("button", name="提交报价").click()
    assert page.get_by_text("已提交报价 35000.00 元。").is_visible()

    page.context.clear_cookies()
    browser_login(page, live_server, org.director)
    page.goto(f"{live_server.url}/recovery/contract/packages/{package.pk}/")
    page.get_by_role("link", name="定标").click()
    assert "王信贷" in page.locator("#ranked").inner_text()
    page.get_by_role("button", name="确认定标").click()
    assert page.get_by_text("已定标。").is_visible()
    page.fill("#id_signed_on", timezone.localdate().isoformat())
    page.get_by_role("button", name="签订承包协议").click()
    page.wait_for_url("**/contract/contracts/*/")
    contract = CollectionContract.objects.get()
    summary = page.locator("#contract-summary").inner_text()
    assert "王信贷" in summary and "35000.00" in summary and "1750.00" in summary
    assert contract.contractor == org.officer2
