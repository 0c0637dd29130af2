from decimal import Decimal

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY, to_fen
from creditcoop.workflow import Workflow, pipeline

STAFF = settings.AUTH_USER_MODEL


class Grade(models.TextChoices):
    AAA = "AAA", _("AAA（优秀）")
    AA = "AA", _("AA（较好）")
    A = "A", _("A（一般）")


# ---------------------------------------------------------------------------
# Scorecard (评分卡): versioned; a published version never changes.
# ---------------------------------------------------------------------------


class Scorecard(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ACTIVE = "active", _("使用中")
        RETIRED = "retired", _("已停用")

    name = models.CharField(_("名称"), max_length=60, default="农户信用等级评分表")
    version = models.PositiveIntegerField(_("版本号"), unique=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    aaa_min = models.PositiveSmallIntegerField(_("AAA 最低分"), default=80)
    aa_min = models.PositiveSmallIntegerField(_("AA 最低分"), default=70)
    a_min = models.PositiveSmallIntegerField(_("A 最低分"), default=60)
    aaa_max_line = models.DecimalField(_("AAA 最高授信额度（元）"), default=50000, **MONEY)
    aa_max_line = models.DecimalField(_("AA 最高授信额度（元）"), default=30000, **MONEY)
    a_max_line = models.DecimalField(_("A 最高授信额度（元）"), default=10000, **MONEY)
    income_cap_ratio = models.DecimalField(
        _("收入上限比例"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.70"),
        validators=[
            MinValueValidator(Decimal("0.01"), _("收入上限比例必须大于 0。")),
            MaxValueValidator(
                Decimal("1"), _("收入上限比例不能超过 1（授信额度不能超过年纯收入本身）。")
            ),
        ],
        help_text=_("授信额度不超过家庭年纯收入（扣除其他负债后）的该比例。"),
    )
    max_term_months = models.PositiveSmallIntegerField(
        _("最长授信期限（月）"),
        default=24,
        validators=[
            MinValueValidator(1, _("授信期限至少为 1 个月。")),
            MaxValueValidator(24, _("授信期限最长 24 个月（2 年）。")),
        ],
    )
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    published_at = models.DateTimeField(_("启用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评分卡版本")
        verbose_name_plural = _("评分卡版本")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="active"), name="scorecard_one_active"
            ),
            models.CheckConstraint(
                condition=models.Q(aaa_min__gt=models.F("aa_min"))
                & models.Q(aa_min__gt=models.F("a_min"))
                & models.Q(a_min__gt=0),
                name="scorecard_bands_ordered",
                violation_error_message=_("等级最低分须满足 AAA 高于 AA，AA 高于 A，A 大于 0。"),
            ),
            models.CheckConstraint(
                condition=models.Q(income_cap_ratio__gt=0) & models.Q(income_cap_ratio__lte=1),
                name="scorecard_income_ratio_valid",
                violation_error_message=_("收入上限比例应大于 0 且不超过 1。"),
            ),
            models.CheckConstraint(
                condition=models.Q(max_term_months__gte=1) & models.Q(max_term_months__lte=24),
                name="scorecard_term_max_two_years",
                violation_error_message=_("最长授信期限应为 1 至 24 个月。"),
            ),
        ]

    def __str__(self):
        return f"{self.name} 第{self.version}版"

    @property
    def editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def grade_for(self, total) -> str:
        """'AAA', 'AA', 'A' or '' (not a credit household)."""
        if total is None:
            return ""
        if total >= self.aaa_min:
            return Grade.AAA
        if total >= self.aa_min:
            return Grade.AA
        if total >= self.a_min:
            return Grade.A
        return ""

    def max_line_for(self, grade) -> Decimal:
        return {
            Grade.AAA: self.aaa_max_line,
            Grade.AA: self.aa_max_line,
            Grade.A: self.a_max_line,
        }.get(grade, Decimal("0.00"))

    def income_cap(self, annual_net_income, other_debt) -> Decimal | None:
        """70% (by default) of the annual net income after other debts; None if unknown."""
        if annual_net_income is None:
            return None
        base = Decimal(annual_net_income) - Decimal(other_debt or 0)
        if base <= 0:
            return Decimal("0.00")
        return to_fen(base * self.income_cap_ratio)

    def line_cap(self, grade, annual_net_income, other_debt) -> Decimal:
        cap = self.max_line_for(grade)
        income = self.income_cap(annual_net_income, other_debt)
        if income is not None:
            cap = min(cap, income)
        return cap


class ScoreIndicator(models.Model):
    class Kind(models.TextChoices):
        CHOICE = "choice", _("选项")
        RANGE = "range", _("数值区间")

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("评分卡")
    )
    code = models.SlugField(_("代码"), max_length=30)
    name = models.CharField(_("指标"), max_length=50)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.CHOICE)
    unit = models.CharField(_("单位"), max_length=10, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("评分指标")
        verbose_name_plural = _("评分指标")
        ordering = ["scorecard_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "code"], name="indicator_unique_code")
        ]

    def __str__(self):
        return self.name

    @property
    def max_points(self) -> int:
        return max((o.points for o in self.options.all()), default=0)

    def option_for_value(self, value):
        """For range indicators: the option whose [low, high) contains value."""
        for o in self.options.all():
            if (o.low is None or value >= o.low) and (o.high is None or value < o.high):
                return o
        return None


class ScoreOption(models.Model):
    indicator = models.ForeignKey(
        ScoreIndicator, on_delete=models.CASCADE, related_name="options", verbose_name=_("指标")
    )
    label = models.CharField(_("选项"), max_length=60)
    points = models.PositiveSmallIntegerField(_("分值"))
    low = models.DecimalField(
        _("下限（含）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    high = models.DecimalField(
        _("上限（不含）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("评分选项")
        verbose_name_plural = _("评分选项")
        ordering = ["indicator_id", "order", "-points", "id"]

    def __str__(self):
        return f"{self.label}（{self.points}分）"


# ---------------------------------------------------------------------------
# Campaigns and applications
# ---------------------------------------------------------------------------


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
    officer = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("负责信贷员"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
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
        events=lambda move: ApplicationEvent.from_move(move),
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
    investigated_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("调查人"),
    )
    investigated_at = models.DateTimeField(_("调查时间"), null=True, blank=True)
    history_checked_at = models.DateTimeField(_("家庭信用核查时间"), null=True, blank=True)
    history_note = models.TextField(_("家庭信用核查结果"), blank=True)

    # Committee initial rating (初评).
    initial_scores = models.JSONField(_("初评得分"), default=dict, blank=True)
    initial_total = models.PositiveSmallIntegerField(_("初评总分"), null=True, blank=True)
    initial_grade = models.CharField(_("初评等级"), max_length=3, blank=True)
    initial_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("初评录入人"),
    )
    initial_on_behalf = models.BooleanField(_("信贷员代村评审小组录入"), default=False)
    initial_at = models.DateTimeField(_("初评时间"), null=True, blank=True)

    # Officer review (审核).
    reviewed_scores = models.JSONField(_("审核得分"), default=dict, blank=True)
    reviewed_total = models.PositiveSmallIntegerField(_("审核总分"), null=True, blank=True)
    review_reason = models.TextField(_("调整评分理由"), blank=True)
    reviewed_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
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
    proposed_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("建议录入人"),
    )
    officer_line = models.DecimalField(_("信贷员意见额度"), null=True, blank=True, **MONEY)
    officer_opinion = models.CharField(_("信贷员意见"), max_length=200, blank=True)
    officer_line_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("信贷员"),
    )
    review_line = models.DecimalField(_("审贷小组意见额度"), null=True, blank=True, **MONEY)
    review_opinion = models.CharField(_("审贷小组意见"), max_length=200, blank=True)
    review_line_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审贷小组成员"),
    )
    final_line = models.DecimalField(_("核定授信额度（元）"), null=True, blank=True, **MONEY)
    term_months = models.PositiveSmallIntegerField(_("授信期限（月）"), null=True, blank=True)
    line_set_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核定人"),
    )
    line_set_at = models.DateTimeField(_("核定时间"), null=True, blank=True)

    rejection_reason = models.TextField(_("未通过原因"), blank=True)
    rejected_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("否决人"),
    )
    rejected_at = models.DateTimeField(_("否决时间"), null=True, blank=True)

    created_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
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


