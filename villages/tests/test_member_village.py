"""Member.village (copied from the household for scoped search) can never differ from the
household's village: it is set on every write and the database refuses anything else."""

import pytest
from django.db import IntegrityError, connection, transaction

from tests import factories as f
from villages import selectors
from villages.models import Household, Member
from villages.services import MemberInput, household_create

pytestmark = pytest.mark.django_db


def names(page):
    return [h.matched.name for h in page]


def check_now():
    """Run the deferred foreign-key checks now instead of at commit."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_registered_members_carry_the_households_village(org):
    household = household_create(
        actor=org.officer1,
        village=org.village_a1,
        group=org.group_a1,
        members=[
            MemberInput(name="孙立", relation="head", id_number=f.unique_id_number()),
            MemberInput(name="周梅", relation="spouse", id_number=f.unique_id_number()),
        ],
    )
    assert set(household.members.values_list("village_id", flat=True)) == {org.village_a1.pk}


def test_member_with_another_village_is_refused_by_the_database(org, zhang_san):
    wife = zhang_san.members.get(relation="spouse")
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=wife.pk).update(village=org.village_b1)
        check_now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(
            household=zhang_san, name="赵强", relation="child", id_number=f.unique_id_number()
        )
        # save() takes the household's village; a raw write with another one fails.
        Member.objects.filter(name="赵强").update(village=org.village_a2)
        check_now()
    assert Member.objects.get(pk=wife.pk).village_id == org.village_a1.pk


def test_moving_a_household_moves_its_members_and_search_follows(org, zhang_san):
    assert names(selectors.household_search(user=org.officer1, q="王")) == ["王芳"]
    # Even a raw UPDATE of the household (no save(), no service) carries the members along.
    Household.objects.filter(pk=zhang_san.pk).update(
        village=org.village_a2, group=f.VillageGroupFactory(village=org.village_a2, number=9)
    )
    check_now()
    assert set(zhang_san.members.values_list("village_id", flat=True)) == {org.village_a2.pk}
    assert names(selectors.household_search(user=org.officer1, q="王")) == []
    assert names(selectors.household_search(user=org.officer2, q="王")) == ["王芳"]
    assert names(selectors.household_search(user=org.director, q="zs")) == ["张三"]
