"""One application from registration to the officer's review, and its rejection; campaigns."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record, snapshot
from creditcoop.models import Role
from creditcoop.permissions import (
    manages_village,
    officer_or_director,
    require_may_write,
    works_at,
)
from villages.credit import family_credit_review
from villages.models import Household, Member, Village

from ..models import (
    ApplicationEvent,
    CreditApplication,
    MemberConsent,
    RatingCampaign,
)
from ..pipeline import STEPS, missing_items
from ..rules import (
    RatingError,
    _check_may_investigate,
    _check_may_prepare,
    _check_may_register,
    _check_officer_grade,
    _committee_or_officer,
)
from ._common import (
    TRACKED,
    S,
    _advance_one,
    _lock,
    _money,
    _require_status,
    _save,
    _steps_follow,
)
from .scorecards import scorecard_current, scores_clean


@transaction.atomic
def campaign_create(
    *,
    actor,
    village: Village,
    year: int,
    rating_date: date | None = None,
    credit_date: date | None = None,
    certificate_date: date | None = None,
) -> RatingCampaign:
    require_may_write(actor)
    if not officer_or_director(actor, village):
        raise RatingError(_("只有该村包村信贷员或本社主任可以安排集中评级。"))
    schedule = _work_schedule(village)
    if schedule is not None:
        # The work schedule (工作配档表) fills what the form left empty.
        rating_date = rating_date or schedule.rating_date
        credit_date = credit_date or schedule.credit_date
        certificate_date = certificate_date or schedule.certificate_date
    if rating_date is None:
        raise RatingError(_("请填写集中评定日期（该村工作配档表中也没有）。"))
    if credit_date and credit_date < rating_date:
        raise RatingError(_("集中授信日期不能早于集中评定日期。"))
    if certificate_date and credit_date and certificate_date < credit_date:
        raise RatingError(_("集中办证日期不能早于集中授信日期。"))
    if RatingCampaign.objects.filter(village=village, year=year).exists():
        raise RatingError(
            _("%(village)s %(year)s 年已有集中评级批次。") % {"village": village, "year": year}
        )
    campaign = RatingCampaign.objects.create(
        village=village,
        year=year,
        rating_date=rating_date,
        credit_date=credit_date,
        certificate_date=certificate_date,
        officer=schedule.officer if schedule is not None else village.officer,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="ratings.campaign_create",
        obj=campaign,
        changes=snapshot(campaign, ["year", "rating_date", "credit_date", "certificate_date"]),
        cooperative=village.cooperative,
    )
    return campaign


def _work_schedule(village):
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return village.schedule
    except (ObjectDoesNotExist, AttributeError):
        return None


def _new_application(*, household, applicant, actor, requested_amount, campaign, scorecard):
    return CreditApplication(
        household=household,
        applicant=applicant,
        village=household.village,
        campaign=campaign,
        requested_amount=requested_amount,
        scorecard=scorecard,
        main_business=household.main_business,
        created_by=actor,
    )


@transaction.atomic
def application_create(
    *,
    actor,
    household: Household,
    applicant: Member,
    requested_amount,
    campaign: RatingCampaign | None = None,
    purpose: str = "",
) -> CreditApplication:
    """Register an application: in a village campaign, or a single walk-in (campaign=None)."""
    require_may_write(actor)
    village = household.village
    _check_may_register(actor, village)
    if applicant.household_id != household.pk:
        raise RatingError(_("申请人必须是该户的家庭成员。"))
    amount = _money(requested_amount, _("申请金额"))
    if amount <= 0:
        raise RatingError(_("申请金额必须大于0。"))
    if campaign is not None:
        if campaign.village_id != household.village_id:
            raise RatingError(_("该农户不属于此评级批次所在的村。"))
        if campaign.status != RatingCampaign.Status.OPEN:
            raise RatingError(_("该评级批次已结束。"))
    # Lock the household so two clerks cannot both register it.
    Household.objects.select_for_update().get(pk=household.pk)
    if household.credit_applications.filter(status__in=CreditApplication.OPEN_STATUSES).exists():
        raise RatingError(_("该户已有正在办理的评级申请。"))
    if campaign is not None and campaign.applications.filter(household=household).exists():
        # The rating group's grade is final for the campaign (a refusal included).
        raise RatingError(
            _("该户已在%(campaign)s中评级，本批次的评定结果为最终结果，不能再次申请。")
            % {"campaign": campaign}
        )
    app = _new_application(
        household=household,
        applicant=applicant,
        actor=actor,
        requested_amount=amount,
        campaign=campaign,
        scorecard=scorecard_current(),
    )
    app.purpose = purpose
    app.family_size = household.members.count()
    app.save()
    ApplicationEvent.objects.create(
        application=app,
        action="create",
        actor=actor,
        to_status=app.status,
        changes={"requested_amount": str(amount), "campaign": str(campaign or "")},
    )
    _steps_follow([(app, "")], actor=actor)
    audit_record(
        actor=actor,
        action="ratings.create",
        obj=app,
        changes={"requested_amount": str(amount), "applicant": applicant.name},
        cooperative=village.cooperative,
    )
    return app


@transaction.atomic
def campaign_add_households(*, campaign: RatingCampaign, actor, requested_amount) -> int:
    """Register every household of the village (head as applicant) not yet applying."""
    require_may_write(actor)
    campaign = (
        RatingCampaign.objects.select_for_update().select_related("village").get(pk=campaign.pk)
    )
    village = campaign.village
    _check_may_prepare(actor, village)
    if campaign.status != RatingCampaign.Status.OPEN:
        raise RatingError(_("该评级批次已结束。"))
    amount = _money(requested_amount, _("申请金额"))
    if amount <= 0:
        raise RatingError(_("申请金额必须大于0。"))
    busy = CreditApplication.objects.filter(
        Q(status__in=CreditApplication.OPEN_STATUSES) | Q(campaign=campaign),
        village=village,
    ).values("household_id")
    households = (
        Household.objects.filter(village=village)
        .exclude(pk__in=busy)
        .select_related("village")
        .order_by("group__number", "id")
    )
    heads = {
        m.household_id: m
        for m in Member.objects.filter(
            household__in=households, relation=Member.Relation.HEAD
        ).only("id", "household_id", "name")
    }
    from django.db.models import Count

    sizes = dict(
        Member.objects.filter(household__in=households)
        .values_list("household_id")
        .annotate(n=Count("id"))
        .values_list("household_id", "n")
    )
    scorecard = scorecard_current()
    apps = []
    for h in households:
        head = heads.get(h.pk)
        if head is None:
            continue
        app = _new_application(
            household=h,
            applicant=head,
            actor=actor,
            requested_amount=amount,
            campaign=campaign,
            scorecard=scorecard,
        )
        app.family_size = sizes.get(h.pk)
        apps.append(app)
    CreditApplication.objects.bulk_create(apps)
    ApplicationEvent.objects.bulk_create(
        ApplicationEvent(
            application=a,
            action="create",
            actor=actor,
            to_status=a.status,
            changes={"requested_amount": str(amount), "campaign": str(campaign)},
        )
        for a in apps
    )
    _steps_follow([(app, "") for app in apps], actor=actor)
    audit_record(
        actor=actor,
        action="ratings.campaign_add_households",
        obj=campaign,
        changes={"added": len(apps), "requested_amount": str(amount)},
        cooperative=village.cooperative,
    )
    return len(apps)


@transaction.atomic
def application_documents_update(
    *, application, actor, expected_version=None, values: dict
) -> CreditApplication:
    """Tick the document checklist (资料清单) and the separate publication consent."""
    require_may_write(actor)
    app = _lock(application, expected_version)
    _check_may_prepare(actor, app.village)
    _require_status(app, S.DRAFT)
    before, from_status = snapshot(app, TRACKED), app.status
    for field in CreditApplication.REQUIRED_DOCUMENTS:
        if field in values:
            setattr(app, field, bool(values[field]))
    if app.doc_credit_report and not app.doc_report_authorisation:
        raise RatingError(
            _("个人信用报告只能在取得“个人信用报告查询授权书”之后查询打印，请先收取授权书。")
        )
    return _save(
        app,
        actor=actor,
        action="documents",
        before=before,
        from_status=from_status,
        fields=CreditApplication.REQUIRED_DOCUMENTS,
    )


def history_check(app: CreditApplication) -> tuple[list[str], list[str]]:
    """(blocking reasons, other findings) for the applicant and every family member."""
    # The same check as granting and the counter: recorded bad credit and the sources later
    # layers register (the cooperative's own non-performing loans).
    problems, notes = family_credit_review(app.household, also=[app.applicant.id_number])
    return [str(p) for p in problems], notes


@transaction.atomic
def application_investigate(
    *,
    application,
    actor,
    expected_version=None,
    visit_date: date,
    visit_note: str,
    consents: dict,
    family_size=None,
    net_assets=None,
    annual_net_income=None,
    other_debt=None,
    main_business=None,
) -> CreditApplication:
    """Home visit (入户调查), family members' consent and the family credit history check.

    A blacklist, deliberate default, written-off or unsettled bad loan of the applicant
    or any family member ends the application with that reason.
    """
    require_may_write(actor)
    app = _lock(application, expected_version)
    _require_status(app, S.DRAFT)
    _check_may_investigate(actor, app)
    if visit_date is None:
        raise RatingError(_("请填写入户调查日期。"))
    if visit_date > timezone.localdate():
        raise RatingError(_("入户调查日期不能晚于今天。"))
    if not (visit_note or "").strip():
        raise RatingError(_("请填写调查情况。"))
    before, from_status = snapshot(app, TRACKED), app.status
    app.visit_date, app.visit_note = visit_date, visit_note.strip()
    if family_size is not None:
        app.family_size = family_size
    if net_assets is not None:
        app.net_assets = _money(net_assets, _("家庭净资产"))
    if annual_net_income is not None:
        app.annual_net_income = _money(annual_net_income, _("家庭年纯收入"))
    if other_debt is not None:
        app.other_debt = _money(other_debt, _("其他负债"))
        if app.other_debt < 0:
            raise RatingError(_("其他负债不能为负数。"))
    if main_business is not None:
        app.main_business = main_business
    app.investigated_by, app.investigated_at = actor, timezone.now()

    members = {m.pk: m for m in app.household.members.all()}
    for member_id, consented in consents.items():
        member = members.get(int(member_id))
        if member is None:
            raise RatingError(_("同意书中的成员不属于该户。"))
        MemberConsent.objects.update_or_create(
            application=app,
            member=member,
            defaults={"consented": bool(consented), "recorded_by": actor},
        )

    blocking, notes = history_check(app)
    app.history_checked_at = timezone.now()
    app.history_note = "\n".join(blocking + notes) or _("申请人及家庭成员均无不良信用记录。")
    action = "investigate"
    reason = ""
    if blocking:
        app.status = S.REJECTED
        app.rejection_reason = _("家庭信用核查未通过：") + "；".join(blocking) + "。"
        app.rejected_by, app.rejected_at = actor, timezone.now()
        action, reason = "history_block", app.rejection_reason
    _save(app, actor=actor, action=action, before=before, from_status=from_status, reason=reason)
    return app


@transaction.atomic
def application_submit(*, application, actor, expected_version=None) -> CreditApplication:
    """资料齐全、调查完成 → to the committee's initial rating."""
    require_may_write(actor)
    app = _lock(application, expected_version)
    _check_may_prepare(actor, app.village)
    _require_status(app, S.DRAFT)
    missing = missing_items(app)
    if missing:
        raise RatingError(_("还不能提交评级，缺少：") + "、".join(missing))
    before, from_status = snapshot(app, TRACKED), app.status
    app.status = S.INITIAL
    return _save(app, actor=actor, action="submit", before=before, from_status=from_status)


