"""The rating pages as the running product runs them: no transaction around the request
(no ATOMIC_REQUESTS), so a service that locks rows must open its own."""

import pytest
from django.urls import reverse

from ratings.models import CreditApplication

from .factories import SCORES_85, application

S = CreditApplication.Status

pytestmark = pytest.mark.django_db(transaction=True)


def test_reject_form_ends_the_application(org, login):
    app = application(org, status=S.REVIEW)
    c = login(org.officer1)
    r = c.post(
        reverse("ratings:application_reject", args=[app.pk]),
        {"version": app.version, "reason": "家庭收入无法核实"},
    )
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == S.REJECTED and app.rejection_reason == "家庭收入无法核实"
    page = c.get(reverse("ratings:application_rejection", args=[app.pk])).content.decode()
    assert "家庭收入无法核实" in page


def test_refused_reject_shows_the_reason_and_changes_nothing(org, login):
    app = application(org, status=S.REVIEW)
    c = login(org.officer1)
    r = c.post(
        reverse("ratings:application_reject", args=[app.pk]),
        {"version": app.version, "reason": "无"},
        follow=True,
    )
    assert "请写明不予评级或授信的原因" in r.content.decode()
    app.refresh_from_db()
    assert app.status == S.REVIEW


def test_review_step_form_moves_the_application(org, login):
    app = application(org, status=S.REVIEW)
    c = login(org.officer1)
    r = c.post(
        reverse("ratings:application_step", args=[app.pk]),
        {"version": app.version, **{f"s_{k}": v for k, v in SCORES_85.items()}},
    )
    assert r.status_code in (200, 302)
    app.refresh_from_db()
    assert app.status == S.DECISION and app.reviewed_by == org.officer1
