"""Reads for write-off dossiers and debt-assets, scoped through the register's `npl_scope`:
a user sees the dossiers and assets of the records they may see, and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet

from creditcoop.money import ascii_digits
from creditcoop.scoping import get_in_scope

from .models import AssetKind, DebtAsset, DebtAssetSettlement, WriteOffDossier
from .selectors import PAGE_SIZE, npl_scope


def dossier_scope(user) -> QuerySet[WriteOffDossier]:
    return WriteOffDossier.objects.filter(record__in=npl_scope(user))


@dataclass
class DossierFilters:
    q: str = ""
    condition: str = ""
    status: str = ""

    @classmethod
    def from_query(cls, data) -> DossierFilters:
        return cls(**{k: (data.get(k) or "").strip() for k in cls.__dataclass_fields__})


def dossiers_page(*, user, f: DossierFilters, page=1):
    qs = dossier_scope(user)
    if f.condition.isdigit():
        qs = qs.filter(condition_id=int(f.condition))
    if f.status in WriteOffDossier.Status.values:
        qs = qs.filter(status=f.status)
    q = ascii_digits(f.q).strip()
    if q:
        qs = qs.filter(Q(record__borrower_name__startswith=q) | Q(record__loan_number=q.upper()))
    qs = qs.select_related("record__village", "condition", "prepared_by").order_by("-id")
    return Paginator(qs, PAGE_SIZE).get_page(page)


def dossier_get(user, pk) -> WriteOffDossier:
    return get_in_scope(
        dossier_scope(user).select_related(
            "record__village",
            "record__collector",
            "cooperative__union",
            "condition",
            "prepared_by",
        ),
        pk,
        "未找到该核销申报。",
    )


def asset_scope(user) -> QuerySet[DebtAsset]:
    return DebtAsset.objects.filter(
        pk__in=DebtAssetSettlement.objects.filter(record__in=npl_scope(user)).values("asset_id")
    )


@dataclass
class AssetFilters:
    q: str = ""
    kind: str = ""
    status: str = ""
    within: str = ""

    @classmethod
    def from_query(cls, data) -> AssetFilters:
        return cls(**{k: (data.get(k) or "").strip() for k in cls.__dataclass_fields__})


def assets_page(*, user, f: AssetFilters, today: date, page=1):
    qs = asset_scope(user)
    if f.kind in AssetKind.values:
        qs = qs.filter(kind=f.kind)
    if f.status in DebtAsset.Status.values:
        qs = qs.filter(status=f.status)
    if f.within.isdigit():
        qs = qs.filter(
            status__in=[DebtAsset.Status.HELD, DebtAsset.Status.LEASED],
            disposal_deadline__lte=today + timedelta(days=int(f.within)),
        )
    if f.q:
        qs = qs.filter(description__contains=f.q)
    qs = qs.select_related("cooperative", "custodian").order_by("disposal_deadline", "id")
    return Paginator(qs, PAGE_SIZE).get_page(page)


def asset_get(user, pk) -> DebtAsset:
    return get_in_scope(
        asset_scope(user).select_related("cooperative__union", "custodian", "created_by"),
        pk,
        "未找到该抵债资产。",
    )
