"""Entrusted collection by an outside firm (托管清收, issue #14 point 2; R11 攸县).

A union keeps a white list of collection firms (`Agency`); only a white-listed firm gets a
package (`AgencyPackage`) of old debts — drawn before 2000 by default, litigated ones left
out — against a performance deposit. A record is in at most one live package (a partial
unique index). The firm reports the money it collects (`AgencyHandover`); the cooperative
books it when it is handed over, with interest after the grace days and, past the deduction
day, a deduction from the deposit. Each quarter a fee list (`AgencyFeeList`) is computed and
matched with the firm's invoice to the fen. The numbers are `RecoveryPolicy` defaults,
copied onto the package when it is created. Rules: docs/rules.md §7.9.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY

from .board import RecoveryEntry
from .policy import PERCENT
from .register import NplRecord

STAFF = settings.AUTH_USER_MODEL
ZERO = Decimal("0.00")


class Agency(models.Model):
    """A collection firm known to the union; it may get a package once white-listed."""

    union = models.ForeignKey(
        "creditcoop.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("联社")
    )
    name = models.CharField(_("机构名称"), max_length=100)
    licence_number = models.CharField(_("统一社会信用代码/登记号"), max_length=40)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    whitelisted = models.BooleanField(_("已列入白名单"), default=False)
    whitelisted_on = models.DateField(_("列入白名单日期"), null=True, blank=True)
    whitelisted_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("批准人"),
    )
    created_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("托管清收机构")
        verbose_name_plural = _("托管清收机构")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["union", "licence_number"], name="agency_unique_licence"
            ),
            models.CheckConstraint(
                condition=Q(whitelisted=False)
                | (Q(whitelisted_on__isnull=False) & Q(whitelisted_by__isnull=False)),
                name="agency_whitelist_has_approval",
            ),
        ]

    def __str__(self):
        return self.name


class AgencyMember(models.Model):
    """A staff account of the firm (role 托管清收机构人员): sees its agency's live packages."""

    staff = models.OneToOneField(
        STAFF, on_delete=models.CASCADE, related_name="agency_membership", verbose_name=_("账号")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="members", verbose_name=_("机构")
    )
    added_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    added_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("托管清收机构人员")
        verbose_name_plural = _("托管清收机构人员")

    def __str__(self):
        return f"{self.agency} · {self.staff}"


class AgencyPackage(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("托管中")
        ENDED = "ended", _("已结束")

    union = models.ForeignKey(
        "creditcoop.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("联社")
    )
    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("信用社"),
        help_text=_("留空表示全联社。"),
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="packages", verbose_name=_("托管机构")
    )
    number = models.CharField(_("资产包编号"), max_length=30, unique=True)
    rules = models.JSONField(_("入包条件"), default=dict)
    deposit = models.DecimalField(_("履约保证金（元）"), **MONEY)
    deposit_balance = models.DecimalField(_("保证金余额（元）"), **MONEY)
    fee_pct = models.DecimalField(_("费用比例（%）"), **PERCENT)
    handover_days = models.PositiveSmallIntegerField(_("移交期限（天）"))
    deduct_after_days = models.PositiveSmallIntegerField(_("超过多少天从保证金扣收"))
    late_daily_rate = models.DecimalField(_("逾期移交日利率"), max_digits=8, decimal_places=6)
    preserved_bonus = models.DecimalField(
        _("每笔保全时效奖励（元）"), max_digits=10, decimal_places=2
    )
    staff = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("陪同配合人员")
    )
    starts_on = models.DateField(_("托管起始日"))
    ends_on = models.DateField(_("托管终止日"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("建包人")
    )
    created_at = models.DateTimeField(_("建包时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("托管清收资产包")
        verbose_name_plural = _("托管清收资产包")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deposit_balance__gte=0) & Q(deposit_balance__lte=F("deposit")),
                name="agencypackage_deposit_balance_range",
                violation_error_message=_("保证金余额不能为负，也不能超过保证金。"),
            ),
            models.CheckConstraint(
                condition=Q(fee_pct__gte=0) & Q(fee_pct__lte=100),
                name="agencypackage_fee_pct_range",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="agencypackage_dates_order"
            ),
            models.CheckConstraint(
                condition=Q(deduct_after_days__gte=F("handover_days")),
                name="agencypackage_days_order",
            ),
        ]

    def __str__(self):
        return f"{self.number}（{self.agency}）"

    @property
    def live(self) -> bool:
        return self.status == self.Status.ACTIVE


class AgencyPackageLine(models.Model):
    """A record in a package. `live` follows the package's status; while live the record is
    in no other package (partial unique index)."""

    package = models.ForeignKey(
        AgencyPackage, on_delete=models.CASCADE, related_name="lines", verbose_name=_("资产包")
    )
    record = models.ForeignKey(
        NplRecord, on_delete=models.PROTECT, related_name="agency_lines", verbose_name=_("登记")
    )
    live = models.BooleanField(_("托管中"), default=True)
    principal_at_start = models.DecimalField(_("入包时本金（元）"), **MONEY)
    interest_at_start = models.DecimalField(_("入包时欠息（元）"), **MONEY)

    class Meta:
        verbose_name = _("托管资产包明细")
        verbose_name_plural = _("托管资产包明细")
        constraints = [
            models.UniqueConstraint(
                fields=["package", "record"], name="agencypackageline_unique_record"
            ),
            models.UniqueConstraint(
                fields=["record"],
                condition=Q(live=True),
                name="agencypackageline_one_live_package",
                violation_error_message=_("该笔贷款已在另一个托管中的资产包内。"),
            ),
        ]

    def __str__(self):
        return f"{self.package_id} · {self.record_id}"


