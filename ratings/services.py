"""Writes for household credit rating and credit lines.

Every function is one transaction: lock the application, check the actor and the
transition, write, keep a history row (ApplicationEvent) and an audit record.
Rules are in DOMAIN §2 and the officer grades under "Who uses it".

Time limits (限时办结, DOMAIN §5): every step of the pipeline runs under the service
hall's deadline engine. Each step change is recorded by ``_save`` (one application) or
``_record_many`` (a bulk step of the rating day), and both call ``_steps_follow``: the
clock of the step left is stopped (with the reason: moved on, or rejected) and the clock
of the step entered is opened with its ``RatingStepLimit`` — inside the same
transaction. Registration opens the first step's clock.

Bulk steps (the rating day's "move all complete rows on", the rating group's decision)
are set-based: the rows are locked with one read, written with one guarded UPDATE
(``_bulk_write``: a row whose version changed since it was read is not written and is
reported), and their history, audit rows and clocks are written with a few statements
whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record, diff, snapshot
from creditcoop.deadlines.accountability import reference_rate
from creditcoop.deadlines.engine import (
    DeadlineSpec,
    deadline_open_many,
    deadline_stop_many,
)
from creditcoop.errors import DomainError
from creditcoop.models import Role, Staff
from creditcoop.money import to_fen
from creditcoop.permissions import (
    cooperative_director,
    manages_village,
    officer_or_director,
    require_may_write,
    sits_on_committee,
    works_at,
)
from creditcoop.workflow import Move, record_many
from creditcoop.workflow import record as record_move
from villages.credit import family_credit_review
from villages.models import Household, Member, Village

from .models import (
    ApplicationEvent,
    CreditApplication,
    Grade,
    MemberConsent,
    RatingCampaign,
    RatingDecision,
    RatingStepLimit,
    Scorecard,
    ScoreIndicator,
    ScoreOption,
    StepRole,
)

S = CreditApplication.Status


class RatingError(DomainError):
    """A rating rule refused the action; the message is meant for the user (Chinese)."""


class StaleApplicationError(RatingError):
    """Someone else saved the application after this form was loaded."""


# ---------------------------------------------------------------------------
# Who may do what
# ---------------------------------------------------------------------------


def _check_may_register(actor, village):
    if not works_at(actor, village.cooperative_id, Role.OFFICER, Role.DIRECTOR, Role.DEPUTY):
        raise RatingError(_("只有本社信贷员或主任可以登记评级申请。"))


def _check_may_prepare(actor, village):
    """Documents, submission: the village's officer or the director/deputy."""
    if not officer_or_director(actor, village):
        raise RatingError(_("只有该村包村信贷员或本社主任可以办理此项。"))


def _check_may_investigate(actor, application):
    _check_village_officer(actor, application.village)
    _check_officer_grade(actor, application)


def _check_village_officer(actor, village):
    if not manages_village(actor, village):
        raise RatingError(_("只有该村的包村信贷员可以入户调查和审核。"))


def _check_officer_grade(actor, application):
    """Grade 1: any amount; grade 2: the cooperative's small band only; grade 3: never."""
    village = application.village
    if not actor.officer_may_investigate(application.requested_amount, village.cooperative):
        if actor.officer_grade == 2:
            raise RatingError(
                _("二级信贷员只能调查小额贷款（不超过 %(max)s 元），本申请 %(amount)s 元。")
                % {
                    "max": village.cooperative.small_loan_max,
                    "amount": application.requested_amount,
                }
            )
        raise RatingError(_("三级信贷员不得从事贷款调查。"))


def _committee_or_officer(actor, village) -> bool:
    """Committee entry: a committee member of this village, or its officer on their behalf.

    Returns True when the officer enters on the committee's behalf.
    """
    if sits_on_committee(actor, village):
        return False
    if manages_village(actor, village):
        return True
    raise RatingError(_("只有本村信用评审小组成员或包村信贷员（代录）可以录入。"))


def _check_review_group(actor, village):
    if not works_at(actor, village.cooperative_id, Role.REVIEW_GROUP, Role.DIRECTOR, Role.DEPUTY):
        raise RatingError(_("只有本社评定小组（审贷小组）成员可以办理此项。"))


