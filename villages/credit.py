"""A household's credit history, read the same way at rating, granting and the counter.

Two things block new credit for a household (docs/rules.md §2): a recorded bad-credit entry
(``BadCreditRecord``) of the applicant or any family member, and what later layers know
about the family — the cooperative's own non-performing loans, registered by ``loans``
when it loads (``register_credit_source``). This module imports no later layer: a source
is a function ``source(household) -> str | None`` returning the reason it blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .idcard import normalize_id
from .models import BadCreditRecord, Member

RECORDED = "bad_record"


@dataclass(frozen=True)
class CreditProblem:
    """Why a family may not get new credit: ``code`` says where it was found."""

    code: str  # RECORDED, or the code a source was registered under (e.g. "npl")
    message: str

    def __str__(self):
        return self.message


_SOURCES: dict[str, Callable] = {}


def register_credit_source(code: str, source: Callable) -> None:
    """Add a source of blocking facts about a family (idempotent per code)."""
    _SOURCES[code] = source


def bad_records_for(*, id_numbers: Iterable[str]) -> QuerySet[BadCreditRecord]:
    """Active records for these resident ID numbers (upper-cased like Member.id_number)."""
    ids = {normalize_id(i) for i in id_numbers if i}
    return BadCreditRecord.objects.filter(id_number__in=ids, active=True).order_by(
        "id_number", "recorded_at"
    )


def _family_ids(household, also: Iterable[str]) -> list[str]:
    ids = list(Member.objects.filter(household=household).values_list("id_number", flat=True))
    return ids + [i for i in also if i]


def family_credit_review(household, *, also: Iterable[str] = ()):
    """(blocking problems, other findings) for every family member (and the ``also`` ID
    numbers, e.g. an applicant): recorded bad credit first, then each registered source."""
    problems: list[CreditProblem] = []
    notes: list[str] = []
    for record in bad_records_for(id_numbers=_family_ids(household, also)):
        if record.blocks_credit:
            problems.append(CreditProblem(RECORDED, str(record.block_reason())))
        elif record.kind == record.Kind.NPL:
            notes.append(
                _("%(name)s 曾有不良贷款，已于 %(d)s 还清本息（非本人原因），可重新评级")
                % {"name": record.name, "d": record.settled_on}
            )
        else:
            notes.append(f"{record.name}：{record.get_kind_display()} {record.note}".strip())
    for code, source in _SOURCES.items():
        message = source(household)
        if message:
            problems.append(CreditProblem(code, str(message)))
    return problems, notes


def family_credit_problem(household, *, also: Iterable[str] = ()) -> CreditProblem | None:
    """The first reason the family may not get new credit, or None (``str()`` it to show)."""
    problems, _notes = family_credit_review(household, also=also)
    return problems[0] if problems else None
