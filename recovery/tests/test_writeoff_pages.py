"""The write-off and debt-asset pages, as their users use them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from recovery import services
from recovery.models import DebtAsset, NplRecord, RecoveryEntry, WriteOffDossier

from . import helpers_writeoff as h

pytestmark = pytest.mark.django_db


@pytest.fixture
def rec(org):
    return h.record(org.village_a1, "WP-0001", borrower_name="欧阳核销")


def test_prepare_a_dossier_with_its_checklist_submit_and_approve_through_the_pages(
    org, rec, client
):
    cond = h.condition("death")
    client.force_login(org.officer1)
    url = reverse("recovery:writeoff_create", args=[rec.pk])
    page = client.get(url, {"condition": cond.pk})
    assert page.status_code == 200
    body = page.content.decode()
    for e in cond.evidence.all():
        assert e.name in body
    required = list(cond.evidence.filter(required=True))
    data = {
        "condition": cond.pk,
        "principal": "15000.00",
        "interest_on": "0",
        "interest_off": "1200.00",
        "reason": "借款人2019年死亡，继承人无可执行财产",
        # Every item ticked but the last required one.
        **{f"ev_{e.pk}": "1" for e in required[:-1]},
        **{f"ref_{e.pk}": f"卷宗{e.pk}" for e in required[:-1]},
    }
    resp = client.post(url, data)
    d = WriteOffDossier.objects.get(record=rec)
    assert resp.status_code == 302 and resp.url == reverse("recovery:writeoff_detail", args=[d.pk])
    detail = client.get(resp.url).content.decode()
    assert "缺少必备的证据材料" in detail and required[-1].name in detail
    # Submitting is refused while evidence is missing; nothing changes.
    client.post(reverse("recovery:writeoff_submit", args=[d.pk]))
    d.refresh_from_db()
    assert d.status == "draft"
    edit = reverse("recovery:writeoff_edit", args=[d.pk])
    assert client.get(edit).status_code == 200
    data.update({f"ev_{required[-1].pk}": "1", f"ref_{required[-1].pk}": "死亡证明 2019-12"})
    client.post(edit, data)
    client.post(reverse("recovery:writeoff_submit", args=[d.pk]))
    d.refresh_from_db()
    assert d.status == "in_approval"
    # The preparer sees no approval button; the director approves on the approval page.
    assert (
        "审批（信用社主任）"
        not in client.get(reverse("recovery:writeoff_detail", args=[d.pk])).content.decode()
    )
    for user in (org.director, org.union_risk, org.admin):
        client.force_login(user)
        approve = reverse("recovery:writeoff_approve", args=[d.pk])
        assert client.get(approve).status_code == 200
        resp = client.post(approve, {"decision": "approve", "opinion": "同意"})
        assert resp.status_code == 302
    d.refresh_from_db()
    rec.refresh_from_db()
    assert d.status == "written_off"
    assert rec.book_status == NplRecord.BookStatus.WRITTEN_OFF
    # The record still shows in the register, as written off.
    client.force_login(org.officer1)
    register = client.get(reverse("recovery:register"), {"book_status": "written_off"})
    assert "欧阳核销" in register.content.decode()


def test_an_out_of_order_or_preparer_approval_is_refused_on_the_page(org, rec, client):
    d = h.dossier(org.director, rec)
    services.writeoff_submit(actor=org.director, dossier=d)
    client.force_login(org.director)
    resp = client.post(
        reverse("recovery:writeoff_approve", args=[d.pk]),
        {"decision": "approve", "opinion": "同意"},
    )
    assert resp.status_code == 400
    assert "不能是核销申报的经办人" in resp.content.decode()
    assert d.approvals.count() == 0


def test_the_dossier_shows_the_cap_and_hides_the_recovery_form_when_nothing_remains(
    org, rec, client
):
    d = h.written_off(org, rec, principal="1000.00", interest_on="0", interest_off="10.00")
    client.force_login(org.officer1)
    url = reverse("recovery:writeoff_detail", args=[d.pk])
    body = client.get(url).content.decode()
    assert 'id="recover-form"' in body and "1010.00" in body
    today = timezone.localdate().isoformat()
    recover = reverse("recovery:writeoff_recover", args=[d.pk])
    resp = client.post(recover, {"on": today, "principal": "1000.01", "interest": "0"})
    assert resp.status_code == 400
    assert "本金尚可收回 1000.00 元" in resp.content.decode()
    assert RecoveryEntry.objects.count() == 0
    resp = client.post(recover, {"on": today, "principal": "1000.00", "interest": "10.00"})
    assert resp.status_code == 302
    body = client.get(url).content.decode()
    assert 'id="recover-form"' not in body
    assert "核销金额已全部收回" in body
    assert '<strong id="remaining">0.00</strong>' in body


def test_the_printable_dossier(org, rec, client):
    d = h.written_off(org, rec)
    client.force_login(org.union_asset)
    body = client.get(reverse("recovery:writeoff_print", args=[d.pk])).content.decode()
    assert "呆账核销申报审批表" in body and "@page" in body
    assert "周主任" in body and "沈风险" in body and "韩管理" in body


def test_the_dossier_list_filters_by_condition_and_status(org, client):
    a = h.dossier(org.officer1, h.record(org.village_a1, "WP-A", borrower_name="甲某"))
    h.dossier(org.officer1, h.record(org.village_a1, "WP-B", borrower_name="乙某"), code="crime")
    services.writeoff_submit(actor=org.officer1, dossier=a)
    client.force_login(org.director)
    url = reverse("recovery:writeoff_list")
    body = client.get(url, {"condition": h.condition("crime").pk}).content.decode()
    assert "乙某" in body and "甲某" not in body
    body = client.get(url, {"status": "in_approval"}).content.decode()
    assert "甲某" in body and "乙某" not in body
    client.force_login(org.officer2)  # not their villages
    assert "甲某" not in client.get(url).content.decode()


def test_register_an_asset_and_lease_dispose_it_through_the_pages(org, rec, client):
    client.force_login(org.officer1)
    url = reverse("recovery:asset_create", args=[rec.pk])
    assert client.get(url).status_code == 200
    resp = client.post(
        url,
        {
            "description": "村东砖瓦房三间",
            "kind": "real_estate",
            "valuation": "90000",
            "valuer": "县资产评估所",
            "acquired_on": "2026-03-01",
            "principal": "10000",
            "interest": "0",
            "custodian": org.officer1.pk,
            "custody_place": "张庄村",
        },
    )
    asset = DebtAsset.objects.get()
    assert resp.status_code == 302
    body = client.get(reverse("recovery:asset_detail", args=[asset.pk])).content.decode()
    assert "2028-03-01" in body and "转贷盘活" in body
    lease = reverse("recovery:asset_lease", args=[asset.pk])
    assert client.get(lease).status_code == 200
    resp = client.post(
        lease,
        {"lessee": "王某", "starts_on": "2026-04-01", "ends_on": "2026-03-01", "rent": "100"},
    )
    assert resp.status_code == 400 and asset.leases.count() == 0
    client.post(
        lease,
        {"lessee": "王某", "starts_on": "2026-04-01", "ends_on": "2027-03-31", "rent": "1200"},
    )
    dispose = reverse("recovery:asset_dispose", args=[asset.pk])
    assert client.get(dispose).status_code == 200
    client.post(
        dispose,
        {
            "method": "sale",
            "on": timezone.localdate().isoformat(),
            "buyer": "李某",
            "proceeds": "10500",
        },
    )
    asset.refresh_from_db()
    assert asset.status == "disposed"
    body = client.get(reverse("recovery:asset_detail", args=[asset.pk])).content.decode()
    assert "500.00" in body and "王某" in body


def test_own_use_through_the_pages(org, rec, client):
    asset = services.debt_asset_create(
        actor=org.officer1,
        settles=[services.Settles(rec, Decimal("5000"))],
        description="小型货车一辆",
        kind="movable",
        valuation=Decimal("10000"),
        valuer="评估所",
        acquired_on=date(2026, 3, 1),
        custodian=org.officer1,
        custody_place="信用社车库",
    )
    client.force_login(org.officer1)
    own = reverse("recovery:asset_own_use", args=[asset.pk])
    assert client.get(own).status_code == 200
    client.post(own, {"purpose": "信用社下乡服务用车"})
    decide = reverse("recovery:asset_own_use_decide", args=[asset.pk])
    for user in (org.director, org.union_asset):
        client.force_login(user)
        assert client.get(decide).status_code == 200
        assert client.post(decide, {"approve": "1", "opinion": "同意"}).status_code == 302
    asset.refresh_from_db()
    assert (asset.status, asset.booked_value) == ("own_use", Decimal("8000.00"))


def test_the_asset_list_filters_by_kind_status_and_deadline(org, rec, client):
    today = timezone.localdate()

    def make(desc, kind, acquired):
        return services.debt_asset_create(
            actor=org.officer1,
            settles=[services.Settles(h.record(org.village_a1, desc), Decimal("100"))],
            description=desc,
            kind=kind,
            valuation=Decimal("1000"),
            valuer="评估所",
            acquired_on=acquired,
            custodian=org.officer1,
            custody_place="信用站",
        )

    make("即将到期的拖拉机", "movable", today - timedelta(days=365 - 20))
    make("远期的门面房", "real_estate", today - timedelta(days=10))
    client.force_login(org.director)
    url = reverse("recovery:asset_list")
    body = client.get(url, {"within": "30"}).content.decode()
    assert "即将到期的拖拉机" in body and "远期的门面房" not in body
    body = client.get(url, {"kind": "real_estate"}).content.decode()
    assert "远期的门面房" in body and "即将到期的拖拉机" not in body
    body = client.get(url, {"status": "disposed"}).content.decode()
    assert "没有符合条件的抵债资产" in body
