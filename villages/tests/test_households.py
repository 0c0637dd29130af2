"""Registering and editing households: validation, uniqueness, audit, nothing saved on error."""

import pytest

from creditcoop.models import AuditLog
from tests import factories as f
from tests.html import form_data
from villages.idcard import check_digit
from villages.models import Household, Member

from .conftest import db_counts

pytestmark = pytest.mark.django_db


def valid_id(seq=1):
    return f.make_id_number(seq, area="410105")


def post_data(org, members, **household):
    data = {
        "group": org.group_a1.pk,
        "address": household.get("address", "张庄村一组3号"),
        "phone": household.get("phone", "13812345678"),
        "main_business": "种植",
        "m-TOTAL_FORMS": str(len(members)),
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "0",
        "m-MAX_NUM_FORMS": "30",
    }
    for i, m in enumerate(members):
        for k, v in m.items():
            data[f"m-{i}-{k}"] = v
    return data


def test_officer_registers_household_with_family(org, login):
    client = login(org.officer1)
    head_id, wife_id = valid_id(1), valid_id(2)
    resp = client.post(
        f"/villages/{org.village_a1.pk}/households/add/",
        post_data(
            org,
            [
                {"name": "张三", "relation": "head", "id_number": head_id, "phone": "13800000001"},
                {"name": "王芳", "relation": "spouse", "id_number": wife_id.lower()},
            ],
        ),
    )
    household = Household.objects.get()
    assert resp.status_code == 302 and resp.url == f"/villages/households/{household.pk}/"
    assert household.head_name == "张三" and household.village == org.village_a1
    assert sorted(household.members.values_list("name", "relation")) == [
        ("张三", "head"),
        ("王芳", "spouse"),
    ]
    head = household.members.get(relation="head")
    assert head.initials == "zs" and head.id_reversed == head_id[::-1]
    log = AuditLog.objects.get(action="villages.household_create")
    assert log.actor == org.officer1 and log.cooperative == org.coop_a
    assert [m["name"] for m in log.changes["members"]] == ["张三", "王芳"]
    body = client.get(resp.url).content.decode()
    assert head_id in body and "王芳" in body and "配偶" in body


@pytest.mark.parametrize(
    "id_number,message",
    [
        ("41010519800517001", "身份证号码应为18位"),
        ("4101051980051700AX", "身份证号码应为18位"),
        ("410105198002300011", "出生日期不存在"),
        (None, "校验位错误"),
    ],
)
def test_bad_id_number_keeps_typed_values_and_saves_nothing(org, login, id_number, message):
    if id_number is None:
        good = valid_id(3)
        wrong = "0" if good[-1] != "0" else "1"
        id_number = good[:17] + wrong
    before = db_counts()
    resp = login(org.officer1).post(
        f"/villages/{org.village_a1.pk}/households/add/",
        post_data(org, [{"name": "李四", "relation": "head", "id_number": id_number}]),
    )
    body = resp.content.decode()
    assert resp.status_code == 200 and message in body
    assert 'value="李四"' in body and f'value="{id_number}"' in body
    assert db_counts() == before


def test_duplicate_id_anywhere_in_union_is_refused(org, login):
    other = f.HouseholdFactory(group=org.group_b1, head_name="王五")
    taken = other.members.get().id_number
    before = db_counts()
    resp = login(org.officer1).post(
        f"/villages/{org.village_a1.pk}/households/add/",
        post_data(org, [{"name": "王五", "relation": "head", "id_number": taken}]),
    )
    assert "该身份证号码已登记在" in resp.content.decode()
    assert db_counts() == before


def test_same_id_twice_in_one_family_is_refused(org, login):
    same = valid_id(4)
    before = db_counts()
    resp = login(org.officer1).post(
        f"/villages/{org.village_a1.pk}/households/add/",
        post_data(
            org,
            [
                {"name": "张三", "relation": "head", "id_number": same},
                {"name": "张小", "relation": "child", "id_number": same},
            ],
        ),
    )
    assert "与第 1 名成员的身份证号码重复" in resp.content.decode()
    assert db_counts() == before


@pytest.mark.parametrize("phone", ["1381234567", "23812345678", "电话"])
def test_bad_phone_is_refused(org, login, phone):
    before = db_counts()
    resp = login(org.officer1).post(
        f"/villages/{org.village_a1.pk}/households/add/",
        post_data(
            org, [{"name": "张三", "relation": "head", "id_number": valid_id(5), "phone": phone}]
        ),
    )
    assert "电话号码格式不正确" in resp.content.decode()
    assert db_counts() == before


