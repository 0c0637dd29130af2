"""Every number on a dashboard links down to the list of rows behind it, filtered to the
figure's class, segment, state and unit, and that list opens for the same person."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from django.urls import reverse

from loans.tests import factories as lf

pytestmark = pytest.mark.django_db


def links(page: str) -> set[str]:
    return {htmllib.unescape(h) for h in re.findall(r'href="([^"]+)"', page)}


def opens(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def test_director_links_open_the_filtered_lists(login, world):
    client = login(world.director)
    found = links(client.get(reverse("dashboard:home")).content.decode())
    expected = {
        reverse("loans:ledger") + "?class=2",
        reverse("loans:contract_list") + "?status=active",
        reverse("notices:objection_list") + "?status=open",
        reverse("notices:batch_list") + "?status=published",
        reverse("recovery:register") + f"?segment={world.seg_old.pk}",
        reverse("recovery:register"),
        reverse("recovery:expiring") + "?days=30",
        reverse("archives:file_list") + "?status=preparing",
        reverse("archives:file_list") + "?status=lent",
        reverse("archives:borrowing_list") + "?overdue=on",
        reverse("servicehall:deadline_list") + "?state=done&kind=objection",
        reverse("servicehall:deadline_list") + "?state=late",
    }
    assert expected <= found, expected - found
    for url in expected:
        opens(client, url)


def test_village_links_name_the_village(login, world):
    client = login(world.director)
    v = world.village_a1.pk
    found = links(client.get(reverse("dashboard:village", args=[v])).content.decode())
    expected = {
        reverse("loans:ledger") + f"?class=4&village={v}",
        reverse("loans:contract_list") + f"?status=active&village={v}",
        reverse("notices:objection_list") + f"?status=open&village={v}",
        reverse("villages:village_detail", args=[v]),
    }
    assert expected <= found, expected - found
    for url in expected:
        opens(client, url)


def test_a_cooperative_seen_from_the_union_links_to_its_own_rows(login, world):
    contract = lf.contract(world)  # in cooperative A
    client = login(world.union_risk)
    a, b = world.coop_a.pk, world.coop_b.pk
    found = links(client.get(reverse("dashboard:cooperative", args=[a])).content.decode())
    expected = {
        reverse("loans:ledger") + f"?class=0&cooperative={a}",
        reverse("recovery:register") + f"?segment={world.seg_new.pk}&cooperative={a}",
        reverse("recovery:register") + f"?cooperative={a}",
        reverse("recovery:expiring") + f"?days=60&coop={a}",
    }
    assert expected <= found, expected - found
    for url in expected:
        opens(client, url)
    # Lists that cannot be narrowed to one cooperative are not linked from its page.
    assert not any(u.startswith(reverse("archives:file_list") + "?") for u in found)
    assert not any(u.startswith(reverse("servicehall:deadline_list") + "?") for u in found)
    # The ledger behind the numbers shows that cooperative's contracts only.
    name = contract.borrower.name
    assert name in client.get(reverse("loans:ledger"), {"cooperative": a}).content.decode()
    assert name not in client.get(reverse("loans:ledger"), {"cooperative": b}).content.decode()


def test_officer_links(login, world):
    client = login(world.officer1)
    found = links(client.get(reverse("dashboard:home")).content.decode())
    assert reverse("loans:ledger") + "?class=3" in found
    for url in (
        reverse("loans:ledger") + "?class=3",
        reverse("notices:objection_list") + "?status=open",
    ):
        opens(client, url)
    # Child pages: the officer's own villages.
    assert reverse("dashboard:village", args=[world.village_a3.pk]) + "?month=2026-11" in found


def test_the_months_drawdowns_and_repayments_link_to_their_ledger_export(login, world):
    """A month's flow has no list page: its numbers open the ledger export filled in with the
    unit and the month, and that form carries them."""
    client = login(world.director)
    v = world.village_a1.pk
    page = client.get(reverse("dashboard:village", args=[v]), {"month": "2026-11"})
    found = links(page.content.decode())
    start = reverse("exports:start")
    drawn = f"{start}?ledger=loans.loans&date_from=2026-11-01&date_to=2026-11-30&village={v}"
    repaid = f"{start}?ledger=loans.repayments&date_from=2026-11-01&date_to=2026-11-30&village={v}"
    assert {drawn, repaid} <= found, {drawn, repaid} - found
    form = client.get(drawn).content.decode()
    assert 'value="2026-11-01"' in form and 'value="2026-11-30"' in form
    assert f'<option value="{v}" selected>' in form
    # A committee member has neither a dashboard nor the loan ledger: no such link to follow.
    assert login(world.committee).get(drawn).status_code in (403, 404)
