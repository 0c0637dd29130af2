"""The household page shows the household's current grade, line, term and history."""

import pytest

from ratings.models import CreditApplication
from ratings.tests.factories import application

pytestmark = pytest.mark.django_db


def test_household_page_shows_grade_line_and_history(org, login):
    app = application(org, status=CreditApplication.Status.LINE_SET)
    body = login(org.officer1).get(f"/villages/households/{app.household_id}/").content.decode()
    assert "信用等级与授信" in body
    assert f'<strong class="fs-5">{app.grade}</strong>' in body
    assert str(app.final_line) in body
    assert "全部办理记录" in body


def test_household_without_credit_says_so(org, login):
    from tests.factories import HouseholdFactory

    h = HouseholdFactory(group=org.group_a1)
    body = login(org.officer1).get(f"/villages/households/{h.pk}/").content.decode()
    assert "该户目前没有已核定的授信" in body