def _check_director(actor, village):
    if not works_at(actor, village.cooperative_id, Role.DIRECTOR, Role.DEPUTY):
        raise RatingError(_("只有本社主任（副主任）可以核定授信额度。"))


def _check_approver(actor, application):
    _check_director(actor, application.village)
    if application.investigated_by_id and application.investigated_by_id == actor.pk:
        raise RatingError(_("调查人不得审批同一笔授信（审贷分离）。"))


# ---------------------------------------------------------------------------
# History and locking
# ---------------------------------------------------------------------------

TRACKED = [
    "status",
    "requested_amount",
    *CreditApplication.REQUIRED_DOCUMENTS,
    "family_size",
    "net_assets",
    "annual_net_income",
    "other_debt",
    "main_business",
    "visit_date",
    "visit_note",
    "initial_scores",
    "initial_total",
    "initial_grade",
    "reviewed_scores",
    "reviewed_total",
    "grade",
    "proposed_line",
    "proposed_term",
    "officer_line",
    "officer_opinion",
    "review_line",
    "review_opinion",
    "final_line",
    "term_months",
    "rejection_reason",
]


def _lock(application, expected_version=None) -> CreditApplication:
    app = (
        CreditApplication.objects.select_for_update(of=("self",))
        .select_related("village__cooperative", "scorecard", "household", "applicant")
        .get(pk=application.pk)
    )
    if expected_version is not None and int(expected_version) != app.version:
        raise StaleApplicationError(
            _(
                "保存失败：%(name)s 的申请已被他人修改（您打开的是第 %(mine)s 版，当前是第 %(now)s 版）。"
                "请刷新页面查看最新内容后再修改。"
            )
            % {"name": app.applicant.name, "mine": expected_version, "now": app.version}
        )
    return app


def _require_status(app, *statuses):
    if app.status not in statuses:
        raise RatingError(
            _("%(name)s 的申请当前处于“%(status)s”，不能办理此项。")
            % {"name": app.applicant.name, "status": app.get_status_display()}
        )


def _save(app, *, actor, action, before, from_status, reason="", fields=None):
    if app.status != from_status:
        CreditApplication.workflow.check(from_status, app.status)
    app.version += 1
    app.save(update_fields=None if fields is None else [*fields, "version", "updated_at"])
    changes = diff(before, snapshot(app, TRACKED))
    record_move(
        Move(
            app,
            from_status,
            app.status,
            actor,
            reason,
            changes,
            f"ratings.{action}",
            cooperative=app.village.cooperative,
        )
    )
    _steps_follow([(app, from_status)], actor=actor)
    return app


def _record_many(
    apps_before: list[tuple[CreditApplication, dict, str]],
    *,
    actor,
    action,
    reason="",
    facts: dict | None = None,
):
    """History, audit rows and step clocks for a bulk step, each written set-wise.

    ``facts`` (plain values, e.g. the members present at a sitting) go into every row's
    changes beside the field changes.
    """
    moves = []
    for app, before, from_status in apps_before:
        if app.status != from_status:
            CreditApplication.workflow.check(from_status, app.status)
        changes = {**diff(before, snapshot(app, TRACKED)), **(facts or {})}
        moves.append(
            Move(
                app,
                from_status,
                app.status,
                actor,
                reason,
                changes,
                f"ratings.{action}",
                cooperative=app.village.cooperative_id,
            )
        )
    record_many(moves)
    _steps_follow([(app, from_status) for app, _before, from_status in apps_before], actor=actor)


# What each bulk step writes besides status, version and updated_at.
STEP_FIELDS = {
    S.DRAFT: [],
    S.INITIAL: [],
    S.REVIEW: ["reviewed_scores", "reviewed_total", "review_reason", "reviewed_by", "reviewed_at"],
    S.DECISION: [
        "grade",
        "decision",
        "decided_at",
        "rejection_reason",
        "rejected_by",
        "rejected_at",
    ],
    S.LINE_PROPOSAL: [],
    S.LINE_OFFICER: ["officer_line", "officer_opinion", "officer_line_by"],
    S.LINE_REVIEW: ["review_line", "review_opinion", "review_line_by"],
    S.LINE_DIRECTOR: ["final_line", "term_months", "line_set_by", "line_set_at"],
}

_BULK_BATCH = 1000


