"""Service hall (服务大厅) and time-limited processing (限时办结), DOMAIN §5."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from creditcoop.models import Cooperative, Role, Staff
from creditcoop.money import MONEY, RATE

ANSWER_DAY_CHOICES = [(2, _("2个工作日")), (5, _("5个工作日")), (7, _("7个工作日"))]
APPROVAL_DAYS_MIN, APPROVAL_DAYS_MAX = 3, 30


class LoanType(models.Model):
    """A loan product with its promised time limits (published in the hall, 三上墙)."""

    name = models.CharField(_("贷款种类"), max_length=50, unique=True)
    answer_days = models.PositiveSmallIntegerField(
        _("调查答复时限（工作日）"),
        choices=ANSWER_DAY_CHOICES,
        help_text=_("受理后完成调查并告知客户是否进入审批的时限：2、5 或 7 个工作日。"),
        error_messages={"invalid_choice": _("调查答复时限只能是 2、5 或 7 个工作日。")},
    )
    approval_days = models.PositiveSmallIntegerField(
        _("审批时限（工作日）"), help_text=_("进入审批后办结的时限：3 至 30 个工作日。")
    )
    annual_rate = models.DecimalField(
        _("参考年利率"), help_text=_("例如 0.0612 表示 6.12%，用于计算延误利息损失。"), **RATE
    )
    eligibility = models.CharField(_("申请条件"), max_length=300, blank=True)
    max_term_months = models.PositiveSmallIntegerField(_("最长期限（月）"), default=12)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("贷款种类及办结时限")
        verbose_name_plural = _("贷款种类及办结时限")
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answer_days__in=[2, 5, 7]), name="loantype_answer_days_2_5_7"
            ),
            models.CheckConstraint(
                condition=Q(approval_days__gte=APPROVAL_DAYS_MIN)
                & Q(approval_days__lte=APPROVAL_DAYS_MAX),
                name="loantype_approval_days_3_30",
            ),
            models.CheckConstraint(
                condition=Q(annual_rate__gte=0) & Q(annual_rate__lt=1),
                name="loantype_rate_range",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.approval_days is not None and not (
            APPROVAL_DAYS_MIN <= self.approval_days <= APPROVAL_DAYS_MAX
        ):
            raise ValidationError({"approval_days": _("审批时限应在 3 至 30 个工作日之间。")})


# ---------------------------------------------------------------- duty roster


class DutyRoster(models.Model):
    """One cooperative's service-hall duty roster for one month (值班表)."""

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="+", verbose_name=_("信用社")
    )
    month = models.DateField(_("月份"), help_text=_("该月 1 日"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )

    class Meta:
        verbose_name = _("大厅值班表")
        verbose_name_plural = _("大厅值班表")
        ordering = ["cooperative_id", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "month"], name="roster_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="roster_month_first_day"),
        ]

    def __str__(self):
        return f"{self.cooperative.name} {self.month:%Y年%m月}值班表"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class DutyPost(models.TextChoices):
    OFFICER = "officer", _("值班信贷员")
    DIRECTOR = "director", _("主任坐班")


class DutyShift(models.Model):
    roster = models.ForeignKey(
        DutyRoster, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("值班表")
    )
    date = models.DateField(_("日期"))
    post = models.CharField(_("岗位"), max_length=10, choices=DutyPost.choices)
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="duty_shifts", verbose_name=_("值班人")
    )

    class Meta:
        verbose_name = _("值班安排")
        verbose_name_plural = _("值班安排")
        ordering = ["date", "post", "staff_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["roster", "date", "post", "staff"], name="shift_unique_person_day"
            )
        ]
        indexes = [models.Index(fields=["date", "post"])]

    def __str__(self):
        return f"{self.date} {self.get_post_display()} {self.staff.name}"


# ---------------------------------------------------------------- walk-in register


class WalkinKind(models.TextChoices):
    ENQUIRY = "enquiry", _("咨询")
    APPLICATION = "application", _("贷款申请")


class WalkinStatus(models.TextChoices):
    RECORDED = "recorded", _("已登记（咨询）")
    INVESTIGATING = "investigating", _("调查中")
    IN_APPROVAL = "in_approval", _("审批中")
    REFUSED = "refused", _("不予受理（已告知原因）")
    APPROVED = "approved", _("审批同意")
    DECLINED = "declined", _("审批不同意")


