"""The pages of entrusted collection, as the people who use them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from recovery import services
from recovery.models import Agency, AgencyFeeList, AgencyHandover, AgencyPackage

from .helpers import npl
from .helpers_agency import agency, agency_user

pytestmark = pytest.mark.django_db


def test_register_a_firm_and_approve_it_on_the_list(org, client):
    client.force_login(org.union_asset)
    url = reverse("recovery:agency_list")
    resp = client.post(url, {"name": "潇湘清收有限公司", "licence_number": "9143abc"})
    assert resp.status_code == 302
    firm = Agency.objects.get()
    assert firm.licence_number == "9143ABC" and not firm.whitelisted
    page = client.get(url).content.decode()
    assert "潇湘清收有限公司" in page and "批准列入白名单" in page
    # The one who registered it cannot approve it: the message says why.
    client.post(reverse("recovery:agency_whitelist", args=[firm.pk]), follow=True)
    firm.refresh_from_db()
    assert not firm.whitelisted
    client.force_login(org.director_b)
    resp = client.post(reverse("recovery:agency_whitelist", args=[firm.pk]), follow=True)
    assert "已列入白名单" in resp.content.decode()
    firm.refresh_from_db()
    assert firm.whitelisted and firm.whitelisted_by == org.director_b
    assert client.get(url, {"whitelisted": "1", "q": "潇湘"}).status_code == 200


def test_create_a_package_with_a_preview_then_hand_overs_and_fees(org, client):
    firm = agency(org)
    user = agency_user(org, firm)
    npl(org.village_b1, number="B-1", borrower_name="欧阳甲")
    npl(org.village_b1, number="B-2", borrower_name="欧阳新", drawn_on=date(2005, 1, 1))
    client.force_login(org.director_b)
    today = timezone.localdate()
    data = {
        "agency": firm.pk,
        "cooperative": org.coop_b.pk,
        "drawn_before": "2000-01-01",
        "staff": org.officer_b.pk,
        "starts_on": (today - timedelta(days=30)).isoformat(),
        "ends_on": (today + timedelta(days=700)).isoformat(),
        "deposit": "200000",
        "fee_pct": "20",
    }
    url = reverse("recovery:agency_package_create")
    assert client.get(url).status_code == 200
    preview = client.get(url, data).content.decode()
    assert "欧阳甲" in preview and "欧阳新" not in preview and "共 1 笔" in preview
    resp = client.post(url, data)
    package = AgencyPackage.objects.get()
    assert resp.url == reverse("recovery:agency_package_detail", args=[package.pk])
    # A refused creation (the records are taken now) answers 400 and saves nothing.
    assert client.post(url, data).status_code == 400
    assert AgencyPackage.objects.count() == 1
    listing = client.get(reverse("recovery:agency_package_list")).content.decode()
    assert package.number in listing

    # The firm reports money collected eight days ago; the cooperative confirms it today.
    client.force_login(user)
    detail = reverse("recovery:agency_package_detail", args=[package.pk])
    page = client.get(detail).content.decode()
    assert "杨信贷" in page and 'id="handover-form"' in page  # the accompanying officer
    record = package.lines.get().record
    add = reverse("recovery:agency_handover_add", args=[package.pk])
    assert client.post(add, {"record": record.pk}).status_code == 400
    client.post(
        add,
        {
            "record": record.pk,
            "collected_on": (today - timedelta(days=8)).isoformat(),
            "principal": "1000",
            "interest": "0",
        },
    )
    handover = AgencyHandover.objects.get()
    # The firm cannot confirm its own hand-over, nor reach the fee list.
    settle = reverse("recovery:agency_handover_settle", args=[handover.pk])
    assert client.post(settle, {"on": today.isoformat()}).status_code == 403
    assert client.get(reverse("recovery:agency_fee_list", args=[package.pk])).status_code == 403
    client.force_login(org.officer_b)  # the accompanying officer confirms
    page = client.get(detail).content.decode()
    assert "1.50" in page  # three days late so far: 1,000 × 0.0005 × 3
    client.post(settle, {"on": today.isoformat()})
    handover.refresh_from_db()
    assert handover.settlement == "cash" and handover.late_interest == Decimal("1.50")

    # The quarter's fee list and the invoice.
    client.force_login(org.director_b)
    fees = reverse("recovery:agency_fee_list", args=[package.pk])
    assert client.get(fees).status_code == 200
    q = (today.month - 1) // 3 + 1
    resp = client.post(fees, {"year": today.year, "quarter": q})
    fl = AgencyFeeList.objects.get()
    assert resp.url == reverse("recovery:agency_fee_detail", args=[fl.pk])
    assert fl.payable == Decimal("200.00") - Decimal("1.50")
    page_url = reverse("recovery:agency_fee_detail", args=[fl.pk])
    client.post(page_url, {"invoice_number": "A1", "invoice_amount": "198.49"})
    body = client.get(page_url).content.decode()
    assert "相差 -0.01 元" in body and "@page" in body
    resp = client.post(page_url, {"action": "approve"})
    assert resp.status_code == 400 and "不能审批" in resp.content.decode()
    client.post(page_url, {"invoice_number": "A1", "invoice_amount": "198.50"})
    client.post(page_url, {"action": "approve"})
    fl.refresh_from_db()
    assert fl.status == "approved"
    assert "相符" in client.get(page_url).content.decode()


def test_an_open_hand_over_past_the_deduction_day_is_shown_overdue(org, client):
    firm = agency(org)
    npl(org.village_b1, number="B-1", borrower_name="欧阳甲")
    today = timezone.localdate()
    package = services.package_create(
        actor=org.director_b,
        agency=firm,
        cooperative=org.coop_b,
        staff=org.officer_b,
        starts_on=today - timedelta(days=60),
        ends_on=today + timedelta(days=600),
    )
    services.handover_report(
        actor=org.officer_b,
        package=package,
        record=package.lines.get().record,
        collected_on=today - timedelta(days=12),
        principal=Decimal("100"),
    )
    client.force_login(org.director_b)
    page = client.get(reverse("recovery:agency_package_detail", args=[package.pk]))
    assert "从保证金扣收" in page.content.decode()
