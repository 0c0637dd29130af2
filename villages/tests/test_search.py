"""Household search (name, pinyin initials, last ID digits) and the village household list."""

import pytest

from tests import factories as f
from villages import selectors
from villages.models import Member

pytestmark = pytest.mark.django_db


def names(page):
    return [h.matched.name for h in page]


def test_pinyin_initials_find_zhang_san_in_own_village_only(org, zhang_san):
    f.HouseholdFactory(group=org.group_a2, head_name="张森")  # officer2's village
    f.HouseholdFactory(group=org.group_a1, head_name="李四")
    page = selectors.household_search(user=org.officer1, q="zs")
    assert names(page) == ["张三"]
    assert page[0] == zhang_san and page[0].matched.relation == Member.Relation.HEAD
    assert names(selectors.household_search(user=org.director, q="ZS")) == ["张三", "张森"]
    assert names(selectors.household_search(user=org.officer_b, q="zs")) == []


def test_name_prefix_and_id_suffix(org, zhang_san):
    wife = zhang_san.members.get(relation="spouse")
    assert names(selectors.household_search(user=org.officer1, q="王")) == ["王芳"]
    assert names(selectors.household_search(user=org.officer1, q=wife.id_number[-6:])) == ["王芳"]
    assert names(selectors.household_search(user=org.officer1, q=wife.id_number)) == ["王芳"]
    # the same digits at the start of the number are not a match
    assert names(selectors.household_search(user=org.officer1, q=wife.id_number[:6])) == []


def test_search_pages_without_count(org, django_assert_num_queries):
    for _ in range(5):
        f.HouseholdFactory(group=org.group_a1, head_name="张三")
    with django_assert_num_queries(2):  # the user's villages, the page (+1 row)
        first = selectors.household_search(user=org.officer1, q="zs", page=1, page_size=2)
        assert len(first) == 2 and first.has_next() and not first.has_previous()
    last = selectors.household_search(user=org.officer1, q="zs", page=3, page_size=2)
    assert len(last) == 1 and not last.has_next() and last.has_previous()
    seen = {
        h.pk
        for p in (1, 2, 3)
        for h in selectors.household_search(user=org.officer1, q="zs", page=p, page_size=2)
    }
    assert len(seen) == 5


def test_search_page_shows_matches_and_kind(org, login, zhang_san):
    body = login(org.officer1).get("/villages/households/", {"q": "zs"}).content.decode()
    assert "按拼音首字母查询" in body and "张三" in body
    body = login(org.officer_b).get("/villages/households/", {"q": "zs"}).content.decode()
    assert "没有找到" in body and "张三" not in body


def test_village_household_list_is_constant_queries(org, login, django_assert_num_queries):
    group2 = f.VillageGroupFactory(village=org.village_a1, number=2, name="二组")
    for _ in range(3):
        f.HouseholdFactory(group=org.group_a1)
    f.HouseholdFactory(group=group2, head_name="赵六")
    with django_assert_num_queries(3):  # scope check, count, rows
        page = selectors.village_households(user=org.officer1, village_id=org.village_a1.pk)
        rows = list(page)
    assert len(rows) == 4 and all(h.member_count == 1 and h.head_id_number for h in rows)
    only2 = selectors.village_households(
        user=org.officer1, village_id=org.village_a1.pk, group_id=group2.pk
    )
    assert [h.head_name for h in only2] == ["赵六"]

    client = login(org.officer1)
    client.get(f"/villages/{org.village_a1.pk}/")  # warm the session
    for _ in range(40):
        f.HouseholdFactory(group=org.group_a1)
    # The page costs the same number of queries with 4 or 44 households.
    with django_assert_num_queries(10) as small:
        client.get(f"/villages/{org.village_a1.pk}/", {"group": group2.pk})
    with django_assert_num_queries(len(small.captured_queries)):
        resp = client.get(f"/villages/{org.village_a1.pk}/")
    assert "共 44 户" in resp.content.decode()


def test_village_households_out_of_scope_is_404(org):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.village_households(user=org.officer1, village_id=org.village_b1.pk)


def test_village_list_search_and_cooperative_filter(org, login):
    client = login(org.auditor)
    body = client.get("/villages/", {"q": "张庄"}).content.decode()
    assert "张庄村" in body and "李屯村" not in body
    body = client.get("/villages/", {"cooperative": org.coop_b.pk}).content.decode()
    assert "王湾村" in body and "张庄村" not in body
    body = login(org.officer1).get("/villages/").content.decode()
    assert "张庄村" in body and "李屯村" not in body and "王湾村" not in body


def test_cooperative_and_union_wide_search_give_the_same_pages(org, zhang_san):
    # A cooperative's search sorts its villages' matches; union-wide search walks the whole
    # prefix index in order. Both must page alike: by the matched key, then by member.
    for group, name in [(org.group_a2, "张森"), (org.group_a1, "张三"), (org.group_a2, "张三")]:
        f.HouseholdFactory(group=group, head_name=name)
    f.HouseholdFactory(group=org.group_b1, head_name="张帅")  # coop_b: union-wide only

    def rows(user, q, key):
        found = [
            (getattr(h.matched, key), h.matched.pk, h.village.cooperative_id)
            for p in (1, 2, 3, 4)
            for h in selectors.household_search(user=user, q=q, page=p, page_size=2)
        ]
        assert found == sorted(found)
        return found

    for q, key in (("zs", "initials"), ("张", "name")):
        director, auditor = rows(org.director, q, key), rows(org.auditor, q, key)
        assert len(director) == 4 and len(auditor) == 5
        assert director == [row for row in auditor if row[2] == org.coop_a.pk]


@pytest.mark.parametrize("who", ["officer1", "director", "auditor"])
def test_search_page_queries_do_not_grow_with_matches(org, login, who, django_assert_num_queries):
    """The search page costs the same with 4 matches as with 40 (two pages of 20)."""
    group2 = f.VillageGroupFactory(village=org.village_a1, number=2, name="二组")
    groups = [org.group_a1, group2] + ([org.group_a2] if who != "officer1" else [])

    def add(n):
        for i in range(n):
            f.HouseholdFactory(group=groups[i % len(groups)], head_name="张三")

    client = login(getattr(org, who))
    client.get("/villages/households/", {"q": "zs"})  # warm the session
    add(4)
    # session, user, unread inbox count, the user's villages, the page of matches
    with django_assert_num_queries(5) as few:
        resp = client.get("/villages/households/", {"q": "zs"})
    assert resp.content.decode().count("/villages/households/") >= 4
    add(36)
    with django_assert_num_queries(len(few.captured_queries)):
        resp = client.get("/villages/households/", {"q": "zs"})
    body = resp.content.decode()
    assert body.count("<td>张三</td>") == 20  # the head column of a full first page
    assert "page=2" in body


FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def test_id_digits_typed_full_width_or_in_another_script_find_the_member(org, zhang_san):
    wife = zhang_san.members.get(relation="spouse")
    full = wife.id_number.translate(FULL_WIDTH)
    arabic = "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in wife.id_number[-6:])
    assert names(selectors.household_search(user=org.officer1, q=full)) == ["王芳"]
    assert names(selectors.household_search(user=org.officer1, q=full[-6:])) == ["王芳"]
    assert names(selectors.household_search(user=org.officer1, q=arabic)) == ["王芳"]
