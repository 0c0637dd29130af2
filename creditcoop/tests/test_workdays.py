from datetime import date

import pytest
from django.utils import timezone

from creditcoop import tasks, workdays
from creditcoop.models import CalendarDay, CalendarYear, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def today_is(monkeypatch):
    """Pin "today" so the warnings do not depend on the real clock."""

    def _pin(day: date):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return _pin


@pytest.fixture
def only_2026_entered():
    """The schedule is entered for 2026 only, whatever the installed chinesecalendar ships."""
    CalendarDay.objects.filter(date__year__gte=2027).delete()
    CalendarYear.objects.filter(year__gte=2027).delete()
    CalendarYear.objects.get_or_create(year=2026, defaults={"source": "测试"})
    workdays.invalidate()


def test_spring_festival_2026_makeup_days_are_working_days():
    assert workdays.is_workday(date(2026, 2, 14))  # Saturday make-up day
    assert workdays.is_workday(date(2026, 2, 28))  # Saturday make-up day
    assert not workdays.is_workday(date(2026, 2, 16))  # Monday, Spring Festival
    assert not workdays.is_workday(date(2026, 2, 23))  # Monday, still the holiday


def test_add_working_days_across_spring_festival():
    # Friday 2026-02-13 + 1 working day is the make-up Saturday 2026-02-14,
    # + 2 skips the whole holiday to Tuesday 2026-02-24.
    assert workdays.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert workdays.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert workdays.working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2


def test_national_day_2026():
    assert not workdays.is_workday(date(2026, 10, 1))
    assert workdays.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)


def test_uncovered_year_falls_back_to_weekends_and_is_reported(only_2026_entered):
    assert workdays.uncovered_years([2026, 2027]) == [2027]
    assert workdays.is_workday(date(2027, 1, 1))  # a Friday: no data, so a working day
    assert not workdays.is_workday(date(2027, 1, 2))  # Saturday


def test_admin_edits_take_effect_at_once(only_2026_entered):
    assert workdays.is_workday(date(2027, 1, 1))
    CalendarYear.objects.create(year=2027, source="国务院办公厅通知")
    CalendarDay.objects.create(date=date(2027, 1, 1), is_workday=False, note="元旦")
    assert workdays.uncovered_years([2027]) == []
    assert not workdays.is_workday(date(2027, 1, 1))


def test_admin_sees_missing_year_warning(org, login, today_is, only_2026_entered):
    today_is(date(2026, 6, 1))
    page = login(org.admin).get("/")
    assert "2027 年的法定节假日安排尚未录入" in page.content.decode()
    page = login(org.officer1).get("/")
    assert "尚未录入" not in page.content.decode()


def test_missing_year_warning_lists_this_year_and_next(org, login, today_is, only_2026_entered):
    today_is(date(2027, 3, 1))
    page = login(org.admin).get("/").content.decode()
    assert "2027、2028 年的法定节假日安排尚未录入" in page


def test_warning_goes_away_once_the_year_is_entered(org, login, today_is, only_2026_entered):
    today_is(date(2026, 6, 1))
    CalendarYear.objects.create(year=2027, source="国务院办公厅通知")
    page = login(org.admin).get("/").content.decode()
    assert "尚未录入" not in page


def test_calendar_coverage_check_notifies_administrators_once(org, today_is, only_2026_entered):
    today_is(date(2026, 11, 2))
    assert tasks.calendar_coverage_check.delay().get() == [2027]
    inbox = Notification.objects.filter(recipient=org.admin)
    assert [n.text for n in inbox] == ["2027 年节假日安排尚未录入，工作日计算暂按周末处理。"]
    assert inbox.get().link == "/admin/creditcoop/calendarday/"
    assert not Notification.objects.filter(recipient=org.officer1).exists()

    tasks.calendar_coverage_check()  # beat runs it daily: no second message
    assert inbox.count() == 1

    CalendarYear.objects.create(year=2027, source="国务院办公厅通知")
    assert tasks.calendar_coverage_check() == []
