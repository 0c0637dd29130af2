"""The workbench shows what waits for the person who logs in."""

import pytest
from django.utils import timezone

from creditcoop.deadlines.engine import deadline_open

pytestmark = pytest.mark.django_db


def test_workbench_lists_my_open_deadlines_and_villages(org, login):
    deadline_open(
        target=org.village_a1,
        kind="test",
        responsible=org.officer1,
        cooperative=org.coop_a,
        working_days=3,
        title="张庄村入户调查",
        start=timezone.localdate(),
    )
    body = login(org.officer1).get("/").content.decode()
    assert "张庄村入户调查" in body
    assert "张庄村" in body and "王湾村" not in body
    other = login(org.officer2).get("/").content.decode()
    assert "张庄村入户调查" not in other
    assert "没有待办结的事项" in other


def test_workbench_query_count_does_not_grow_with_villages(
    org, login, django_assert_max_num_queries
):
    from tests.factories import VillageFactory

    for _ in range(20):
        VillageFactory(cooperative=org.coop_a, officer=org.officer1)
    client = login(org.officer1)
    with django_assert_max_num_queries(15):
        assert client.get("/").status_code == 200


def test_committee_member_sees_households_waiting_for_the_initial_rating(org, login):
    from ratings.models import CreditApplication
    from ratings.tests import factories as rf
    from tests.html import text_of

    waiting = rf.application(org, status=CreditApplication.Status.INITIAL)
    elsewhere = rf.application(org, group=org.group_a2, status=CreditApplication.Status.INITIAL)
    body = login(org.committee).get("/").content.decode()
    mine = text_of(body, "my-initial-ratings")
    assert waiting.household.head_name in mine
    assert elsewhere.household.head_name not in mine
    assert f"/ratings/applications/{waiting.pk}/" in body
