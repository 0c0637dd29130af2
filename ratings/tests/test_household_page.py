"""The household page shows the household's current grade, line, term and history."""

import pytest
from django.urls import reverse

from ratings.models import ApplicationEvent, CreditApplication
from ratings.tests.factories import application
from tests.html import table_rows, text_of

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


def test_household_page_shows_the_term(org, login):
    app = application(org, status=CreditApplication.Status.LINE_SET)
    body = login(org.officer1).get(f"/villages/households/{app.household_id}/").content.decode()
    section = text_of(body, "household-credit")
    assert "授信额度 20000.00 元 · 期限 24 个月" in section


def test_full_history_is_a_link_away_and_complete(org, login):
    app = application(org, status=CreditApplication.Status.LINE_SET)
    ApplicationEvent.objects.bulk_create(
        ApplicationEvent(application=app, action="documents", actor=org.officer1, reason=f"补记{i}")
        for i in range(120)
    )
    total = app.events.count()
    assert total == 131
    c = login(org.officer1)
    body = c.get(f"/villages/households/{app.household_id}/").content.decode()
    section = text_of(body, "household-credit")
    assert f"以上为最近 50 条，共 {total} 条。" in section
    assert f"查看全部 {total} 条办理记录" in section
    url = reverse("ratings:household_history", args=[app.household_id])
    assert f'href="{url}"' in body

    first = c.get(url).content.decode()
    last = c.get(url + "?page=2").content.decode()
    rows = table_rows(first, "history") + table_rows(last, "history")
    assert len(table_rows(first, "history")) == 100 and len(rows) == total
    assert f"共 {total} 条" in first
    # Newest first; the registration, the oldest event, closes the last page.
    assert rows[0][6] == "补记119" and rows[-1][2] == "登记申请"
    assert [r[2] for r in rows].count("主任核定额度") == 1
    assert {r[6] for r in rows} >= {f"补记{i}" for i in range(120)}
