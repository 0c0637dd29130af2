"""The contracted-collection pages as their users see them: build with a preview, publish,
register and bid, award, sign, the contract and its print, slips with the check, forfeiture."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from recovery.models import CollectionContract, CollectionPackage, ContractSlip, NplRecord
from recovery.services import contract as svc

from .helpers_contract import contracted, records

pytestmark = pytest.mark.django_db


def test_pricing_page_shows_the_table_and_the_bands(org, client):
    client.force_login(org.officer1)
    body = client.get(reverse("recovery:contract_pricing")).content.decode()
    assert "有收回潜力" in body and "难收回" in body and "占位" in body
    assert "40.00" in body  # the band above 100 %


def test_build_publish_register_bid_award_sign_through_the_pages(org, client):
    records(org.village_a1, 3)
    client.force_login(org.director)
    url = reverse("recovery:package_create")
    resp = client.get(url, {"preview": "1", "name": "张庄包", "cooperative": org.coop_a.pk})
    assert "符合条件 3 笔，债权合计 48600.00 元，定价合计 29160.00 元" in resp.content.decode()
    assert CollectionPackage.objects.count() == 0
    resp = client.post(url, {"name": "张庄包", "cooperative": org.coop_a.pk, "target": ""})
    package = CollectionPackage.objects.get()
    assert resp.url == reverse("recovery:package_detail", args=[package.pk])
    detail = client.get(resp.url).content.decode()
    assert "29160.00" in detail and "欧阳某" in detail
    client.post(reverse("recovery:package_publish", args=[package.pk]))

    client.force_login(org.officer2)
    page = client.get(reverse("recovery:package_list")).content.decode()
    assert package.number in page
    client.post(
        reverse("recovery:package_register", args=[package.pk]),
        {"paid_on": timezone.localdate().isoformat()},
    )
    resp = client.post(reverse("recovery:package_bid", args=[package.pk]), {"amount": "1"})
    assert "报价不能低于底价" in client.get(resp.url).content.decode()
    client.post(reverse("recovery:package_bid", args=[package.pk]), {"amount": "30000"})

    client.force_login(org.director)
    page = client.get(reverse("recovery:package_detail", args=[package.pk])).content.decode()
    assert "王信贷" in page and "30000.00" in page
    resp = client.get(reverse("recovery:package_award", args=[package.pk]))
    assert "30000.00" in resp.content.decode()
    bid_pk = svc.bids_ranked(package)[0].pk
    resp = client.post(reverse("recovery:package_award", args=[package.pk]), {"bid": bid_pk})
    assert resp.status_code == 302
    resp = client.post(
        reverse("recovery:package_sign", args=[package.pk]),
        {"signed_on": timezone.localdate().isoformat()},
    )
    contract = CollectionContract.objects.get()
    assert resp.url == reverse("recovery:contract_detail", args=[contract.pk])
    body = client.get(resp.url).content.decode()
    assert contract.number in body and "1500.00" in body  # 5 % of 30,000

    printed = client.get(reverse("recovery:contract_print", args=[contract.pk])).content.decode()
    assert "@page" in printed and "表外不良贷款清收承包协议" in printed
    assert "王信贷" in printed
    listed = client.get(reverse("recovery:contract_list"), {"q": contract.number})
    assert contract.number in listed.content.decode()


def test_an_ineligible_staff_member_sees_why(org, client):
    records(org.village_a1, 1)
    package = svc.package_build(
        actor=org.union_asset, name="全联社包", filters=svc.PackageFilters()
    )
    svc.package_publish(actor=org.union_asset, package=package)
    client.force_login(org.director_b)
    page = client.get(reverse("recovery:package_detail", args=[package.pk])).content.decode()
    assert "信用社主任（行长）不得参加承包竞标。" in page
    resp = client.post(reverse("recovery:package_register", args=[package.pk]), {"paid_on": ""})
    assert package.registrations.count() == 0
    assert resp.status_code == 302


def test_the_award_page_refuses_a_bidder_as_approver(org, client):
    records(org.village_a1, 1)
    package = svc.package_build(actor=org.director, name="包", filters=svc.PackageFilters())
    svc.package_publish(actor=org.director, package=package)
    svc.contractor_register(actor=org.deputy, package=package)
    bid = svc.bid_submit(actor=org.deputy, package=package, amount=package.price)
    client.force_login(org.deputy)
    resp = client.post(reverse("recovery:package_award", args=[package.pk]), {"bid": bid.pk})
    assert resp.status_code == 400
    assert "不能审批定标" in resp.content.decode()
    package.refresh_from_db()
    assert package.status == CollectionPackage.Status.PUBLISHED


def test_slip_pages_check_and_pay(org, client):
    records(org.village_a1, 1)
    contract = contracted(org.director, org.officer2, signed_on=date(2025, 1, 10))
    client.force_login(org.director)
    resp = client.post(reverse("recovery:slip_compute", args=[contract.pk]), {"month": "2025-02"})
    slip = ContractSlip.objects.get()
    assert slip.month == date(2025, 2, 1)
    assert "承包人月度收回信息单" in client.get(resp.url).content.decode()
    client.force_login(org.union_risk)
    page = client.get(reverse("recovery:slip_detail", args=[slip.pk])).content.decode()
    assert "审核通过" in page
    client.post(reverse("recovery:slip_check", args=[slip.pk]))
    client.force_login(org.union_asset)
    client.post(reverse("recovery:slip_pay", args=[slip.pk]))
    slip.refresh_from_db()
    assert slip.status == ContractSlip.Status.PAID
    detail = client.get(reverse("recovery:contract_detail", args=[contract.pk])).content.decode()
    assert "2025-02" in detail and "已发放" in detail


def test_forfeiture_page_charges_a_lapsed_line(org, client):
    (rec,) = records(org.village_a1, 1)
    contract = contracted(org.director, org.officer2, signed_on=date(2025, 1, 10))
    NplRecord.objects.filter(pk=rec.pk).update(limitation_expires_on=date(2025, 8, 1))
    line = contract.package.lines.get()
    client.force_login(org.director)
    url = reverse("recovery:contract_forfeit", args=[contract.pk])
    page = client.get(url).content.decode()
    assert "2025-08-01" in page
    resp = client.post(url, {"line": line.pk, "kind": "asset_lost", "on": "2025-08-02"})
    assert resp.status_code == 400 and "请说明" in resp.content.decode()
    resp = client.post(url, {"line": line.pk, "kind": "limitation_lapsed"})
    assert resp.status_code == 302
    contract.refresh_from_db()
    assert contract.status == CollectionContract.Status.FORFEITED
    detail = client.get(resp.url).content.decode()
    assert "诉讼时效丧失" in detail and str(line.price) in detail


def test_ending_and_discarding_through_the_pages(org, client):
    records(org.village_a1, 1)
    contract = contracted(org.director, org.officer2, signed_on=date(2025, 1, 10))
    client.force_login(org.director)
    client.post(reverse("recovery:contract_end", args=[contract.pk]))
    contract.refresh_from_db()
    assert contract.status == CollectionContract.Status.ENDED
    package = svc.package_build(actor=org.director, name="再包", filters=svc.PackageFilters())
    client.post(reverse("recovery:package_discard", args=[package.pk]))
    package.refresh_from_db()
    assert package.status == CollectionPackage.Status.ENDED
    assert Decimal(package.price) > 0
