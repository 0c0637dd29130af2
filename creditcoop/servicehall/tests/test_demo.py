from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from creditcoop.servicehall.models import DutyRoster, Walkin

pytestmark = pytest.mark.django_db


def test_demo_walkins_are_registered_by_that_days_duty_officer(org, clock):
    clock(date(2026, 3, 4))  # 12 working days back reaches into February's roster
    call_command("demo_servicehall", stdout=StringIO())
    rosters = DutyRoster.objects.filter(cooperative=org.coop_a)
    assert {(r.month, r.is_published) for r in rosters} == {
        (date(2026, 2, 1), True),
        (date(2026, 3, 1), True),
        (date(2026, 4, 1), False),
    }
    walkins = list(Walkin.objects.filter(cooperative=org.coop_a))
    assert len(walkins) == 8
    assert min(w.registered_on for w in walkins) < date(2026, 3, 1)
    assert all(w.registrar_on_duty and not w.registered_off_roster for w in walkins)
    call_command("demo_servicehall", stdout=StringIO())
    assert Walkin.objects.filter(cooperative=org.coop_a).count() == 8
