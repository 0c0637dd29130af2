"""The pages of agreements and lawsuits: the schedule editor (errors keep the input), the
approval, signing and paying, the printable agreement, the lists with their filters and
scope, the lawsuit pages and the sued-not-enforced list."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from recovery import limitation as L
from recovery import services
from recovery.models import Lawsuit, LimitationEvent, RepaymentAgreement

from .helpers import npl
from .helpers_agree import draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def record(org, today):
    # Due a year ago: the limitation runs for two more years.
    return npl(org.village_a1, due_on=today - timedelta(days=365))


def _form(today, **kw):
    data = {
        "kind": "instalments",
        "debtor_name": "欧阳某",
        "starts_on": today.isoformat(),
        "total": "3000",
        "count": "3",
        "first_due_on": L.add_months(today, 1).isoformat(),
        "exception_request": "",
        "note": "",
    }
    data.update(kw)
    return data


def test_schedule_editor_generates_rows_and_keeps_bad_input(org, client, record, today):
    client.force_login(org.officer1)
    url = reverse("recovery:agreement_create", args=[record.pk])
    page = client.get(url)
    assert page.status_code == 200 and "欧阳某" in page.content.decode()

    generated = client.post(url, {**_form(today), "action": "generate"}).content.decode()
    assert 'name="due_on_3"' in generated and "1000.00" in generated
    assert L.add_months(today, 3).isoformat() in generated
    assert not RepaymentAgreement.objects.exists()

    bad = _form(
        today,
        action="save",
        due_on_1=L.add_months(today, 1).isoformat(),
        amount_1="1000",
        due_on_2="not-a-date",
        amount_2="1000",
        due_on_3=L.add_months(today, 3).isoformat(),
        amount_3="999.99",
    )
    resp = client.post(url, bad)
    body = resp.content.decode()
    assert resp.status_code == 200
    assert 'value="not-a-date"' in body and 'value="999.99"' in body
    assert "请填写正确的日期和金额" in body
    assert not RepaymentAgreement.objects.exists()

    bad["due_on_2"] = L.add_months(today, 2).isoformat()
    body = client.post(url, bad).content.decode()
    assert "与协议还款总额 3000 元不符" in body and 'value="999.99"' in body
    assert not RepaymentAgreement.objects.exists()

    bad["amount_3"] = "1000"
    resp = client.post(url, bad)
    a = RepaymentAgreement.objects.get()
    assert resp.status_code == 302 and resp.url == reverse("recovery:agreement_detail", args=[a.pk])
    assert a.instalments.count() == 3 and a.months == 3


def test_over_the_cap_the_page_asks_for_the_reason_then_the_director_approves(
    org, client, record, today
):
    client.force_login(org.officer1)
    url = reverse("recovery:agreement_create", args=[record.pk])
    body = client.post(url, _form(today, count="37", action="save")).content.decode()
    assert "超过政策上限 36 个月" in body and "请填写申请例外的理由" in body
    assert 'value="37"' in body
    assert not RepaymentAgreement.objects.exists()
    client.post(url, _form(today, count="37", action="save", exception_request="收入季节性强"))
    a = RepaymentAgreement.objects.get()
    detail = client.get(reverse("recovery:agreement_detail", args=[a.pk])).content.decode()
    assert "例外待批准" in detail and 'id="sign-form"' not in detail

    # An officer is no director: the approval page is not theirs.
    approve = reverse("recovery:agreement_approve", args=[a.pk])
    assert client.get(approve).status_code == 403
    client.force_login(org.director)
    page = client.get(approve).content.decode()
    assert "收入季节性强" in page and "37" in page
    assert "请填写批准意见" not in page
    resp = client.post(approve, {"note": "同意延长至37个月"})
    assert resp.status_code == 302
    a.refresh_from_db()
    assert a.approved_by == org.director


def test_sign_and_pay_on_the_detail_page(org, client, record, today):
    a = draft(
        record,
        org.officer1,
        starts_on=today,
        first_due_on=L.add_months(today, 1),
        today=today,
    )
    client.force_login(org.officer1)
    detail = reverse("recovery:agreement_detail", args=[a.pk])
    assert 'id="sign-form"' in client.get(detail).content.decode()
    resp = client.post(
        reverse("recovery:agreement_sign", args=[a.pk]), {"signed_on": today.isoformat()}
    )
    assert resp.status_code == 302
    record.refresh_from_db()
    assert record.limitation_expires_on == L.add_years(today, 3)
    body = client.get(detail).content.decode()
    assert 'id="payment-form"' in body

    # A refused payment shows the reason on the form and saves nothing.
    resp = client.post(
        reverse("recovery:agreement_payment", args=[a.pk]),
        {"paid_on": today.isoformat(), "amount": "99999"},
    )
    assert resp.status_code == 200 and "还款金额超过协议尚欠的" in resp.content.decode()
    assert not a.payments.exists()
    client.post(
        reverse("recovery:agreement_payment", args=[a.pk]),
        {"paid_on": today.isoformat(), "amount": "1000", "receipt_number": "SK001"},
    )
    assert LimitationEvent.objects.filter(kind=L.PARTIAL_PAYMENT).count() == 1
    body = client.get(detail).content.decode()
    assert "SK001" in body and "11000.00" in body

    resp = client.post(reverse("recovery:agreement_cancel", args=[a.pk]), {"reason": "改签"})
    a.refresh_from_db()
    assert a.status == "cancelled"


def test_printable_agreement(org, client, record):
    services.npl_guarantor_add(actor=org.officer1, record=record, name="钱保")
    a = draft(record, org.officer1, today=date(2026, 5, 4))
    client.force_login(org.officer1)
    body = client.get(reverse("recovery:agreement_print", args=[a.pk])).content.decode()
    assert "@page { size: A4" in body and "sign-line" in body
    assert "分期还款协议书" in body and a.number in body and "钱保" in body
    assert body.count("1000.00") == 12


def test_agreement_list_filters_and_scope(org, client, record):
    other = npl(org.village_a2, number="A-2", borrower_name="乙某")
    mine = draft(record, org.officer1)
    draft(other, org.officer2)
    services.agreement_sign(
        actor=org.officer1, agreement=mine, signed_on=date(2026, 5, 4), today=date(2026, 5, 4)
    )
    services.agreement_broken_flag(today=date(2026, 6, 2))
    url = reverse("recovery:agreement_list")
    client.force_login(org.director)
    body = client.get(url).content.decode()
    assert "欧阳某" in body and "乙某" in body
    assert "乙某" not in client.get(url, {"broken": "1"}).content.decode()
    assert "欧阳某" not in client.get(url, {"collector": org.officer2.pk}).content.decode()
    assert "乙某" not in client.get(url, {"status": "broken"}).content.decode()
    client.force_login(org.officer2)
    body = client.get(url).content.decode()
    assert "乙某" in body and "欧阳某" not in body
    assert client.get(reverse("recovery:agreement_detail", args=[mine.pk])).status_code == 404
    # The auditor reads union-wide and writes nothing.
    client.force_login(org.auditor)
    assert client.get(reverse("recovery:agreement_detail", args=[mine.pk])).status_code == 200
    assert (
        client.post(reverse("recovery:agreement_cancel", args=[mine.pk]), {"reason": "x"})
    ).status_code == 403


def test_lawsuit_pages_and_the_sued_not_enforced_list(org, client, record, today):
    client.force_login(org.officer1)
    url = reverse("recovery:lawsuit_create", args=[record.pk])
    assert client.get(url).status_code == 200
    resp = client.post(
        url,
        {
            "court": "浏阳市人民法院",
            "case_number": "（2026）湘0181民初9号",
            "filed_on": (today - timedelta(days=200)).isoformat(),
        },
    )
    s = Lawsuit.objects.get()
    assert resp.status_code == 302
    detail = client.get(reverse("recovery:lawsuit_detail", args=[s.pk])).content.decode()
    assert "起诉中断时效" in detail

    edit = reverse("recovery:lawsuit_edit", args=[s.pk])
    assert client.get(edit).status_code == 200
    # Out of order: the error is shown and the input kept.
    resp = client.post(edit, {"effective_on": (today - timedelta(days=10)).isoformat()})
    assert resp.status_code == 200 and "请先填写判决日期" in resp.content.decode()
    effective = today - timedelta(days=100)
    client.post(
        edit,
        {
            "judgment_on": (today - timedelta(days=120)).isoformat(),
            "effective_on": effective.isoformat(),
            "judgment_summary": "偿还本息",
        },
    )
    s.refresh_from_db()
    assert s.enforcement_apply_by == L.add_years(effective, 2)
    detail = client.get(reverse("recovery:lawsuit_detail", args=[s.pk])).content.decode()
    assert "须在" in detail and s.enforcement_apply_by.isoformat() in detail

    # A second, sooner deadline sorts first on the sued-not-enforced list.
    other = npl(org.village_a1, number="A-9", borrower_name="丙某", due_on=record.due_on)
    sooner = services.lawsuit_file(
        actor=org.officer1,
        record=other,
        court="浏阳市人民法院",
        case_number="（2025）湘0181民初1号",
        filed_on=today - timedelta(days=300),
    )
    services.lawsuit_update(
        actor=org.officer1,
        lawsuit=sooner,
        judgment_on=today - timedelta(days=290),
        effective_on=today - timedelta(days=280),
    )
    body = client.get(reverse("recovery:lawsuit_unenforced")).content.decode()
    assert body.index("丙某") < body.index("欧阳某")
    lawsuits = client.get(reverse("recovery:lawsuit_list"), {"q": "丙"}).content.decode()
    assert "丙某" in lawsuits and "欧阳某" not in lawsuits
    client.force_login(org.officer2)
    assert "丙某" not in client.get(reverse("recovery:lawsuit_unenforced")).content.decode()
    assert client.get(reverse("recovery:lawsuit_detail", args=[s.pk])).status_code == 404


def test_record_page_links_its_agreements_and_lawsuits(org, client, record):
    a = draft(record, org.officer1, total=Decimal("12000"))
    client.force_login(org.officer1)
    body = client.get(reverse("recovery:record_detail", args=[record.pk])).content.decode()
    assert a.number in body and reverse("recovery:lawsuit_create", args=[record.pk]) in body


def test_a_new_agreement_shows_nothing_paid_as_money(org, client, record, today):
    a = draft(
        record,
        org.officer1,
        starts_on=today,
        first_due_on=L.add_months(today, 1),
        count=3,
        total=Decimal("3000.00"),
        today=today,
    )
    client.force_login(org.officer1)
    body = client.get(reverse("recovery:agreement_detail", args=[a.pk])).content.decode()
    assert "3000.00 / 0.00 / <strong>3000.00</strong>" in body
