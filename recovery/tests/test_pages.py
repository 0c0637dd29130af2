"""The register's pages: list, record, events, corrections, assessment, expiring, import."""

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from recovery import limitation as L
from recovery.imports import COLUMNS
from recovery.models import LimitationEvent, NplGuarantor, NplImport, NplRecord

from .helpers import npl

pytestmark = pytest.mark.django_db


def test_register_lists_searches_and_filters_in_constant_queries(
    org, client, django_assert_max_num_queries
):
    for i in range(3):
        npl(org.village_a1, number=f"A-{i}", borrower_name=f"张{i}")
    npl(org.village_a1, number="A-new", borrower_name="李新", drawn_on=date(2006, 1, 1))
    npl(org.village_b1, number="B-1", borrower_name="王乙")
    client.force_login(org.director)
    url = reverse("recovery:register")
    resp = client.get(url)
    body = resp.content.decode()
    assert "张0" in body and "李新" in body and "王乙" not in body
    assert "1996年及以前" in body and "2005年及以后" in body
    assert client.get(url, {"q": "李"}).content.decode().count("李新") == 1
    assert "张0" not in client.get(url, {"q": "A-new"}).content.decode()
    from recovery.models import VintageSegment

    old = VintageSegment.objects.get(name="1997—2002年")
    filtered = client.get(url, {"segment": old.pk}).content.decode()
    assert "张1" in filtered and "李新" not in filtered
    with django_assert_max_num_queries(12):
        client.get(url, {"book_status": "written_off", "risk_class": "4"})
    for i in range(3, 30):
        npl(org.village_a1, number=f"A-{i}", borrower_name=f"张{i}")
    with django_assert_max_num_queries(12):
        client.get(url)


def test_officer_sees_their_records_only(org, client):
    mine = npl(org.village_a1, number="A-1", borrower_name="甲某")
    npl(org.village_a2, number="A-2", borrower_name="乙某")
    client.force_login(org.officer1)
    body = client.get(reverse("recovery:register")).content.decode()
    assert "甲某" in body and "乙某" not in body
    assert client.get(reverse("recovery:record_detail", args=[mine.pk])).status_code == 200
    client.force_login(org.officer2)
    assert client.get(reverse("recovery:record_detail", args=[mine.pk])).status_code == 404


def test_detail_explains_the_limitation_and_records_an_event(org, client):
    record = npl(org.village_a1, due_on=date(2024, 3, 1))
    client.force_login(org.officer1)
    url = reverse("recovery:record_detail", args=[record.pk])
    assert "三年时效至 2027-03-01" in client.get(url).content.decode()
    resp = client.post(
        reverse("recovery:event_add", args=[record.pk]),
        {
            "kind": L.DEMAND_RECEIPT,
            "occurred_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "signer_name": "欧阳某",
            "signer_relation": L.SIGNER_SELF,
            "receipt_number": "CS-1",
        },
    )
    assert resp.status_code == 302
    body = client.get(url).content.decode()
    assert "中断时效" in body and "CS-1" in body


def test_refused_event_shows_the_reason_on_the_form(org, client):
    record = npl(org.village_a1, due_on=date(2015, 3, 1))
    client.force_login(org.officer1)
    resp = client.post(
        reverse("recovery:event_add", args=[record.pk]),
        {"kind": L.DEDUCTION, "occurred_on": "2024-01-05", "amount": "300"},
    )
    assert resp.status_code == 200
    assert "不能中断诉讼时效" in resp.content.decode()
    assert not LimitationEvent.objects.exists()


def test_guarantor_add_page(org, client):
    record = npl(org.village_a1, due_on=date(2024, 3, 1))
    client.force_login(org.officer1)
    resp = client.post(
        reverse("recovery:guarantor_add", args=[record.pk]),
        {"name": "钱保", "contract_signed_on": "2019-03-01", "stated_type": ""},
    )
    assert resp.status_code == 302
    g = NplGuarantor.objects.get()
    assert g.period_ends_on == date(2024, 9, 1)
    body = client.get(reverse("recovery:record_detail", args=[record.pk])).content.decode()
    assert "连带责任保证" in body and "2024-09-01" in body
    resp = client.post(reverse("recovery:guarantor_add", args=[record.pk]), {"name": ""})
    assert resp.status_code == 200


