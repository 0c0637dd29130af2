"""Accountability for lateness (超期问责): tiers, lost interest and the director's decision.

Lateness is counted in working days after the due day; 1–3 days late is an admonition,
4–10 a criticism, 11 and more removal from the credit post (``models.tier_for``). The
interest lost through the delay is amount × annual rate × days late / 360, at the rate
the deadline carries — for rating steps and objections ``reference_rate()``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop import workdays
from creditcoop.audit import audit_record, snapshot
from creditcoop.errors import DomainError
from creditcoop.models import Role, Staff
from creditcoop.money import ZERO, to_fen
from creditcoop.notify import notify, notify_directors

from .models import Accountability, AccountabilityEvent, AccountabilityStatus, Deadline, tier_for


def reference_rate() -> Decimal | None:
    """The annual rate for the interest a delayed credit household loses.

    A rated household's line is drawn as a small credit loan (小额信用贷款): the rate of
    the first active loan type of that kind published in the hall; None without one.
    Rating steps and objections both use it.
    """
    from creditcoop.servicehall.models import LoanType

    return (
        LoanType.objects.filter(is_active=True, name__contains="信用")
        .order_by("sort_order", "id")
        .values_list("annual_rate", flat=True)
        .first()
    )


def lost_interest(amount: Decimal | None, annual_rate: Decimal | None, late_days: int) -> Decimal:
    """Interest lost over ``late_days`` (the sweep's SQL computes the same, row by row)."""
    return to_fen((amount or ZERO) * (annual_rate or ZERO) * late_days / Decimal(360))


def hold_accountable(*, deadline: Deadline, person: Staff, late_days: int) -> None:
    """The single-row twin of the sweep's upsert (same tiers, history and notices)."""
    tier = tier_for(late_days)
    if tier is None:
        return
    now = timezone.now()
    interest = lost_interest(deadline.amount, deadline.annual_rate, late_days)
    record, created = Accountability.objects.select_for_update().get_or_create(
        deadline=deadline,
        person=person,
        defaults=dict(
            cooperative_id=deadline.cooperative_id,
            tier=tier,
            late_days=late_days,
            lost_interest=interest,
            created_at=now,
            updated_at=now,
        ),
    )
    if not created:
        if late_days == record.late_days:
            return
        record.late_days, record.lost_interest, record.updated_at = late_days, interest, now
        if tier > record.tier:
            record.tier = tier
            record.status = AccountabilityStatus.PENDING
            record.decided_by, record.decided_at, record.decision_reason = None, None, ""
        record.save()
    _event, new_tier = AccountabilityEvent.objects.get_or_create(
        record=record,
        tier=record.tier,
        action=AccountabilityEvent.Action.REACHED,
        defaults={"late_days": record.late_days, "at": now},
    )
    if new_tier:
        text = _("【超期问责】%(name)s 已超期 %(days)s 个工作日，%(tier)s：%(title)s") % {
            "name": person.name,
            "days": record.late_days,
            "tier": record.get_tier_display(),
            "title": deadline.title,
        }
        link = record.get_absolute_url()
        key = f"hall-acc:{record.pk}:{record.tier}"
        transaction.on_commit(
            lambda: (
                notify_directors(
                    cooperative=deadline.cooperative, text=text, link=link, dedupe_key=key
                ),
                notify(recipient=person, text=text, link=link, dedupe_key=f"{key}:{person.pk}"),
            )
        )


def late_days_between(due: date, end: date) -> int:
    """Working days late when work due on `due` is done on `end` (0 when on time)."""
    return max(workdays.working_days_between(due, end), 0) if end > due else 0


def may_decide(actor, record: Accountability) -> bool:
    """The cooperative's director, or the union's risk department — which decides a
    director's own lateness (``accountability_decide`` also refuses one's own record)."""
    is_director = actor.has_role(Role.DIRECTOR) and actor.cooperative_id == record.cooperative_id
    is_union = actor.has_role(Role.UNION_RISK) and actor.union_id == record.person.union_id
    return is_director or is_union


def accountability_decide(*, record_id: int, actor: Staff, confirm: bool, reason: str):
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写确认或免责的理由。"))
    with transaction.atomic():
        record = (
            Accountability.objects.select_for_update(of=("self",))
            .select_related("person")
            .get(pk=record_id)
        )
        if not may_decide(actor, record):
            raise DomainError(_("只有本社主任或联社风险管理部可以确认或免责。"))
        if record.status != AccountabilityStatus.PENDING:
            raise DomainError(_("该问责记录已处理。"))
        if record.person_id == actor.pk:
            raise DomainError(_("不能处理本人的问责记录，请由联社风险管理部处理。"))
        before = snapshot(record, ["status", "decision_reason"])
        record.status = AccountabilityStatus.CONFIRMED if confirm else AccountabilityStatus.WAIVED
        record.decided_by = actor
        record.decided_at = timezone.now()
        record.decision_reason = reason[:300]
        record.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        AccountabilityEvent.objects.create(
            record=record,
            action=AccountabilityEvent.Action.CONFIRMED
            if confirm
            else AccountabilityEvent.Action.WAIVED,
            tier=record.tier,
            late_days=record.late_days,
            actor=actor,
            note=reason[:300],
            at=record.decided_at,
        )
        audit_record(
            actor=actor,
            action="servicehall.accountability_confirm"
            if confirm
            else "servicehall.accountability_waive",
            obj=record,
            changes={"status": [before["status"], record.status], "reason": reason},
        )
        person = record.person
        text = (
            _("您的超期问责（%(tier)s）已由主任确认：%(reason)s")
            if confirm
            else _("您的超期问责（%(tier)s）已由主任免责：%(reason)s")
        ) % {"tier": record.get_tier_display(), "reason": reason}
        link = record.get_absolute_url()
        transaction.on_commit(lambda: notify(recipient=person, text=text, link=link))
    return record