WALKIN_TRANSITIONS = {
    WalkinStatus.INVESTIGATING: {WalkinStatus.IN_APPROVAL, WalkinStatus.REFUSED},
    WalkinStatus.IN_APPROVAL: {WalkinStatus.APPROVED, WalkinStatus.DECLINED},
}


class Walkin(models.Model):
    """A walk-in enquiry or loan application registered by the duty officer (来访登记)."""

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="+", verbose_name=_("信用社")
    )
    kind = models.CharField(_("类别"), max_length=12, choices=WalkinKind.choices)
    status = models.CharField(_("状态"), max_length=14, choices=WalkinStatus.choices)
    customer_name = models.CharField(_("客户姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    village = models.ForeignKey(
        "villages.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("行政村")
    )
    loan_type = models.ForeignKey(
        LoanType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="walkins",
        verbose_name=_("贷款种类"),
    )
    amount = models.DecimalField(_("金额（元）"), null=True, blank=True, **MONEY)
    need = models.CharField(_("需求/用途"), max_length=500)
    # The household whose member carries this ID number, found at registration.
    household = models.ForeignKey(
        "villages.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="walkins",
        verbose_name=_("农户"),
    )
    registered_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    registered_on = models.DateField(_("登记日期"))
    # Per the published duty roster of the registration day; empty for rows registered
    # before the check existed.
    registrar_on_duty = models.BooleanField(
        _("登记人当日在值班表上"), null=True, blank=True, default=None
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    officer = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("包村信贷员"),
    )
    answered_on = models.DateField(_("答复日期"), null=True, blank=True)
    refusal_reason = models.TextField(_("不予受理原因（告知客户）"), blank=True)
    decided_on = models.DateField(_("审批办结日期"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("来访登记")
        verbose_name_plural = _("来访登记")
        ordering = ["-registered_on", "-id"]
        indexes = [
            models.Index(fields=["cooperative", "-registered_on"]),
            models.Index(fields=["customer_name"]),
            models.Index(fields=["phone"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="enquiry")
                | (Q(loan_type__isnull=False) & Q(amount__gt=0) & Q(officer__isnull=False)),
                name="walkin_application_complete",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="walkin_refusal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.customer_name}"

    def get_absolute_url(self):
        return reverse("servicehall:walkin_detail", args=[self.pk])

    @property
    def number(self) -> str:
        return f"DT{self.registered_on:%Y%m%d}-{self.pk:05d}" if self.pk else ""

    def can(self, to: str) -> bool:
        return to in WALKIN_TRANSITIONS.get(self.status, set())

    @property
    def registered_off_roster(self) -> bool:
        """Registered by someone not on that day's duty roster; the director may always."""
        return self.registrar_on_duty is False and not self.registered_by.has_role(Role.DIRECTOR)


# ---------------------------------------------------------------- deadlines


class DeadlineKind(models.TextChoices):
    """Known kinds; other workflows may use their own short codes too."""

    WALKIN_ANSWER = "walkin_answer", _("调查并答复客户")
    WALKIN_APPROVAL = "walkin_approval", _("贷款审批")
    RATING = "rating", _("信用评级")
    RATING_DRAFT = "rating_draft", _("评级：资料收集与入户调查")
    RATING_INITIAL = "rating_initial", _("评级：村评审小组初评")
    RATING_REVIEW = "rating_review", _("评级：信贷员审核")
    RATING_DECISION = "rating_decision", _("评级：评定小组评定")
    RATING_LINE_PROPOSAL = "rating_line_proposal", _("授信：村评审小组建议额度")
    RATING_LINE_OFFICER = "rating_line_officer", _("授信：信贷员意见")
    RATING_LINE_REVIEW = "rating_line_review", _("授信：审贷小组意见")
    RATING_LINE_DIRECTOR = "rating_line_director", _("授信：主任核定额度")
    OBJECTION = "objection", _("异议处理")
    ARCHIVE_LOAN = "archive_loan", _("档案借阅归还")


def kind_label(kind: str) -> str:
    return str(dict(DeadlineKind.choices).get(kind, kind))


_RATING_STEP_STOP = _("转入下一环节，或评定未通过")

# What stops each kind's clock, declared before any clock runs: the workflow calls
# deadline_stop exactly when this event happens (the stop reason then says which way).
STOP_CONDITIONS = {
    DeadlineKind.WALKIN_ANSWER: _("答复客户（进入审批或不予受理并告知原因）"),
    DeadlineKind.WALKIN_APPROVAL: _("作出审批决定（同意或不同意）"),
    DeadlineKind.RATING: _("评级办结，或评定未通过"),
    DeadlineKind.RATING_DRAFT: _RATING_STEP_STOP,
    DeadlineKind.RATING_INITIAL: _RATING_STEP_STOP,
    DeadlineKind.RATING_REVIEW: _RATING_STEP_STOP,
    DeadlineKind.RATING_DECISION: _RATING_STEP_STOP,
    DeadlineKind.RATING_LINE_PROPOSAL: _RATING_STEP_STOP,
    DeadlineKind.RATING_LINE_OFFICER: _RATING_STEP_STOP,
    DeadlineKind.RATING_LINE_REVIEW: _RATING_STEP_STOP,
    DeadlineKind.RATING_LINE_DIRECTOR: _("主任核定授信额度，或评定未通过"),
    DeadlineKind.OBJECTION: _("作出异议处理决定并答复"),
    DeadlineKind.ARCHIVE_LOAN: _("归还档案"),
}
OTHER_STOP_CONDITION = _("该事项办结")


def stop_condition(kind: str) -> str:
    return str(STOP_CONDITIONS.get(kind, OTHER_STOP_CONDITION))


class Deadline(models.Model):
    """A promised time for one piece of work on one object (限时办结).

    Due day, reminder day and lateness are counted in working days. The clock stops
    when `stopped_at` is set; until the sweep has counted the final lateness the row
    stays `settled = False`.
    """

    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("对象类型")
    )
    object_id = models.PositiveBigIntegerField(_("对象编号"))
    target = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("事项"), max_length=40)
    title = models.CharField(_("摘要"), max_length=200, blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="+", verbose_name=_("信用社")
    )
    responsible = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="deadlines", verbose_name=_("责任人")
    )
    loan_type = models.ForeignKey(
        LoanType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("贷款种类"),
    )
    started_on = models.DateField(_("起算日"))
    working_days = models.PositiveSmallIntegerField(_("时限（工作日）"))
    due_on = models.DateField(_("到期工作日"))
    remind_on = models.DateField(_("提醒日"))
    # The first working day after the due day: from then on the item is late.
    late_on = models.DateField(_("超期首日"))
    # Lateness of the current responsible person counts after this day (the due day, or
    # the day of a reassignment made after the due day).
    late_from = models.DateField(_("超期起算日"))
    amount = models.DecimalField(_("金额（元）"), null=True, blank=True, **MONEY)
    annual_rate = models.DecimalField(_("年利率"), null=True, blank=True, **RATE)
    stopped_at = models.DateTimeField(_("停止计时时间"), null=True, blank=True)
    stopped_on = models.DateField(_("办结日期"), null=True, blank=True)
    stop_reason = models.CharField(_("停止原因"), max_length=200, blank=True)
    reminded_at = models.DateTimeField(_("已提醒责任人"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(_("已报告主任超期"), null=True, blank=True)
    late_days = models.PositiveIntegerField(_("超期工作日"), default=0)
    settled = models.BooleanField(_("超期已结算"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办结时限")
        verbose_name_plural = _("办结时限")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["cooperative", "due_on"]),
            models.Index(fields=["responsible", "due_on"]),
            models.Index(
                fields=["remind_on"],
                name="deadline_to_remind_idx",
                condition=Q(stopped_at__isnull=True, reminded_at__isnull=True),
            ),
            models.Index(
                fields=["late_on"],
                name="deadline_to_escalate_idx",
                condition=Q(stopped_at__isnull=True, overdue_notified_at__isnull=True),
            ),
            models.Index(
                fields=["due_on"], name="deadline_unsettled_idx", condition=Q(settled=False)
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind"],
                condition=Q(stopped_at__isnull=True),
                name="deadline_one_open_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("started_on")), name="deadline_due_after_start"
            ),
            models.CheckConstraint(
                condition=Q(late_on__gt=models.F("due_on")), name="deadline_late_after_due"
            ),
            models.CheckConstraint(
                condition=Q(stopped_at__isnull=True, stopped_on__isnull=True)
                | Q(stopped_at__isnull=False, stopped_on__isnull=False),
                name="deadline_stop_fields_together",
            ),
            models.CheckConstraint(
                condition=Q(settled=False) | Q(stopped_at__isnull=False),
                name="deadline_settled_only_when_stopped",
            ),
        ]

    def __str__(self):
        return f"{self.kind_label}：{self.title or self.object_id}（{self.due_on:%Y-%m-%d}）"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def stop_condition(self) -> str:
        """The event that stops this clock (STOP_CONDITIONS)."""
        return stop_condition(self.kind)

    @property
    def is_open(self) -> bool:
        return self.stopped_at is None

    def is_late(self, today) -> bool:
        return (self.stopped_on or today) >= self.late_on

    def state_label(self, today) -> str:
        if self.stopped_at:
            return _("已办结（超期）") if self.stopped_on >= self.late_on else _("按期办结")
        if today >= self.late_on:
            return _("已超期")
        if today >= self.remind_on:
            return _("即将到期")
        return _("办理中")


class Tier(models.IntegerChoices):
    ADMONITION = 1, _("诫勉谈话")
    CRITICISM = 2, _("通报批评")
    REMOVAL = 3, _("调离信贷岗位")


# Inclusive upper bounds in working days late: 1–3 → admonition, 4–10 → criticism,
# 11 and more → removal from the credit post (DOMAIN §5).
ADMONITION_MAX_DAYS = 3
CRITICISM_MAX_DAYS = 10


def tier_for(late_days: int) -> int | None:
    if late_days <= 0:
        return None
    if late_days <= ADMONITION_MAX_DAYS:
        return Tier.ADMONITION
    if late_days <= CRITICISM_MAX_DAYS:
        return Tier.CRITICISM
    return Tier.REMOVAL


class AccountabilityStatus(models.TextChoices):
    PENDING = "pending", _("待主任确认")
    CONFIRMED = "confirmed", _("已确认")
    WAIVED = "waived", _("已免责")


class Accountability(models.Model):
    """Overdue accountability for one person on one deadline (超期问责), upgraded as it grows."""

    deadline = models.ForeignKey(
        Deadline, on_delete=models.PROTECT, related_name="accountabilities", verbose_name=_("时限")
    )
    person = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="accountabilities", verbose_name=_("责任人")
    )
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="+", verbose_name=_("信用社")
    )
    tier = models.PositiveSmallIntegerField(_("问责档次"), choices=Tier.choices)
    late_days = models.PositiveIntegerField(_("超期工作日"))
    lost_interest = models.DecimalField(_("延误利息损失（元）"), **MONEY)
    status = models.CharField(
        _("处理状态"),
        max_length=10,
        choices=AccountabilityStatus.choices,
        default=AccountabilityStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_reason = models.CharField(_("处理理由"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("生成时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("超期问责")
        verbose_name_plural = _("超期问责")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "person"], name="accountability_one_per_person"
            ),
            models.CheckConstraint(condition=Q(late_days__gt=0), name="accountability_late"),
            models.CheckConstraint(
                condition=Q(status="pending")
                | (Q(decided_by__isnull=False) & ~Q(decision_reason="")),
                name="accountability_decision_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["cooperative", "status"])]

    def __str__(self):
        return f"{self.person.name} {self.get_tier_display()}（超期 {self.late_days} 个工作日）"

    def get_absolute_url(self):
        return reverse("servicehall:accountability_detail", args=[self.pk])


class AccountabilityEvent(models.Model):
    """History of an accountability record: created, escalated, confirmed, waived."""

    class Action(models.TextChoices):
        REACHED = "reached", _("达到问责档次")
        CONFIRMED = "confirmed", _("主任确认")
        WAIVED = "waived", _("主任免责")

    record = models.ForeignKey(
        Accountability, on_delete=models.CASCADE, related_name="events", verbose_name=_("问责记录")
    )
    action = models.CharField(_("事件"), max_length=10, choices=Action.choices)
    tier = models.PositiveSmallIntegerField(_("档次"), choices=Tier.choices)
    late_days = models.PositiveIntegerField(_("当时超期工作日"))
    actor = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("问责记录历史")
        verbose_name_plural = _("问责记录历史")
        ordering = ["at", "id"]
        constraints = [
            # The sweep inserts "reached tier N" at most once per record and tier.
            models.UniqueConstraint(
                fields=["record", "tier"],
                condition=Q(action="reached"),
                name="accountability_event_reached_once",
            )
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.get_tier_display()}"
