"""Single grant page: the gate's answer on screen, face-to-face signing, errors keep input."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from loans.models import CreditContract
from loans.tests import factories as lf
from ratings.models import CreditApplication
from ratings.tests.factories import application

pytestmark = pytest.mark.django_db


def _post(app, officer, **over):
    data = {
        "signed_on": timezone.localdate().isoformat(),
        "officer": officer.pk,
        "rate_kind": "lpr",
        "lpr_rate_pct": "3.10",
        "basis_points": "125",
        "guarantee_type": "credit",
        "borrower_present": "on",
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(over)
    return data


def test_single_grant_signs_contract_and_issues_certificate(org, login):
    app = lf.passed_application(org)
    client = login(org.officer1)
    url = reverse("loans:grant_single", args=[app.pk])
    assert app.applicant.name in client.get(url).content.decode()
    resp = client.post(url, _post(app, org.officer1))
    assert resp.status_code == 302
    contract = CreditContract.objects.get(application=app)
    assert contract.certificate.number in client.get(resp.url).content.decode()
    # Opening the grant page again leads to the existing contract, never a second one.
    assert client.get(url).url == resp.url


def test_borrower_absent_is_refused_and_keeps_what_was_typed(org, login):
    app = lf.passed_application(org)
    client = login(org.officer1)
    url = reverse("loans:grant_single", args=[app.pk])
    data = _post(app, org.officer1, basis_points="150")
    del data["borrower_present"]
    body = client.post(url, data).content.decode()
    assert not CreditContract.objects.filter(application=app).exists()
    assert 'value="150"' in body


def test_grant_before_the_notice_ran_is_refused_with_the_reason(org, login):
    app = application(org, status=CreditApplication.Status.LINE_SET)
    client = login(org.officer1)
    url = reverse("loans:grant_single", args=[app.pk])
    client.post(url, _post(app, org.officer1))
    assert not CreditContract.objects.filter(application=app).exists()
    assert "公示" in client.get(url).content.decode()


def test_single_grant_permissions(org, login):
    app = lf.passed_application(org)
    url = reverse("loans:grant_single", args=[app.pk])
    assert login(org.officer2).get(url).status_code == 404
    assert login(org.teller).get(url).status_code == 403
    assert login(org.auditor).post(url, _post(app, org.officer1)).status_code == 403
    assert not CreditContract.objects.filter(application=app).exists()


def test_signing_inside_the_notice_period_is_refused_on_the_page(org, login):
    app = lf.passed_application(org)
    batch = app.notice_entries.get().batch
    earliest = batch.end_date + timedelta(days=1)
    client = login(org.officer1)
    url = reverse("loans:grant_single", args=[app.pk])
    page = client.get(url).content.decode()
    assert f'min="{earliest.isoformat()}"' in page and f"面签日期最早为 {earliest}" in page
    inside = (batch.start_date + timedelta(days=3)).isoformat()
    body = client.post(url, _post(app, org.officer1, signed_on=inside)).content.decode()
    assert "早于公示期满、异议办结之日" in body
    assert not CreditContract.objects.filter(application=app).exists()
