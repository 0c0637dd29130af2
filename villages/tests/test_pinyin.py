"""Pinyin initials: surnames that read differently from the word (单 shàn, 曾 zēng …)."""

from importlib import import_module

import pytest
from django.apps import apps

from tests import factories as f
from villages import selectors
from villages.models import Member
from villages.pinyin import SURNAME_INITIALS, name_initials


@pytest.mark.parametrize(
    "name,initials",
    [
        ("单伟", "sw"),
        ("曾国", "zg"),
        ("解放", "xf"),
        ("仇明", "qm"),
        ("区华", "oh"),
        ("查理", "zl"),
        ("朴军", "pj"),
        ("盖伟", "gw"),
        ("覃红", "qh"),
        ("缪斌", "mb"),
        ("乐天", "yt"),
        ("尉强", "yq"),
        ("翟亮", "zl"),
        ("种明", "cm"),
        # Only the surname: inside a name the characters keep their word reading.
        ("王单", "wd"),
        ("曾曾", "zc"),
        ("张三", "zs"),
    ],
)
def test_surname_readings(name, initials):
    assert name_initials(name) == initials


@pytest.mark.django_db
def test_search_finds_surnames_by_their_surname_reading(org):
    f.HouseholdFactory(group=org.group_a1, head_name="单伟")
    f.HouseholdFactory(group=org.group_a1, head_name="曾国")

    def found(q):
        return [h.matched.name for h in selectors.household_search(user=org.officer1, q=q)]

    assert found("sw") == ["单伟"]
    assert found("zg") == ["曾国"]
    assert found("dw") == [] and found("cg") == []


@pytest.mark.django_db
def test_migration_recomputes_stored_initials(org):
    migration = import_module("villages.migrations.0004_member_initials_surnames")
    shan = f.HouseholdFactory(group=org.group_a1, head_name="单伟").members.get()
    zeng = f.HouseholdFactory(group=org.group_a1, head_name="曾国").members.get()
    wang = f.HouseholdFactory(group=org.group_a1, head_name="王单").members.get()
    # As stored before the fix.
    Member.objects.filter(pk=shan.pk).update(initials="dw")
    Member.objects.filter(pk=zeng.pk).update(initials="cg")

    migration.recompute(apps, None)
    migration.recompute(apps, None)  # running it again changes nothing

    stored = dict(
        Member.objects.filter(pk__in=[shan.pk, zeng.pk, wang.pk]).values_list("name", "initials")
    )
    assert stored == {"单伟": "sw", "曾国": "zg", "王单": "wd"}
    assert migration.SURNAME_INITIALS == SURNAME_INITIALS
