"""Village credit review committee and the public village page."""

from datetime import date, timedelta

import pytest

from creditcoop.models import AuditLog
from tests import factories as f
from villages.models import CommitteeMember

pytestmark = pytest.mark.django_db


def form(**kw):
    data = {
        "post": "clerk",
        "name": "钱文书",
        "phone": "13900001111",
        "term_start": "2025-01-01",
        "term_end": "",
        "staff": "",
    }
    data.update(kw)
    return data


def test_officer_adds_committee_member_with_audit(org, login):
    client = login(org.officer1)
    resp = client.post(f"/villages/{org.village_a1.pk}/committee/add/", form())
    assert resp.status_code == 302
    member = CommitteeMember.objects.get(name="钱文书")
    assert member.village == org.village_a1 and member.post == "clerk"
    assert AuditLog.objects.filter(
        action="villages.committee_member_add", object_id=str(member.pk)
    ).exists()
    assert "钱文书" in client.get(f"/villages/{org.village_a1.pk}/committee/").content.decode()


@pytest.mark.parametrize(
    "data,message",
    [
        (form(phone="12345"), "电话号码格式不正确"),
        (form(phone=""), "这个字段是必填项"),
        (form(term_end="2024-01-01"), "任期结束日期不能早于开始日期"),
        (form(post="chair", name="新书记"), "任期与组长 孙书记 的任期重叠"),
    ],
)
def test_bad_committee_input_saves_nothing(org, login, data, message):
    before = CommitteeMember.objects.count()
    resp = login(org.officer1).post(f"/villages/{org.village_a1.pk}/committee/add/", data)
    body = resp.content.decode()
    assert resp.status_code == 200 and message in body
    assert f'value="{data["name"]}"' in body
    assert CommitteeMember.objects.count() == before


def test_staff_link_needs_committee_role(org, login):
    resp = login(org.officer1).post(
        f"/villages/{org.village_a1.pk}/committee/add/", form(staff=org.teller.pk)
    )
    assert resp.status_code == 200 and not CommitteeMember.objects.filter(name="钱文书").exists()
    resp = login(org.officer1).post(
        f"/villages/{org.village_a1.pk}/committee/add/", form(staff=org.committee.pk)
    )
    assert CommitteeMember.objects.get(name="钱文书").staff == org.committee


def test_ending_a_term_hides_member_from_public_page(org, login, client):
    chair = org.village_a1.committee.get()
    login(org.officer1).post(f"/villages/committee/{chair.pk}/end/")
    chair.refresh_from_db()
    assert chair.term_end is not None
    assert AuditLog.objects.filter(action="villages.committee_member_end").exists()
    client.logout()
    chair.term_end = date.today() - timedelta(days=1)
    chair.save()
    body = client.get(f"/p/village/{org.village_a1.code}/").content.decode()
    assert "孙书记" not in body


def test_public_page_shows_committee_officer_and_complaint_phone(org, client):
    f.CommitteeMemberFactory(
        village=org.village_a1, post="assistant", name="周协理", phone="13700009999"
    )
    household = f.HouseholdFactory(group=org.group_a1, head_name="张三")
    resp = client.get(f"/p/village/{org.village_a1.code}/")
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "孙书记" in body and "周协理" in body and "13700009999" in body
    assert (
        org.officer1.name in body and org.officer1.username in body and org.officer1.phone in body
    )
    assert org.coop_a.complaint_phone in body
    assert "张三" not in body and household.members.get().id_number not in body
    assert body.index("组长") < body.index("协理员")


def test_public_page_unknown_code_is_404(client, org):
    assert client.get("/p/village/NO-SUCH/").status_code == 404