# ---------------------------------------------------------------------------
# Time limits per step (限时办结, DOMAIN §5)
# ---------------------------------------------------------------------------


class StepRole(models.TextChoices):
    VILLAGE_OFFICER = "village_officer", _("包村信贷员")
    DIRECTOR = "director", _("信用社主任")


STEP_LIMIT_MAX_DAYS = 30


class RatingStepLimit(models.Model):
    """How many working days each rating step may take, and who answers for it.

    Defaults come from migration 0003 (and the help texts below). When an application
    enters a step, a deadline opens with this limit; a step without a row has no limit. A changed limit applies to applications that
    enter the step afterwards; running deadlines keep their due day.
    """

    step = models.CharField(
        _("环节"),
        max_length=20,
        unique=True,
        choices=[(s.value, s.label) for s in CreditApplication.NEXT],
    )
    working_days = models.PositiveSmallIntegerField(
        _("时限（工作日）"),
        validators=[
            MinValueValidator(1, _("时限至少为 1 个工作日。")),
            MaxValueValidator(STEP_LIMIT_MAX_DAYS, _("时限不能超过 30 个工作日。")),
        ],
        help_text=_(
            "按工作日计算（法定节假日不计，调休上班日计入）。默认：资料收集与调查 5，"
            "村评审小组初评 3，信贷员审核 2，评定小组评定 5，村评审小组建议额度 3，"
            "信贷员意见 2，审贷小组意见 3，主任核定额度 3。修改只影响此后进入该环节的申请。"
        ),
    )
    responsible_role = models.CharField(
        _("责任人"),
        max_length=20,
        choices=StepRole.choices,
        help_text=_(
            "超期问责的对象。默认：资料收集与调查、初评（信贷员代村评审小组录入）、审核、"
            "建议额度和信贷员意见由包村信贷员负责；评定小组评定（主任任组长）、审贷小组意见"
            "和主任核定由信用社主任负责。村未指定包村信贷员时由主任负责。"
        ),
    )

    class Meta:
        verbose_name = _("评级环节办结时限")
        verbose_name_plural = _("评级环节办结时限")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(working_days__gte=1)
                & models.Q(working_days__lte=STEP_LIMIT_MAX_DAYS),
                name="step_limit_days_1_30",
            )
        ]

    def __str__(self):
        return f"{self.get_step_display()}：{self.working_days}个工作日"


