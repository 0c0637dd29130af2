import hashlib
import io
import random
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F

from creditcoop.models import Cooperative, Role, Staff
from villages.demo import DEMO_PASSWORD, plan_cooperatives
from villages.idcard import birth_date, id_number_error, phone_error
from villages.models import CommitteeMember, Household, Member, Village
from villages.pinyin import name_initials
from villages.selectors import village_scope

N = 300


def generate(households=N, seed=7, **options):
    out = io.StringIO()
    call_command("generate_demo", households=households, seed=seed, stdout=out, **options)
    return out.getvalue()


def digest() -> str:
    """A fingerprint of everything a user would see, ignoring database ids."""
    h = hashlib.sha256()
    for row in Staff.objects.order_by("username").values_list(
        "username", "name", "phone", "roles", "officer_grade", "cooperative__code"
    ):
        h.update(repr(row).encode())
    for row in Village.objects.order_by("code").values_list(
        "code", "name", "town", "officer__username", "is_promotion"
    ):
        h.update(repr(row).encode())
    for row in CommitteeMember.objects.order_by("village__code", "post").values_list(
        "village__code", "post", "name", "phone", "staff__username"
    ):
        h.update(repr(row).encode())
    for row in Household.objects.order_by("id").values_list(
        "village__code", "group__name", "head_name", "address", "phone", "main_business"
    ):
        h.update(repr(row).encode())
    for row in Member.objects.order_by("id").values_list("name", "relation", "id_number", "phone"):
        h.update(repr(row).encode())
    return h.hexdigest()


def digest_of_fresh_run(seed) -> str:
    # Each run starts from an empty database and is rolled back afterwards.
    with transaction.atomic():
        generate(seed=seed)
        value = digest()
        transaction.set_rollback(True)
    return value


@pytest.mark.django_db
def test_same_seed_gives_the_same_union_and_people():
    first = digest_of_fresh_run(7)
    assert digest_of_fresh_run(7) == first
    assert digest_of_fresh_run(8) != first


@pytest.mark.django_db
def test_id_numbers_are_valid_unique_and_searchable():
    generate()
    members = list(Member.objects.values_list("name", "id_number", "id_reversed", "initials"))
    assert len(members) >= N
    numbers = [m[1] for m in members]
    assert len(set(numbers)) == len(numbers)
    for name, number, reversed_, initials in members:
        assert id_number_error(number) is None, number
        assert number[14:17] != "000"
        assert reversed_ == number[::-1]
        assert initials and initials == name_initials(name)


@pytest.mark.django_db
def test_households_have_one_head_and_plausible_families():
    generate()
    assert Household.objects.count() == N
    heads = Member.objects.filter(relation=Member.Relation.HEAD)
    assert heads.count() == N
    head_names = dict(heads.values_list("household_id", "name"))
    sizes = Counter(Member.objects.values_list("household_id", flat=True))
    assert set(sizes.values()) <= {1, 2, 3, 4, 5}
    assert len(set(sizes.values())) >= 4  # families of different sizes
    for household in Household.objects.select_related("group"):
        assert household.head_name == head_names[household.pk]
        assert household.group.village_id == household.village_id
        assert phone_error(household.phone) is None
    # COPY skips Member.save(): the member's village is written with the row.
    assert not Member.objects.exclude(village_id=F("household__village_id")).exists()
    # Children are younger than the head of their household.
    births = {
        (m.household_id, m.relation): birth_date(m.id_number)
        for m in Member.objects.filter(relation__in=["head", "child"])
    }
    for (household_id, relation), born in births.items():
        if relation == "child":
            assert born > births[(household_id, "head")]


