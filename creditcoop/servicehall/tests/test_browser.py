"""The main hall journey in a real browser, on a frozen calendar: a walk-in registered
the Thursday before Spring Festival runs late across the holiday; the hourly task sends
the reminder and the escalation, and the director waives the accountability."""

from datetime import date

import pytest
from django.utils import timezone

from creditcoop.deadlines.models import Accountability, AccountabilityStatus
from creditcoop.servicehall import services
from creditcoop.servicehall.models import (
    DutyPost,
    LoanType,
    Walkin,
)
from creditcoop.servicehall.tasks import deadline_sweep
from tests.browser import browser_login

THU = date(2026, 2, 12)  # the last Thursday before the Spring Festival holiday (15–23 Feb)


def _as(page, live_server, user):
    # Log in again after each jump of the clock: the session expires on the frozen calendar.
    page.context.clear_cookies()
    browser_login(page, live_server, user)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_walkin_runs_late_and_director_waives(page, live_server, transactional_db, org, clock):
    clock(THU)
    loan_type = LoanType.objects.create(
        name="浏览器测试贷款", answer_days=2, approval_days=5, annual_rate="0.0612"
    )
    roster = services.roster_get_or_create(cooperative=org.coop_a, month=THU)
    services.roster_autofill(roster_id=roster.pk, actor=org.director)
    services.roster_publish(roster_id=roster.pk, actor=org.director)
    duty_officer = roster.shifts.get(date=THU, post=DutyPost.OFFICER).staff

    # The duty officer registers an application from 李屯村 (officer2's village).
    _as(page, live_server, duty_officer)
    page.goto(f"{live_server.url}/hall/walkins/new/")
    assert page.locator("#off-roster").count() == 0
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
    assert walkin.registered_on == THU and walkin.registrar_on_duty
    # Two working days: Friday 13 and the make-up Saturday 14 February.
    row = page.locator("#deadlines tbody tr")
    assert row.locator("td").nth(2).inner_text() == "2026-02-12"
    assert row.locator("td").nth(4).inner_text() == "2026-02-14"
    assert row.locator("td").nth(5).inner_text() == "答复客户（进入审批或不予受理并告知原因）"
    assert row.locator("td").nth(8).inner_text() == "办理中"

    # Friday 13: the hourly task reminds officer2 that the answer is due tomorrow.
    clock(date(2026, 2, 13))
    deadline_sweep.delay()
    _as(page, live_server, org.officer2)
    page.goto(f"{live_server.url}/inbox/")
    assert page.locator("text=【限时办结提醒】").count() == 1
    assert page.locator("text=到期日 2026-02-14").count() == 1
    page.goto(f"{live_server.url}{walkin.get_absolute_url()}")
    assert page.locator("#deadlines tbody tr td").nth(8).inner_text() == "即将到期"

    # The holiday is not late; Saturday 28 February (make-up day) is the 5th working day
    # late: 24, 25, 26, 27, 28. The task runs every hour: twice changes nothing.
    clock(date(2026, 2, 23))
    deadline_sweep.delay()
    assert not Accountability.objects.exists()
    clock(date(2026, 2, 28))
    deadline_sweep.delay()
    deadline_sweep.delay()

    _as(page, live_server, org.officer2)
    page.goto(f"{live_server.url}/inbox/")
    assert page.locator("text=【限时办结提醒】").count() == 1
    assert page.locator("text=大厅受理了李屯村 周大成").count() == 1
    assert page.locator("text=已超期 5 个工作日，通报批评").count() == 1
    page.goto(f"{live_server.url}{walkin.get_absolute_url()}")
    cells = page.locator("#deadlines tbody tr td")
    assert (cells.nth(7).inner_text(), cells.nth(8).inner_text()) == ("5", "已超期")

    _as(page, live_server, org.director)
    page.goto(f"{live_server.url}/inbox/")
    assert page.locator("text=【已超期】").count() == 1
    page.click("a:has-text('【超期问责】')")
    assert page.locator("#tier").inner_text() == "通报批评"
    assert page.locator("#late-days").inner_text() == "5"
    assert page.locator("#lost-interest").inner_text() == "34.00"  # 40000 × 6.12% × 5 ÷ 360
    page.check("input[name=decision][value=waive]")
    page.fill("textarea[name=reason]", "客户外出，约定节后入户调查")
    page.click("button:has-text('提交')")
    page.wait_for_selector("text=已处理该问责记录")
    assert page.locator("text=客户外出，约定节后入户调查").count() >= 1
    assert page.locator("td:has-text('2026-02-28')").count() >= 2  # reached, waived
    record = Accountability.objects.get(deadline__object_id=walkin.pk)
    assert record.status == AccountabilityStatus.WAIVED and record.decided_by == org.director
    assert timezone.localtime(record.decided_at).date() == date(2026, 2, 28)

    page.goto(f"{live_server.url}/hall/dashboard/?month=2026-02")
    assert page.locator("#late-count").inner_text() == "1"
    officer_row = page.locator("#by-officer tbody tr", has_text="王信贷")
    assert officer_row.locator("td").last.inner_text() == "0.0%"
    assert page.locator("canvas#rate-chart").is_visible()