def _bulk_write(apps: list[CreditApplication], fields: list[str]) -> set[int]:
    """Save `status` and `fields` of every application still at the version read; bump it.

    The optimistic check of a single save, set-wise: one ``UPDATE … FROM (VALUES …)
    WHERE version = <version read>`` per 1,000 rows. A row saved by someone else since
    it was read is left as it is. Returns the ids written (their ``version`` and
    ``updated_at`` are updated in memory too).
    """
    if not apps:
        return set()
    meta = CreditApplication._meta
    columns = [meta.get_field(f) for f in ["status", *fields]]
    qn = connection.ops.quote_name
    assign = ", ".join(
        f"{qn(f.column)} = CAST(v.{qn(f.column)} AS {f.db_type(connection)})" for f in columns
    )
    names = ", ".join(["id", "expected_version", *(qn(f.column) for f in columns)])
    row = "(" + ", ".join(["%s"] * (2 + len(columns))) + ")"
    now = timezone.now()
    written = set()
    with connection.cursor() as cur:
        for start in range(0, len(apps), _BULK_BATCH):
            chunk = apps[start : start + _BULK_BATCH]
            params = [now]
            for app in chunk:
                params += [app.pk, app.version]
                params += [f.get_db_prep_save(getattr(app, f.attname), connection) for f in columns]
            # Only names from the model's metadata are formatted in; values are parameters.
            sql = (
                f"UPDATE {qn(meta.db_table)} AS a "  # noqa: S608
                f"SET version = a.version + 1, updated_at = %s, {assign} "
                f"FROM (VALUES {', '.join([row] * len(chunk))}) AS v({names}) "
                "WHERE a.id = v.id AND a.version = v.expected_version RETURNING a.id"
            )
            cur.execute(sql, params)
            written.update(pk for (pk,) in cur.fetchall())
    for app in apps:
        if app.pk in written:
            app.version += 1
            app.updated_at = now
    return written


def _stale_message(app) -> str:
    return _("%(name)s 的申请已被他人修改，未转入，请刷新后重试。") % {"name": app.applicant.name}


def _share_scorecards(apps):
    """Rows of one campaign share one or two scorecard versions: one instance (and one
    indicator cache) per version instead of one per row."""
    cards = {}
    for app in apps:
        app.scorecard = cards.setdefault(app.scorecard_id, app.scorecard)


# ---------------------------------------------------------------------------
# Time limits per step (deadline engine)
# ---------------------------------------------------------------------------


def step_deadline_kind(status: str) -> str:
    """The deadline kind of a rating step, e.g. ``rating_initial``."""
    return f"rating_{status}"


def _stop_reason(app) -> str:
    if app.status == S.REJECTED:
        return _("未通过：%s") % app.rejection_reason
    if app.status == S.LINE_SET:
        return _("主任已核定授信额度")
    return _("已转入“%s”") % S(app.status).label


def _steps_follow(moves: list[tuple[CreditApplication, str]], *, actor) -> None:
    """Stop the clock of the step each application left, open the one it entered.

    ``moves`` holds (application, status before); unchanged statuses are skipped. The
    limit, the responsible person and the rate are looked up once per call, and the
    clocks are stopped and opened with the engine's set-based calls (one stop per step
    left, one open for all), so a bulk step of 500 rows costs what a step of 5 costs.
    """
    moves = [(app, before) for app, before in moves if app.status != before]
    if not moves:
        return
    entering = {app.status for app, _before in moves if app.status in CreditApplication.NEXT}
    limits = {lim.step: lim for lim in RatingStepLimit.objects.filter(step__in=entering)}
    rate = reference_rate() if limits else None
    people: dict[tuple, Staff | None] = {}

    def responsible(app, limit):
        village = app.village
        key = (limit.responsible_role, village.pk)
        if key not in people:
            person = None
            if limit.responsible_role == StepRole.VILLAGE_OFFICER and village.officer_id:
                person = Staff.objects.filter(
                    pk=village.officer_id, is_active=True, officer_grade__in=[1, 2]
                ).first()
            # A village without an (active) officer, or whose officer is of grade 3 and
            # may not investigate: the director answers for the step (and assigns it).
            people[key] = person or cooperative_director(village.cooperative_id)
        return people[key]

    leaving: dict[str, list] = {}
    for app, before in moves:
        if before in CreditApplication.NEXT:
            leaving.setdefault(before, []).append(app)
    items = []
    for app, _before in moves:
        limit = limits.get(app.status)
        if limit is None:
            continue
        person = responsible(app, limit)
        if person is None:
            continue  # nobody can answer for it: a cooperative without a director
        items.append(
            DeadlineSpec(
                target=app,
                kind=step_deadline_kind(app.status),
                responsible=person,
                cooperative=app.village.cooperative_id,
                working_days=limit.working_days,
                amount=app.requested_amount,
                annual_rate=rate,
                title=f"{S(app.status).label} {app.applicant.name}（{app.village.name}）",
            )
        )
    # Rows registered before step clocks existed have none running: nothing to stop.
    for before, apps in leaving.items():
        deadline_stop_many(
            targets=apps, kind=step_deadline_kind(before), reason=_stop_reason, actor=actor
        )
    deadline_open_many(items=items, actor=actor)


