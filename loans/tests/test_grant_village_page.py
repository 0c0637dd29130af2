"""Village grant page: presence ticked by hand per household, the guarantee chosen per
household, the absent listed as not granted, errors keep what was typed."""

import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from loans.models import CreditContract, GrantBatch
from loans.tests import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def apps(org):
    # Distinct names so each row can be found on the page.
    apps = [lf.passed_application(org) for _ in range(3)]
    for app, name in zip(apps, ("甲一", "乙二", "丙三"), strict=True):
        app.applicant.name = name
        app.applicant.save()
    return apps


def _post(**rows):
    data = {
        "signed_on": timezone.localdate().isoformat(),
        "officer": "",
        "rate_kind": "lpr",
        "lpr_rate_pct": "3.10",
        "basis_points": "125",
        "idempotency_key": str(uuid.uuid4()),
    }
    for app, fields in rows.items():
        for name, value in fields.items():
            data[f"{app}-{name}"] = value
    return data


def _url(org):
    return reverse("loans:grant_village", args=[org.village_a1.pk])


def _checkbox(html, app):
    return re.search(rf'<input[^>]*name="a{app.pk}-present"[^>]*>', html).group(0)


def test_presence_is_not_pre_ticked(org, login, apps):
    html = login(org.officer1).get(_url(org)).content.decode()
    for app in apps:
        box = _checkbox(html, app)
        assert 'type="checkbox"' in box and "checked" not in box
        assert f'aria-label="{app.applicant.name} 本人到场面签"' in box
        assert f'name="a{app.pk}-guarantee_type"' in html


def test_guarantee_per_household_and_absent_households_not_granted(org, login, apps):
    a, b, c = apps
    data = _post(
        **{
            f"a{a.pk}": {"present": "on", "guarantee_type": "credit"},
            f"a{b.pk}": {
                "present": "on",
                "guarantee_type": "guarantee",
                "guarantors": "李保 110101199003070012",
            },
            f"a{c.pk}": {"guarantee_type": "mortgage", "collateral": "住房一套"},  # absent
        }
    )
    data["officer"] = org.officer1.pk
    client = login(org.officer1)
    r = client.post(_url(org), data)
    assert r.status_code == 302
    batch = GrantBatch.objects.get()
    assert batch.granted_count == 2
    credit = CreditContract.objects.get(application=a)
    guaranteed = CreditContract.objects.get(application=b)
    assert (credit.guarantee_type, credit.guarantors) == ("credit", "")
    assert guaranteed.guarantee_type == "guarantee"
    assert guaranteed.guarantors == "李保 110101199003070012"
    assert credit.borrower_present and guaranteed.borrower_present
    assert not CreditContract.objects.filter(application=c).exists()
    [skipped] = batch.refusals
    assert skipped["application"] == c.pk and "未到场" in skipped["reason"]
    page = client.get(r.url).content.decode()
    assert "授信 2 户" in page and "丙三" in page and "未到场" in page


def test_collateral_recorded_for_a_mortgage(org, login, apps):
    a = apps[0]
    data = _post(
        **{f"a{a.pk}": {"present": "on", "guarantee_type": "mortgage", "collateral": "住房一套"}}
    )
    data["officer"] = org.officer1.pk
    assert login(org.officer1).post(_url(org), data).status_code == 302
    c = CreditContract.objects.get(application=a)
    assert (c.guarantee_type, c.collateral) == ("mortgage", "住房一套")


def test_missing_guarantors_keeps_what_was_typed_and_grants_nobody(org, login, apps):
    a, b, c = apps
    data = _post(
        **{
            f"a{a.pk}": {"present": "on", "guarantee_type": "credit"},
            f"a{b.pk}": {"present": "on", "guarantee_type": "joint", "guarantors": " "},
            f"a{c.pk}": {"present": "on", "guarantee_type": "pledge", "collateral": "存单"},
        }
    )
    data["officer"] = org.officer1.pk
    r = login(org.officer1).post(_url(org), data)
    assert r.status_code == 200
    html = r.content.decode()
    assert "保证或联保须填写保证人" in html and "本次未授信任何农户" in html
    assert "checked" in _checkbox(html, a) and "checked" in _checkbox(html, c)
    select = re.search(rf'<select name="a{b.pk}-guarantee_type".*?</select>', html, re.S)
    assert '<option value="joint" selected>' in select.group(0)
    assert 'value="存单"' in html
    assert not CreditContract.objects.exists() and not GrantBatch.objects.exists()


def test_nobody_ticked_is_an_error_not_an_empty_batch(org, login, apps):
    data = _post(**{f"a{app.pk}": {"guarantee_type": "credit"} for app in apps})
    data["officer"] = org.officer1.pk
    r = login(org.officer1).post(_url(org), data)
    assert r.status_code == 200
    assert "请勾选本人到场面签的农户" in r.content.decode()
    assert not GrantBatch.objects.exists()
