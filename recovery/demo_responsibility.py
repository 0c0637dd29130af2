"""Demo data for responsibility (主责任人制): in each demo cooperative two loans of the
village's officer with their responsible persons and assessed losses (one within the
cooperative's authority, one above it), a month's deduction, and the nightly escalation
(the officer reaches level 2, the director has it in the inbox). Re-runnable."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from creditcoop.models import Cooperative, Role, Staff

from . import services
from .models import LossAssessment, NplRecord, ResponsiblePerson

Post = ResponsiblePerson.Post


def _leader(coop, role):
    return (
        Staff.objects.filter(cooperative=coop, is_active=True, roles__contains=[role])
        .order_by("username")
        .first()
    )


def seed_responsibility(*, cooperatives: int = 2, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    assessed = deductions = 0
    for coop in Cooperative.objects.order_by("code")[:cooperatives]:
        director = _leader(coop, Role.DIRECTOR)
        if director is None:
            continue
        deputy = _leader(coop, Role.DEPUTY)
        records = list(
            NplRecord.objects.filter(
                cooperative=coop, loan_number__startswith="DEMO-", village__officer__isnull=False
            )
            .select_related("village__officer")
            .order_by("loan_number")[:2]
        )
        for i, record in enumerate(records):
            if record.responsible_persons.exists():
                continue
            officer = record.village.officer
            services.responsible_person_add(
                actor=director, record=record, post=Post.INVESTIGATION, is_first=True, staff=officer
            )
            services.responsible_person_add(
                actor=director,
                record=record,
                post=Post.REVIEW,
                **({"staff": deputy} if deputy else {"name": "原分管副主任"}),
            )
            services.responsible_person_add(
                actor=director, record=record, post=Post.APPROVAL, staff=director
            )
            above = i == 1
            if above:
                services.responsible_person_add(
                    actor=director, record=record, post=Post.REVIEW, is_main=False, name="原审查员"
                )
            services.loss_assess(
                actor=director,
                record=record,
                above_authority=above,
                authority_evidence="联社审批意见" if above else "本社贷款审批权限表",
                today=today,
            )
            assessed += 1
        first = LossAssessment.objects.filter(record__in=records).order_by("record_id").first()
        if first is not None:
            share = first.shares.filter(part="officer").first()
            if share is not None and not share.deductions.exists():
                services.deduction_record(
                    actor=director,
                    share=share,
                    month=today.replace(day=1),
                    amount=min(Decimal("500.00"), share.amount),
                    today=today,
                )
                deductions += 1
    escalated = services.officer_escalation_sweep(today=today)
    return {"assessed": assessed, "deductions": deductions, "escalations": escalated["opened"]}