@transaction.atomic
def application_initial_rate(
    *, application, actor, scores: dict, expected_version=None, advance=False
) -> CreditApplication:
    """Committee initial rating (初评), by a committee member or the officer on its behalf."""
    require_may_write(actor)
    app = _lock(application, expected_version)
    on_behalf = _committee_or_officer(actor, app.village)
    _require_status(app, S.INITIAL)
    clean, total = scores_clean(app.scorecard, scores, partial=not advance)
    before, from_status = snapshot(app, TRACKED), app.status
    app.initial_scores, app.initial_total = clean, total
    app.initial_grade = app.scorecard.grade_for(total) if total is not None else ""
    app.initial_by, app.initial_on_behalf, app.initial_at = actor, on_behalf, timezone.now()
    if advance:
        _advance_one(app)
    return _save(app, actor=actor, action="initial", before=before, from_status=from_status)


@transaction.atomic
def application_review(
    *, application, actor, expected_version=None, scores: dict | None = None, reason: str = ""
) -> CreditApplication:
    """Officer review (审核): keeps or changes the scores; a change needs a written reason."""
    require_may_write(actor)
    app = _lock(application, expected_version)
    _require_status(app, S.REVIEW)
    _check_may_investigate(actor, app)
    before, from_status = snapshot(app, TRACKED), app.status
    _apply_review(app, actor, scores, reason)
    return _save(
        app,
        actor=actor,
        action="review",
        before=before,
        from_status=from_status,
        reason=reason.strip(),
    )


