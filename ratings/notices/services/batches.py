"""Notice batches (docs/rules.md §3): the draft of a village's households, its publication
(day 1 is the publication day) and its end once the period has run.

Each function is one transaction: lock what changes, check the transition, write, keep an
event row and an audit record, and bump the village's public page after commit.
"""

from __future__ import annotations

import re
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.permissions import officer_or_director, require_may_write
from creditcoop.workflow import transition, transition_many
from ratings.models import CreditApplication

from .. import publiccache
from ..models import MIN_PERIOD_DAYS, NoticeBatch, NoticeEntry
from ._common import NoticeError, audit_batch, entry_from, lock_batch, next_number, policy_for


def _check_period(period_days) -> int:
    try:
        period_days = int(period_days)
    except (TypeError, ValueError):
        raise NoticeError(_("请填写公示天数。"))
    if period_days < MIN_PERIOD_DAYS:
        raise NoticeError(
            _("公示期不得少于 %(min)s 天（您填写的是 %(days)s 天）。")
            % {"min": MIN_PERIOD_DAYS, "days": period_days}
        )
    if period_days > 60:
        raise NoticeError(_("公示期不宜超过 60 天，请核对。"))
    return period_days


def _check_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if not phone:
        raise NoticeError(_("请填写监督电话。"))
    if not re.fullmatch(r"[0-9\-]{5,30}", phone):
        raise NoticeError(_("监督电话只能包含数字和“-”。"))
    return phone


# ---------------------------------------------------------------------------
# Who can be listed
# ---------------------------------------------------------------------------


def listable_applications(*, village):
    """line_set applications not yet posted anywhere, split into (listable, refused with why)."""
    from ratings.selectors import applications_line_set

    apps = applications_line_set(village=village).exclude(
        pk__in=NoticeEntry.objects.values("application_id")
    )
    listable, refused = [], []
    for app in apps:
        if app.publish_consent:
            listable.append(app)
        else:
            refused.append(
                (
                    app,
                    _(
                        "申请人未签署公示同意书（个人信息公开须单独同意），不能列入公示，也就不能授信。"
                    ),
                )
            )
    return listable, refused


# ---------------------------------------------------------------------------
# Notice batches
# ---------------------------------------------------------------------------


@transaction.atomic
def batch_create_draft(
    *,
    village,
    actor,
    period_days=None,
    supervision_phone=None,
    title: str = "",
    applications=None,
) -> NoticeBatch:
    """A draft notice of the village's line_set households that have not been posted yet.

    `applications` limits the draft to those applications (they must be listable).
    """
    require_may_write(actor)
    if not officer_or_director(actor, village):
        raise NoticeError(_("只有该村包村信贷员或本社主任（副主任）可以编制公示。"))
    policy = policy_for(village.cooperative)
    period_days = _check_period(policy.period_days if period_days in (None, "") else period_days)
    phone = _check_phone(
        supervision_phone
        or village.cooperative.supervision_phone
        or village.cooperative.complaint_phone
    )
    # Serialise drafts of one village so an application lands in one batch only.
    type(village).objects.select_for_update().get(pk=village.pk)
    listable, _refused = listable_applications(village=village)
    if applications is not None:
        wanted = {a.pk for a in applications}
        listable = [a for a in listable if a.pk in wanted]
    if not listable:
        raise NoticeError(
            _("%(village)s 没有可公示的农户：需主任已核定额度、申请人同意公示且尚未公示过。")
            % {"village": village}
        )
    batch = NoticeBatch.objects.create(
        village=village,
        number=next_number(village),
        title=(title or "").strip()[:100],
        period_days=period_days,
        supervision_phone=phone,
        created_by=actor,
    )
    NoticeEntry.objects.bulk_create([entry_from(app, batch) for app in listable])
    audit_batch(
        batch,
        actor=actor,
        action="batch_create",
        changes={"households": len(listable), "period_days": period_days},
    )
    return batch


def _require(batch, action):
    if not batch.can(action):
        raise NoticeError(
            _("该公示当前为“%(status)s”，不能执行此操作。") % {"status": batch.get_status_display()}
        )


@transaction.atomic
def batch_update_draft(
    *, batch, actor, period_days, supervision_phone, title: str = ""
) -> NoticeBatch:
    require_may_write(actor)
    batch = lock_batch(batch)
    if not officer_or_director(actor, batch.village):
        raise NoticeError(_("只有该村包村信贷员或本社主任（副主任）可以编制公示。"))
    _require(batch, "edit")
    before = {"period_days": batch.period_days, "phone": batch.supervision_phone}
    batch.period_days = _check_period(period_days)
    batch.supervision_phone = _check_phone(supervision_phone)
    batch.title = (title or "").strip()[:100]
    batch.save(update_fields=["period_days", "supervision_phone", "title"])
    after = {"period_days": batch.period_days, "phone": batch.supervision_phone}
    audit_batch(
        batch,
        actor=actor,
        action="batch_edit",
        changes={k: [before[k], v] for k, v in after.items() if before[k] != v},
    )
    return batch


