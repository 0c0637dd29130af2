"""The main hall journey in a real browser: walk-in → late → reminder, escalation, waiver."""

import pytest

from creditcoop import workdays
from creditcoop.servicehall import services
from creditcoop.servicehall.models import Accountability, AccountabilityStatus, LoanType, Walkin
from tests.browser import browser_login


def _as(page, live_server, user):
    page.context.clear_cookies()
    browser_login(page, live_server, user)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_walkin_runs_late_and_director_waives(page, live_server, transactional_db, org):
    loan_type = LoanType.objects.create(
        name="浏览器测试贷款", answer_days=2, approval_days=5, annual_rate="0.0612"
    )
    # The duty officer registers an application from 李屯村 (officer2's village).
    _as(page, live_server, org.officer1)
    page.goto(f"{live_server.url}/hall/walkins/new/")
    page.check("input[name=kind][value=application]")
    page.fill("input[name=customer_name]", "周大成")
    page.fill("input[name=phone]", "13912345678")
    page.select_option("select[name=village]", str(org.village_a2.pk))
    page.select_option("select[name=loan_type]", str(loan_type.pk))
    page.fill("input[name=amount]", "40000")
    page.fill("textarea[name=need]", "购买饲料")
    page.click("button:has-text('保存登记')")
    page.wait_for_selector("text=已登记并转交包村信贷员 王信贷")
    walkin = Walkin.objects.get(customer_name="周大成")
    deadline = services.walkin_deadline(walkin, "walkin_answer")
    assert page.locator("text=调查中").count() >= 1

    # Time passes: the day before the due day, then five working days late.
    services.deadline_sweep(today=deadline.remind_on)
    services.deadline_sweep(today=workdays.add_working_days(deadline.due_on, 5))

    _as(page, live_server, org.officer2)
    page.goto(f"{live_server.url}/inbox/")
    assert page.locator("text=【限时办结提醒】").count() == 1
    assert page.locator("text=大厅受理了李屯村 周大成").count() == 1
    assert page.locator("text=通报批评").count() >= 1

    _as(page, live_server, org.director)
    page.goto(f"{live_server.url}/inbox/")
    assert page.locator("text=【已超期】").count() == 1
    page.click("a:has-text('【超期问责】')")
    assert page.locator("#tier").inner_text() == "通报批评"
    assert page.locator("#late-days").inner_text() == "5"
    page.check("input[name=decision][value=waive]")
    page.fill("textarea[name=reason]", "客户外出，约定节后入户调查")
    page.click("button:has-text('提交')")
    page.wait_for_selector("text=已处理该问责记录")
    assert page.locator("text=客户外出，约定节后入户调查").count() >= 1
    record = Accountability.objects.get(deadline=deadline)
    assert record.status == AccountabilityStatus.WAIVED and record.decided_by == org.director

    page.goto(f"{live_server.url}/hall/dashboard/?month={deadline.due_on:%Y-%m}")
    assert page.locator("#by-officer").inner_text().count("王信贷") == 1
    assert page.locator("canvas#rate-chart").is_visible()
