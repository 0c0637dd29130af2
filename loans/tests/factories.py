"""Granted credit, drawdowns and repayments built through the real services."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from loans import services
from loans.services import GrantTerms
from ratings.models import CreditApplication
from ratings.notices.tests.helpers import notice_passed_for
from ratings.tests.factories import application

LPR = Decimal("0.031000")
TERMS = GrantTerms(lpr_rate=LPR, basis_points=125)  # 3.10% + 1.25% = 4.35%


def passed_application(org, *, ended_before=None, **kwargs) -> CreditApplication:
    """A line-set application of village A1 whose public notice has run its course (before
    the day `ended_before` when given)."""
    app = application(org, status=CreditApplication.Status.LINE_SET, **kwargs)
    days_ago = 10
    if ended_before is not None:
        days_ago = max(days_ago, (timezone.localdate() - ended_before).days + 8)
    notice_passed_for(application=app, actor=app.village.officer, days_ago=days_ago)
    return app


def contract(org, *, app=None, signed_on=None, terms=TERMS, today=None, **kwargs):
    app = app or passed_application(org, ended_before=signed_on, **kwargs)
    signed_on = signed_on or timezone.localdate()
    return services.credit_grant(
        application=app,
        actor=org.director,
        officer=app.village.officer,
        signed_on=signed_on,
        borrower_present=True,
        terms=terms,
        today=today or max(signed_on, timezone.localdate()),
    )


def draw(org, contract, amount, *, today=None, due_date=None, teller=None, key=None, **kw):
    today = today or timezone.localdate()
    return services.loan_draw(
        teller=teller or org.teller,
        certificate_number=contract.certificate.number,
        id_number=contract.borrower.id_number,
        seal_checked=kw.pop("seal_checked", True),
        amount=Decimal(amount),
        due_date=due_date or today + timedelta(days=180),
        idempotency_key=key or uuid.uuid4(),
        today=today,
        **kw,
    )


def repay(org, loan, amount, *, paid_on=None, key=None):
    return services.loan_repay(
        loan=loan,
        teller=org.teller,
        amount=Decimal(amount),
        idempotency_key=key or uuid.uuid4(),
        paid_on=paid_on,
    )


D = date
