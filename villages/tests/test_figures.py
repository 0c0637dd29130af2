"""The households figure per village against households built here."""

import pytest

from creditcoop.reporting.tests.helpers import D, take
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def test_households_per_village(org):
    for group, n in ((org.group_a1, 3), (org.group_a2, 2), (org.group_b1, 1)):
        HouseholdFactory.create_batch(n, group=group)
    got = take(None, "households")
    assert got == {
        (org.coop_a.pk, org.village_a1.pk, "households", ""): D(3),
        (org.coop_a.pk, org.village_a2.pk, "households", ""): D(2),
        (org.coop_b.pk, org.village_b1.pk, "households", ""): D(1),
    }