# ---------------------------------------------------------------------------
# Scorecards
# ---------------------------------------------------------------------------

DEFAULT_INDICATORS = [
    (
        "reputation",
        "信誉状况",
        ScoreIndicator.Kind.CHOICE,
        "",
        [("好（遵纪守法、邻里评价高）", 20), ("较好", 15), ("一般", 8), ("差", 0)],
    ),
    (
        "repayment",
        "还款记录",
        ScoreIndicator.Kind.CHOICE,
        "",
        [("无借款或按期还款", 20), ("曾逾期已结清", 10), ("有欠息或逾期未还", 0)],
    ),
    (
        "income_per_person",
        "家庭人均纯收入",
        ScoreIndicator.Kind.RANGE,
        "元",
        [
            ("2万元及以上", 20, 20000, None),
            ("1万至2万元", 15, 10000, 20000),
            ("5千至1万元", 10, 5000, 10000),
            ("5千元以下", 5, None, 5000),
        ],
    ),
    (
        "net_assets",
        "家庭净资产",
        ScoreIndicator.Kind.RANGE,
        "元",
        [
            ("20万元及以上", 15, 200000, None),
            ("10万至20万元", 12, 100000, 200000),
            ("5万至10万元", 8, 50000, 100000),
            ("5万元以下", 4, None, 50000),
        ],
    ),
    (
        "labour",
        "劳动力与技能",
        ScoreIndicator.Kind.CHOICE,
        "",
        [("劳力充足、有专长", 15), ("劳力一般", 10), ("劳力弱", 5)],
    ),
    (
        "debt_ratio",
        "资产负债率",
        ScoreIndicator.Kind.RANGE,
        "%",
        [
            ("30%以下", 10, None, 30),
            ("30%至50%", 6, 30, 50),
            ("50%至70%", 3, 50, 70),
            ("70%及以上", 0, 70, None),
        ],
    ),
]


def scorecard_current() -> Scorecard:
    """The active scorecard; the default one (DOMAIN §2) is created on first use."""
    sc = Scorecard.objects.filter(status=Scorecard.Status.ACTIVE).first()
    if sc is None:
        sc = scorecard_create_default()
    return sc


def scorecard_create_default(*, actor=None) -> Scorecard:
    try:
        with transaction.atomic():
            if Scorecard.objects.filter(status=Scorecard.Status.ACTIVE).exists():
                return Scorecard.objects.get(status=Scorecard.Status.ACTIVE)
            version = (Scorecard.objects.aggregate(m=Max("version"))["m"] or 0) + 1
            sc = Scorecard.objects.create(
                version=version,
                status=Scorecard.Status.ACTIVE,
                created_by=actor,
                published_at=timezone.now(),
                note="默认评分卡：满分100分，≥80 AAA，70–79 AA，60–69 A。",
            )
            for order, (code, name, kind, unit, options) in enumerate(DEFAULT_INDICATORS):
                ind = ScoreIndicator.objects.create(
                    scorecard=sc, code=code, name=name, kind=kind, unit=unit, order=order
                )
                for i, opt in enumerate(options):
                    low = high = None
                    if len(opt) == 4:
                        low, high = opt[2], opt[3]
                    ScoreOption.objects.create(
                        indicator=ind, label=opt[0], points=opt[1], low=low, high=high, order=i
                    )
            audit_record(actor=actor, action="ratings.scorecard_create", obj=sc)
            return sc
    except IntegrityError:
        return Scorecard.objects.get(status=Scorecard.Status.ACTIVE)


