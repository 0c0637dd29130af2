"""Recovery incentives, officer targets and the yearly risk deposit (issue #14 points 5–6,
docs/rules.md §7.8).

* `IncentiveBand`: the union's bonus rates by vintage band (the loan's drawn date): a share
  of the interest recovered on on-balance records, a share of the principal and interest
  recovered on written-off and replaced records (R5.1). Placeholders the union edits.
* `IncentiveSlip` with its `IncentiveSlipLine`s: one collector's monthly recovery slip
  (收回信息单, R5.2) — lines by band from the month's recovery entries, plus the document
  rewards (1 yuan per signed notice and per signed repayment plan, R5.3); computed, then
  checked, then paid. A checked slip never moves.
* `OfficerTarget`: the month's tasks of an officer (R14.2), entered by the director.
* `RiskDeposit`: the part of an officer's yearly bonus held until the NPL targets are met
  (R4.8), released or forfeited by the director.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY
from creditcoop.workflow import Workflow

STAFF = settings.AUTH_USER_MODEL
PCT = dict(max_digits=5, decimal_places=2)
ZERO = Decimal("0.00")


class IncentiveBand(models.Model):
    """A vintage band of a union's recovery bonus: drawn from `starts_on` to `ends_on`
    (both inclusive; empty = open). Bands of a union must not overlap (checked on save in
    the admin): a recovery falls in exactly one band or in none."""

    union = models.ForeignKey(
        "creditcoop.Union", on_delete=models.CASCADE, related_name="+", verbose_name=_("联社")
    )
    name = models.CharField(_("名称"), max_length=40)
    starts_on = models.DateField(_("放款日起（含）"), null=True, blank=True)
    ends_on = models.DateField(_("放款日止（含）"), null=True, blank=True)
    interest_pct = models.DecimalField(
        _("表内：收回利息奖励比例（%）"),
        default=ZERO,
        help_text=_("表内不良贷款按收回利息计奖。"),
        **PCT,
    )
    off_balance_pct = models.DecimalField(
        _("已核销、已置换：收回本息奖励比例（%）"),
        default=ZERO,
        help_text=_("呆账核销和已置换的不良贷款按收回本金和利息计奖。"),
        **PCT,
    )
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("清收奖励档次")
        verbose_name_plural = _("清收奖励档次")
        ordering = ["union_id", "position", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="incentive_band_range",
            ),
            models.CheckConstraint(
                condition=Q(interest_pct__gte=0)
                & Q(interest_pct__lte=100)
                & Q(off_balance_pct__gte=0)
                & Q(off_balance_pct__lte=100),
                name="incentive_band_pct_range",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError(_("截止日不能早于起始日。"))
        others = IncentiveBand.objects.filter(union_id=self.union_id).exclude(pk=self.pk)
        lo, hi = self.starts_on, self.ends_on
        overlap = others
        if hi is not None:
            overlap = overlap.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=hi))
        if lo is not None:
            overlap = overlap.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=lo))
        if self.union_id and overlap.exists():
            raise ValidationError(_("与档次“%(n)s”的放款日期重叠。") % {"n": overlap.first().name})


class IncentiveSlip(models.Model):
    """One collector's recovery slip of one month in one cooperative."""

    class Status(models.TextChoices):
        COMPUTED = "computed", _("已计算")
        CHECKED = "checked", _("已审核")
        PAID = "paid", _("已发放")

    workflow = Workflow(
        Status,
        {Status.COMPUTED: {Status.CHECKED}, Status.CHECKED: {Status.PAID}, Status.PAID: set()},
    )

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    collector = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("清收人")
    )
    month = models.DateField(_("月份"), help_text=_("当月 1 日。"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.COMPUTED
    )
    band_amount = models.DecimalField(_("收回奖励（元）"), default=ZERO, **MONEY)
    notices = models.PositiveIntegerField(_("签收催收通知书（份）"), default=0)
    plans = models.PositiveIntegerField(_("签订还款计划（份）"), default=0)
    document_amount = models.DecimalField(_("文书奖励（元）"), default=ZERO, **MONEY)
    total = models.DecimalField(_("合计（元）"), default=ZERO, **MONEY)
    computed_at = models.DateTimeField(_("计算时间"))
    computed_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("计算人")
    )
    checked_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    checked_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    paid_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发放登记人"),
    )
    paid_on = models.DateField(_("发放日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("清收收回信息单")
        verbose_name_plural = _("清收收回信息单")
        ordering = ["-month", "cooperative_id", "collector_id"]
        indexes = [models.Index(fields=["collector", "month"], name="slip_collector_month")]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "collector", "month"], name="slip_once_a_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="slip_month_first_day"),
            models.CheckConstraint(
                condition=Q(band_amount__gte=0)
                & Q(document_amount__gte=0)
                & Q(total=models.F("band_amount") + models.F("document_amount")),
                name="slip_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(status="computed") | Q(checked_by__isnull=False),
                name="slip_checked_has_checker",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_on__isnull=False),
                name="slip_paid_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.collector} {self.month:%Y-%m} 收回信息单"

    def can(self, to: str) -> bool:
        return self.workflow.can(self, to)


class IncentiveSlipLine(models.Model):
    """A line of a slip: a band's recoveries of one book group, or a document reward."""

    class Kind(models.TextChoices):
        ON_BALANCE = "on_balance", _("表内：按收回利息")
        OFF_BALANCE = "off_balance", _("已核销、已置换：按收回本息")
        NOTICE = "notice", _("签收催收通知书")
        PLAN = "plan", _("签订还款计划")

    slip = models.ForeignKey(
        IncentiveSlip, on_delete=models.CASCADE, related_name="lines", verbose_name=_("信息单")
    )
    kind = models.CharField(_("项目"), max_length=12, choices=Kind.choices)
    band = models.ForeignKey(
        IncentiveBand,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("档次"),
    )
    # The band's name and rate as they were when computed (a slip does not follow later
    # edits of the bands).
    band_name = models.CharField(_("档次名称"), max_length=40, blank=True)
    principal = models.DecimalField(_("收回本金（元）"), default=ZERO, **MONEY)
    interest = models.DecimalField(_("收回利息（元）"), default=ZERO, **MONEY)
    base = models.DecimalField(_("计奖基数（元）"), default=ZERO, **MONEY)
    rate_pct = models.DecimalField(_("比例（%）"), default=ZERO, **PCT)
    count = models.PositiveIntegerField(_("笔数或份数"), default=0)
    amount = models.DecimalField(_("奖励（元）"), default=ZERO, **MONEY)

    class Meta:
        verbose_name = _("收回信息单明细")
        verbose_name_plural = _("收回信息单明细")
        ordering = ["slip_id", "kind", "band_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(base__gte=0), name="slip_line_amounts"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.band_name}"


class OfficerTarget(models.Model):
    """An officer's tasks for one month (R14.2), entered by the cooperative's director."""

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    officer = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("信贷员")
    )
    month = models.DateField(_("月份"), help_text=_("当月 1 日。"))
    principal = models.DecimalField(_("收回本金任务（元）"), default=ZERO, **MONEY)
    interest = models.DecimalField(_("收回利息任务（元）"), default=ZERO, **MONEY)
    maturity_rate = models.DecimalField(_("到期收回率任务（%）"), null=True, blank=True, **PCT)
    interest_rate = models.DecimalField(_("利息收回率任务（%）"), null=True, blank=True, **PCT)
    set_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("下达人")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("信贷员月度清收任务")
        verbose_name_plural = _("信贷员月度清收任务")
        ordering = ["-month", "cooperative_id", "officer_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "officer", "month"], name="target_once_a_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="target_month_first_day"),
            models.CheckConstraint(
                condition=Q(principal__gte=0)
                & Q(interest__gte=0)
                & (Q(maturity_rate__isnull=True) | Q(maturity_rate__range=(0, 100)))
                & (Q(interest_rate__isnull=True) | Q(interest_rate__range=(0, 100))),
                name="target_values_valid",
            ),
        ]

    def __str__(self):
        return f"{self.officer} {self.month:%Y-%m} 清收任务"


