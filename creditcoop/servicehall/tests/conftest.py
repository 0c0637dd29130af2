from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from creditcoop.servicehall.models import LoanType


@pytest.fixture(autouse=True)
def _reference_data(request):
    """The 2025–2027 calendar, even after another app's browser test flushed it (the root
    conftest restores the default loan types)."""
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
    } & set(request.fixturenames)
    if not uses_db:
        yield
        return
    from creditcoop import workdays
    from creditcoop.models import CalendarYear

    if not CalendarYear.objects.filter(year=2026).exists():
        workdays.load_from_chinese_calendar(years=[2025, 2026, 2027])
    yield


@pytest.fixture
def clock(monkeypatch):
    """clock(day): from now on "today" is `day`, for the services, the Celery tasks run
    eagerly and the pages — the live server is a thread of this process, so it reads the
    same patched functions. The time of day keeps running, so timestamps still order."""
    real_now, real_localdate = timezone.now, timezone.localdate
    real_today = real_localdate(real_now())

    def set_today(day):
        shift = day - real_today
        monkeypatch.setattr(timezone, "now", lambda: real_now() + shift)
        monkeypatch.setattr(
            timezone,
            "localdate",
            lambda value=None, timezone=None: (
                day if value is None else real_localdate(value, timezone)
            ),
        )

    return set_today


@pytest.fixture
def loan_type(db):
    return LoanType.objects.create(
        name="测试小额信用贷款", answer_days=2, approval_days=5, annual_rate=Decimal("0.0612")
    )


@pytest.fixture
def open_deadline(org):
    """open_deadline(start=..., days=..., **kw) → a deadline on a fresh target (a village group)."""
    from creditcoop.deadlines.engine import deadline_open
    from tests.factories import VillageGroupFactory

    counter = iter(range(10, 10_000))

    def _open(start=date(2026, 3, 2), days=2, responsible=None, **kw):
        target = VillageGroupFactory(
            village=org.village_a1, number=next(counter), name=f"组{next(counter)}"
        )
        kw.setdefault("kind", "rating")
        return deadline_open(
            target=target,
            responsible=responsible or org.officer1,
            cooperative=org.coop_a,
            working_days=days,
            start=start,
            **kw,
        )

    return _open