@transaction.atomic
def scorecard_new_version(*, scorecard: Scorecard, actor) -> Scorecard:
    """Copy a scorecard into a new draft version; the original never changes."""
    source = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    version = (Scorecard.objects.aggregate(m=Max("version"))["m"] or 0) + 1
    copy = Scorecard.objects.create(
        name=source.name,
        version=version,
        status=Scorecard.Status.DRAFT,
        aaa_min=source.aaa_min,
        aa_min=source.aa_min,
        a_min=source.a_min,
        aaa_max_line=source.aaa_max_line,
        aa_max_line=source.aa_max_line,
        a_max_line=source.a_max_line,
        income_cap_ratio=source.income_cap_ratio,
        max_term_months=source.max_term_months,
        note=f"由第{source.version}版复制",
        created_by=actor,
    )
    for ind in source.indicators.prefetch_related("options"):
        new_ind = ScoreIndicator.objects.create(
            scorecard=copy,
            code=ind.code,
            name=ind.name,
            kind=ind.kind,
            unit=ind.unit,
            order=ind.order,
        )
        ScoreOption.objects.bulk_create(
            ScoreOption(
                indicator=new_ind,
                label=o.label,
                points=o.points,
                low=o.low,
                high=o.high,
                order=o.order,
            )
            for o in ind.options.all()
        )
    audit_record(
        actor=actor,
        action="ratings.scorecard_new_version",
        obj=copy,
        changes={"from_version": source.version},
    )
    return copy


@transaction.atomic
def scorecard_publish(*, scorecard: Scorecard, actor) -> Scorecard:
    """Put a draft into use; the previously active version is retired (its ratings keep it)."""
    sc = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    if sc.status != Scorecard.Status.DRAFT:
        raise RatingError(_("只有草稿状态的评分卡可以启用。"))
    indicators = list(sc.indicators.prefetch_related("options"))
    if not indicators:
        raise RatingError(_("评分卡至少需要一个评分指标。"))
    empty = [i.name for i in indicators if not i.options.all()]
    if empty:
        raise RatingError(_("以下指标没有评分选项：%s") % "、".join(empty))
    total = sum(i.max_points for i in indicators)
    if total < sc.aaa_min:
        raise RatingError(
            _("各指标最高分合计 %(total)s 分，达不到 AAA 最低分 %(min)s 分。")
            % {"total": total, "min": sc.aaa_min}
        )
    old = list(Scorecard.objects.select_for_update().filter(status=Scorecard.Status.ACTIVE))
    Scorecard.objects.filter(pk__in=[o.pk for o in old]).update(status=Scorecard.Status.RETIRED)
    sc.status = Scorecard.Status.ACTIVE
    sc.published_at = timezone.now()
    sc.save(update_fields=["status", "published_at"])
    audit_record(
        actor=actor,
        action="ratings.scorecard_publish",
        obj=sc,
        changes={"retired": [o.version for o in old]},
    )
    return sc


def scores_clean(scorecard: Scorecard, scores: dict, *, partial=False) -> tuple[dict, int | None]:
    """Validate {indicator code: points}; returns (clean scores, total or None if incomplete)."""
    indicators = _indicators(scorecard)
    clean = {}
    for ind in indicators:
        raw = scores.get(ind.code)
        if raw in (None, ""):
            if partial:
                continue
            raise RatingError(_("请为“%s”评分。") % ind.name)
        try:
            points = int(raw)
        except (TypeError, ValueError):
            raise RatingError(_("“%s”的分值无效。") % ind.name)
        allowed = {o.points for o in ind.options.all()}
        if points not in allowed:
            raise RatingError(
                _("“%(name)s”的分值只能是 %(allowed)s。")
                % {"name": ind.name, "allowed": "、".join(str(p) for p in sorted(allowed))}
            )
        clean[ind.code] = points
    unknown = set(scores) - {i.code for i in indicators}
    if unknown:
        raise RatingError(
            _("评分卡第%s版中没有这些指标：") % scorecard.version + "、".join(unknown)
        )
    total = sum(clean.values()) if len(clean) == len(indicators) else None
    return clean, total


