"""A concentrated rating day for a village of 30 households, in a real browser."""

from datetime import date

import pytest

from ratings import services
from ratings.models import CreditApplication
from tests.browser import browser_login

from .factories import application

S = CreditApplication.Status
N = 30


def _page_for(browser, live_server, user):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10000)
    browser_login(page, live_server, user)
    return page


def _bulk(page, live_server, campaign, step, *, check=None):
    page.goto(f"{live_server.url}/ratings/campaigns/{campaign.pk}/?step={step}")
    if check:
        page.check(check)
    page.click("#bulk-advance")
    page.wait_for_selector(".alert-success")


@pytest.mark.browser
def test_rating_day_from_initial_scores_to_directors_lines(
    browser, live_server, transactional_db, org
):
    campaign = services.campaign_create(
        actor=org.officer1, village=org.village_a1, year=2025, rating_date=date(2025, 3, 10)
    )
    apps = [application(org, status=S.INITIAL, campaign=campaign) for _ in range(N)]

    # The committee enters every row's scores; saving a row opens the next one.
    page = _page_for(browser, live_server, org.committee)
    page.goto(f"{live_server.url}/ratings/campaigns/{campaign.pk}/?step=initial")
    assert page.locator("#rating-grid tbody tr.rating-row").count() == N
    page.locator("#rating-grid [data-edit]").first.click()
    for i in range(N):
        form = page.locator("tr.table-warning form")
        form.wait_for()
        selects = form.locator("select")
        for j in range(6):
            # Every fifth household gets the second option everywhere: 68 points, grade A.
            selects.nth(j).select_option(index=2 if i % 5 == 0 else 1)
        form.locator("button", has_text="保存").click()
        page.locator(f"#row-{apps[i].pk}:not(.table-warning)").wait_for()
    page.wait_for_timeout(200)
    assert page.locator("tr.table-warning").count() == 0
    _bulk(page, live_server, campaign, "initial")
    assert f"已将 {N} 户转入下一环节" in page.content()

    officer = _page_for(browser, live_server, org.officer1)
    _bulk(officer, live_server, campaign, "review")

    reviewer = _page_for(browser, live_server, org.reviewer)
    reviewer.goto(f"{live_server.url}/ratings/campaigns/{campaign.pk}/?step=decision")
    reviewer.check(f"input[name=members][value='{org.reviewer.pk}']")
    reviewer.click("#bulk-decide")
    reviewer.wait_for_selector(".alert-success")
    assert f"评定小组已评定 {N} 户" in reviewer.content()

    # Committee proposes a line per row, then moves them on.
    page.goto(f"{live_server.url}/ratings/campaigns/{campaign.pk}/?step=line_proposal")
    page.locator("#rating-grid [data-edit]").first.click()
    for i in range(N):
        form = page.locator("tr.table-warning form")
        form.wait_for()
        form.locator("input[name=amount]").fill("20000" if i % 5 else "10000")
        form.locator("input[name=term_months]").fill("24")
        form.locator("button", has_text="保存").click()
        page.locator(f"#row-{apps[i].pk}:not(.table-warning)").wait_for()
    _bulk(page, live_server, campaign, "line_proposal")

    _bulk(officer, live_server, campaign, "line_officer", check="#accept_previous")
    _bulk(reviewer, live_server, campaign, "line_review", check="#accept_previous")

    # The director lowers one household's line by hand, then sets the rest as proposed.
    director = _page_for(browser, live_server, org.director)
    director.goto(f"{live_server.url}/ratings/campaigns/{campaign.pk}/?step=line_director")
    director.locator(f"#row-{apps[1].pk} [data-edit]").click()
    form = director.locator("tr.table-warning form")
    form.locator("input[name=amount]").fill("60000")
    form.locator("button", has_text="保存").click()
    director.wait_for_selector("tr.table-warning .alert-danger")
    assert "最高授信额度" in director.locator("tr.table-warning .alert-danger").inner_text()
    form.locator("input[name=amount]").fill("15000")
    form.locator("button", has_text="保存").click()
    director.locator(f"#row-{apps[1].pk}:not(.table-warning)").wait_for()
    assert "已核定额度" in director.locator(f"#row-{apps[1].pk}").inner_text()
    _bulk(director, live_server, campaign, "line_director")

    director.goto(f"{live_server.url}/ratings/campaigns/{campaign.pk}/?step=line_set")
    assert director.locator("#rating-grid tbody tr.rating-row").count() == N
    lines = dict(
        CreditApplication.objects.filter(campaign=campaign).values_list("pk", "final_line")
    )
    assert all(a.pk in lines for a in apps)
    assert CreditApplication.objects.filter(campaign=campaign, status=S.LINE_SET).count() == N
    assert lines[apps[1].pk] == 15000 and lines[apps[0].pk] == 10000 and lines[apps[2].pk] == 20000
    grades = set(
        CreditApplication.objects.filter(campaign=campaign).values_list("grade", flat=True)
    )
    assert grades == {"AAA", "A"}
