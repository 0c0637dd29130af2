"""A NUL byte anywhere in a path or a query string is a bad request, never a server error:
PostgreSQL cannot compare it, so it is refused before any view runs."""

import pytest
from django.urls import reverse

from tests.coverage_check import all_view_names

pytestmark = pytest.mark.django_db

PUBLIC = [
    "/p/village/%00/",
    "/p/village/%00/notice/",
    "/p/village/%00/objection/",
    "/p/objection/%00/",
    "/p/objection/?ref=%00",
]

# Every staff search named in the defect report, with who searches there.
STAFF_SEARCHES = [
    ("villages:village_list", "q", "director"),
    ("villages:household_search", "q", "officer1"),
    ("loans:contract_list", "q", "director"),
    ("loans:ledger", "q", "director"),
    ("ratings:village_ledger village_a1", "q", "director"),
    ("ratings:campaign_list", "q", "director"),
    ("ratings:application_list", "q", "director"),
    ("notices:batch_list", "q", "director"),
    ("notices:objection_list", "q", "director"),
    ("servicehall:deadline_list", "q", "director"),
    ("servicehall:accountability_list", "q", "director"),
    ("servicehall:walkin_list", "q", "director"),
    ("loans:counter", "certificate", "teller"),
]


@pytest.mark.parametrize("url", PUBLIC)
def test_public_pages_answer_a_nul_byte_with_400_without_login(client, org, url):
    resp = client.get(url)
    assert resp.status_code == 400
    text = resp.content.decode()
    assert "请求无效" in text and "阳光信贷公开栏" in text


@pytest.mark.parametrize(("name", "param", "who"), STAFF_SEARCHES)
def test_staff_searches_answer_a_nul_byte_with_400(client, org, name, param, who):
    client.force_login(getattr(org, who))
    name, _, village = name.partition(" ")
    url = reverse(name, kwargs={"pk": getattr(org, village).pk} if village else None)
    assert client.get(url).status_code == 200  # the page itself works for them
    resp = client.get(url, {param: "张\x00三"})
    assert resp.status_code == 400
    assert "请求无效" in resp.content.decode()


def test_every_page_without_arguments_refuses_nul_in_any_parameter(client, org):
    """Walks every named page that takes no arguments, with NUL in the usual parameters."""
    client.force_login(org.director)
    query = "?q=%00&certificate=%00&ref=%00&page=%00&status=%00&village=%00&year=%00"
    walked = 0
    for name in sorted(all_view_names()):
        try:
            url = reverse(name)
        except Exception:  # noqa: S112 - pages that need arguments are covered above
            continue
        resp = client.get(url + query)
        assert resp.status_code == 400, name
        walked += 1
    assert walked > 20


def test_nul_in_a_posted_field_is_a_form_error_not_a_server_error(client, org):
    resp = client.post("/login/", {"username": "O001\x00", "password": "x"})
    assert resp.status_code == 200