def _indicators(scorecard):
    cache = getattr(scorecard, "_indicator_cache", None)
    if cache is None:
        cache = list(scorecard.indicators.prefetch_related("options"))
        scorecard._indicator_cache = cache
    return cache


# ---------------------------------------------------------------------------
# Campaigns and applications
# ---------------------------------------------------------------------------


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


def _money(value, label) -> Decimal:
    try:
        return to_fen(Decimal(str(value).replace(",", "").strip()))
    except (InvalidOperation, ValueError, TypeError):
        raise RatingError(_("%s不是有效的金额。") % label)


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


def missing_items(app: CreditApplication, *, member_count=None, consent_count=None) -> list[str]:
    """What still keeps a draft application from going to rating (shown on the page)."""
    missing = app.missing_documents()
    if app.investigated_at is None:
        missing.append(str(_("入户调查")))
    else:
        if member_count is None:
            member_count = app.household.members.count()
        if consent_count is None:
            consent_count = app.consents.filter(consented=True).count()
        if consent_count < member_count:
            missing.append(
                _("家庭成员签字同意（%(n)s/%(total)s）")
                % {"n": consent_count, "total": member_count}
            )
        if app.annual_net_income is None:
            missing.append(str(_("家庭年纯收入")))
    if app.history_checked_at is None:
        missing.append(str(_("家庭信用核查")))
    return missing


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
    written = _bulk_write(apps, STEP_FIELDS[S.DECISION])
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


def _check_line(app, amount, term=None, *, label) -> tuple[Decimal, int | None]:
    amount = _money(amount, label)
    if amount <= 0:
        raise RatingError(_("%s必须大于0；不予授信请使用“否决”并写明原因。") % label)
    grade_max = app.scorecard.max_line_for(app.grade)
    if amount > grade_max:
        raise RatingError(
            _("%(label)s %(amount)s 元超过 %(grade)s 级最高授信额度 %(max)s 元。")
            % {"label": label, "amount": amount, "grade": app.grade, "max": grade_max}
        )
    income_cap = app.income_cap
    if income_cap is not None and amount > income_cap:
        raise RatingError(
            _("%(label)s %(amount)s 元超过家庭年纯收入扣除其他负债后的 %(pct)s%%（%(cap)s 元）。")
            % {
                "label": label,
                "amount": amount,
                "pct": int(app.scorecard.income_cap_ratio * 100),
                "cap": income_cap,
            }
        )
    if term is not None:
        try:
            term = int(term)
        except (TypeError, ValueError):
            raise RatingError(_("授信期限无效。"))
        if not 1 <= term <= app.scorecard.max_term_months:
            raise RatingError(_("授信期限应为 1 至 %s 个月。") % app.scorecard.max_term_months)
    return amount, term


@transaction.atomic
def application_line_propose(
    *, application, actor, amount, term_months, expected_version=None, advance=False
) -> CreditApplication:
    """The village committee's proposed line (初步授信), or the officer on its behalf."""
    require_may_write(actor)
    app = _lock(application, expected_version)
    _committee_or_officer(actor, app.village)
    _require_status(app, S.LINE_PROPOSAL)
    amount, term = _check_line(app, amount, term_months, label=_("建议额度"))
    before, from_status = snapshot(app, TRACKED), app.status
    app.proposed_line, app.proposed_term, app.proposed_by = amount, term, actor
    if advance:
        _advance_one(app)
    return _save(app, actor=actor, action="proposal", before=before, from_status=from_status)


@transaction.atomic
def application_line_officer(
    *, application, actor, amount, opinion="", expected_version=None, advance=False
) -> CreditApplication:
    require_may_write(actor)
    app = _lock(application, expected_version)
    _require_status(app, S.LINE_OFFICER)
    _check_may_investigate(actor, app)
    amount, _term = _check_line(app, amount, label=_("信贷员意见额度"))
    before, from_status = snapshot(app, TRACKED), app.status
    app.officer_line, app.officer_opinion, app.officer_line_by = amount, opinion.strip(), actor
    if advance:
        _advance_one(app)
    return _save(app, actor=actor, action="officer_line", before=before, from_status=from_status)