class AgencyHandover(models.Model):
    """Money the firm collected on one record; settled when handed over (or, past the
    deduction day, from the deposit)."""

    class Settlement(models.TextChoices):
        OPEN = "open", _("待移交")
        CASH = "cash", _("已移交")
        DEPOSIT = "deposit", _("已从保证金扣收")

    package = models.ForeignKey(
        AgencyPackage, on_delete=models.PROTECT, related_name="handovers", verbose_name=_("资产包")
    )
    record = models.ForeignKey(
        NplRecord, on_delete=models.PROTECT, related_name="agency_handovers", verbose_name=_("登记")
    )
    collected_on = models.DateField(_("收款日期"))
    principal = models.DecimalField(_("收回本金（元）"), default=ZERO, **MONEY)
    interest = models.DecimalField(_("收回利息（元）"), default=ZERO, **MONEY)
    amount = models.DecimalField(_("收款金额（元）"), **MONEY)
    receipt_number = models.CharField(_("收据号"), max_length=40, blank=True)
    settlement = models.CharField(
        _("移交情况"), max_length=10, choices=Settlement.choices, default=Settlement.OPEN
    )
    handed_over_on = models.DateField(_("移交（扣收）日期"), null=True, blank=True)
    days_late = models.PositiveSmallIntegerField(_("移交天数"), null=True, blank=True)
    late_interest = models.DecimalField(_("逾期移交利息（元）"), default=ZERO, **MONEY)
    deducted = models.DecimalField(_("从保证金扣收（元）"), default=ZERO, **MONEY)
    owed = models.DecimalField(
        _("保证金不足尚欠（元）"),
        default=ZERO,
        help_text=_("由机构法定代表人承担连带责任。"),
        **MONEY,
    )
    entry = models.OneToOneField(
        RecoveryEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agency_handover",
        verbose_name=_("收回登记"),
    )
    reported_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    settled_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("托管清收收款移交")
        verbose_name_plural = _("托管清收收款移交")
        ordering = ["-collected_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(principal__gte=0)
                & Q(interest__gte=0)
                & Q(amount__gt=0)
                & Q(amount=F("principal") + F("interest")),
                name="agencyhandover_amounts",
            ),
            models.CheckConstraint(
                condition=Q(late_interest__gte=0) & Q(deducted__gte=0) & Q(owed__gte=0),
                name="agencyhandover_charges_positive",
            ),
            models.CheckConstraint(
                condition=Q(settlement="open", handed_over_on__isnull=True)
                | (~Q(settlement="open") & Q(handed_over_on__gte=F("collected_on"))),
                name="agencyhandover_settled_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.collected_on} {self.amount}"

    def days_elapsed(self, today: date) -> int:
        return ((self.handed_over_on or today) - self.collected_on).days


class AgencyFeeList(models.Model):
    """One quarter's fee of a package: share of the recoveries, plus the bonus per loan whose
    limitation the firm preserved, less the full compensation for loans lapsed in its hands
    and the late-hand-over interest not taken from the deposit; matched with the invoice."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待核对")
        APPROVED = "approved", _("已审批")

    package = models.ForeignKey(
        AgencyPackage, on_delete=models.PROTECT, related_name="fee_lists", verbose_name=_("资产包")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    recoveries = models.DecimalField(_("本季收回本息（元）"), **MONEY)
    fee_pct = models.DecimalField(_("费用比例（%）"), **PERCENT)
    fee = models.DecimalField(_("清收费用（元）"), **MONEY)
    preserved_count = models.PositiveIntegerField(_("保全时效笔数"))
    preserved_bonus = models.DecimalField(_("保全时效奖励（元）"), **MONEY)
    lapsed_count = models.PositiveIntegerField(_("时效丧失笔数"))
    compensation = models.DecimalField(_("时效丧失全额赔偿（元）"), **MONEY)
    late_interest = models.DecimalField(_("逾期移交利息（元）"), **MONEY)
    payable = models.DecimalField(_("应付金额（元）"), max_digits=14, decimal_places=2)
    details = models.JSONField(_("明细"), default=dict)
    invoice_number = models.CharField(_("发票号码"), max_length=40, blank=True)
    invoice_amount = models.DecimalField(_("发票金额（元）"), null=True, blank=True, **MONEY)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    computed_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("编制人")
    )
    computed_at = models.DateTimeField(_("编制时间"), auto_now=True)
    approved_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("托管清收季度费用清单")
        verbose_name_plural = _("托管清收季度费用清单")
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["package", "year", "quarter"], name="agencyfeelist_unique_quarter"
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1) & Q(quarter__lte=4), name="agencyfeelist_quarter"
            ),
            models.CheckConstraint(
                condition=Q(recoveries__gte=0)
                & Q(fee__gte=0)
                & Q(preserved_bonus__gte=0)
                & Q(compensation__gte=0)
                & Q(late_interest__gte=0)
                & Q(
                    payable=F("fee") + F("preserved_bonus") - F("compensation") - F("late_interest")
                ),
                name="agencyfeelist_sums",
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(invoice_amount=F("payable")) & Q(approved_by__isnull=False)),
                name="agencyfeelist_approved_matched",
                violation_error_message=_("发票金额与应付金额不符，不能审批。"),
            ),
        ]

    def __str__(self):
        return f"{self.package.number} {self.year}年第{self.quarter}季度"

    @property
    def difference(self) -> Decimal | None:
        if self.invoice_amount is None:
            return None
        return self.invoice_amount - self.payable

    @property
    def matched(self) -> bool:
        return self.invoice_amount is not None and self.invoice_amount == self.payable

    @property
    def starts_on(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def ends_before(self) -> date:
        return (
            date(self.year + 1, 1, 1)
            if self.quarter == 4
            else date(self.year, 3 * self.quarter + 1, 1)
        )
