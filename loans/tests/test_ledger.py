"""Ledgers: the per-village and per-officer rows, the filters, pagination, and the Excel
download streamed from a server-side cursor into a write-only workbook."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from loans import services, views
from loans.tests import factories as lf

pytestmark = pytest.mark.django_db
URL = reverse("loans:ledger")


@pytest.fixture
def book(org):
    """A1 (officer1's): one contract with an overdue loan (关注), one current; A2
    (officer2's): one contract with nothing drawn."""
    today = timezone.localdate()
    signed = today - timedelta(days=200)
    overdue = lf.contract(org, signed_on=signed)
    lf.draw(org, overdue, "2500", today=today - timedelta(days=190), due_date=today - timedelta(10))
    current = lf.contract(org, signed_on=signed)
    lf.draw(org, current, "1000", today=today, due_date=today + timedelta(days=100))
    app = lf.passed_application(org, group=org.group_a2, ended_before=signed)
    other = lf.contract(org, app=app, signed_on=signed)
    services.loans_classify(today=today)
    for c, name in ((overdue, "逾期户"), (current, "正常户"), (other, "李屯户")):
        c.borrower.name = name
        c.borrower.save()
        c.refresh_from_db()
    return overdue, current, other


def _rows(html):
    """Borrower names in the ledger table, in order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<a href="/loans/contracts/\d+/">([^<]+)</a>', body)


def _row(html, contract):
    return re.search(rf'<tr>\s*<td><a href="/loans/contracts/{contract.pk}/">.*?</tr>', html, re.S)[
        0
    ]


def test_village_ledger_rows(org, login, book):
    overdue, current, other = book
    html = login(org.director).get(URL, {"village": org.village_a1.pk}).content.decode()
    assert "张庄村分村清册" in html
    assert _rows(html) == ["逾期户", "正常户"]
    row = _row(html, overdue)
    d = timezone.localdate() - timedelta(days=10)
    due = f"{d.year}年{d.month}月{d.day}日"
    for text in (
        overdue.household.address,
        overdue.household.phone,
        overdue.certificate.number,
        str(overdue.line),
        "2500.00",
        due,
        "关注",
        "郑信贷",
    ):
        assert text in row, text
    assert "正常" in _row(html, current)


def test_officer_ledger_shows_only_that_officers_loans(org, login, book):
    client = login(org.director)
    html = client.get(URL, {"officer": org.officer2.pk}).content.decode()
    assert "王信贷信贷员贷款清册" in html and _rows(html) == ["李屯户"]
    html = client.get(URL, {"officer": org.officer1.pk}).content.decode()
    assert _rows(html) == ["逾期户", "正常户"]
    # An officer outside the user's cooperative is not a filter: nothing of B leaks either.
    assert _rows(login(org.officer_b).get(URL).content.decode()) == []


def test_class_and_overdue_filters(org, login, book):
    client = login(org.director)
    assert _rows(client.get(URL, {"class": "1"}).content.decode()) == ["逾期户"]
    assert _rows(client.get(URL, {"class": "0"}).content.decode()) == ["正常户"]
    assert _rows(client.get(URL, {"class": "4"}).content.decode()) == []
    assert _rows(client.get(URL, {"overdue": "1"}).content.decode()) == ["逾期户"]
    # a bad class value is ignored rather than an error
    assert len(_rows(client.get(URL, {"class": "x"}).content.decode())) == 3


def test_pagination_keeps_the_filters(org, login, book, monkeypatch):
    monkeypatch.setattr(views, "LEDGER_PAGE_SIZE", 2)
    client = login(org.director)
    first = client.get(URL, {"q": ""}).content.decode()
    assert _rows(first) == ["逾期户", "正常户"] and "第 1 页 / 2" in first
    assert 'href="?q=&amp;page=2"' in first or 'href="?q=&page=2"' in first
    second = client.get(URL, {"q": "", "page": "2"}).content.decode()
    assert _rows(second) == ["李屯户"]
    filtered = client.get(URL, {"officer": org.officer1.pk}).content.decode()
    assert "第 1 页" not in filtered  # one page only


def test_excel_button_opens_the_loan_ledger_export_with_the_page_filters(org, login, book):
    """The file is built by the export job, not by the page: the button carries the
    village and class picked on the page to the export's filter form."""
    client = login(org.director)
    page = client.get(URL, {"village": org.village_a1.pk, "class": "1"}).content.decode()
    href = f"/exports/new/?ledger=loans.loans&amp;village={org.village_a1.pk}&amp;risk_class=1"
    assert href in page
    start = client.get(
        "/exports/new/", {"ledger": "loans.loans", "village": org.village_a1.pk, "risk_class": "1"}
    ).content.decode()
    assert f'<option value="{org.village_a1.pk}" selected>' in start
    assert '<option value="1" selected>关注</option>' in start