@transaction.atomic
def application_line_review(
    *, application, actor, amount, opinion="", expected_version=None, advance=False
) -> CreditApplication:
    require_may_write(actor)
    app = _lock(application, expected_version)
    _require_status(app, S.LINE_REVIEW)
    if not works_at(actor, app.village.cooperative_id, Role.REVIEW_GROUP):
        raise RatingError(_("只有本社审贷小组成员可以提出审贷意见。"))
    amount, _term = _check_line(app, amount, label=_("审贷小组意见额度"))
    before, from_status = snapshot(app, TRACKED), app.status
    app.review_line, app.review_opinion, app.review_line_by = amount, opinion.strip(), actor
    if advance:
        _advance_one(app)
    return _save(app, actor=actor, action="review_line", before=before, from_status=from_status)


@transaction.atomic
def application_line_final(
    *, application, actor, amount, term_months, expected_version=None
) -> CreditApplication:
    """The director's final line (核定): never above the grade maximum or the income cap."""
    require_may_write(actor)
    app = _lock(application, expected_version)
    _require_status(app, S.LINE_DIRECTOR)
    _check_approver(actor, app)
    amount, term = _check_line(app, amount, term_months, label=_("核定额度"))
    before, from_status = snapshot(app, TRACKED), app.status
    app.final_line, app.term_months = amount, term
    app.line_set_by, app.line_set_at = actor, timezone.now()
    app.status = S.LINE_SET
    return _save(app, actor=actor, action="final_line", before=before, from_status=from_status)


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


def _step_check(status):
    """Who may act on an application waiting in `status` (the same checks the step's
    service makes before it writes)."""
    return {
        S.DRAFT: lambda actor, app: _check_may_prepare(actor, app.village),
        S.INITIAL: lambda actor, app: _committee_or_officer(actor, app.village),
        S.REVIEW: _check_may_investigate,
        S.DECISION: lambda actor, app: _check_review_group(actor, app.village),
        S.LINE_PROPOSAL: lambda actor, app: _committee_or_officer(actor, app.village),
        S.LINE_OFFICER: _check_may_investigate,
        S.LINE_REVIEW: lambda actor, app: _check_line_review_role(actor, app.village),
        S.LINE_DIRECTOR: _check_approver,
    }.get(status)


def application_may_act(actor, app) -> bool:
    """Whether the page should offer `actor` the form of the application's current step."""
    check = _step_check(app.status)
    if actor.is_read_only or check is None:
        return False
    try:
        check(actor, app)
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
def application_line_revise(
    *, application, actor, reason: str, new_line=None, new_grade=None
) -> CreditApplication:
    """Revise grade and/or line after an upheld objection during the public notice.

    Same caps as the director's line (grade maximum, income cap); the application stays
    in "line_set" with the revised values; history and audit keep old → new and why.
    """
    require_may_write(actor)
    app = _lock(application)
    _require_status(app, S.LINE_SET)
    _check_approver(actor, app)
    reason = (reason or "").strip()
    if not reason:
        raise RatingError(_("请写明调整理由。"))
    if new_line is None and new_grade is None:
        raise RatingError(_("请给出调整后的等级或额度。"))
    before, from_status = snapshot(app, TRACKED), app.status
    if new_grade is not None:
        if new_grade not in Grade.values:
            raise RatingError(_("等级只能是 AAA、AA 或 A；不再授信请从公示中撤下并否决。"))
        app.grade = new_grade
    line = app.final_line if new_line is None else new_line
    try:
        line, _term = _check_line(app, line, label=_("调整后额度"))
    except RatingError as e:
        if new_line is None:
            raise RatingError(
                _("调整等级后原额度 %(line)s 元超出上限，请同时给出新的授信额度。%(detail)s")
                % {"line": app.final_line, "detail": e.message}
            )
        raise
    app.final_line = line
    app.line_set_by, app.line_set_at = actor, timezone.now()
    return _save(
        app, actor=actor, action="revise", before=before, from_status=from_status, reason=reason
    )


# ---------------------------------------------------------------------------
# Concentrated rating day: move complete rows on
# ---------------------------------------------------------------------------


def _advance_one(app):
    app.status = CreditApplication.NEXT[app.status]