class RiskDeposit(models.Model):
    """The risk deposit (风险保证金) of an officer for a year: a share of the year's paid
    bonus, held until the director decides whether the NPL targets were met."""

    class Status(models.TextChoices):
        HELD = "held", _("暂存")
        RELEASED = "released", _("已返还")
        FORFEITED = "forfeited", _("已扣罚")

    workflow = Workflow(
        Status,
        {Status.HELD: {Status.RELEASED, Status.FORFEITED}},
    )

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    officer = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("信贷员")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    bonus = models.DecimalField(_("全年已发放清收奖励（元）"), default=ZERO, **MONEY)
    pct = models.DecimalField(_("暂存比例（%）"), **PCT)
    held = models.DecimalField(_("暂存金额（元）"), default=ZERO, **MONEY)
    forfeited = models.DecimalField(_("扣罚金额（元）"), default=ZERO, **MONEY)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="held")
    decided_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("决定人"),
    )
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("风险保证金")
        verbose_name_plural = _("风险保证金")
        ordering = ["-year", "cooperative_id", "officer_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "officer", "year"], name="risk_deposit_once_a_year"
            ),
            models.CheckConstraint(
                condition=Q(held__gte=0)
                & Q(bonus__gte=models.F("held"))
                & Q(forfeited__gte=0)
                & Q(forfeited__lte=models.F("held"))
                & Q(pct__gte=0)
                & Q(pct__lte=100),
                name="risk_deposit_amounts",
            ),
            models.CheckConstraint(
                condition=Q(status="held") | Q(decided_by__isnull=False),
                name="risk_deposit_decided_by",
            ),
        ]

    def __str__(self):
        return f"{self.officer} {self.year} 风险保证金"

    @property
    def returned(self) -> Decimal:
        if self.status == self.Status.HELD:
            return ZERO
        return self.held - self.forfeited

    def can(self, to: str) -> bool:
        return self.workflow.can(self, to)
