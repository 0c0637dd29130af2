"""Reads for repayment agreements and lawsuits, scoped through the register's scope
(``selectors.npl_scope``): whoever sees the record sees its agreements and lawsuits."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Collate

from creditcoop.money import ascii_digits
from creditcoop.scoping import get_in_scope

from .models import Lawsuit, RepaymentAgreement
from .selectors import PAGE_SIZE, npl_scope


def agreement_scope(user) -> QuerySet[RepaymentAgreement]:
    return RepaymentAgreement.objects.filter(record__in=npl_scope(user))


def agreement_get(user, pk) -> RepaymentAgreement:
    return get_in_scope(
        agreement_scope(user).select_related(
            "record__cooperative__union",
            "record__village",
            "record__collector",
            "record__loan",
            "approved_by",
            "created_by",
        ),
        pk,
        "未找到该还款协议。",
    )


def _search(qs, q: str, extra: Q | None = None):
    """Name prefix, ID number or loan number of the record (and `extra`)."""
    q = ascii_digits(q).strip()
    if not q:
        return qs
    cond = (
        Q(record__loan_number=q.upper())
        | Q(record__borrower_id_number=q.upper())
        | Q(name_key__startswith=q)
    )
    if extra is not None:
        cond |= extra
    return qs.annotate(name_key=Collate("record__borrower_name", "C")).filter(cond)


@dataclass
class AgreementFilters:
    q: str = ""
    status: str = ""
    broken: str = ""
    cooperative: str = ""
    collector: str = ""

    @classmethod
    def from_query(cls, data) -> AgreementFilters:
        return cls(**{k: (data.get(k) or "").strip() for k in cls.__dataclass_fields__})


def agreement_page(*, user, f: AgreementFilters, page=1):
    qs = _search(agreement_scope(user), f.q)
    if f.status in RepaymentAgreement.Status.values:
        qs = qs.filter(status=f.status)
    if f.broken == "1":
        qs = qs.filter(instalments__broken=True).distinct()
    if f.cooperative.isdigit():
        qs = qs.filter(record__cooperative_id=int(f.cooperative))
    if f.collector.isdigit():
        qs = qs.filter(record__collector_id=int(f.collector))
    qs = (
        RepaymentAgreement.objects.filter(pk__in=qs.values("pk"))
        .select_related("record__cooperative", "record__village", "record__collector")
        .annotate(
            paid=Sum("instalments__paid_amount"),
            broken_count=Count("instalments", filter=Q(instalments__broken=True)),
        )
        .order_by("-id")
    )
    return Paginator(qs, PAGE_SIZE).get_page(page)


def lawsuit_scope(user) -> QuerySet[Lawsuit]:
    return Lawsuit.objects.filter(record__in=npl_scope(user))


def lawsuit_get(user, pk) -> Lawsuit:
    return get_in_scope(
        lawsuit_scope(user).select_related(
            "record__cooperative__union", "record__village", "record__collector", "created_by"
        ),
        pk,
        "未找到该诉讼案件。",
    )


@dataclass
class LawsuitFilters:
    q: str = ""
    status: str = ""
    cooperative: str = ""

    @classmethod
    def from_query(cls, data) -> LawsuitFilters:
        return cls(**{k: (data.get(k) or "").strip() for k in cls.__dataclass_fields__})


def _lawsuit_filtered(user, f: LawsuitFilters):
    qs = lawsuit_scope(user)
    qs = _search(qs, f.q, Q(case_number=ascii_digits(f.q).strip()))
    if f.status in Lawsuit.Status.values:
        qs = qs.filter(status=f.status)
    if f.cooperative.isdigit():
        qs = qs.filter(record__cooperative_id=int(f.cooperative))
    return qs


def lawsuit_page(*, user, f: LawsuitFilters, page=1):
    qs = _lawsuit_filtered(user, f).select_related(
        "record__cooperative", "record__village", "record__collector"
    )
    return Paginator(qs.order_by("-filed_on", "-id"), PAGE_SIZE).get_page(page)


def unenforced_page(*, user, f: LawsuitFilters, page=1):
    """Judged, not yet applied for enforcement, not closed: soonest deadline first (the
    partial index ``lawsuit_unenforced``)."""
    qs = (
        _lawsuit_filtered(user, LawsuitFilters(q=f.q, cooperative=f.cooperative))
        .filter(
            enforcement_applied_on__isnull=True,
            closed_on__isnull=True,
            enforcement_apply_by__isnull=False,
        )
        .select_related("record__cooperative", "record__village", "record__collector")
        .order_by("enforcement_apply_by", "id")
    )
    return Paginator(qs, PAGE_SIZE).get_page(page)
