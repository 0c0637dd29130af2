"""The Content-Security-Policy lets the app's own scripts run: htmx, Chart.js, the inline
scripts that carry the nonce; the browser reports no violation."""

import pytest

from tests.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_with_scripts_run_under_the_policy(page, live_server, transactional_db, org):
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    browser_login(page, live_server, org.officer1)
    page.goto(f"{live_server.url}/villages/{org.village_a1.pk}/households/add/")
    total = "document.getElementById('id_m-TOTAL_FORMS').value"
    before = int(page.evaluate(total))
    page.click("#add-member")  # the form's inline script adds a member row
    assert int(page.evaluate(total)) == before + 1
    assert page.evaluate("typeof htmx") == "object"

    page.context.clear_cookies()
    browser_login(page, live_server, org.director)
    page.goto(f"{live_server.url}/hall/dashboard/")
    assert page.evaluate("typeof Chart") == "function"
    assert violations == []
