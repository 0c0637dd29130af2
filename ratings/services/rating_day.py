"""Bulk steps of the concentrated rating day: the rating group's decision, moving complete rows on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import snapshot
from creditcoop.models import Role, Staff
from creditcoop.permissions import (
    require_may_write,
)
from villages.models import Member

from ..models import (
    CreditApplication,
    MemberConsent,
    RatingCampaign,
    RatingDecision,
)
from ..pipeline import STEPS, missing_items, row_complete
from ..rules import (
    RatingError,
    StaleApplicationError,
    _check_review_group,
)
from ._common import (
    TRACKED,
    S,
    _advance_one,
    _bulk_write,
    _record_many,
    _require_status,
    _share_scorecards,
    _stale_message,
)
from .applications import _apply_review
from .lines import _check_line


@transaction.atomic
def applications_decide(
    *, actor, applications: Iterable, held_on: date, members: Iterable, other_members: str = ""
) -> RatingDecision:
    """The cooperative rating group decides the grades (评定), recording who was present.

    A score below the lowest band ends the application: not a credit household.
    """
    require_may_write(actor)
    pks = [a.pk for a in applications]
    if not pks:
        raise RatingError(_("没有待评定的申请。"))
    apps = list(
        CreditApplication.objects.select_for_update(of=("self",))
        .select_related("village__cooperative", "scorecard", "applicant")
        .filter(pk__in=pks)
        .order_by("pk")
    )
    cooperative = apps[0].village.cooperative
    for app in apps:
        _check_review_group(actor, app.village)
        _require_status(app, S.DECISION)
    members = list(members)
    if not members and not other_members.strip():
        raise RatingError(_("请填写到会的评定小组成员。"))
    for m in members:
        if m.cooperative_id != cooperative.pk or not m.has_role(
            Role.REVIEW_GROUP, Role.DIRECTOR, Role.DEPUTY
        ):
            raise RatingError(_("%s 不是本社评定小组成员。") % m.name)
    if held_on > timezone.localdate():
        raise RatingError(_("评定日期不能晚于今天。"))
    decision = RatingDecision.objects.create(
        cooperative=cooperative,
        campaign=apps[0].campaign,
        held_on=held_on,
        other_members=other_members.strip(),
        recorded_by=actor,
    )
    decision.members.set(members)
    _share_scorecards(apps)
    now = timezone.now()
    records = []
    for app in apps:
        before, from_status = snapshot(app, TRACKED), app.status
        _apply_decision(app, actor, decision, now)
        records.append((app, before, from_status))
    written = _bulk_write(apps, list(STEPS[S.DECISION].fields))
    stale = [app for app in apps if app.pk not in written]
    if stale:
        # The rows are locked above; a miss means the data changed under us: decide nothing.
        raise StaleApplicationError(_stale_message(stale[0]))
    facts = decision_facts(decision, members)
    _record_many(records, actor=actor, action="decide", facts=facts)
    return decision


def decision_facts(decision: RatingDecision, members: list[Staff]) -> dict:
    """The sitting as the history shows it: its day and who was present."""
    return {
        "held_on": decision.held_on.isoformat(),
        "members": RatingDecision.present_text(members, decision.other_members),
    }


def _apply_decision(app, actor, decision, now):
    grade = app.scorecard.grade_for(app.score_total)
    app.decision, app.decided_at = decision, now
    app.grade = grade
    if grade:
        app.status = S.LINE_PROPOSAL
    else:
        app.status = S.REJECTED
        app.rejection_reason = _(
            "信用等级评定得分 %(total)s 分，低于 A 级最低分 %(min)s 分，未评为信用户。"
        ) % {"total": app.score_total, "min": app.scorecard.a_min}
        app.rejected_by, app.rejected_at = actor, now


@transaction.atomic
def applications_advance(
    *, actor, campaign: RatingCampaign, status: str, accept_previous: bool = False
) -> tuple[int, list[str]]:
    """Bulk action of the rating day: every complete row of `status` moves to the next step.

    With accept_previous the officer, review group and director adopt the previous step's
    amount for rows they have not filled in (the officer review keeps the initial scores).
    Rows that cannot move are left where they are and reported.
    """
    require_may_write(actor)
    step = STEPS.get(status)
    if step is None or step.may_move is None:
        raise RatingError(_("该环节不能批量转入下一步。"))
    # Who may move the step is a question of the village: a refusal moves nothing.
    step.may_move(actor, campaign.village)
    apps = list(
        CreditApplication.objects.select_for_update(of=("self",))
        .select_related("village__cooperative", "scorecard", "applicant", "household")
        .filter(campaign=campaign, status=status)
        .order_by("pk")
    )
    if not apps:
        return 0, []
    _share_scorecards(apps)
    counts = _draft_counts(apps) if status == S.DRAFT else None
    moved, skipped, records = [], [], []
    now = timezone.now()
    for app in apps:
        before = snapshot(app, TRACKED)
        try:
            # What depends on the row (the officer's grade against the amount, the
            # investigator approving) leaves that row where it is and reports it.
            if step.row_check is not None:
                step.row_check(actor, app)
            _move_row(app, actor, counts=counts, accept_previous=accept_previous, now=now)
        except RatingError as e:
            skipped.append(f"{app.applicant.name}：{e.message}")
        else:
            records.append((app, before, status))
            moved.append(app)
    if moved:
        written = _bulk_write(moved, list(step.fields))
        # Locked rows cannot change under us, but a row that did is reported, not written.
        skipped += [_stale_message(app) for app in moved if app.pk not in written]
        records = [r for r in records if r[0].pk in written]
        moved = [app for app in moved if app.pk in written]
        _record_many(records, actor=actor, action="advance")
    return len(moved), skipped


def _draft_counts(apps) -> dict[int, dict]:
    """Members and signed consents of every draft row, by application id, in two reads."""
    member_counts = dict(
        Member.objects.filter(household__in=[a.household_id for a in apps])
        .values_list("household_id")
        .annotate(n=Count("id"))
        .values_list("household_id", "n")
    )
    consent_counts = dict(
        MemberConsent.objects.filter(application__in=apps, consented=True)
        .values_list("application_id")
        .annotate(n=Count("id"))
        .values_list("application_id", "n")
    )
    return {
        app.pk: {
            "member_count": member_counts.get(app.household_id, 0),
            "consent_count": consent_counts.get(app.pk, 0),
        }
        for app in apps
    }


def _move_row(app, actor, *, counts, accept_previous, now) -> None:
    """Move one row of the rating day on, or raise RatingError saying why it stays."""
    status = app.status
    if status == S.DRAFT:
        missing = missing_items(app, **counts[app.pk])
        if missing:
            raise RatingError("、".join(missing))
    elif status == S.REVIEW:
        _apply_review(app, actor, None, "")  # keeps the committee's scores; moves it on
        return
    elif accept_previous:
        _accept_previous(app, actor, now)
    elif status == S.LINE_DIRECTOR:
        raise RatingError(_("请逐户核定或选择“按审贷小组意见核定”。"))
    if not row_complete(app):
        raise RatingError(_("本环节内容未填写"))
    if status == S.LINE_OFFICER:
        _check_line(app, app.officer_line, label=_("信贷员意见额度"))
    _advance_one(app)


def _accept_previous(app, actor, now) -> None:
    """Adopt the previous step's amount where this step's own is not filled in."""
    if app.status == S.LINE_OFFICER and app.officer_line is None:
        app.officer_line, _t = _check_line(app, app.proposed_line, label=_("信贷员意见额度"))
        app.officer_opinion, app.officer_line_by = _("同意村评审小组建议"), actor
    elif app.status == S.LINE_REVIEW and app.review_line is None:
        app.review_line, _t = _check_line(app, app.officer_line, label=_("审贷小组意见额度"))
        app.review_opinion, app.review_line_by = _("同意信贷员意见"), actor
    elif app.status == S.LINE_DIRECTOR:
        app.final_line, app.term_months = _check_line(
            app, app.review_line, app.proposed_term, label=_("核定额度")
        )
        app.line_set_by, app.line_set_at = actor, now
