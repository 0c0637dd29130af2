"""A villager objects on a phone; staff uphold it and revise the line; the page shows it."""

import pytest

from ratings.models import CreditApplication
from ratings.notices import services
from ratings.notices.models import Objection
from ratings.tests.factories import application
from tests.browser import browser_login


@pytest.mark.browser
def test_villager_objection_upheld_and_revised_notice_shown(
    browser, phone_page, page, live_server, transactional_db, org
):
    apps = [application(org, status=CreditApplication.Status.LINE_SET) for _ in range(3)]
    batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
    batch = services.batch_publish(batch=batch, actor=org.officer1)
    target = batch.entries.get(application=apps[0])
    public_url = f"{live_server.url}/p/village/{org.village_a1.code}/notice/"

    # A villager opens the village page on a phone and objects to one household.
    phone_page.goto(public_url)
    assert phone_page.locator(".notice-table tbody tr").count() == 3
    assert "今天第 1 天" in phone_page.content()
    phone_page.locator(f'a[href$="?entry={target.pk}"]').click()
    assert phone_page.locator("#id_entry").input_value() == str(target.pk)
    phone_page.fill("#id_text", "这户在外地开厂多年，收入和负债情况与公示不符。")
    phone_page.get_by_role("button", name="提交异议").click()
    reference = phone_page.locator("#reference").inner_text().strip()
    obj = Objection.objects.get(reference=reference)
    assert obj.entry == target and obj.assigned_to == org.officer2
    phone_page.goto(public_url)
    assert "异议核查中" in phone_page.content()

    # The investigating officer (not the village's own) records what was found.
    browser_login(page, live_server, org.officer2)
    page.goto(f"{live_server.url}/notices/objections/{obj.pk}/")
    page.fill("textarea[name=findings]", "走访邻居三户：该户另有外债 5 万元未申报。")
    page.get_by_role("button", name="开始调查").click()
    page.locator(".alert-success").wait_for()

    # The director upholds it and revises the line.
    director = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    dpage = director.new_page()
    dpage.set_default_timeout(10000)
    browser_login(dpage, live_server, org.director)
    dpage.goto(f"{live_server.url}/notices/objections/{obj.pk}/")
    dpage.check("input[name=outcome][value=upheld_revised]")
    dpage.fill("input[name=new_line]", "8000")
    dpage.get_by_role("button", name="办结").click()
    dpage.locator(".alert-success").wait_for()
    assert "异议已办结" in dpage.content()
    director.close()

    # The villager sees the outcome and the revised notice at once.
    phone_page.goto(f"{live_server.url}/p/objection/{reference}/")
    assert phone_page.locator("#objection-status").inner_text() == "已办结"
    assert "已调整该户的信用等级或授信额度" in phone_page.content()
    phone_page.goto(public_url)
    html = phone_page.content()
    assert "8,000" in html and "调整后重新公示" in html
    assert phone_page.locator(".notice-card").count() == 2
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # nothing forces sideways scrolling on a phone
