"""Reads of the archive files, always scoped to the acting user (docs/rules.md §6.4)."""

from __future__ import annotations

import re
from datetime import date

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Collate, Reverse, Upper
from django.utils import timezone

from creditcoop.models import COOPERATIVE_ROLES, Role, WorkflowEvent
from creditcoop.money import ascii_digits
from creditcoop.scoping import get_in_scope
from villages.models import Village
from villages.selectors import SlicePage

from .models import (
    ArchiveFile,
    Borrowing,
    BorrowingLine,
    Colour,
    FileItem,
    FileStatus,
    Section,
    Series,
)

PAGE_SIZE = 30
HOME_ROWS = 20


def files_scope(user) -> QuerySet[ArchiveFile]:
    """Files the user may see: union roles the whole union, cooperative roles (archivist,
    clerk, director, …) their cooperative's room, an officer the files of the villages they
    look after and the files they answer for."""
    if not getattr(user, "is_authenticated", False):
        return ArchiveFile.objects.none()
    qs = ArchiveFile.objects.all()
    if user.is_union_wide:
        return qs.filter(cooperative__union_id=user.union_id)
    cond = Q(pk__in=[])
    if user.cooperative_id and any(r in COOPERATIVE_ROLES for r in user.roles):
        cond |= Q(cooperative_id=user.cooperative_id)
    if Role.OFFICER in user.roles:
        cond |= Q(officer_id=user.pk) | Q(
            village_id__in=Village.objects.filter(officer_id=user.pk).values("pk")
        )
    return qs.filter(cond)


def file_get(user, pk) -> ArchiveFile:
    return get_in_scope(
        files_scope(user).select_related(
            "cooperative",
            "room",
            "village",
            "household__group",
            "contract",
            "officer",
            "clerk",
            "template",
        ),
        pk,
        "未找到该档案。",
    )


# --- the search --------------------------------------------------------------------------

_ID_FULL = re.compile(r"^[0-9]{17}[0-9X]$")
_ID_TAIL = re.compile(r"^[0-9]{4,17}X?$")
_CODE = re.compile(r"^[0-9A-Z][0-9A-Z\-/]*$")


def search_key(q: str) -> tuple[str, str]:
    """How the free text is read: ('id', …) a whole ID number, ('id_tail', …) its last 4 or
    more digits, ('code', …) the start of an archive or contract number, ('name', …) the
    start of the borrower's name. Each is one index lookup (migration 0003)."""
    q = ascii_digits(q).strip()
    upper = q.upper()
    if _ID_FULL.match(upper):
        return "id", upper
    if _ID_TAIL.match(upper):
        return "id_tail", upper
    if _CODE.match(upper):
        return "code", upper
    return "name", q


def _choice(params, key, values) -> str:
    value = (params.get(key) or "").strip()
    return value if value in values else ""


def _int(params, key) -> int | None:
    value = (params.get(key) or "").strip()
    return int(value) if value.isdigit() else None


def search_filters(params) -> dict:
    """The search form's values, cleaned: unknown choices are dropped, never an error."""
    return {
        "q": ascii_digits(params.get("q") or "").strip()[:40],
        "section": _choice(params, "section", Section.values),
        "series": _choice(params, "series", Series.values),
        "colour": _choice(params, "colour", Colour.values),
        "status": _choice(params, "status", FileStatus.values),
        "village": _int(params, "village"),
        "officer": _int(params, "officer"),
        "shelf": (params.get("shelf") or "").strip()[:20],
        "box": (params.get("box") or "").strip()[:20],
    }


def _page_number(value) -> int:
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1


def file_search(user, params, *, page_size: int = PAGE_SIZE) -> SlicePage:
    """One page of the files in scope matching the search, in one query: newest first, or by
    name for a name search.

    No COUNT over the room: the page fetches one row more than it shows to know whether a
    next page exists (a room holds up to a million files)."""
    f = search_filters(params)
    qs = files_scope(user)
    if f["q"]:
        kind, value = search_key(f["q"])
        if kind == "id":
            qs = qs.filter(id_number=value)
        elif kind == "id_tail":
            qs = qs.annotate(id_reversed=Reverse("id_number")).filter(
                id_reversed__startswith=value[::-1]
            )
        elif kind == "code":
            qs = qs.annotate(archive_upper=Upper("archive_number")).filter(
                Q(archive_upper__startswith=value) | Q(contract_number__startswith=value)
            )
        else:
            qs = qs.annotate(name_key=Collate("borrower_name", "C")).filter(
                name_key__startswith=value
            )
    for key in ("section", "series", "colour", "status"):
        if f[key]:
            qs = qs.filter(**{key: f[key]})
    if f["village"]:
        qs = qs.filter(village_id=f["village"])
    if f["officer"]:
        qs = qs.filter(officer_id=f["officer"])
    if f["shelf"]:
        qs = qs.filter(shelf=f["shelf"])
    if f["box"]:
        qs = qs.filter(box=f["box"])
    number = _page_number(params.get("page"))
    offset = (number - 1) * page_size
    if f["q"] and search_key(f["q"])[0] == "name":
        # By name, read in order from the (cooperative,) name index (migration 0003).
        order = [F("name_key"), F("id")]
    elif f["q"]:
        # Numbers match a handful of files: sort them (id + 0 keeps the planner from walking
        # the whole table backwards by id hoping to meet them early).
        order = [(F("id") + 0).desc()]
    else:
        order = [F("id").desc()]
    rows = list(
        qs.select_related("village", "officer").order_by(*order)[offset : offset + page_size + 1]
    )
    return SlicePage(rows[:page_size], number, len(rows) > page_size)