def test_household_needs_exactly_one_head(org, login):
    before = db_counts()
    resp = login(org.officer1).post(
        f"/villages/{org.village_a1.pk}/households/add/",
        post_data(org, [{"name": "张三", "relation": "spouse", "id_number": valid_id(6)}]),
    )
    assert "每户必须有且只有一名户主" in resp.content.decode()
    assert db_counts() == before


def test_group_of_another_village_is_refused(org, login):
    data = post_data(org, [{"name": "张三", "relation": "head", "id_number": valid_id(7)}])
    data["group"] = org.group_b1.pk
    before = db_counts()
    resp = login(org.officer1).post(f"/villages/{org.village_a1.pk}/households/add/", data)
    assert "请选择本村的村民小组" in resp.content.decode()
    assert db_counts() == before


def test_edit_changes_head_removes_and_adds_members(org, login, zhang_san):
    head = zhang_san.members.get(relation="head")
    wife = zhang_san.members.get(relation="spouse")
    son_id = valid_id(8)
    data = post_data(
        org,
        [
            # 张三 moves out (his row's 删除 box ticked); his wife becomes head; a son is added.
            {
                "member_id": head.pk,
                "name": "张三",
                "relation": "head",
                "id_number": head.id_number,
                "DELETE": "on",
            },
            {"member_id": wife.pk, "name": "王芳", "relation": "head", "id_number": wife.id_number},
            {"name": "张小明", "relation": "child", "id_number": son_id},
        ],
        address="张庄村二组1号",
    )
    data["m-INITIAL_FORMS"] = "2"
    resp = login(org.officer1).post(f"/villages/households/{zhang_san.pk}/edit/", data)
    assert resp.status_code == 302
    zhang_san.refresh_from_db()
    assert zhang_san.head_name == "王芳" and zhang_san.address == "张庄村二组1号"
    assert not Member.objects.filter(pk=head.pk).exists()
    assert sorted(zhang_san.members.values_list("name", "relation")) == [
        ("张小明", "child"),
        ("王芳", "head"),
    ]
    log = AuditLog.objects.get(action="villages.household_update")
    assert log.changes["address"] == ["城关镇某村", "张庄村二组1号"]


def test_edit_cannot_take_over_a_member_of_another_household(org, login, zhang_san):
    stranger = f.HouseholdFactory(group=org.group_b1).members.get()
    head = zhang_san.members.get(relation="head")
    data = post_data(
        org,
        [
            {"member_id": head.pk, "name": "张三", "relation": "head", "id_number": head.id_number},
            {
                "member_id": stranger.pk,
                "name": "外人",
                "relation": "child",
                "id_number": stranger.id_number,
            },
        ],
    )
    before = db_counts()
    resp = login(org.officer1).post(f"/villages/households/{zhang_san.pk}/edit/", data)
    assert "该成员不属于本户" in resp.content.decode()
    assert db_counts() == before
    stranger.refresh_from_db()
    assert stranger.household_id != zhang_san.pk


def test_household_in_another_village_cannot_be_edited_by_officer(org, login):
    household = f.HouseholdFactory(group=org.group_a2)  # officer2's village
    before = db_counts()
    resp = login(org.officer1).post(f"/villages/households/{household.pk}/edit/", {})
    assert resp.status_code == 404
    assert db_counts() == before


def test_check_digit_helper_matches_gb11643_example():
    # The example from GB 11643-1999: 11010519491231002X
    assert check_digit("11010519491231002") == "X"


def test_future_birth_date_is_refused_and_nothing_saved(org, login):
    from datetime import timedelta

    from django.utils import timezone

    tomorrow = timezone.localdate() + timedelta(days=1)
    id_number = f.make_id_number(7, birth=tomorrow, area="410105")
    before = db_counts()
    resp = login(org.officer1).post(
        f"/villages/{org.village_a1.pk}/households/add/",
        post_data(org, [{"name": "李四", "relation": "head", "id_number": id_number}]),
    )
    assert resp.status_code == 200
    assert "身份证号码中的出生日期不合理" in resp.content.decode()
    assert db_counts() == before


def test_birth_date_is_judged_by_the_date_in_shanghai(monkeypatch):
    """At 20:00 UTC on 2 December it is already 3 December in 上海: a baby born that day
    has a valid number, one 'born' on the 4th has not."""
    from datetime import UTC, date, datetime

    from django.utils import timezone

    from villages.idcard import id_number_error

    evening_utc = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: evening_utc)
    assert id_number_error(f.make_id_number(8, birth=date(2026, 12, 3))) is None
    assert id_number_error(f.make_id_number(8, birth=date(2026, 12, 4))) == (
        "身份证号码中的出生日期不合理。"
    )
    assert id_number_error(f.make_id_number(8, birth=date(1899, 12, 31))) == (
        "身份证号码中的出生日期不合理。"
    )


