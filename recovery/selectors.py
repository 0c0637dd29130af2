"""Reads for the NPL register, always scoped to the acting user.

A collector sees the records they answer for and those of the villages they manage; the
cooperative's director, deputy and other cooperative roles see their cooperative; union
staff (asset preservation, risk, audit, administrators) the whole union. An entrusted
collection firm's staff (Role.AGENCY) see exactly the records of their agency's live
packages: every page built on `npl_scope` is scoped for them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.db.models.functions import Collate

from creditcoop.models import COOPERATIVE_ROLES, Cooperative, Role
from creditcoop.money import ascii_digits
from creditcoop.scoping import get_in_scope

from .models import NplGuarantor, NplRecord, VintageScheme, VintageSegment

PAGE_SIZE = 30


def npl_scope(user) -> QuerySet[NplRecord]:
    if not getattr(user, "is_authenticated", False):
        return NplRecord.objects.none()
    qs = NplRecord.objects.all()
    if Role.AGENCY in user.roles:
        # An entrusted firm's staff: exactly the records of their agency's live packages,
        # whatever else the account says (docs/rules.md §7.9).
        from .models import AgencyPackageLine

        return qs.filter(
            pk__in=AgencyPackageLine.objects.filter(
                live=True,
                package__agency__members__staff_id=user.pk,
                package__union_id=user.union_id,
            ).values("record_id")
        )
    if user.is_union_wide:
        return qs.filter(cooperative__union_id=user.union_id)
    cond = Q(pk__in=[])
    if user.cooperative_id and any(r in COOPERATIVE_ROLES for r in user.roles):
        cond |= Q(cooperative_id=user.cooperative_id)
    if Role.OFFICER in user.roles:
        cond |= Q(collector_id=user.pk) | Q(village__officer_id=user.pk)
    return qs.filter(cond)


def npl_cooperatives(user) -> QuerySet[Cooperative]:
    """The cooperatives whose records the user may see."""
    if Role.AGENCY in user.roles:
        return Cooperative.objects.filter(pk__in=npl_scope(user).values("cooperative_id"))
    if user.is_union_wide:
        return Cooperative.objects.filter(union_id=user.union_id)
    return Cooperative.objects.filter(
        Q(pk=user.cooperative_id) | Q(pk__in=npl_scope(user).values("cooperative_id"))
    )


def record_get(user, pk) -> NplRecord:
    return get_in_scope(
        npl_scope(user).select_related(
            "cooperative__union", "village__officer", "household", "collector", "loan"
        ),
        pk,
        "未找到该笔不良贷款。",
    )


def schemes() -> list[VintageScheme]:
    """The active vintage schemes with their segments (one query each)."""
    return list(VintageScheme.objects.filter(active=True).prefetch_related("segments"))


def segment_of(scheme: VintageScheme, day: date) -> VintageSegment | None:
    return next((s for s in scheme.segments.all() if s.contains(day)), None)


@dataclass
class RegisterFilters:
    q: str = ""
    cooperative: str = ""
    risk_class: str = ""
    book_status: str = ""
    cause: str = ""
    actual_user: str = ""
    difficulty: str = ""
    segment: str = ""
    collector: str = ""
    status: str = NplRecord.Status.PURSUING

    @classmethod
    def from_query(cls, data) -> RegisterFilters:
        values = {k: (data.get(k) or "").strip() for k in cls.__dataclass_fields__}
        if "status" not in data:
            values["status"] = NplRecord.Status.PURSUING
        return cls(**values)


def register_rows(*, user, f: RegisterFilters) -> QuerySet[NplRecord]:
    """The register filtered; the vintage segment is a range on the indexed drawn date, so
    a segment filter costs what a date filter costs (no stored segment to keep current
    when an administrator changes a scheme)."""
    qs = npl_scope(user)
    q = ascii_digits(f.q).strip()
    if q:
        upper = q.upper()
        qs = qs.annotate(name_key=Collate("borrower_name", "C")).filter(
            Q(borrower_id_number=upper)
            | Q(loan_number=upper)
            | Q(contract_number=upper)
            | Q(name_key__startswith=q)
        )
    if f.cooperative.isdigit():
        qs = qs.filter(cooperative_id=int(f.cooperative))
    if f.risk_class.isdigit():
        qs = qs.filter(risk_class=int(f.risk_class))
    if f.book_status in NplRecord.BookStatus.values:
        qs = qs.filter(book_status=f.book_status)
    if f.cause in NplRecord.Cause.values:
        qs = qs.filter(cause=f.cause)
    if f.actual_user in NplRecord.ActualUser.values:
        qs = qs.filter(actual_user=f.actual_user)
    if f.difficulty in NplRecord.Difficulty.values:
        qs = qs.filter(difficulty=f.difficulty)
    if f.status in NplRecord.Status.values:
        qs = qs.filter(status=f.status)
    if f.collector.isdigit():
        qs = qs.filter(collector_id=int(f.collector))
    if f.segment.isdigit():
        segment = VintageSegment.objects.filter(pk=int(f.segment)).first()
        if segment is not None:
            qs = qs.filter(segment.q())
    return qs


def register_page(*, user, f: RegisterFilters, page=1):
    """One page of the register in a constant number of queries (the count, the rows with
    their cooperative, village and collector)."""
    qs = register_rows(user=user, f=f).select_related("cooperative", "village", "collector")
    return Paginator(qs.order_by("-id"), PAGE_SIZE).get_page(page)


@dataclass
class Expiring:
    record: NplRecord
    guarantor: NplGuarantor | None
    expires_on: date
    days_left: int

    @property
    def party(self) -> str:
        return f"保证人 {self.guarantor.name}" if self.guarantor else "借款人"


def expiring_soon(*, user, days: int, cooperative_id=None, today: date) -> list[Expiring]:
    """Every borrower and guarantor of a record still pursued whose limitation ends within
    `days` (soonest first); two queries on the expiry indexes."""
    horizon = today + timedelta(days=days)
    records = npl_scope(user).filter(status=NplRecord.Status.PURSUING)
    if cooperative_id:
        records = records.filter(cooperative_id=cooperative_id)
    rows = [
        Expiring(r, None, r.limitation_expires_on, (r.limitation_expires_on - today).days)
        for r in records.filter(limitation_expires_on__range=(today, horizon)).select_related(
            "cooperative", "village", "collector"
        )
    ]
    for g in NplGuarantor.objects.filter(
        record__in=records, limitation_expires_on__range=(today, horizon)
    ).select_related("record__cooperative", "record__village", "record__collector"):
        rows.append(
            Expiring(g.record, g, g.limitation_expires_on, (g.limitation_expires_on - today).days)
        )
    rows.sort(key=lambda e: (e.expires_on, e.record.pk))
    return rows


def home_section(user) -> dict:
    """The limitations the user answers for that end within 30 days (home page)."""
    if not getattr(user, "is_authenticated", False) or not user.has_role(
        Role.OFFICER, Role.DIRECTOR, Role.DEPUTY, Role.UNION_ASSET
    ):
        return {}
    from django.utils import timezone

    today = timezone.localdate()
    mine = npl_scope(user)
    if user.has_role(Role.OFFICER) and not user.has_role(Role.DIRECTOR, Role.DEPUTY):
        mine = mine.filter(collector_id=user.pk)
    soon = (
        mine.filter(
            status=NplRecord.Status.PURSUING,
            limitation_expires_on__range=(today, today + timedelta(days=30)),
        )
        .select_related("village")
        .order_by("limitation_expires_on", "id")[:10]
    )
    return {"npl_expiring": list(soon)}