# --- one file's page --------------------------------------------------------------------


def file_items(file) -> list[FileItem]:
    return list(file.items.select_related("collected_by").order_by("order", "id"))


def custody_history(file) -> list[dict]:
    """The file's moves (workflow events) and its intake register rows, oldest first."""
    events = WorkflowEvent.objects.filter(
        object_type=ArchiveFile._meta.label_lower, object_id=str(file.pk)
    ).select_related("actor")
    rows = [
        {
            "at": e.at,
            "kind": "event",
            "from": file.workflow.label(e.from_state) if e.from_state else "",
            "to": file.workflow.label(e.to_state),
            "to_state": e.to_state,
            "actor": e.actor,
            "text": e.reason,
        }
        for e in events
    ]
    for intake in file.intakes.select_related("received_by", "batch"):
        rows.append(
            {
                "at": intake.created_at,
                "kind": "intake",
                "from": "",
                "to": "",
                "to_state": "",
                "actor": intake.received_by,
                "text": " ".join(
                    str(x)
                    for x in (
                        intake.archive_number,
                        intake.volume_number,
                        f"{intake.pages}页",
                        intake.shelf,
                        intake.box,
                        intake.batch or "",
                    )
                    if x
                ),
            }
        )
    rows.sort(key=lambda r: r["at"])
    return rows


def file_borrowings(file) -> list[BorrowingLine]:
    return list(
        file.borrowing_lines.select_related("borrowing").order_by("-borrowing__requested_at")
    )


# --- home sections (registered with creditcoop.hooks) -------------------------------------


def officer_incomplete(user, *, today: date | None = None) -> QuerySet[ArchiveFile]:
    """The officer's files still being prepared that miss a required item or are overdue
    for handover (docs/rules.md §6.1)."""
    today = today or timezone.localdate()
    # Per file, read from the partial index of required items not in hand.
    missing = FileItem.objects.filter(
        file_id=OuterRef("pk"),
        required=True,
        status__in=[FileItem.Status.MISSING, FileItem.Status.REJECTED],
    )
    return (
        ArchiveFile.objects.filter(officer_id=user.pk, status=FileStatus.PREPARING)
        .filter(Exists(missing) | Q(handover_due__lt=today))
        .annotate(
            missing_count=Count(
                "items",
                filter=Q(items__required=True)
                & Q(items__status__in=[FileItem.Status.MISSING, FileItem.Status.REJECTED]),
            )
        )
        .select_related("village")
        .order_by("handover_due", "id")
    )


def home_section(user) -> dict:
    """The archive part of a person's home page: the officer's incomplete files, the
    archivist's intake and lending counts, the clerk's files being prepared."""
    if not getattr(user, "is_authenticated", False):
        return {}
    today = timezone.localdate()
    section: dict = {}
    if user.has_role(Role.OFFICER):
        rows = list(officer_incomplete(user, today=today)[: HOME_ROWS + 1])
        section["incomplete"] = rows[:HOME_ROWS]
        section["incomplete_more"] = len(rows) > HOME_ROWS
    coop = user.cooperative_id
    if coop and user.has_role(Role.ARCHIVIST):
        room = ArchiveFile.objects.filter(cooperative_id=coop)
        section["awaiting_intake"] = list(
            room.filter(status=FileStatus.HANDED_OVER).order_by("id")[:HOME_ROWS]
        )
        section["awaiting_intake_count"] = room.filter(status=FileStatus.HANDED_OVER).count()
        out = Borrowing.objects.filter(cooperative_id=coop, status=Borrowing.Status.ISSUED)
        section["lent"] = out.aggregate(
            out=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today))
        )
    if coop and user.has_role(Role.CLERK):
        preparing = ArchiveFile.objects.filter(cooperative_id=coop, status=FileStatus.PREPARING)
        section["preparing"] = list(
            preparing.select_related("village", "officer").order_by("handover_due", "id")[
                :HOME_ROWS
            ]
        )
        section["preparing_count"] = preparing.count()
    return {"archive_home": section} if section else {}
