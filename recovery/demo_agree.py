"""Demo agreements and lawsuits: per cooperative, a repayment agreement with its first
instalment paid and the next ones broken, and a judged lawsuit whose enforcement application
deadline is 80 days away (its 90-day warning goes out). Built through the services;
re-runnable: a cooperative that has them already gets nothing new."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from creditcoop.models import Cooperative, Role, Staff

from . import limitation as L
from . import services
from .models import Lawsuit, NplRecord, RepaymentAgreement


def _director(coop):
    return (
        Staff.objects.filter(cooperative=coop, is_active=True, roles__contains=[Role.DIRECTOR])
        .order_by("username")
        .first()
    )


def _agreement(record, actor, today):
    starts = today - timedelta(days=95)
    rows = services.equal_schedule(
        total=Decimal("6000.00"), count=12, first_due_on=today - timedelta(days=90)
    )
    a = services.agreement_create(
        actor=actor,
        record=record,
        starts_on=starts,
        total=Decimal("6000.00"),
        rows=rows,
        note="演示：每月还款五百元",
        today=today,
    )
    services.agreement_sign(actor=actor, agreement=a, signed_on=starts, today=today)
    services.agreement_payment_record(
        actor=actor,
        agreement=a,
        paid_on=today - timedelta(days=88),
        amount=Decimal("500.00"),
        receipt_number="SK-DEMO-1",
        today=today,
    )


def _lawsuit(record, actor, coop, today):
    effective = L.add_years(today + timedelta(days=80), -2)
    s = services.lawsuit_file(
        actor=actor,
        record=record,
        court="浏阳市人民法院",
        case_number=f"（{effective.year}）湘0181民初{record.pk}号",
        filed_on=effective - timedelta(days=90),
        claim_amount=record.total_owed,
        today=today,
    )
    services.lawsuit_update(
        actor=actor,
        lawsuit=s,
        judgment_on=effective - timedelta(days=20),
        judgment_summary="被告于判决生效之日起偿还借款本金及利息",
        judgment_amount=record.total_owed,
        effective_on=effective,
        today=today,
    )


def seed_agree(*, cooperatives: int = 2, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    made = {"agreements": 0, "lawsuits": 0}
    for coop in Cooperative.objects.order_by("code")[:cooperatives]:
        director = _director(coop)
        if director is None:
            continue
        pursued = NplRecord.objects.filter(cooperative=coop, status=NplRecord.Status.PURSUING)
        if not RepaymentAgreement.objects.filter(record__cooperative=coop).exists():
            record = pursued.filter(loan_number=f"DEMO-{coop.code}-04").first()
            if record is not None:
                _agreement(record, director, today)
                made["agreements"] += 1
        if not Lawsuit.objects.filter(record__cooperative=coop).exists():
            record = (
                pursued.exclude(
                    loan_number__in=[f"DEMO-{coop.code}-{s}" for s in ("02", "03", "04")]
                )
                .order_by("id")
                .first()
            )
            if record is not None:
                _lawsuit(record, director, coop, today)
                made["lawsuits"] += 1
    services.agreement_broken_flag(today=today)
    services.enforcement_sweep(today=today)
    return made