@pytest.mark.django_db
def test_every_village_has_a_committee_an_officer_and_groups():
    generate()
    villages = Village.objects.select_related("officer").prefetch_related("committee", "groups")
    assert villages.count() >= 4
    for village in villages:
        assert village.officer.has_role(Role.OFFICER)
        assert village.officer.cooperative_id == village.cooperative_id
        posts = sorted(c.post for c in village.committee.all())
        assert posts == sorted(CommitteeMember.Post.values)
        for member in village.committee.all():
            assert member.name and phone_error(member.phone) is None
        assert village.groups.count() >= 3
        assert village.households.exists()


@pytest.mark.django_db
def test_staff_of_every_role_log_in_with_the_demo_password():
    generate()
    for role in Role:
        if role == Role.AGENCY:
            continue  # an entrusted firm's login comes with its firm (recovery's demo)
        assert Staff.objects.filter(roles__contains=[role.value]).exists(), role
    grades = set(
        Staff.objects.filter(roles__contains=["officer"]).values_list("officer_grade", flat=True)
    )
    assert grades == {1, 2, 3}
    admin = Staff.objects.get(username="X0001")
    assert admin.is_staff and admin.is_superuser
    director = Staff.objects.get(username="D0101")
    assert director.check_password(DEMO_PASSWORD)
    assert Staff.objects.get(username="O0103").officer_grade == 3
    # Officers of every grade are each responsible for villages.
    for officer in Staff.objects.filter(roles__contains=["officer"]):
        assert officer.villages.exists(), officer.username


@pytest.mark.django_db
def test_committee_accounts_see_only_their_own_village():
    generate()
    accounts = Staff.objects.filter(roles__contains=["committee"])
    assert accounts.exists()
    for account in accounts:
        post = CommitteeMember.objects.get(staff=account)
        assert post.post == CommitteeMember.Post.CHAIR
        assert list(village_scope(account)) == [post.village]


@pytest.mark.django_db
def test_refuses_to_run_on_a_database_with_households():
    generate()
    households, staff = Household.objects.count(), Staff.objects.count()
    with pytest.raises(CommandError, match="已有 300 户农户"):
        generate()
    assert (Household.objects.count(), Staff.objects.count()) == (households, staff)


@pytest.mark.django_db
def test_append_adds_new_cooperatives_without_clashing():
    generate()
    cooperatives = Cooperative.objects.count()
    generate(households=100, append=True)
    assert Household.objects.count() == N + 100
    assert Cooperative.objects.count() == cooperatives + 2
    numbers = list(Member.objects.values_list("id_number", flat=True))
    assert len(numbers) == len(set(numbers))
    assert Staff.objects.filter(username="X0001").count() == 1


def test_county_scale_plan():
    plans = plan_cooperatives(1_000_000, random.Random(1), first_index=1)
    assert len(plans) == 50
    assert sum(p.households for p in plans) == 1_000_000
    sizes = [s for p in plans for s in p.village_sizes]
    assert 300 <= min(sizes) and max(sizes) <= 600


@pytest.mark.django_db
def test_demo_logins_lists_every_role():
    generate()
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for label in ("信用社主任", "信贷员（一级）", "信贷员（三级）", "柜员", "稽核", "系统管理员"):
        assert label in text
    assert "X0001" in text and "D0101" in text and DEMO_PASSWORD in text

    Staff.objects.filter(username="D0101").update(password="!")
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert "（已修改）" in out.getvalue()


def member_and_household_indexes():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename IN (%s, %s) ORDER BY indexdef",
            [Household._meta.db_table, Member._meta.db_table],
        )
        return [r[0] for r in cursor.fetchall()]


@pytest.mark.django_db
def test_large_loads_rebuild_the_same_indexes(monkeypatch):
    from villages import demo

    before = member_and_household_indexes()
    monkeypatch.setattr(demo, "REBUILD_INDEXES_FROM", 1)  # the path used from 100,000 households
    generate()
    assert member_and_household_indexes() == before
    assert Member.objects.filter(name__startswith=Member.objects.first().name[:1]).exists()
    with pytest.raises(CommandError):
        generate()