def _apply_review(app, actor, scores, reason):
    if scores is None:
        scores = app.initial_scores
    clean, total = scores_clean(app.scorecard, scores)
    if clean != app.initial_scores and not (reason or "").strip():
        raise RatingError(_("调整村评审小组的初评分数必须写明理由。"))
    app.reviewed_scores, app.reviewed_total = clean, total
    app.review_reason = (reason or "").strip()
    app.reviewed_by, app.reviewed_at = actor, timezone.now()
    app.status = S.DECISION


def _check_may_reject(actor, app):
    village = app.village
    early = app.status in (S.DRAFT, S.INITIAL, S.REVIEW)
    if not works_at(actor, village.cooperative_id, Role.REVIEW_GROUP, Role.DIRECTOR, Role.DEPUTY):
        if not (early and manages_village(actor, village)):
            raise RatingError(
                _(
                    "您无权否决该申请：调查、初评和审核环节由该村包村信贷员否决，"
                    "其余环节由本社评定小组（审贷小组）成员或主任否决。"
                )
            )
        # The officer may end only what their grade lets them investigate and review.
        _check_officer_grade(actor, app)


def application_may_act(actor, app) -> bool:
    """Whether the page should offer `actor` the form of the application's current step."""
    step = STEPS.get(app.status)
    if actor.is_read_only or step is None:
        return False
    try:
        step.may_act(actor, app)
    except RatingError:
        return False
    return True