def test_edit_page_saves_and_only_leaders_assign(org, client):
    record = npl(org.village_a1)
    client.force_login(org.officer1)
    url = reverse("recovery:record_edit", args=[record.pk])
    assert client.get(url).status_code == 200
    data = {
        "actual_user": "enterprise",
        "actual_user_name": "某砖厂",
        "cause": "business",
        "difficulty": "potential",
        "collateral_state": "none",
        "whereabouts": "长沙",
    }
    assert client.post(url, data).status_code == 302
    record.refresh_from_db()
    assert record.actual_user_name == "某砖厂" and record.collector == org.officer1
    client.force_login(org.director)
    assert client.post(url, {**data, "collector": org.officer2.pk}).status_code == 302
    record.refresh_from_db()
    assert record.collector == org.officer2


def test_assessment_page(org, client):
    record = npl(org.village_a1)
    client.force_login(org.officer1)
    url = reverse("recovery:assessment_edit", args=[record.pk])
    assert client.get(url).status_code == 200
    year = timezone.localdate().year
    resp = client.post(url, {"year": year, "likelihood": "unlikely", "reasons": "外出多年"})
    assert resp.status_code == 200 and "证明材料" in resp.content.decode()
    resp = client.post(
        url,
        {"year": year, "likelihood": "unlikely", "reasons": "外出多年", "evidence": ["visit"]},
    )
    assert resp.status_code == 302
    assert (
        "入户调查记录"
        in client.get(reverse("recovery:record_detail", args=[record.pk])).content.decode()
    )


def test_expiring_list_per_cooperative(org, client):
    today = timezone.localdate()
    soon = npl(org.village_a1, number="A-1", borrower_name="快到期")
    NplRecord.objects.filter(pk=soon.pk).update(limitation_expires_on=today + timedelta(days=20))
    late = npl(org.village_a1, number="A-2", borrower_name="还早")
    NplRecord.objects.filter(pk=late.pk).update(limitation_expires_on=today + timedelta(days=80))
    client.force_login(org.director)
    url = reverse("recovery:expiring")
    body = client.get(url, {"days": 30}).content.decode()
    assert "快到期" in body and "还早" not in body
    assert "还早" in client.get(url, {"days": 90}).content.decode()
    home = client.get(reverse("home")).content.decode()
    assert "快到期" in home


def _sheet(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append([label for _k, label in COLUMNS])
    for row in rows:
        ws.append([row.get(k, "") for k, _label in COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "表外.xlsx"
    return buf


GOOD = {
    "loan_number": "HX-1998-001",
    "name": "赵老",
    "village": "张庄村",
    "book_status": "已核销",
    "amount": "3000",
    "principal": "3000",
    "interest": "850.5",
    "drawn_on": "1992-03-01",
    "due_on": "1993-03-01",
    "guarantor": "钱保",
    "guarantee_signed_on": "1992-03-01",
}


def test_import_previews_row_by_row_and_saves_nothing_until_clean(org, client):
    client.force_login(org.director)
    url = reverse("recovery:npl_import")
    assert client.get(url).status_code == 200
    template = client.get(reverse("recovery:npl_import_template"))
    assert load_workbook(io.BytesIO(template.content)).active["A1"].value == "借据编号"
    bad = {**GOOD, "loan_number": "HX-2", "book_status": "表内", "due_on": "1990-01-01"}
    resp = client.post(url, {"cooperative": org.coop_a.pk, "file": _sheet([GOOD, bad])})
    batch = NplImport.objects.get()
    assert resp.status_code == 302
    preview = client.get(resp.url).content.decode()
    assert "账务状态应为" in preview and "到期日不能早于放款日期" in preview
    assert client.post(resp.url).status_code == 302
    assert not NplRecord.objects.exists()
    assert batch.error_count == 2

    resp = client.post(url, {"cooperative": org.coop_a.pk, "file": _sheet([GOOD])})
    assert "检查通过" in client.get(resp.url).content.decode()
    assert client.post(resp.url).status_code == 302
    record = NplRecord.objects.get()
    assert record.book_status == "written_off" and record.collector == org.officer1
    # A 1993 debt: the 2-year period ended in 1995 and stays ended.
    assert record.limitation_expires_on == date(1995, 3, 1)
    assert record.guarantors.get().period_ends_on == date(1993, 9, 1)
    # The same loan number again is an error.
    resp = client.post(url, {"cooperative": org.coop_a.pk, "file": _sheet([GOOD])})
    assert "不能重复导入" in client.get(resp.url).content.decode()


def test_officers_cannot_import(org, client):
    client.force_login(org.officer1)
    assert client.get(reverse("recovery:npl_import")).status_code == 403
