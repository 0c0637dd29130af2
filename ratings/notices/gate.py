"""The one check before credit is granted (docs/rules.md §3): the household's notice has run its
full period and no objection about it is still open.

An objection about the household is one filed on it by name, or one about a whole notice
the household was posted on: after an upheld objection the household is re-posted on a
follow-up notice, and a general objection still open on the original notice concerns it too.

The loans module calls `assert_grantable` inside its granting transaction. Every notice the
household was posted on is locked first (the objection service locks the notice it files
on), so an objection registered while a grant is being made waits for it, and a grant
made while an objection is being registered waits and then sees it.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.errors import DomainError
from ratings.models import CreditApplication

from .models import NoticeBatch, NoticeEntry, Objection


class NoticeGateError(DomainError):
    """Credit may not be granted yet; the message says why (Chinese)."""


def grant_blocker(*, application, today: date | None = None, lock: bool = False) -> str | None:
    """None when credit may be granted for this application, otherwise the reason.

    With lock=True (the granting transaction) the household's notices and entry stay locked
    until commit; pages that only show the reason read without locking.
    """
    today = today or timezone.localdate()
    app = CreditApplication.objects.only(
        "status", "grade", "final_line", "term_months", "publish_consent", "household_id"
    ).get(pk=application.pk)
    if app.status != CreditApplication.Status.LINE_SET:
        return _("授信额度尚未由主任核定，不能授信。")
    posted_on = NoticeEntry.objects.filter(household_id=app.household_id).values("batch_id")
    entries = NoticeEntry.objects.select_related("batch")
    if lock:
        # Inside the granting transaction: hold the household's notices (in id order, so two
        # grants never deadlock) and its entry until commit.
        list(
            NoticeBatch.objects.select_for_update()
            .filter(pk__in=posted_on)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        entries = entries.select_for_update(of=("self",))
    entry = entries.filter(application_id=app.pk, status=NoticeEntry.Status.LISTED).first()
    if entry is None:
        if NoticeEntry.objects.filter(
            application_id=app.pk, status=NoticeEntry.Status.REMOVED
        ).exists():
            return _("该户因公示异议成立已从公示名单撤下，不能授信。")
        if not app.publish_consent:
            return _("申请人未同意公示，不能张榜公示，因而不能授信。")
        return _("该户尚未张榜公示，公示期满且无未办结异议后方可授信。")
    batch = entry.batch
    if batch.status == NoticeBatch.Status.DRAFT:
        return _("该户所在的公示尚未发布，公示期满且无未办结异议后方可授信。")
    if not batch.has_run_full_period(today):
        return _(
            "公示期 %(start)s 至 %(end)s，今天是第 %(day)s 天；期满后（%(end)s 之后）方可授信。"
        ) % {
            "start": batch.start_date,
            "end": batch.end_date,
            "day": batch.day_number(today),
        }
    if (entry.grade, entry.line, entry.term_months) != (
        app.grade,
        app.final_line,
        app.term_months,
    ):
        return _(
            "公示的等级和额度（%(g1)s，%(l1)s 元，%(t1)s 个月）与现在核定的"
            "（%(g2)s，%(l2)s 元，%(t2)s 个月）不一致，须重新公示。"
        ) % {
            "g1": entry.grade,
            "l1": entry.line,
            "t1": entry.term_months,
            "g2": app.grade,
            "l2": app.final_line,
            "t2": app.term_months,
        }
    open_refs = list(
        Objection.objects.filter(status__in=Objection.OPEN)
        .filter(Q(household_id=app.household_id) | Q(batch_id__in=posted_on, entry__isnull=True))
        .order_by("filed_at")
        .values_list("reference", flat=True)
    )
    if open_refs:
        return _("有 %(n)s 件公示异议尚未办结（%(refs)s），办结前不能授信。") % {
            "n": len(open_refs),
            "refs": "、".join(open_refs),
        }
    return None


@transaction.atomic
def assert_grantable(*, application, today: date | None = None) -> None:
    """Raise NoticeGateError unless credit may be granted; the notices stay locked until the
    caller's granting transaction commits."""
    reason = grant_blocker(application=application, today=today, lock=True)
    if reason is not None:
        raise NoticeGateError(reason)


def signing_earliest(*, application) -> date | None:
    """The first day a contract for this application may be signed: the day after the last
    notice the household was posted on ended, and not before the day its last objection
    (the same objections the gate waits for) was closed. None when it was never posted."""
    posted_on = NoticeEntry.objects.filter(household_id=application.household_id).values("batch_id")
    last_end = (
        NoticeBatch.objects.filter(pk__in=posted_on, end_date__isnull=False)
        .exclude(status=NoticeBatch.Status.DRAFT)
        .order_by("-end_date")
        .values_list("end_date", flat=True)
        .first()
    )
    if last_end is None:
        return None
    earliest = last_end + timedelta(days=1)
    last_closed = (
        Objection.objects.filter(closed_at__isnull=False)
        .filter(
            Q(household_id=application.household_id) | Q(batch_id__in=posted_on, entry__isnull=True)
        )
        .order_by("-closed_at")
        .values_list("closed_at", flat=True)
        .first()
    )
    if last_closed is not None:
        earliest = max(earliest, timezone.localdate(last_closed))
    return earliest
