"""Working-day calendar: Chinese statutory holidays and make-up working days.

Only exceptions to the weekday rule are stored (CalendarDay); a year listed in
CalendarYear has its official schedule entered. A year that is not listed falls back
to plain weekends, and administrators are warned (`uncovered_years`).
"""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

_lock = threading.Lock()
_cache: dict = {"loaded_at": 0.0, "days": {}, "years": set()}
CACHE_SECONDS = 60


def invalidate(**_kwargs) -> None:
    with _lock:
        _cache["loaded_at"] = 0.0


def _data() -> tuple[dict, set]:
    if time.monotonic() - _cache["loaded_at"] > CACHE_SECONDS:
        from .models import CalendarDay, CalendarYear

        days = dict(CalendarDay.objects.values_list("date", "is_workday"))
        years = set(CalendarYear.objects.values_list("year", flat=True))
        with _lock:
            _cache.update(days=days, years=years, loaded_at=time.monotonic())
    return _cache["days"], _cache["years"]


def is_workday(day: date) -> bool:
    days, _years = _data()
    if day in days:
        return days[day]
    return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (n=0: start itself if working, else the next one)."""
    day = start
    if n == 0:
        while not is_workday(day):
            day += timedelta(days=1)
        return day
    step = 1 if n > 0 else -1
    remaining = abs(n)
    while remaining:
        day += timedelta(days=step)
        if is_workday(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end == start:
        return 0
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_workday(day):
            count += 1
    return count


def next_workday(day: date) -> date:
    return add_working_days(day, 1)


def uncovered_years(years) -> list[int]:
    _days, covered = _data()
    return sorted(y for y in set(years) if y not in covered)


def load_from_chinese_calendar(years=None) -> int:
    """Fill CalendarDay/CalendarYear from the `chinesecalendar` package. Returns days written."""
    import chinese_calendar
    from chinese_calendar.constants import holidays, workdays

    from .models import CalendarDay, CalendarYear

    rows = {}
    for day, name in holidays.items():
        if day.weekday() < 5:
            rows[day] = CalendarDay(date=day, is_workday=False, note=_holiday_name(name))
    for day, name in workdays.items():
        if day.weekday() >= 5:
            rows[day] = CalendarDay(date=day, is_workday=True, note=f"{_holiday_name(name)}调休")
    covered = sorted({d.year for d in list(holidays) + list(workdays)})
    if years is not None:
        covered = [y for y in covered if y in set(years)]
        rows = {d: r for d, r in rows.items() if d.year in set(years)}
    CalendarDay.objects.bulk_create(rows.values(), ignore_conflicts=True)
    CalendarYear.objects.bulk_create(
        [
            CalendarYear(year=y, source=f"chinesecalendar {chinese_calendar.__version__}")
            for y in covered
        ],
        ignore_conflicts=True,
    )
    invalidate()
    return len(rows)


_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _holiday_name(value) -> str:
    if isinstance(value, str):
        return _NAMES.get(value, value)
    return str(value)
