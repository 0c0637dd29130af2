"""The dashboard in a real browser: the charts draw (Chart.js from our own static files) and
the page raises no script error; the migration matrix and its numbers are on the page."""

import os
from pathlib import Path

import pytest

from tests.browser import browser_login

# Set SCREENSHOT_DIR to keep a picture of the pages.
SHOTS = os.environ.get("SCREENSHOT_DIR", "")


def shot(page, name):
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"dashboard_{name}.png"), full_page=True)


@pytest.mark.browser
def test_dashboard_draws_its_charts(transactional_db, world, page, live_server):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    browser_login(page, live_server, world.director)
    page.goto(f"{live_server.url}/dashboard/")
    for chart in ("chart-npl", "chart-classes", "chart-deadlines"):
        # Chart.js attaches itself to the canvas it draws on.
        page.wait_for_function(
            f"() => window.Chart && Chart.getChart(document.getElementById('{chart}'))"
        )
    points = page.evaluate(
        "() => Chart.getChart(document.getElementById('chart-npl')).data.datasets[0].data"
    )
    assert points[-1] == pytest.approx(6.06)
    assert page.locator("#mig-0-1").inner_text().split() == ["5", "41,000.00"]
    shot(page, "cooperative")
    # The as-of picker opens October.
    page.select_option("#as-of select[name=month]", "2026-10")
    page.click("#as-of button")
    page.wait_for_url("**month=2026-10")
    assert page.locator("#npl-ratio").inner_text() == "4.91%"
    # The monthly report prints on A4 with no menu.
    page.goto(f"{live_server.url}/dashboard/reports/five-class/?month=2026-11")
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    assert page.locator("#report-totals").is_visible()
    shot(page, "report_print")
    assert errors == []


@pytest.mark.browser
def test_dashboard_on_a_phone_is_readable(transactional_db, world, phone_page, live_server):
    browser_login(phone_page, live_server, world.officer1)
    phone_page.goto(f"{live_server.url}/dashboard/")
    phone_page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('chart-npl'))"
    )
    # No sideways scrolling of the whole page: wide tables scroll inside their own box.
    width = phone_page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= phone_page.viewport_size["width"] + 1
    shot(phone_page, "phone")