@pytest.fixture
def three_members(org, zhang_san):
    f.MemberFactory(household=zhang_san, name="张小明", relation=Member.Relation.CHILD)
    return zhang_san


def _edit_page(client, household):
    url = f"/villages/households/{household.pk}/edit/"
    return url, form_data(client.get(url).content.decode())


def test_edit_keeps_members_the_user_did_not_touch(org, login, three_members):
    client = login(org.officer1)
    url, data = _edit_page(client, three_members)
    assert data["m-TOTAL_FORMS"] == "3" and data["m-INITIAL_FORMS"] == "3"
    data["phone"] = "13900000009"
    resp = client.post(url, data)
    assert resp.status_code == 302
    three_members.refresh_from_db()
    assert three_members.phone == "13900000009"
    assert sorted(three_members.members.values_list("name", flat=True)) == [
        "张三",
        "张小明",
        "王芳",
    ]

    url, data = _edit_page(client, three_members)
    data["address"] = "张庄村三组8号"
    resp = client.post(url, data)
    assert resp.status_code == 302, "只改住址也能保存"
    three_members.refresh_from_db()
    assert three_members.address == "张庄村三组8号" and three_members.members.count() == 3


def test_edit_removes_only_the_member_whose_box_is_ticked(org, login, three_members):
    client = login(org.officer1)
    url, data = _edit_page(client, three_members)
    son = three_members.members.get(name="张小明")
    row = next(k[: -len("member_id")] for k, v in data.items() if v == str(son.pk))
    data[row + "DELETE"] = "on"
    resp = client.post(url, data, follow=True)
    assert "已删除家庭成员：张小明" in resp.content.decode()
    assert sorted(three_members.members.values_list("name", flat=True)) == ["张三", "王芳"]
    log = AuditLog.objects.get(action="villages.household_update")
    assert [m["name"] for m in log.changes["members"][1]] == ["张三", "王芳"]


def test_member_added_by_someone_else_meanwhile_is_not_deleted(org, login, three_members):
    client = login(org.officer1)
    url, data = _edit_page(client, three_members)
    f.MemberFactory(household=three_members, name="李四", relation=Member.Relation.OTHER)
    before = db_counts()
    resp = client.post(url, data | {"phone": "13900000009"})
    assert resp.status_code == 200
    assert "本户家庭成员已被他人修改（李四）" in resp.content.decode()
    assert db_counts() == before


def test_removing_a_member_with_signed_consent_is_refused_in_words(org, login, three_members):
    from ratings.tests.factories import S, application

    wife = three_members.members.get(name="王芳")
    application(org, h=three_members, status=S.INITIAL)
    client = login(org.officer1)
    url, data = _edit_page(client, three_members)
    row = next(k[: -len("member_id")] for k, v in data.items() if v == str(wife.pk))
    data[row + "DELETE"] = "on"
    before = db_counts()
    resp = client.post(url, data)
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "王芳已有家庭成员同意书，不能从本户删除" in body
    assert db_counts() == before


FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def test_id_number_typed_with_full_width_digits_is_stored_in_ascii_and_not_registered_twice(
    org, login
):
    client = login(org.officer1)
    head_id = f.make_id_number(3, area="410105")
    typed = head_id.translate(FULL_WIDTH)
    assert typed != head_id
    url = f"/villages/{org.village_a1.pk}/households/add/"
    data = post_data(org, [{"name": "张三", "relation": "head", "id_number": typed}])
    assert client.post(url, data).status_code == 302
    assert Member.objects.get().id_number == head_id
    # The same person again, typed in full width and in Arabic-Indic digits: refused.
    arabic = head_id.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for again in (typed, arabic):
        before = db_counts()
        data = post_data(org, [{"name": "张三", "relation": "head", "id_number": again}])
        body = client.post(url, data).content.decode()
        assert "同一人不能重复登记" in body
        assert db_counts() == before


def test_id_helper_folds_every_digit_and_an_x_to_ascii():
    from villages.idcard import id_number_error, normalize_id

    assert normalize_id(" １１０１０５１９４９１２３１００２ｘ ") == "11010519491231002X"
    assert id_number_error("１１０１０５１９４９１２３１００２Ｘ") is None
    assert normalize_id("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X") == "11010519491231002X"
