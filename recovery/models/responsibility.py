"""Responsibility for an unrecovered loan (主责任人制, ARCHIVES-RECOVERY R4, DOMAIN §7).

Per record: the responsible persons by post, the loss assessment with the policy it applied
and the shares it computed (amounts to the fen, adding up exactly to the loss), force-majeure
extensions, the monthly deductions against each share, and per officer the escalation
records the director acts on. The shares and periods are `RecoveryPolicy` fields.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY

from .register import NplRecord

STAFF = settings.AUTH_USER_MODEL


class ResponsiblePerson(models.Model):
    class Post(models.TextChoices):
        INVESTIGATION = "investigation", _("调查岗（信贷员）")
        REVIEW = "review", _("审查岗（分管副主任）")
        APPROVAL = "approval", _("审批岗（主任）")

    record = models.ForeignKey(
        NplRecord,
        on_delete=models.CASCADE,
        related_name="responsible_persons",
        verbose_name=_("登记"),
    )
    post = models.CharField(_("岗位"), max_length=14, choices=Post.choices)
    is_main = models.BooleanField(
        _("主要责任人"), default=True, help_text=_("不勾选为该岗位的其他责任人。")
    )
    is_first = models.BooleanField(
        _("第一责任人"), default=False, help_text=_("包放、包收、包效益；每笔至多一人。")
    )
    staff = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任人（在职）"),
    )
    name = models.CharField(
        _("姓名"), max_length=50, help_text=_("已离职人员只填姓名。"), blank=True
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("责任人")
        verbose_name_plural = _("责任人")
        ordering = ["record_id", "post", "-is_main", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "post"],
                condition=Q(is_main=True),
                name="resp_one_main_per_post",
                violation_error_message=_("每个岗位只能有一名主要责任人。"),
            ),
            models.UniqueConstraint(
                fields=["record"],
                condition=Q(is_first=True),
                name="resp_one_first_per_record",
                violation_error_message=_("每笔贷款只能有一名第一责任人。"),
            ),
            models.UniqueConstraint(
                fields=["record", "post", "staff"],
                condition=Q(staff__isnull=False),
                name="resp_staff_once_per_post",
            ),
            models.CheckConstraint(
                condition=Q(staff__isnull=False) | ~Q(name=""), name="resp_staff_or_name"
            ),
        ]

    def __str__(self):
        return f"{self.get_post_display()} {self.display_name}"

    @property
    def display_name(self) -> str:
        return self.staff.name if self.staff_id and self.staff else self.name


class LossAssessment(models.Model):
    """The loss on one record and how it was shared (one per record; recomputed only while
    no deduction has been recorded)."""

    class Policy(models.TextChoices):
        WITHIN = "within", _("权限内按比例分担")
        ABOVE = "above", _("超权限按比例分担")
        FULL = "full", _("分界日后形成：责任人全额赔偿")

    record = models.OneToOneField(
        NplRecord,
        on_delete=models.CASCADE,
        related_name="loss_assessment",
        verbose_name=_("登记"),
    )
    default_amount = models.DecimalField(_("认定时本息余额（元）"), **MONEY)
    loss_amount = models.DecimalField(_("损失金额（元）"), **MONEY)
    amount_reason = models.CharField(
        _("调整金额的原因"), max_length=300, blank=True, help_text=_("与本息余额不同时必填。")
    )
    above_authority = models.BooleanField(_("超越本社权限发放"), default=False)
    authority_evidence = models.CharField(
        _("权限依据"), max_length=300, help_text=_("如：审批权限表文号、联社审批意见编号。")
    )
    policy = models.CharField(_("适用办法"), max_length=8, choices=Policy.choices)
    full_compensation_from = models.DateField(_("全额赔偿分界日"), null=True, blank=True)
    main_person = models.ForeignKey(
        ResponsiblePerson,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("主责任人"),
    )
    # The officer escalation counts by this column (set-based).
    main_staff = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("主责任人（在职）"),
    )
    assessed_on = models.DateField(_("认定日期"))
    assessed_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("认定人")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("损失认定")
        verbose_name_plural = _("损失认定")
        indexes = [models.Index(fields=["main_staff"], name="loss_main_staff")]
        constraints = [
            models.CheckConstraint(
                condition=Q(loss_amount__gt=0) & Q(default_amount__gte=0),
                name="loss_amount_positive",
            ),
        ]

    def __str__(self):
        return f"{self.record} {self.loss_amount}"


class ResponsibilityShare(models.Model):
    class Part(models.TextChoices):
        OFFICER = "officer", _("信贷员")
        DEPUTY = "deputy", _("分管副主任")
        DIRECTOR = "director", _("主任")
        REVIEW_MAIN = "review_main", _("审查岗主责任人")
        REVIEW_OTHER = "review_other", _("审查岗其他人员")
        APPROVAL_MAIN = "approval_main", _("审批岗主责任人")
        APPROVAL_OTHER = "approval_other", _("审批岗其他人员")
        FULL = "full", _("全额赔偿")

    assessment = models.ForeignKey(
        LossAssessment, on_delete=models.CASCADE, related_name="shares", verbose_name=_("损失认定")
    )
    person = models.ForeignKey(
        ResponsiblePerson, on_delete=models.PROTECT, related_name="shares", verbose_name=_("责任人")
    )
    part = models.CharField(_("承担部分"), max_length=16, choices=Part.choices)
    pct = models.DecimalField(_("比例（%）"), max_digits=8, decimal_places=4)
    amount = models.DecimalField(_("应赔偿金额（元）"), **MONEY)
    recovered = models.DecimalField(_("已扣回（元）"), default=Decimal("0.00"), **MONEY)

    class Meta:
        verbose_name = _("责任分担")
        verbose_name_plural = _("责任分担")
        ordering = ["assessment_id", "-amount", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(recovered__gte=0) & Q(recovered__lte=F("amount")),
                name="share_recovered_within_amount",
                violation_error_message=_("扣回金额不能超过应赔偿金额。"),
            ),
            models.UniqueConstraint(fields=["assessment", "person", "part"], name="share_unique"),
        ]

    def __str__(self):
        return f"{self.person} {self.amount}"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.recovered


class ResponsibilityDeduction(models.Model):
    class Source(models.TextChoices):
        PAY = "pay", _("月工资扣发")
        DEPOSIT = "deposit", _("风险保证金扣划")

    share = models.ForeignKey(
        ResponsibilityShare,
        on_delete=models.PROTECT,
        related_name="deductions",
        verbose_name=_("责任分担"),
    )
    month = models.DateField(_("扣款月份"), help_text=_("该月 1 日。"))
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices, default="pay")
    amount = models.DecimalField(_("扣款金额（元）"), **MONEY)
    recorded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("责任扣款")
        verbose_name_plural = _("责任扣款")
        ordering = ["share_id", "month", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="deduction_amount_positive"),
            models.UniqueConstraint(
                fields=["share", "month", "source"],
                name="deduction_once_a_month",
                violation_error_message=_("该月已登记过这项扣款。"),
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.amount}"


class ForceMajeureExtension(models.Model):
    """不可抗力延期: until the date, no deduction and no escalation for the record."""

    record = models.ForeignKey(
        NplRecord,
        on_delete=models.CASCADE,
        related_name="force_majeure_extensions",
        verbose_name=_("登记"),
    )
    reason = models.CharField(_("不可抗力事由"), max_length=300)
    evidence = models.CharField(_("证明材料"), max_length=300)
    until = models.DateField(_("延期至"))
    recorded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("不可抗力延期")
        verbose_name_plural = _("不可抗力延期")
        ordering = ["record_id", "-until"]
        indexes = [models.Index(fields=["record", "until"], name="fm_record_until")]

    def __str__(self):
        return f"{self.record} → {self.until}"


class OfficerEscalation(models.Model):
    """One accountability record per officer and level reached (R4.3): 1 → pays the share;
    2 → suspended to collect, a clock, laid off if not recovered; 3+ → contract ended,
    director and deputy demerits. Written by the nightly job; the director decides."""

    class Level(models.IntegerChoices):
        ONE = 1, _("一笔：承担赔偿")
        TWO = 2, _("两笔：停职清收")
        THREE = 3, _("三笔及以上：解除劳动合同")

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        DECIDED = "decided", _("已处理")

    class Decision(models.TextChoices):
        NONE = "", _("—")
        CONFIRM = "confirm", _("确认执行")
        WAIVE = "waive", _("不予追究")

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    officer = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("信贷员")
    )
    level = models.PositiveSmallIntegerField(_("追究档次"), choices=Level.choices)
    record_count = models.PositiveIntegerField(_("主责任不良贷款笔数"))
    opened_on = models.DateField(_("立项日期"))
    clock_ends_on = models.DateField(_("停职清收期满日"), null=True, blank=True)
    clock_ran_out = models.BooleanField(_("期满未收回（应下岗清收）"), default=False)
    demerits = models.CharField(_("记过人员"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default="open")
    decision = models.CharField(
        _("处理决定"), max_length=8, choices=Decision.choices, default="", blank=True
    )
    decision_text = models.TextField(_("决定内容"), blank=True)
    decided_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("决定人"),
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("责任追究")
        verbose_name_plural = _("责任追究")
        ordering = ["status", "-opened_on", "-id"]
        indexes = [models.Index(fields=["cooperative", "status"], name="esc_coop_status")]
        constraints = [
            models.UniqueConstraint(fields=["officer", "level"], name="esc_once_per_level"),
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=3), name="esc_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="open", decided_at__isnull=True)
                | Q(status="decided", decided_at__isnull=False) & ~Q(decision=""),
                name="esc_decided_has_decision",
            ),
        ]

    def __str__(self):
        return f"{self.officer} {self.get_level_display()}"
