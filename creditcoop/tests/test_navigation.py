"""The menu shows a person only what they may open."""

import re

import pytest

NAV = re.compile(r'<nav class="navbar.*?</nav>', re.S)
TABS = re.compile(r'<ul class="nav nav-tabs.*?</ul>', re.S)
HREF = re.compile(r'href="(/[^"#]*)"')


def _nav_links(client) -> list[str]:
    page = client.get("/").content.decode()
    return sorted(set(HREF.findall(NAV.search(page).group(0))))


def _tab_links(page: str) -> set[str]:
    return {href for tabs in TABS.findall(page) for href in HREF.findall(tabs)}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who",
    [
        "director",
        "deputy",
        "officer1",
        "reviewer",
        "teller",
        "archivist",
        "auditor",
        "union_risk",
        "union_asset",
        "admin",
        "committee",
    ],
)
def test_no_menu_entry_answers_403(org, login, who):
    client = login(org.users[who])
    links = _nav_links(client)
    assert links, "the menu is empty"
    refused, tabs = [], set()
    for url in links:
        response = client.get(url)
        if response.status_code == 403:
            refused.append(url)
        elif response.status_code == 200 and "html" in response["Content-Type"]:
            tabs |= _tab_links(response.content.decode())
    refused += [url for url in sorted(tabs - set(links)) if client.get(url).status_code == 403]
    assert refused == [], f"{who} sees menu entries or tabs that answer 403: {refused}"


def test_the_menu_still_shows_what_a_role_may_open(org, login):
    officer = _nav_links(login(org.officer1))
    assert "/villages/" in officer and "/ratings/" in officer
    committee = _nav_links(login(org.committee))
    assert "/ratings/" in committee and "/loans/" not in committee and "/hall/" not in committee
