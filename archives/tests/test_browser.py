"""A loan file in a real browser: from the grant through handover, intake, lending and return."""

import os
import re
from pathlib import Path

import pytest

from archives.models import (
    ArchiveFile,
    Borrowing,
    FileItem,
    FileStatus,
    HandoverBatch,
    HandoverLine,
    IntakeRecord,
)
from loans.tests import factories as lf
from tests.browser import browser_login

# Set SCREENSHOT_DIR to keep a picture of each main page of the journey.
SHOTS = os.environ.get("SCREENSHOT_DIR", "")


def shot(page, name):
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"archives_{name}.png"), full_page=True)


@pytest.mark.browser
def test_file_from_grant_through_handover_intake_lending_and_return(
    transactional_db, org, clerk, page, live_server
):
    contract = lf.contract(org)
    loan = lf.draw(org, contract, 5000)
    file = ArchiveFile.objects.get(contract=contract)
    url = live_server.url

    # The clerk collects every item of the file.
    browser_login(page, live_server, clerk)
    page.goto(f"{url}/archives/files/{file.pk}/")
    assert page.locator("#file-status").inner_text() == "整理中"
    items = page.locator("#items")
    assert loan.number in items.inner_text()  # the drawdown's IOU is listed
    assert contract.number in items.inner_text()
    shot(page, "1_file_preparing")
    for box in page.locator("#items input[name=items]").all():
        box.check()
    page.get_by_role("button", name="所选资料已收集").click()
    page.wait_for_load_state()
    assert "未收集" not in page.locator("#items tbody").inner_text()

    # … draws up the transfer list and submits it.
    page.goto(f"{url}/archives/handovers/new/")
    row = page.locator("tr", has_text=contract.number)
    assert "必备资料齐全" in row.inner_text()
    shot(page, "2_handover_create")
    row.locator("input[name=files]").check()
    page.get_by_role("button", name="生成移交清单").click()
    page.wait_for_url(re.compile(r".*/archives/handovers/\d+/$"))
    batch = HandoverBatch.objects.get()
    assert batch.number in page.locator("h1").inner_text()
    assert "草拟" in page.locator("h1").inner_text()
    page.get_by_role("button", name="提交移交").click()
    page.wait_for_load_state()
    assert "已移交待核对" in page.locator("h1").inner_text()
    shot(page, "3_handover_submitted")

    # The two-part list prints: one part for each side.
    page.get_by_role("link", name="打印移交清单（一式二联）").click()
    page.wait_for_url("**/print/")
    first, second = page.locator("#part-1"), page.locator("#part-2")
    assert "第一联 移交单位留存" in first.inner_text()
    assert "第二联 档案室留存" in second.inner_text()
    for part in (first, second):
        assert contract.number in part.inner_text() and loan.number in part.inner_text()
        assert "移交人（签字）：秦内勤" in part.inner_text()
    shot(page, "4_handover_print")

    # The archivist checks the file item by item: all received, shelved.
    page.context.clear_cookies()
    browser_login(page, live_server, org.archivist)
    page.goto(f"{url}/archives/handovers/{batch.pk}/")
    page.get_by_role("link", name="逐项核对").click()
    page.wait_for_url("**/check/")
    received = page.locator("input[type=checkbox][name^=ok_]")
    assert received.count() == FileItem.objects.filter(file=file).count()
    for box in received.all():
        box.check()
    page.fill("#id_shelf", "A-03")
    page.fill("#id_box", "012")
    shot(page, "5_handover_check")
    page.get_by_role("button", name="提交核对结果").click()
    page.wait_for_load_state()
    file.refresh_from_db()
    assert file.status == FileStatus.IN_ROOM and file.archive_number
    assert file.archive_number in page.content()
    shot(page, "6_after_check")

    # The file shows in the room with its archive number.
    page.goto(f"{url}/archives/files/?q={contract.number}")
    listed = page.locator("tr", has_text=file.archive_number)
    assert "在库" in listed.inner_text()
    shot(page, "7_file_list")
    page.goto(f"{url}/archives/files/{file.pk}/")
    assert page.locator("#file-status").inner_text() == "在库"
    fields = page.locator("#file-fields").inner_text()
    assert file.archive_number in fields and "A-03" in fields and "012" in fields
    assert page.locator("#risk-class").inner_text() == "正常"

    # A borrowing for officer1, read in the room: the archivist may approve it.
    page.goto(f"{url}/archives/borrowings/new/")
    page.select_option("#id_borrower_type", "staff")
    page.select_option("#id_method", "read")
    page.select_option("#id_borrower", str(org.officer1.pk))
    page.fill("#id_purpose", "贷后检查核对借据")
    page.fill("#id_archive_numbers", file.archive_number)
    shot(page, "8_borrowing_form")
    page.get_by_role("button", name="提交借阅申请").click()
    page.wait_for_url(re.compile(r".*/archives/borrowings/\d+/$"))
    borrowing = Borrowing.objects.get()
    assert page.locator("#borrowing-status").inner_text() == "待审批"
    assert page.locator("#authority").inner_text() == "档案管理员"
    page.locator("#step-approve").get_by_role("button", name="批准").click()
    page.wait_for_load_state()
    assert page.locator("#borrowing-status").inner_text() == "已批准"
    page.fill("#step-issue input[name=signed_name]", org.officer1.name)
    page.locator("#step-issue").get_by_role("button", name="登记借出").click()
    page.wait_for_load_state()
    assert page.locator("#borrowing-status").inner_text() == "已借出"
    shot(page, "9_borrowing_issued")
    page.goto(f"{url}/archives/files/{file.pk}/")
    assert page.locator("#file-status").inner_text() == "借出"
    assert "借出未还" in page.locator("#borrowings").inner_text()

    # Returned complete: back in the room.
    page.goto(f"{url}/archives/borrowings/{borrowing.pk}/")
    page.locator("#step-return").get_by_role("button", name="验收归还").click()
    page.wait_for_load_state()
    assert page.locator("#borrowing-status").inner_text() == "已归还"
    assert "齐全" in page.locator("#lines").inner_text()
    shot(page, "10_borrowing_returned")
    page.goto(f"{url}/archives/files/{file.pk}/")
    assert page.locator("#file-status").inner_text() == "在库"
    shot(page, "11_file_back")

    file.refresh_from_db()
    borrowing.refresh_from_db()
    assert file.status == FileStatus.IN_ROOM and (file.shelf, file.box) == ("A-03", "012")
    assert HandoverLine.objects.get().status == HandoverLine.Status.ACCEPTED
    assert HandoverBatch.objects.get().status == HandoverBatch.Status.CLOSED
    assert IntakeRecord.objects.get(file=file).archive_number == file.archive_number
    assert set(file.items.values_list("status", flat=True)) == {FileItem.Status.ACCEPTED}
    assert borrowing.status == Borrowing.Status.RETURNED
    assert borrowing.signed_name == org.officer1.name
    assert borrowing.lines.get().returned_complete is True
