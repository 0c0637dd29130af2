"""Who sees which villages and households; out of scope is 404."""

import pytest

from tests import factories as f
from villages.selectors import village_scope

pytestmark = pytest.mark.django_db


def names(user):
    return sorted(v.name for v in village_scope(user))


def test_scope_per_role(org):
    assert names(org.officer1) == ["张庄村"]
    assert names(org.officer2) == ["李屯村"]
    assert names(org.director) == ["张庄村", "李屯村"]
    assert names(org.teller) == ["张庄村", "李屯村"]
    assert names(org.director_b) == ["王湾村"]
    assert names(org.auditor) == ["张庄村", "李屯村", "王湾村"]
    assert names(org.union_risk) == ["张庄村", "李屯村", "王湾村"]
    assert names(org.union_asset) == ["张庄村", "李屯村", "王湾村"]
    assert names(org.committee) == ["张庄村"]


@pytest.mark.parametrize(
    "who,status",
    [
        ("officer1", 200),
        ("director", 200),
        ("auditor", 200),
        ("committee", 200),
        ("officer2", 404),
        ("director_b", 404),
        ("officer_b", 404),
    ],
)
def test_village_and_household_pages_out_of_scope_are_404(org, login, who, status):
    household = f.HouseholdFactory(group=org.group_a1)
    client = login(getattr(org, who))
    assert client.get(f"/villages/{org.village_a1.pk}/").status_code == status
    assert client.get(f"/villages/households/{household.pk}/").status_code == status


def test_missing_village_is_404_like_a_foreign_one(org, login):
    assert login(org.officer1).get("/villages/999999/").status_code == 404


def test_committee_member_loses_access_when_the_term_ends(org):
    from datetime import timedelta

    from django.utils import timezone

    member = org.village_a1.committee.get(staff=org.committee)
    member.term_end = timezone.localdate() - timedelta(days=1)
    member.save()
    assert names(org.committee) == []
