"""Reads for the village rolls and the blacklist, scoped to the acting user like the
register: an officer their villages (and the records they collect), cooperative roles their
cooperative, union roles the union."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Collate

from creditcoop.models import COOPERATIVE_ROLES, Role
from creditcoop.money import ascii_digits
from creditcoop.scoping import get_in_scope
from villages.models import BadCreditRecord, BlacklistReason, Village

from .models import CollectionRoll, CollectionRollLine, NplGuarantor, RecoveryPolicy, RollReceipt
from .selectors import npl_scope

PAGE_SIZE = 30


def _coop_cond(user, *, coop_field: str, village_field: str | None) -> Q | None:
    """None: union-wide; else the condition on the user's cooperative / villages."""
    if user.is_union_wide:
        return None
    cond = Q(pk__in=[])
    if user.cooperative_id and any(r in COOPERATIVE_ROLES for r in user.roles):
        cond |= Q(**{coop_field: user.cooperative_id})
    if Role.OFFICER in user.roles and village_field:
        cond |= Q(**{f"{village_field}__officer_id": user.pk})
    return cond


def roll_scope(user) -> QuerySet[CollectionRoll]:
    if not getattr(user, "is_authenticated", False):
        return CollectionRoll.objects.none()
    qs = CollectionRoll.objects.all()
    cond = _coop_cond(user, coop_field="cooperative_id", village_field="village")
    if cond is None:
        return qs.filter(cooperative__union_id=user.union_id)
    return qs.filter(cond)


def roll_villages(user) -> QuerySet[Village]:
    """The villages for which the user may see (and keep) rolls."""
    qs = Village.objects.all()
    cond = _coop_cond(user, coop_field="cooperative_id", village_field=None)
    if cond is None:
        return qs.filter(cooperative__union_id=user.union_id)
    if Role.OFFICER in user.roles:
        cond |= Q(officer_id=user.pk)
    return qs.filter(cond)


def roll_get(user, pk) -> CollectionRoll:
    return get_in_scope(
        roll_scope(user).select_related(
            "cooperative__union", "village__officer", "witness", "created_by", "posted_by"
        ),
        pk,
        "未找到该清收公告。",
    )


def roll_line_get(user, pk) -> CollectionRollLine:
    return get_in_scope(
        CollectionRollLine.objects.filter(roll__in=roll_scope(user)).select_related(
            "roll__village", "record"
        ),
        pk,
        "未找到该公告明细。",
    )


def roll_page(*, user, village="", status="", page=1):
    qs = roll_scope(user).select_related("village", "cooperative", "created_by", "witness")
    if village.isdigit():
        qs = qs.filter(village_id=int(village))
    if status in CollectionRoll.Status.values:
        qs = qs.filter(status=status)
    return Paginator(qs.order_by("-as_of", "-id"), PAGE_SIZE).get_page(page)


def roll_lines(roll) -> list[CollectionRollLine]:
    """Every line with its record, guarantors and receipts: four queries at any size."""
    return list(
        roll.lines.select_related("record", "checked_by").prefetch_related(
            Prefetch("record__guarantors", queryset=NplGuarantor.objects.order_by("id")),
            Prefetch("receipts", queryset=RollReceipt.objects.select_related("guarantor")),
        )
    )


# --- blacklist ------------------------------------------------------------------------------


def blacklist_scope(user) -> QuerySet[BadCreditRecord]:
    """Blacklist entries: union staff the union's, cooperative roles their cooperative's, an
    officer those from the register records they see."""
    if not getattr(user, "is_authenticated", False):
        return BadCreditRecord.objects.none()
    qs = BadCreditRecord.objects.filter(kind=BadCreditRecord.Kind.BLACKLIST)
    if user.is_union_wide:
        return qs.filter(cooperative__union_id=user.union_id)
    cond = Q(pk__in=[])
    if user.cooperative_id and any(r in COOPERATIVE_ROLES for r in user.roles):
        cond |= Q(cooperative_id=user.cooperative_id)
    if Role.OFFICER in user.roles:
        cond |= Q(source_record_id__in=npl_scope(user).values("pk"))
    return qs.filter(cond)


def blacklist_get(user, pk) -> BadCreditRecord:
    return get_in_scope(
        blacklist_scope(user).select_related("cooperative"), pk, "未找到该黑名单记录。"
    )


@dataclass
class BlacklistFilters:
    q: str = ""
    reason: str = ""
    state: str = "active"  # active / exited / all

    @classmethod
    def from_query(cls, data) -> BlacklistFilters:
        values = {k: (data.get(k) or "").strip() for k in cls.__dataclass_fields__}
        if "state" not in data:
            values["state"] = "active"
        return cls(**values)


def blacklist_page(*, user, f: BlacklistFilters, page=1):
    qs = blacklist_scope(user).select_related("cooperative", "recorded_by")
    q = ascii_digits(f.q).strip()
    if q:
        qs = qs.annotate(name_key=Collate("name", "C")).filter(
            Q(id_number=q.upper()) | Q(name_key__startswith=q) | Q(source_reference=q.upper())
        )
    if f.reason in BlacklistReason.values:
        qs = qs.filter(reason=f.reason)
    if f.state == "active":
        qs = qs.filter(active=True)
    elif f.state == "exited":
        qs = qs.filter(active=False)
    result = Paginator(qs.order_by("-listed_on", "-id"), PAGE_SIZE).get_page(page)
    years = dict(RecoveryPolicy.objects.values_list("union_id", "blacklist_lapse_years"))
    for entry in result:
        union_id = entry.cooperative.union_id if entry.cooperative else None
        if union_id is not None and union_id not in years:
            years[union_id] = RecoveryPolicy.current(union_id).blacklist_lapse_years
        entry.lapse_years = years.get(union_id)
        entry.lapse_date = entry.lapses_on(entry.lapse_years) if entry.lapse_years else None
    return result
