"""Reads for collection actions and notices, scoped through the register's `npl_scope`: a
user sees the actions and notices of the records they may see, and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone

from creditcoop.money import ascii_digits
from creditcoop.scoping import get_in_scope

from .models import CollectionAction, CollectionNotice, NoticeBatch
from .selectors import PAGE_SIZE, npl_scope
from .services.collect import local_day_bounds


def action_scope(user) -> QuerySet[CollectionAction]:
    return CollectionAction.objects.filter(record__in=npl_scope(user))


def notice_scope(user) -> QuerySet[CollectionNotice]:
    return CollectionNotice.objects.filter(record__in=npl_scope(user))


def _parse_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@dataclass
class ActionFilters:
    day: str = ""
    kind: str = ""
    result: str = ""
    person: str = ""
    village: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, data) -> ActionFilters:
        f = cls(**{k: (data.get(k) or "").strip() for k in cls.__dataclass_fields__})
        if not _parse_day(f.day):
            f.day = timezone.localdate().isoformat()
        return f


def actions_page(*, user, f: ActionFilters, page=1):
    """The day's actions across what the user sees (latest first), one page."""
    start, end = local_day_bounds(_parse_day(f.day))
    qs = action_scope(user).filter(at__gte=start, at__lt=end)
    if f.kind in CollectionAction.Kind.values:
        qs = qs.filter(kind=f.kind)
    if f.result in CollectionAction.Result.values:
        qs = qs.filter(result=f.result)
    if f.person.isdigit():
        qs = qs.filter(person_id=int(f.person))
    if f.village.isdigit():
        qs = qs.filter(record__village_id=int(f.village))
    if f.q:
        qs = qs.filter(
            Q(record__borrower_name__startswith=f.q)
            | Q(guarantor__name__startswith=f.q)
            | Q(record__loan_number=f.q.upper())
        )
    qs = qs.select_related("record__village", "guarantor", "person").order_by("-at", "-id")
    return Paginator(qs, PAGE_SIZE).get_page(page)


@dataclass
class NoticeFilters:
    village: str = ""
    officer: str = ""
    status: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, data) -> NoticeFilters:
        return cls(**{k: (data.get(k) or "").strip() for k in cls.__dataclass_fields__})


def notices_page(*, user, f: NoticeFilters, page=1):
    qs = notice_scope(user)
    if f.village.isdigit():
        qs = qs.filter(record__village_id=int(f.village))
    if f.officer.isdigit():
        qs = qs.filter(record__collector_id=int(f.officer))
    if f.status in CollectionNotice.Status.values:
        qs = qs.filter(status=f.status)
    q = ascii_digits(f.q).strip()
    if q:
        qs = qs.filter(
            Q(number=q.upper())
            | Q(record__borrower_name__startswith=q)
            | Q(guarantor__name__startswith=q)
        )
    qs = qs.select_related("record__village", "record__collector", "guarantor").order_by("-id")
    return Paginator(qs, PAGE_SIZE).get_page(page)


def notice_get(user, pk) -> CollectionNotice:
    return get_in_scope(
        notice_scope(user)
        .select_related(
            "cooperative", "record__village", "record__cooperative", "guarantor", "created_by"
        )
        .prefetch_related("record__guarantors"),
        pk,
        "未找到该催收通知书。",
    )


def batch_get(user, pk) -> NoticeBatch:
    return get_in_scope(
        NoticeBatch.objects.filter(pk__in=notice_scope(user).values("batch_id")).select_related(
            "cooperative", "village", "officer"
        ),
        pk,
        "未找到该批催收通知书。",
    )


def batch_notices(user, batch) -> list[CollectionNotice]:
    return list(
        notice_scope(user)
        .filter(batch=batch)
        .select_related("record__village", "record__cooperative", "guarantor", "cooperative")
        .prefetch_related("record__guarantors")
        .order_by("number")
    )
