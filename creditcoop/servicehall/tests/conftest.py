from datetime import date
from decimal import Decimal

import pytest

from creditcoop.servicehall.models import LoanType


@pytest.fixture
def loan_type(db):
    return LoanType.objects.create(
        name="测试小额信用贷款", answer_days=2, approval_days=5, annual_rate=Decimal("0.0612")
    )


@pytest.fixture
def open_deadline(org):
    """open_deadline(start=..., days=..., **kw) → a deadline on a fresh target (a village group)."""
    from creditcoop.servicehall.services import deadline_open
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
