"""From the rows to the page: a contract and a loan built through the lending services, the
nightly figures job, then the dashboard a director reads (skipped where the job is absent)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from loans.tests import factories as lf
from tests.html import table_rows, text_of

pytestmark = pytest.mark.django_db


def test_a_drawn_loan_reaches_the_dashboard(login, org):
    snapshot = pytest.importorskip("creditcoop.reporting.snapshot")
    contract = lf.contract(org)
    lf.draw(org, contract, 5000)
    snapshot.figures_take(today=timezone.localdate())

    html = login(org.director).get(reverse("dashboard:home")).content.decode()
    assert text_of(html, "line-used") == "5,000.00"
    assert text_of(html, "line-total") == f"{contract.line:,.2f}"
    expected = (Decimal(5000) * 100 / contract.line).quantize(Decimal("0.01"))
    assert text_of(html, "utilisation") == f"{expected}%"
    assert table_rows(html, "classes")[0][:3] == ["正常", "1", "5,000.00"]
    assert text_of(html, "npl-ratio") == "0.00%"
    village = [r for r in table_rows(html, "breakdown") if r[0] == contract.village.name]
    assert village and village[0][5] == "5,000.00"