@transaction.atomic
def entry_drop_from_draft(*, entry, actor, reason: str) -> None:
    """Take a household off a draft before publication (it can go into a later notice)."""
    require_may_write(actor)
    batch = lock_batch(entry.batch)
    if not officer_or_director(actor, batch.village):
        raise NoticeError(_("只有该村包村信贷员或本社主任（副主任）可以编制公示。"))
    _require(batch, "edit")
    reason = (reason or "").strip()
    if not reason:
        raise NoticeError(_("请写明不列入本期公示的原因。"))
    entry = NoticeEntry.objects.get(pk=entry.pk, batch=batch)
    audit_batch(
        batch,
        actor=actor,
        action="entry_drop",
        changes={
            "household": entry.masked_name,
            "application": entry.application_id,
            "reason": reason,
        },
    )
    entry.delete()


@transaction.atomic
def batch_publish(*, batch, actor, today: date | None = None) -> NoticeBatch:
    """Post the notice: publication day is day 1; the lines are taken as they are now."""
    require_may_write(actor)
    today = today or timezone.localdate()
    batch = lock_batch(batch)
    if not officer_or_director(actor, batch.village):
        raise NoticeError(_("只有该村包村信贷员或本社主任（副主任）可以发布公示。"))
    _require(batch, "publish")
    entries = list(
        batch.entries.select_related(
            "application__applicant", "application__household__group"
        ).select_for_update(of=("self",))
    )
    dropped = []
    for entry in entries:
        app = entry.application
        if app.status != CreditApplication.Status.LINE_SET or not app.publish_consent:
            dropped.append(entry)
            continue
        fresh = entry_from(app, batch)
        for field in ("group_name", "group_number", "masked_name", "grade", "line", "term_months"):
            setattr(entry, field, getattr(fresh, field))
    NoticeEntry.objects.filter(pk__in=[e.pk for e in dropped]).delete()
    kept = [e for e in entries if e not in dropped]
    if not kept:
        raise NoticeError(_("公示名单为空（额度已变动或撤回），不能发布。"))
    NoticeEntry.objects.bulk_update(
        kept, ["group_name", "group_number", "masked_name", "grade", "line", "term_months"]
    )
    batch.start_date = today
    batch.end_date = NoticeBatch.end_for(today, batch.period_days)
    batch.published_by = actor
    batch.published_at = timezone.now()
    transition(
        batch,
        NoticeBatch.Status.PUBLISHED,
        actor=actor,
        fields=["start_date", "end_date", "published_by", "published_at"],
        action="notices.batch_publish",
        cooperative=batch.village.cooperative,
        changes={
            "start_date": str(batch.start_date),
            "end_date": str(batch.end_date),
            "households": len(kept),
            "dropped": len(dropped),
        },
    )
    publiccache.bump(batch.village_id)
    return batch


def batch_repost_today(entry_batch, *, actor, today) -> NoticeBatch:
    """The batch that re-posts revised households today: today's continuation if there is
    one (so each household still gets a full period), otherwise a new one. Runs inside the
    transaction of the objection decision that revises the household."""
    village = entry_batch.village
    batch = (
        NoticeBatch.objects.select_for_update()
        .filter(
            village=village,
            status=NoticeBatch.Status.PUBLISHED,
            continues__isnull=False,
            start_date=today,
        )
        .first()
    )
    if batch is not None:
        return batch
    policy = policy_for(village.cooperative)
    period = max(policy.period_days, MIN_PERIOD_DAYS)
    batch = NoticeBatch.objects.create(
        village=village,
        number=next_number(village),
        title=_("第%(n)s期公示调整后重新公示") % {"n": entry_batch.number},
        status=NoticeBatch.Status.PUBLISHED,
        period_days=period,
        start_date=today,
        end_date=NoticeBatch.end_for(today, period),
        supervision_phone=entry_batch.supervision_phone,
        continues=entry_batch,
        created_by=actor,
        published_by=actor,
        published_at=timezone.now(),
    )
    audit_batch(
        batch,
        actor=actor,
        action="batch_restart",
        changes={"continues": entry_batch.pk, "end_date": str(batch.end_date)},
    )
    return batch


def notice_end_expired(*, today: date | None = None) -> int:
    """End every published notice whose last day is before today. Set-based and idempotent:
    a second or late run finds nothing left to end. Returns how many ended."""
    today = today or timezone.localdate()
    with transaction.atomic():
        batches = list(
            NoticeBatch.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(status=NoticeBatch.Status.PUBLISHED, end_date__lt=today)
            .select_related("village__cooperative")
        )
        if not batches:
            return 0
        transition_many(
            batches,
            NoticeBatch.Status.ENDED,
            actor=None,
            action="notices.batch_end",
            values={"ended_at": timezone.now()},
            changes={"today": today},
        )
        for village_id in {b.village_id for b in batches}:
            publiccache.bump(village_id)
    return len(batches)
