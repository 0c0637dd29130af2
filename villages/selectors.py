"""Reads for villages and households, always scoped to the acting user."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Collate, Concat
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from creditcoop.models import COOPERATIVE_ROLES, Cooperative, Role
from creditcoop.money import ascii_digits
from creditcoop.permissions import directs_cooperative, may_write, officer_or_director
from creditcoop.scoping import get_in_scope

from .models import CommitteeMember, Household, Member, PromotionSurvey, Village, WorkSchedule


def village_scope(user) -> QuerySet[Village]:
    """Villages the user may see.

    Union staff, auditors and administrators: the whole union. Director, deputy, review
    group, teller, archivist: their cooperative. Loan officer: the villages they are
    responsible for. Committee member: their own village.
    """
    if not getattr(user, "is_authenticated", False):
        return Village.objects.none()
    qs = Village.objects.all()
    if user.is_union_wide:
        return qs.filter(cooperative__union_id=user.union_id)
    cond = Q(pk__in=[])
    if user.cooperative_id and any(r in COOPERATIVE_ROLES for r in user.roles):
        cond |= Q(cooperative_id=user.cooperative_id)
    if Role.OFFICER in user.roles:
        cond |= Q(officer_id=user.pk)
    if Role.COMMITTEE in user.roles:
        # Only while the member's term runs: an ended term ends the access too.
        today = timezone.localdate()
        serving = CommitteeMember.objects.filter(staff_id=user.pk, term_start__lte=today).filter(
            Q(term_end__isnull=True) | Q(term_end__gte=today)
        )
        cond |= Q(pk__in=serving.values("village_id"))
    return qs.filter(cond)


def cooperative_scope(user) -> QuerySet[Cooperative]:
    if not getattr(user, "is_authenticated", False):
        return Cooperative.objects.none()
    if user.is_union_wide:
        return Cooperative.objects.filter(union_id=user.union_id)
    return Cooperative.objects.filter(
        pk__in=village_scope(user).values("cooperative_id")
    ) | Cooperative.objects.filter(pk=user.cooperative_id)


def village_get(user, pk) -> Village:
    """A village in scope, or 404 (the same answer for 'not yours' and 'doesn't exist')."""
    return get_in_scope(
        village_scope(user).select_related("cooperative", "officer"),
        pk,
        "未找到该村。",
    )


def household_scope(user) -> QuerySet[Household]:
    return Household.objects.filter(village__in=village_scope(user))


def household_get(user, pk) -> Household:
    return get_in_scope(
        household_scope(user).select_related("village", "group", "village__cooperative"),
        pk,
        "未找到该农户。",
    )


# --- who may change what -------------------------------------------------------------------


def village_writable(user, village: Village) -> bool:
    """Officers write in their own villages, the director/deputy in their cooperative, admins
    everywhere in the union. Everyone else who can see the village only reads it."""
    if not getattr(user, "is_authenticated", False) or not may_write(user):
        return False
    return user.is_superuser or user.has_role(Role.ADMIN) or officer_or_director(user, village)


def promotion_may_propose(user, village: Village) -> bool:
    return may_write(user) and directs_cooperative(user, village.cooperative_id)


def promotion_may_decide(user) -> bool:
    return not user.is_read_only and (
        user.is_superuser or user.has_role(Role.UNION_RISK, Role.ADMIN)
    )


# --- pages without a COUNT -----------------------------------------------------------------


@dataclass
class SlicePage:
    """One page of a list too big to count: we fetch page_size + 1 rows to know if there is
    a next page. Quacks like Django's Page for `_pagination.html`."""

    object_list: list
    number: int
    has_next_rows: bool
    paginator = None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    def has_next(self):
        return self.has_next_rows

    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.has_next() or self.has_previous()

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


def _page_number(page) -> int:
    try:
        return max(int(page), 1)
    except (TypeError, ValueError):
        return 1


_DIGITS = re.compile(r"^[0-9]{1,17}[0-9X]?$")
_LETTERS = re.compile(r"^[a-z]+$")


def search_kind(q: str) -> str:
    """'id' for the last digits of an ID number, 'initials' for pinyin initials, else 'name'."""
    q = ascii_digits(q).strip()
    if _DIGITS.match(q.upper()):
        return "id"
    if _LETTERS.match(q.lower()):
        return "initials"
    return "name"


def household_search(*, user, q: str, page=1, page_size: int = 20) -> SlicePage:
    """Households in the user's villages whose member matches `q`.

    `q` is a name prefix (张), pinyin initials (zs → 张三) or the last digits of an ID number
    (or the whole number). Each result is a Household with `.matched` set to the member that
    matched; a household with two matching members appears once per member.
    """
    number = _page_number(page)
    q = ascii_digits(q).strip()
    if not q:
        return SlicePage([], number, False)
    kind = search_kind(q)
    # The village ids as a literal list rather than a subquery, so the planner knows how much
    # of the table is in scope. Member.village is the household's village, so the scope is
    # tested on the member row itself.
    village_ids = list(village_scope(user).values_list("pk", flat=True))
    members = Member.objects.filter(village_id__in=village_ids)
    if kind == "id" and len(q) == 18:
        key = F("id_number")
        members = members.filter(id_number=q.upper())
        order = key
    else:
        field, value = {
            "id": ("id_reversed", q.upper()[::-1]),
            "initials": ("initials", q.lower()),
            "name": ("name", q),
        }[kind]
        key = Collate(field, "C")
        members = members.annotate(key=key).filter(key__startswith=value)
        order = key
        if not user.is_union_wide:
            # At most a cooperative: read the prefix range of each of its villages from the
            # (village, key, id) index and sort those matches (bounded by the cooperative's
            # size). Sorting on key || '' (the same order) keeps PostgreSQL from walking the
            # union-wide (key, id) index instead, which costs as much as the prefix is common
            # in other villages: a common surname rare in this cooperative walks them all.
            order = Collate(Concat(field, Value("")), "C")
    # The page is picked on the member table alone (a narrow sort, no joins), then read with
    # its household, village and group: one statement.
    offset = (number - 1) * page_size
    page_ids = members.order_by(order, "id").values("id")[offset : offset + page_size + 1]
    rows = list(
        Member.objects.filter(pk__in=page_ids)
        .select_related("household__village", "household__group")
        .order_by(key, "id")
    )
    results = []
    for member in rows[:page_size]:
        household = member.household
        household.matched = member
        results.append(household)
    return SlicePage(results, number, len(rows) > page_size)


def village_households(*, user, village_id, page=1, page_size: int = 50, group_id=None) -> Page:
    """A page of a village's households (head's ID number and family size included), in a
    constant number of queries: the scope check, the count and the rows. The page carries
    `.village`."""
    village = village_get(user, village_id)
    qs = Household.objects.filter(village_id=village.pk)
    if group_id:
        qs = qs.filter(group_id=group_id)
    heads = Member.objects.filter(household_id=OuterRef("pk"), relation=Member.Relation.HEAD)
    sizes = (
        Member.objects.filter(household_id=OuterRef("pk"))
        .order_by()
        .values("household_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    qs = (
        qs.select_related("group")
        .annotate(
            head_id_number=Subquery(heads.values("id_number")[:1]),
            member_count=Subquery(sizes[:1]),
        )
        .order_by("group_id", "id")
    )
    result = Paginator(qs, page_size).get_page(page)
    result.village = village
    return result


# --- schedules, promotion -----------------------------------------------------------------


@dataclass
class ScheduleDate:
    date: object
    kind: str
    schedule: WorkSchedule


def schedule_upcoming(*, user, cooperative_id=None, date_from=None, date_to=None):
    """The campaign dates (rating, credit granting, certificates) of the user's villages in a
    date range, earliest first."""
    qs = WorkSchedule.objects.filter(village__in=village_scope(user).values("pk"))
    if cooperative_id:
        qs = qs.filter(village__cooperative_id=cooperative_id)
    kinds = [
        ("rating_date", _("集中信用等级评定")),
        ("credit_date", _("集中授信")),
        ("certificate_date", _("集中办理贷款证")),
    ]
    in_range = Q(pk__in=[])
    for field, _label in kinds:
        cond = Q(**{f"{field}__isnull": False})
        if date_from:
            cond &= Q(**{f"{field}__gte": date_from})
        if date_to:
            cond &= Q(**{f"{field}__lte": date_to})
        in_range |= cond
    dates = []
    for schedule in qs.filter(in_range).select_related("village__cooperative", "officer"):
        for field, label in kinds:
            d = getattr(schedule, field)
            if d and (not date_from or d >= date_from) and (not date_to or d <= date_to):
                dates.append(ScheduleDate(d, label, schedule))
    dates.sort(key=lambda x: (x.date, x.schedule.village.code))
    return dates


def promotion_scope(user) -> QuerySet[PromotionSurvey]:
    return PromotionSurvey.objects.filter(village__in=village_scope(user).values("pk"))


def promotion_get(user, pk) -> PromotionSurvey:
    return get_in_scope(
        promotion_scope(user).select_related("village__cooperative"),
        pk,
        "未找到该推广村调查。",
    )


def committee_current(village: Village, today=None):
    """Committee members whose term covers today (the published list)."""
    today = today or timezone.localdate()
    return (
        village.committee.filter(term_start__lte=today)
        .filter(Q(term_end__isnull=True) | Q(term_end__gte=today))
        .order_by(committee_post_order(), "id")
    )


def committee_post_order():
    """Chair first, then assistant, clerk, villager representative."""
    posts = list(CommitteeMember.Post.values)
    return Case(*[When(post=p, then=Value(i)) for i, p in enumerate(posts)], default=Value(9))


def village_public_get(code: str) -> Village:
    try:
        return Village.objects.select_related("cooperative__union", "officer").get(code=code)
    except Village.DoesNotExist:
        raise Http404("未找到该村。")


def home_section(user) -> dict:
    """The villages part of the home page (registered with ``creditcoop.hooks``)."""
    villages = village_scope(user).select_related("cooperative", "officer").order_by("code")
    return {"villages": villages[:50], "village_count": villages.count()}
