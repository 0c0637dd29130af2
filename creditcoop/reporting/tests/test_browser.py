"""A ledger export in a real browser: start it, watch the bar reach 100%, download the file.

The job goes through the real Redis broker to a real worker thread; the page follows it by
polling its progress fragment (htmx)."""

import re

import pytest
from openpyxl import load_workbook

from creditcoop.models import ExportJob
from loans.tests import factories as lf
from tests.browser import browser_login


@pytest.mark.browser
def test_start_an_export_watch_the_bar_and_download(transactional_db, org, page, live_server):
    from celery.contrib.testing.worker import start_worker

    from creditcoop.celery import app

    contract = lf.contract(org)
    loan = lf.draw(org, contract, "4321.50")
    url = live_server.url
    browser_login(page, live_server, org.director)
    page.goto(f"{url}/")
    page.get_by_role("link", name="导出台账").first.click()
    page.get_by_role("link", name=re.compile("^贷款台账")).click()
    page.select_option("select[name=village]", str(org.village_a1.pk))
    app.conf.task_always_eager = False
    try:
        # No worker yet: the job waits in the queue and the page shows it waiting.
        page.get_by_role("button", name="开始导出").click()
        page.wait_for_url(re.compile(r".*/exports/\d+/$"))
        assert page.locator(".export-status").inner_text() == "排队中"
        assert page.locator("#export-progress .progress-bar").inner_text() == "0%"
        # The worker takes it; the page, polling its fragment, follows it to the end.
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            bar = page.locator("#export-progress .progress-bar")
            bar.filter(has_text="100%").wait_for(timeout=20000)
            assert page.locator(".export-status").inner_text() == "已完成"
            assert "已完成 1 / 1 行" in page.locator(".export-rows").inner_text()
            with page.expect_download() as download_info:
                page.locator("#export-download").click()
            download = download_info.value
            path = download.path()
    finally:
        app.conf.task_always_eager = True
    job = ExportJob.objects.get()
    assert download.suggested_filename == job.file_name
    assert job.file_name.startswith("贷款台账_") and job.file_name.endswith(".xlsx")
    with open(path, "rb") as fh:
        ws = load_workbook(fh).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0].startswith("贷款台账") and org.director.name in rows[0][0]
    assert rows[2][5] == loan.number and rows[2][6] == 4321.5
    assert rows[3][0] == "合计（1 行）"
    # the finished export is listed on "my exports"
    page.goto(f"{url}/exports/mine/")
    listed = page.locator("table").inner_text()
    assert "贷款台账" in listed and "已完成" in listed and "1 / 1" in listed
