"""Every villages page, every role: out of scope is 404, reading roles writing get 403."""

import uuid

import pytest

from tests import factories as f
from villages import services
from villages.models import HouseholdImport, WorkSchedule

from .conftest import db_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(org, zhang_san):
    from decimal import Decimal

    survey = services.promotion_survey_record(
        actor=org.officer1,
        village=org.village_a1,
        resident_households=1,
        local_households=1,
        certificate_count=0,
        certificate_amount=Decimal("0"),
        npl_count=0,
        npl_amount=Decimal("0"),
    )
    batch = HouseholdImport.objects.create(
        village=org.village_a1, uploaded_by=org.officer1, file_name="x.xlsx", rows=[]
    )
    return {
        "v": org.village_a1.pk,
        "h": zhang_san.pk,
        "c": org.village_a1.committee.get().pk,
        "s": survey.pk,
        "t": batch.token,
    }


READ_PAGES = [
    "/villages/{v}/",
    "/villages/{v}/committee/",
    "/villages/households/{h}/",
    "/villages/promotion/{s}/",
    "/villages/{v}/import/template/",
]
WRITE_PAGES = [
    "/villages/{v}/households/add/",
    "/villages/households/{h}/edit/",
    "/villages/{v}/import/",
    "/villages/{v}/committee/add/",
    "/villages/committee/{c}/",
    "/villages/{v}/schedule/",
    "/villages/{v}/promotion/",
]
LIST_PAGES = [
    "/villages/",
    "/villages/households/?q=zs",
    "/villages/schedule/",
    "/villages/promotion/",
]

# For objects of 张庄村 (officer1's village in 东城信用社).
READ = {
    "officer1": 200,
    "director": 200,
    "deputy": 200,
    "teller": 200,
    "auditor": 200,
    "union_risk": 200,
    "admin": 200,
    "committee": 200,
    "officer2": 404,
    "officer_b": 404,
    "director_b": 404,
}
WRITE = {
    "officer1": 200,
    "director": 200,
    "deputy": 200,
    "admin": 200,
    "teller": 403,
    "auditor": 403,
    "union_risk": 403,
    "committee": 403,
    "officer2": 404,
    "officer_b": 404,
    "director_b": 404,
}


@pytest.mark.parametrize("who,status", READ.items())
@pytest.mark.parametrize("url", READ_PAGES)
def test_read_pages(org, objects, login, url, who, status):
    assert login(getattr(org, who)).get(url.format(**objects)).status_code == status


@pytest.mark.parametrize("who,status", WRITE.items())
@pytest.mark.parametrize("url", WRITE_PAGES)
def test_write_pages(org, objects, login, url, who, status):
    assert login(getattr(org, who)).get(url.format(**objects)).status_code == status


@pytest.mark.parametrize("who", READ)
@pytest.mark.parametrize("url", LIST_PAGES)
def test_list_pages_open_to_every_role(org, objects, login, url, who):
    assert login(getattr(org, who)).get(url).status_code == 200


def test_import_preview_only_for_its_uploader(org, objects, login):
    url = "/villages/{v}/import/{t}/".format(**objects)
    assert login(org.officer1).get(url).status_code == 200
    assert login(org.director).get(url).status_code == 404
    assert login(org.auditor).get(url).status_code == 403
    assert (
        login(org.officer1).get(f"/villages/{objects['v']}/import/{uuid.uuid4()}/").status_code
        == 404
    )


ALL_POSTS = WRITE_PAGES + [
    "/villages/{v}/groups/add/",
    "/villages/committee/{c}/end/",
    "/villages/promotion/{s}/propose/",
    "/villages/promotion/{s}/decide/",
    "/villages/{v}/import/{t}/",
]


@pytest.mark.parametrize("url", ALL_POSTS)
def test_auditor_post_is_403_and_changes_nothing(org, objects, login, url):
    before = (db_counts(), WorkSchedule.objects.count())
    resp = login(org.auditor).post(url.format(**objects), {"name": "x", "number": 9})
    assert resp.status_code == 403
    assert (db_counts(), WorkSchedule.objects.count()) == before


def _foreign_writer(org, url):
    """Someone who holds the role the page asks for, but not over 张庄村: proposing is the
    director's, deciding union staff's (so a neighbouring union's)."""
    from creditcoop.models import Role

    if url.endswith("/propose/"):
        return org.director_b
    if url.endswith("/decide/"):
        other = f.CooperativeFactory(union=f.UnionFactory(name="邻县农村信用合作联社"))
        return f.StaffFactory(cooperative=None, union=other.union, roles=[Role.UNION_RISK])
    return org.officer_b


@pytest.mark.parametrize("url", ALL_POSTS)
def test_officer_posting_to_foreign_village_is_404(org, objects, login, url):
    before = (db_counts(), WorkSchedule.objects.count())
    resp = login(_foreign_writer(org, url)).post(url.format(**objects), {"name": "x", "number": 9})
    assert resp.status_code == 404
    assert (db_counts(), WorkSchedule.objects.count()) == before


@pytest.mark.parametrize(
    "url", ["/villages/promotion/{s}/propose/", "/villages/promotion/{s}/decide/"]
)
def test_posting_without_the_role_is_403(org, objects, login, url):
    before = db_counts()
    resp = login(org.officer1).post(url.format(**objects), {"decision": "approve"})
    assert resp.status_code == 403
    assert db_counts() == before


def test_anonymous_is_sent_to_login(client, org, objects):
    for url in READ_PAGES + WRITE_PAGES + LIST_PAGES:
        resp = client.get(url.format(**objects))
        assert resp.status_code == 302 and "/login/" in resp.url


def test_group_add(org, login):
    client = login(org.officer1)
    client.post(f"/villages/{org.village_a1.pk}/groups/add/", {"number": 2, "name": "二组"})
    assert org.village_a1.groups.filter(name="二组").exists()
    resp = client.post(
        f"/villages/{org.village_a1.pk}/groups/add/", {"number": 3, "name": "二组"}, follow=True
    )
    assert "本村已有相同组号或名称" in resp.content.decode()
    assert org.village_a1.groups.count() == 2
    other = f.VillageGroupFactory(village=org.village_b1, number=2)
    assert other.village != org.village_a1


@pytest.mark.parametrize("who", ["committee", "officer1", "director"])
def test_other_villages_stay_hidden(org, login, who):
    """A committee member sees only their village; an officer only theirs; a director only
    their cooperative's."""
    household = f.HouseholdFactory(group=org.group_b1, head_name="张三")
    client = login(getattr(org, who))
    assert client.get(f"/villages/{org.village_b1.pk}/").status_code == 404
    assert client.get(f"/villages/households/{household.pk}/").status_code == 404
    assert client.get(f"/villages/{org.village_b1.pk}/committee/").status_code == 404
    assert "张三" not in client.get("/villages/households/", {"q": "zs"}).content.decode()
    if who == "committee":
        assert client.get(f"/villages/{org.village_a2.pk}/").status_code == 404
