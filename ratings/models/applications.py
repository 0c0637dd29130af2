"""Campaigns, the rating group's sittings and the credit application itself."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY
from creditcoop.workflow import Workflow, pipeline

from ._common import STAFF, Grade, staff_fk
from .scorecards import Scorecard


class RatingCampaign(models.Model):
    """Concentrated rating (集中信用等级评定) of one village, per its work schedule."""

    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.PROTECT,
        related_name="rating_campaigns",
        verbose_name=_("行政村"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    rating_date = models.DateField(_("集中评定日期"))
    credit_date = models.DateField(_("集中授信日期"), null=True, blank=True)
    certificate_date = models.DateField(_("集中办证日期"), null=True, blank=True)
    officer = staff_fk(_("负责信贷员"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = staff_fk(_("创建人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("集中评级批次")
        verbose_name_plural = _("集中评级批次")
        ordering = ["-rating_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "year"], name="campaign_one_per_village_year"
            )
        ]

    def __str__(self):
        return f"{self.village} {self.year}年集中评级"


class RatingDecision(models.Model):
    """A sitting of the cooperative's rating group (信用等级评定小组) with the members present."""

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    campaign = models.ForeignKey(
        RatingCampaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("评级批次"),
    )
    held_on = models.DateField(_("评定日期"))
    members = models.ManyToManyField(STAFF, related_name="+", verbose_name=_("到会成员"))
    other_members = models.CharField(_("其他到会人员"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评定小组会议")
        verbose_name_plural = _("评定小组会议")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.held_on} 评定小组会议"

    @staticmethod
    def present_text(members, other_members="") -> str:
        """Who was present, as shown on the application and in its history."""
        names = "、".join(m.name for m in sorted(members, key=lambda m: m.username))
        return "；".join(p for p in (names, other_members) if p)

    @property
    def present(self) -> str:
        return self.present_text(self.members.all(), self.other_members)


def _event_row(move):
    from .steps import ApplicationEvent

    return ApplicationEvent.from_move(move)


class CreditApplication(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("资料收集与调查")
        INITIAL = "initial", _("待村评审小组初评")
        REVIEW = "review", _("待信贷员审核")
        DECISION = "decision", _("待评定小组评定")
        LINE_PROPOSAL = "line_proposal", _("待村评审小组建议额度")
        LINE_OFFICER = "line_officer", _("待信贷员意见")
        LINE_REVIEW = "line_review", _("待审贷小组意见")
        LINE_DIRECTOR = "line_director", _("待主任核定额度")
        LINE_SET = "line_set", _("已核定额度")
        REJECTED = "rejected", _("未通过")

    # The pipeline as data: each step and the one after it.
    NEXT = {
        Status.DRAFT: Status.INITIAL,
        Status.INITIAL: Status.REVIEW,
        Status.REVIEW: Status.DECISION,
        Status.DECISION: Status.LINE_PROPOSAL,
        Status.LINE_PROPOSAL: Status.LINE_OFFICER,
        Status.LINE_OFFICER: Status.LINE_REVIEW,
        Status.LINE_REVIEW: Status.LINE_DIRECTOR,
        Status.LINE_DIRECTOR: Status.LINE_SET,
    }
    OPEN_STATUSES = list(NEXT)
    # Every open step may move on or be rejected; every step is one ApplicationEvent row.
    workflow = Workflow(
        Status,
        pipeline(NEXT, Status.REJECTED),
        events=lambda move: _event_row(move),
    )

    household = models.ForeignKey(
        "villages.Household",
        on_delete=models.PROTECT,
        related_name="credit_applications",
        verbose_name=_("农户"),
    )
    applicant = models.ForeignKey(
        "villages.Member",
        on_delete=models.PROTECT,
        related_name="credit_applications",
        verbose_name=_("申请人"),
    )
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.PROTECT,
        related_name="credit_applications",
        verbose_name=_("行政村"),
    )
    campaign = models.ForeignKey(
        RatingCampaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("评级批次"),
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    requested_amount = models.DecimalField(_("申请金额（元）"), **MONEY)
    purpose = models.CharField(_("用途"), max_length=100, blank=True)
    # Set by the service when the application is registered; a rating keeps its version.
    scorecard = models.ForeignKey(
        Scorecard,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("评分卡版本"),
    )

    # Document checklist (申请资料).
    doc_id_copy = models.BooleanField(_("身份证复印件"), default=False)
    doc_hukou_copy = models.BooleanField(_("户口簿复印件"), default=False)
    doc_survey_form = models.BooleanField(_("自然人基本情况调查表"), default=False)
    doc_rating_application = models.BooleanField(_("信用户评定申请书"), default=False)
    doc_report_authorisation = models.BooleanField(_("个人信用报告查询授权书"), default=False)
    doc_credit_report = models.BooleanField(_("个人信用报告"), default=False)
    publish_consent = models.BooleanField(_("同意公示姓名、等级和额度"), default=False)

    # Household facts gathered in the investigation.
    family_size = models.PositiveSmallIntegerField(_("家庭人口"), null=True, blank=True)
    net_assets = models.DecimalField(_("家庭净资产（元）"), null=True, blank=True, **MONEY)
    annual_net_income = models.DecimalField(_("家庭年纯收入（元）"), null=True, blank=True, **MONEY)
    other_debt = models.DecimalField(_("其他负债（元）"), default=0, **MONEY)
    main_business = models.CharField(_("主营项目"), max_length=100, blank=True)

    # Investigation (调查): home visit and the family history check.
    visit_date = models.DateField(_("入户调查日期"), null=True, blank=True)
    visit_note = models.TextField(_("调查情况"), blank=True)
    investigated_by = staff_fk(_("调查人"))
    investigated_at = models.DateTimeField(_("调查时间"), null=True, blank=True)
    history_checked_at = models.DateTimeField(_("家庭信用核查时间"), null=True, blank=True)
    history_note = models.TextField(_("家庭信用核查结果"), blank=True)

    # Committee initial rating (初评).
    initial_scores = models.JSONField(_("初评得分"), default=dict, blank=True)
    initial_total = models.PositiveSmallIntegerField(_("初评总分"), null=True, blank=True)
    initial_grade = models.CharField(_("初评等级"), max_length=3, blank=True)
    initial_by = staff_fk(_("初评录入人"))
    initial_on_behalf = models.BooleanField(_("信贷员代村评审小组录入"), default=False)
    initial_at = models.DateTimeField(_("初评时间"), null=True, blank=True)

    # Officer review (审核).
    reviewed_scores = models.JSONField(_("审核得分"), default=dict, blank=True)
    reviewed_total = models.PositiveSmallIntegerField(_("审核总分"), null=True, blank=True)
    review_reason = models.TextField(_("调整评分理由"), blank=True)
    reviewed_by = staff_fk(_("审核人"))
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    # Rating group decision (评定).
    grade = models.CharField(
        _("评定等级"), max_length=3, choices=Grade.choices, blank=True, db_index=True
    )
    decision = models.ForeignKey(
        RatingDecision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("评定会议"),
    )
    decided_at = models.DateTimeField(_("评定时间"), null=True, blank=True)

    # Credit line (授信): proposal → opinions → director's final line.
    proposed_line = models.DecimalField(_("村评审小组建议额度"), null=True, blank=True, **MONEY)
    proposed_term = models.PositiveSmallIntegerField(_("建议期限（月）"), null=True, blank=True)
    proposed_by = staff_fk(_("建议录入人"))
    officer_line = models.DecimalField(_("信贷员意见额度"), null=True, blank=True, **MONEY)
    officer_opinion = models.CharField(_("信贷员意见"), max_length=200, blank=True)
    officer_line_by = staff_fk(_("信贷员"))
    review_line = models.DecimalField(_("审贷小组意见额度"), null=True, blank=True, **MONEY)
    review_opinion = models.CharField(_("审贷小组意见"), max_length=200, blank=True)
    review_line_by = staff_fk(_("审贷小组成员"))
    final_line = models.DecimalField(_("核定授信额度（元）"), null=True, blank=True, **MONEY)
    term_months = models.PositiveSmallIntegerField(_("授信期限（月）"), null=True, blank=True)
    line_set_by = staff_fk(_("核定人"))
    line_set_at = models.DateTimeField(_("核定时间"), null=True, blank=True)

    rejection_reason = models.TextField(_("未通过原因"), blank=True)
    rejected_by = staff_fk(_("否决人"))
    rejected_at = models.DateTimeField(_("否决时间"), null=True, blank=True)

    created_by = staff_fk(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("信用评级申请")
        verbose_name_plural = _("信用评级申请")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["village", "status"]),
            models.Index(fields=["campaign", "status"]),
            models.Index(fields=["household", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grade__in=["", "AAA", "AA", "A"]), name="application_grade_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(term_months__isnull=True)
                | (models.Q(term_months__gte=1) & models.Q(term_months__lte=24)),
                name="application_term_max_two_years",
            ),
            models.CheckConstraint(
                condition=models.Q(requested_amount__gt=0), name="application_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(final_line__isnull=True) | models.Q(final_line__gte=0),
                name="application_line_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="line_set")
                | (
                    models.Q(final_line__isnull=False)
                    & models.Q(term_months__isnull=False)
                    & ~models.Q(grade="")
                ),
                name="application_line_set_complete",
            ),
            # A household has at most one application in progress at a time.
            models.UniqueConstraint(
                fields=["household"],
                condition=~models.Q(status__in=["line_set", "rejected"]),
                name="application_one_open_per_household",
            ),
            models.UniqueConstraint(
                fields=["campaign", "household"],
                condition=models.Q(campaign__isnull=False),
                name="application_once_per_campaign",
            ),
        ]

    def __str__(self):
        return f"{self.applicant.name if self.applicant_id else ''} 信用评级申请#{self.pk}"

    def get_absolute_url(self):
        return reverse("ratings:application_detail", args=[self.pk])

    REQUIRED_DOCUMENTS = [
        "doc_id_copy",
        "doc_hukou_copy",
        "doc_survey_form",
        "doc_rating_application",
        "doc_report_authorisation",
        "doc_credit_report",
        "publish_consent",
    ]

    def missing_documents(self) -> list[str]:
        return [
            str(self._meta.get_field(f).verbose_name)
            for f in self.REQUIRED_DOCUMENTS
            if not getattr(self, f)
        ]

    @property
    def is_open(self) -> bool:
        return self.status in self.NEXT

    @property
    def current_scores(self) -> dict:
        return self.reviewed_scores or self.initial_scores

    @property
    def score_total(self):
        return self.reviewed_total if self.reviewed_total is not None else self.initial_total

    @property
    def income_cap(self):
        if self.scorecard is None:
            return None
        return self.scorecard.income_cap(self.annual_net_income, self.other_debt)

    @property
    def line_cap(self):
        if self.scorecard is None:
            return None
        return self.scorecard.line_cap(self.grade, self.annual_net_income, self.other_debt)
