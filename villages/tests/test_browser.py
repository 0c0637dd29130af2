"""The officer's household lookup and the public village page, in a real browser."""

import pytest

from tests import factories as f
from tests.browser import browser_login
from villages.models import Member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_finds_household_by_initials_and_public_sees_committee(
    page, live_server, transactional_db, org, browser
):
    household = f.HouseholdFactory(group=org.group_a1, head_name="张三")
    f.MemberFactory(household=household, name="王芳", relation=Member.Relation.SPOUSE)
    f.HouseholdFactory(group=org.group_b1, head_name="张松")  # another cooperative's village

    browser_login(page, live_server, org.officer1)
    page.click("text=农户查询")
    page.fill("input[name=q]", "zs")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("text=按拼音首字母查询")
    assert page.locator("table tbody tr").count() == 1
    assert "张松" not in page.content()
    page.click("table >> text=张三")
    page.wait_for_selector("h1:has-text('张三户')")
    assert page.locator("text=王芳").count() == 1
    assert page.locator(f"text={household.members.get(relation='head').id_number}").count() == 1

    anonymous = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    public = anonymous.new_page()
    public.goto(f"{live_server.url}/p/village/{org.village_a1.code}/")
    assert public.locator("h2:has-text('村信用评审小组')").count() == 1
    assert public.locator("text=孙书记").count() == 1
    assert public.locator(f"text={org.officer1.name}").count() == 1
    assert "张三" not in public.content()
    anonymous.close()