class MemberConsent(models.Model):
    """A family member's signed consent to the investigation (家庭成员签字同意)."""

    application = models.ForeignKey(
        CreditApplication,
        on_delete=models.CASCADE,
        related_name="consents",
        verbose_name=_("申请"),
    )
    member = models.ForeignKey(
        "villages.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("家庭成员")
    )
    consented = models.BooleanField(_("已签字同意"), default=False)
    recorded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now=True)

    class Meta:
        verbose_name = _("家庭成员同意书")
        verbose_name_plural = _("家庭成员同意书")
        constraints = [
            models.UniqueConstraint(fields=["application", "member"], name="consent_once")
        ]

    def __str__(self):
        return f"{self.member_id} {'同意' if self.consented else '未同意'}"


def _shown(value, names=None):
    """A value of the history as a clerk reads it; a set of scores as “信誉状况 8、…”."""
    if value is None or value == "" or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dict):
        names = names or {}
        return "、".join(f"{names.get(k, k)} {v}" for k, v in value.items())
    return value


def _default_indicator_names() -> dict:
    from .services import DEFAULT_INDICATORS

    return {code: name for code, name, *_rest in DEFAULT_INDICATORS}


class ApplicationEvent(models.Model):
    """History of every step (who, when, from, to, what changed, why)."""

    application = models.ForeignKey(
        CreditApplication,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("申请"),
    )
    action = models.CharField(_("操作"), max_length=40)
    actor = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    reason = models.TextField(_("理由"), blank=True)

    class Meta:
        verbose_name = _("评级授信记录")
        verbose_name_plural = _("评级授信记录")
        ordering = ["application_id", "at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    ACTION_LABELS = {
        "create": _("登记申请"),
        "documents": _("更新申请资料"),
        "investigate": _("入户调查"),
        "history_block": _("家庭信用核查未通过"),
        "submit": _("提交评级"),
        "initial": _("村评审小组初评"),
        "review": _("信贷员审核"),
        "decide": _("评定小组评定"),
        "proposal": _("村评审小组建议额度"),
        "officer_line": _("信贷员意见"),
        "review_line": _("审贷小组意见"),
        "final_line": _("主任核定额度"),
        "advance": _("转入下一环节"),
        "reject": _("否决"),
        "revise": _("公示异议后调整"),
    }

    # Entries of `changes` that are not fields of the application.
    CHANGE_LABELS = {
        "members": _("到会成员"),
        "held_on": _("评定日期"),
        "campaign": _("评级批次"),
    }

    @property
    def action_label(self):
        return self.ACTION_LABELS.get(self.action, self.action)

    @classmethod
    def from_move(cls, move):
        return cls(
            application=move.obj,
            action=move.action.removeprefix("ratings."),
            actor=move.actor,
            from_status=move.from_state,
            to_status=move.to_state if move.to_state != move.from_state else "",
            changes=move.changes or {},
            reason=move.reason,
        )

    def change_rows(self) -> list[dict]:
        """Each change but the status, labelled: {label, before, after, pair}.

        A field change is stored as [before, after]; a fact of the step (the members present
        at the rating group's sitting) as a plain value.
        """
        rows = []
        # The scorecard's own names where the page supplied them, else the default ones.
        names = {**_default_indicator_names(), **getattr(self, "indicator_names", {})}
        for key, value in (self.changes or {}).items():
            if key == "status":
                continue
            label = self.CHANGE_LABELS.get(key)
            if label is None:
                try:
                    label = CreditApplication._meta.get_field(key).verbose_name
                except FieldDoesNotExist:  # an entry of an older version keeps its name
                    label = key
            pair = isinstance(value, list) and len(value) == 2
            rows.append(
                {
                    "label": label,
                    "before": _shown(value[0], names) if pair else "",
                    "after": _shown(value[1] if pair else value, names),
                    "pair": pair,
                }
            )
        return rows

    @property
    def from_label(self):
        return CreditApplication.Status(self.from_status).label if self.from_status else ""

    @property
    def to_label(self):
        return CreditApplication.Status(self.to_status).label if self.to_status else ""