def application_may_reject(actor, app) -> bool:
    if actor.is_read_only or not app.is_open:
        return False
    try:
        _check_may_reject(actor, app)
    except RatingError:
        return False
    return True


@transaction.atomic
def application_reject(*, application, actor, reason: str, expected_version=None):
    """End an application with a reason the household is told (printable)."""
    require_may_write(actor)
    app = _lock(application, expected_version)
    if not app.is_open:
        raise RatingError(_("该申请已办结，不能否决。"))
    _check_may_reject(actor, app)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise RatingError(_("请写明不予评级或授信的原因（将告知农户）。"))
    before, from_status = snapshot(app, TRACKED), app.status
    app.status = S.REJECTED
    app.rejection_reason = reason
    app.rejected_by, app.rejected_at = actor, timezone.now()
    return _save(
        app, actor=actor, action="reject", before=before, from_status=from_status, reason=reason
    )


@transaction.atomic
def campaign_close(*, campaign: RatingCampaign, actor) -> RatingCampaign:
    require_may_write(actor)
    campaign = (
        RatingCampaign.objects.select_for_update().select_related("village").get(pk=campaign.pk)
    )
    _check_may_prepare(actor, campaign.village)
    open_count = campaign.applications.filter(status__in=CreditApplication.OPEN_STATUSES).count()
    if open_count:
        raise RatingError(_("还有 %s 户未办结，不能结束本批次。") % open_count)
    campaign.status = RatingCampaign.Status.CLOSED
    campaign.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="ratings.campaign_close",
        obj=campaign,
        cooperative=campaign.village.cooperative,
    )
    return campaign
