"""Service hall (服务大厅): loan types, duty roster and walk-in register (docs/rules.md §5).

The deadline rows (限时办结) are defined by the core engine (``creditcoop.deadlines``) and
registered here, under this app's label, so their tables keep their names.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from creditcoop.models import Cooperative, Role, Staff
from creditcoop.money import MONEY, RATE
from creditcoop.workflow import Workflow

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


class Walkin(models.Model):
    """A walk-in enquiry or loan application registered by the duty officer (来访登记)."""

    workflow = Workflow(
        WalkinStatus,
        {
            WalkinStatus.INVESTIGATING: {WalkinStatus.IN_APPROVAL, WalkinStatus.REFUSED},
            WalkinStatus.IN_APPROVAL: {WalkinStatus.APPROVED, WalkinStatus.DECLINED},
        },
    )

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
    # Per the published duty roster of the registration day.
    registrar_on_duty = models.BooleanField(_("登记人当日在值班表上"), default=False)
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
        return self.workflow.can(self, to)

    @property
    def registered_off_roster(self) -> bool:
        """Registered by someone not on that day's duty roster; the director may always."""
        return not self.registrar_on_duty and not self.registered_by.has_role(Role.DIRECTOR)


# The deadline models: importing them registers them with this app (module docstring).
from creditcoop.deadlines import models as deadline_models  # noqa: E402, F401