def row_complete(app: CreditApplication, **counts) -> bool:
    """Whether a row has what its current step needs to move on."""
    if app.status == S.DRAFT:
        return not missing_items(app, **counts)
    if app.status == S.INITIAL:
        return app.initial_total is not None
    if app.status == S.LINE_PROPOSAL:
        return app.proposed_line is not None and app.proposed_term is not None
    if app.status == S.LINE_OFFICER:
        return app.officer_line is not None
    if app.status == S.LINE_REVIEW:
        return app.review_line is not None
    return app.status in (S.REVIEW, S.LINE_DIRECTOR)


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
    if status not in CreditApplication.NEXT or status == S.DECISION:
        raise RatingError(_("该环节不能批量转入下一步。"))
    village = campaign.village
    # Who may move the step is a question of the village: a refusal moves nothing.
    {
        S.DRAFT: _check_may_prepare,
        S.INITIAL: _committee_or_officer,
        S.REVIEW: _check_village_officer,
        S.LINE_PROPOSAL: _committee_or_officer,
        S.LINE_OFFICER: _check_village_officer,
        S.LINE_REVIEW: _check_line_review_role,
        S.LINE_DIRECTOR: _check_director,
    }[status](actor, village)
    apps = list(
        CreditApplication.objects.select_for_update(of=("self",))
        .select_related("village__cooperative", "scorecard", "applicant", "household")
        .filter(campaign=campaign, status=status)
        .order_by("pk")
    )
    if not apps:
        return 0, []
    _share_scorecards(apps)
    # What depends on the row (the officer's grade against the amount, the investigator
    # approving) leaves that row where it is and reports it.
    check = {
        S.REVIEW: lambda a: _check_officer_grade(actor, a),
        S.LINE_OFFICER: lambda a: _check_officer_grade(actor, a),
        S.LINE_DIRECTOR: lambda a: _check_approver(actor, a),
    }.get(status)
    if status == S.DRAFT:
        from django.db.models import Count

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
    moved, skipped, records = [], [], []
    now = timezone.now()
    for app in apps:
        try:
            if check is not None:
                check(app)
            before, from_status = snapshot(app, TRACKED), app.status
            if status == S.DRAFT:
                counts = {
                    "member_count": member_counts.get(app.household_id, 0),
                    "consent_count": consent_counts.get(app.pk, 0),
                }
                missing = missing_items(app, **counts)
                if missing:
                    raise RatingError("、".join(missing))
            elif status == S.REVIEW:
                _apply_review(app, actor, None, "")
                records.append((app, before, from_status))
                moved.append(app)
                continue
            elif status == S.LINE_OFFICER and app.officer_line is None and accept_previous:
                app.officer_line, _t = _check_line(
                    app, app.proposed_line, label=_("信贷员意见额度")
                )
                app.officer_opinion, app.officer_line_by = _("同意村评审小组建议"), actor
            elif status == S.LINE_REVIEW and app.review_line is None and accept_previous:
                app.review_line, _t = _check_line(
                    app, app.officer_line, label=_("审贷小组意见额度")
                )
                app.review_opinion, app.review_line_by = _("同意信贷员意见"), actor
            elif status == S.LINE_DIRECTOR:
                if not accept_previous:
                    raise RatingError(_("请逐户核定或选择“按审贷小组意见核定”。"))
                app.final_line, app.term_months = _check_line(
                    app, app.review_line, app.proposed_term, label=_("核定额度")
                )
                app.line_set_by, app.line_set_at = actor, now
            if not row_complete(app):
                raise RatingError(_("本环节内容未填写"))
            if status == S.LINE_OFFICER:
                _check_line(app, app.officer_line, label=_("信贷员意见额度"))
            _advance_one(app)
            records.append((app, before, from_status))
            moved.append(app)
        except RatingError as e:
            skipped.append(f"{app.applicant.name}：{e.message}")
    if moved:
        written = _bulk_write(moved, STEP_FIELDS[status])
        # Locked rows cannot change under us, but a row that did is reported, not written.
        skipped += [_stale_message(app) for app in moved if app.pk not in written]
        records = [r for r in records if r[0].pk in written]
        moved = [app for app in moved if app.pk in written]
        _record_many(records, actor=actor, action="advance")
    return len(moved), skipped


def _check_line_review_role(actor, village):
    if not works_at(actor, village.cooperative_id, Role.REVIEW_GROUP):
        raise RatingError(_("只有本社审贷小组成员可以提出审贷意见。"))


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
