"""Recovery results and the board (issue #13 point 9): what was recovered, the start-of-year
baseline it is measured against, and the monthly officer ranking announced to staff.

The report figures themselves are not stored: `recovery/board.py` groups the register in the
database when a page asks. Only what must not move once taken is stored here — the 1 January
baseline and a published ranking.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY

from .register import NplRecord

STAFF = settings.AUTH_USER_MODEL


class RecoveryEntry(models.Model):
    """One amount recovered on one record: cash (现金收回) or restructured (转贷盘活, a
    renewed loan or an agreement that turns the debt performing). Written only by
    `recovery_entry_record` and, for records linked to a loan, by the nightly
    `recovery_entries_from_repayments` (one entry per counter repayment, never twice)."""

    class Kind(models.TextChoices):
        CASH = "cash", _("现金收回")
        RESTRUCTURED = "restructured", _("转贷盘活")

    record = models.ForeignKey(
        NplRecord, on_delete=models.CASCADE, related_name="recoveries", verbose_name=_("登记")
    )
    # The cooperative and the collector at the time: results stay with who recovered them,
    # and the reports group on these columns without a join.
    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    collector = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("清收责任人"),
    )
    on = models.DateField(_("收回日期"))
    kind = models.CharField(_("收回方式"), max_length=12, choices=Kind.choices)
    principal = models.DecimalField(_("收回本金（元）"), default=Decimal("0.00"), **MONEY)
    interest = models.DecimalField(
        _("收回利息（元）"), default=Decimal("0.00"), help_text=_("含罚息。"), **MONEY
    )
    # Set for entries derived from a counter repayment: unique, so each repayment counts once.
    repayment = models.OneToOneField(
        "loans.Repayment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="npl_recovery",
        verbose_name=_("柜面还款"),
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
        help_text=_("夜间由柜面还款生成的为空。"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("清收收回")
        verbose_name_plural = _("清收收回")
        ordering = ["-on", "-id"]
        indexes = [
            models.Index(fields=["cooperative", "on"], name="recovery_entry_coop_day"),
            models.Index(fields=["collector", "on"], name="recovery_entry_collector_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(principal__gte=0)
                & Q(interest__gte=0)
                & (Q(principal__gt=0) | Q(interest__gt=0)),
                name="recovery_entry_amount_positive",
            ),
        ]

    def __str__(self):
        return f"{self.record} {self.on} {self.get_kind_display()}"

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


class YearBaseline(models.Model):
    """The cooperative's NPL stock as the year began (锁定基数, R1.6): records still pursued,
    count and principal balance per five-level class. Taken once, by the first run of the
    job on or after 1 January, and never rewritten (unique per cooperative and year; the
    service refuses; the admin is read-only)."""

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    taken_on = models.DateField(
        _("锁定日期"), help_text=_("晚于 1 月 1 日的，为停机后补锁，按补锁时登记簿的状态。")
    )
    count_0 = models.PositiveIntegerField(_("正常笔数"), default=0)
    balance_0 = models.DecimalField(_("正常余额"), default=Decimal("0.00"), **MONEY)
    count_1 = models.PositiveIntegerField(_("关注笔数"), default=0)
    balance_1 = models.DecimalField(_("关注余额"), default=Decimal("0.00"), **MONEY)
    count_2 = models.PositiveIntegerField(_("次级笔数"), default=0)
    balance_2 = models.DecimalField(_("次级余额"), default=Decimal("0.00"), **MONEY)
    count_3 = models.PositiveIntegerField(_("可疑笔数"), default=0)
    balance_3 = models.DecimalField(_("可疑余额"), default=Decimal("0.00"), **MONEY)
    count_4 = models.PositiveIntegerField(_("损失笔数"), default=0)
    balance_4 = models.DecimalField(_("损失余额"), default=Decimal("0.00"), **MONEY)
    created_at = models.DateTimeField(_("锁定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("年初基数")
        verbose_name_plural = _("年初基数")
        ordering = ["-year", "cooperative_id"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "year"], name="baseline_once_a_year"),
        ]

    def __str__(self):
        return f"{self.cooperative} {self.year} 年初基数"

    def counts(self) -> dict[int, int]:
        return {c: getattr(self, f"count_{c}") for c in range(5)}

    def balances(self) -> dict[int, Decimal]:
        return {c: getattr(self, f"balance_{c}") for c in range(5)}

    @property
    def total_count(self) -> int:
        return sum(self.counts().values())

    @property
    def total_balance(self) -> Decimal:
        return sum(self.balances().values(), Decimal("0.00"))


class MonthlyRanking(models.Model):
    """A month's officer results as published to the cooperative's staff (按月公布每一位员工
    的业绩, R1.7): a snapshot, so the announced figures do not move afterwards."""

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    month = models.DateField(_("月份"), help_text=_("当月 1 日。"))
    rows = models.JSONField(_("排名"), default=list)
    published_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布人")
    )
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("月度清收业绩排名")
        verbose_name_plural = _("月度清收业绩排名")
        ordering = ["-month", "cooperative_id"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "month"], name="ranking_once_a_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="ranking_month_first_day"),
        ]

    def __str__(self):
        return f"{self.cooperative} {self.month:%Y-%m} 清收业绩排名"
