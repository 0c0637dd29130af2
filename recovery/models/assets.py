"""Debt-for-asset (以资抵债, issue #14 point 4, docs/rules.md §7.11).

An asset taken in settlement of one or more register records: its valuation, the amount of
each loan it settled (booked as a restructured `RecoveryEntry`), custody, the legal disposal
deadline, leases, the disposal (auction or sale) with its proceeds against the settled value,
or own use after approval at a discounted value.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY
from creditcoop.workflow import Workflow

from .. import limitation as L
from .policy import PERCENT
from .register import NplRecord

STAFF = settings.AUTH_USER_MODEL


class AssetKind(models.TextChoices):
    REAL_ESTATE = "real_estate", _("不动产")
    EQUITY = "equity", _("股权")
    MOVABLE = "movable", _("动产")
    OTHER_RIGHT = "other_right", _("其他权利")


# The law's disposal periods (the exception to "numbers are policy", docs/rules.md §7.11):
# 商业银行法 art. 42 (real estate and equity taken by enforcing security: 2 years);
# 《银行抵债资产管理办法》(财金〔2005〕53号) art. 18 — real estate and equity within 2 years,
# other rights within their term and at most 2 years, movables within 1 year, all from the
# day the asset was acquired (ARCHIVES-RECOVERY part 3, L17).
DISPOSAL_YEARS = {
    AssetKind.REAL_ESTATE: 2,
    AssetKind.EQUITY: 2,
    AssetKind.MOVABLE: 1,
    AssetKind.OTHER_RIGHT: 2,
}


def disposal_deadline(kind: str, acquired_on: date, right_ends_on: date | None = None) -> date:
    """The last day to dispose of the asset: the corresponding day 1 or 2 years after the
    acquisition (29 February → 28 February); another right's own term when it ends sooner."""
    deadline = L.add_years(acquired_on, DISPOSAL_YEARS[AssetKind(kind)])
    if kind == AssetKind.OTHER_RIGHT and right_ends_on and right_ends_on < deadline:
        deadline = right_ends_on
    return deadline


class DebtAsset(models.Model):
    class Status(models.TextChoices):
        HELD = "held", _("持有待处置")
        LEASED = "leased", _("出租中")
        DISPOSED = "disposed", _("已处置")
        OWN_USE = "own_use", _("转为自用")

    workflow = Workflow(
        Status,
        {
            Status.HELD: {Status.LEASED, Status.DISPOSED, Status.OWN_USE},
            Status.LEASED: {Status.HELD, Status.DISPOSED, Status.OWN_USE},
        },
    )

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    records = models.ManyToManyField(
        NplRecord, through="DebtAssetSettlement", related_name="debt_assets", verbose_name=_("登记")
    )
    description = models.CharField(_("资产名称及描述"), max_length=300)
    kind = models.CharField(_("资产类别"), max_length=12, choices=AssetKind.choices)
    valuation = models.DecimalField(_("评估价值（元）"), **MONEY)
    valuer = models.CharField(_("评估机构或评估人"), max_length=100)
    acquired_on = models.DateField(_("取得日期"))
    right_ends_on = models.DateField(
        _("权利有效期至"),
        null=True,
        blank=True,
        help_text=_("其他权利填写；早于两年的，以此为处置期限。"),
    )
    settled_value = models.DecimalField(
        _("抵债金额（元）"), help_text=_("所抵偿的贷款本息合计。"), **MONEY
    )
    custodian = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("保管责任人")
    )
    custody_place = models.CharField(_("保管地点"), max_length=200)
    disposal_deadline = models.DateField(_("处置期限"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.HELD)
    booked_value = models.DecimalField(_("自用入账价值（元）"), null=True, blank=True, **MONEY)
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("抵债资产")
        verbose_name_plural = _("抵债资产")
        ordering = ["disposal_deadline", "id"]
        indexes = [
            models.Index(
                fields=["disposal_deadline"],
                condition=Q(status__in=["held", "leased"]),
                name="debtasset_open_deadline",
            ),
            models.Index(fields=["cooperative", "status"], name="debtasset_coop_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valuation__gt=0) & Q(settled_value__gt=0),
                name="debtasset_amounts_positive",
            ),
            models.CheckConstraint(
                condition=Q(disposal_deadline__gt=F("acquired_on")),
                name="debtasset_deadline_after_acquisition",
            ),
        ]

    def __str__(self):
        return self.description[:60]

    def get_absolute_url(self):
        return reverse("recovery:asset_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.HELD, self.Status.LEASED)


class DebtAssetSettlement(models.Model):
    """The part of one record's debt the asset settled, and the restructured recovery entry
    it was booked as."""

    asset = models.ForeignKey(
        DebtAsset, on_delete=models.CASCADE, related_name="settlements", verbose_name=_("抵债资产")
    )
    record = models.ForeignKey(
        NplRecord, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记")
    )
    entry = models.OneToOneField(
        "recovery.RecoveryEntry",
        on_delete=models.PROTECT,
        related_name="debt_asset",
        verbose_name=_("清收收回"),
    )

    class Meta:
        verbose_name = _("抵债明细")
        verbose_name_plural = _("抵债明细")
        constraints = [
            models.UniqueConstraint(fields=["asset", "record"], name="debtasset_record_once"),
        ]

    def __str__(self):
        return f"{self.asset} ← {self.record}"


class DebtAssetLease(models.Model):
    asset = models.ForeignKey(
        DebtAsset, on_delete=models.CASCADE, related_name="leases", verbose_name=_("抵债资产")
    )
    lessee = models.CharField(_("承租人"), max_length=100)
    starts_on = models.DateField(_("租期起"))
    ends_on = models.DateField(_("租期止"))
    rent = models.DecimalField(_("租金（元）"), **MONEY)
    recorded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("抵债资产出租")
        verbose_name_plural = _("抵债资产出租")
        ordering = ["asset_id", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")) & Q(rent__gte=0),
                name="debtasset_lease_valid",
            ),
        ]

    def __str__(self):
        return f"{self.lessee} {self.starts_on}–{self.ends_on}"


class DebtAssetDisposal(models.Model):
    class Method(models.TextChoices):
        AUCTION = "auction", _("拍卖")
        SALE = "sale", _("变卖")

    asset = models.OneToOneField(
        DebtAsset, on_delete=models.PROTECT, related_name="disposal", verbose_name=_("抵债资产")
    )
    method = models.CharField(_("处置方式"), max_length=10, choices=Method.choices)
    on = models.DateField(_("处置日期"))
    buyer = models.CharField(_("买受人"), max_length=100)
    proceeds = models.DecimalField(_("处置收入（元）"), **MONEY)
    settled_value = models.DecimalField(_("抵债金额（元）"), **MONEY)
    difference = models.DecimalField(
        _("处置差额（元）"),
        help_text=_("处置收入减抵债金额，负数为损失。"),
        max_digits=14,
        decimal_places=2,
    )
    recorded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("抵债资产处置")
        verbose_name_plural = _("抵债资产处置")
        constraints = [
            models.CheckConstraint(
                condition=Q(proceeds__gte=0) & Q(difference=F("proceeds") - F("settled_value")),
                name="debtasset_disposal_difference",
            ),
        ]

    def __str__(self):
        return f"{self.asset} {self.get_method_display()} {self.on}"


class DebtAssetOwnUse(models.Model):
    """A request to keep the asset for the cooperative's own use: the director's and the
    union's approval, then the asset is booked at the policy's discount."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("未批准")

    asset = models.ForeignKey(
        DebtAsset, on_delete=models.CASCADE, related_name="own_use", verbose_name=_("抵债资产")
    )
    purpose = models.CharField(_("自用用途"), max_length=200)
    discount_pct = models.DecimalField(_("折价比例（%）"), **PERCENT)
    booked_value = models.DecimalField(_("折价入账价值（元）"), **MONEY)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    director = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("信用社审批人"),
    )
    director_at = models.DateTimeField(_("信用社审批时间"), null=True, blank=True)
    union_approver = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("联社审批人"),
    )
    union_at = models.DateTimeField(_("联社审批时间"), null=True, blank=True)
    opinion = models.CharField(_("审批意见"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("抵债资产自用申请")
        verbose_name_plural = _("抵债资产自用申请")
        ordering = ["asset_id", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"], condition=Q(status="requested"), name="debtasset_one_own_use"
            ),
            models.CheckConstraint(
                condition=Q(discount_pct__gte=0) & Q(discount_pct__lt=100) & Q(booked_value__gt=0),
                name="debtasset_own_use_discount",
            ),
        ]

    def __str__(self):
        return f"{self.asset} 自用"


class DebtAssetWarning(models.Model):
    """A disposal-deadline warning queued once per (asset, deadline, lead day)."""

    asset = models.ForeignKey(
        DebtAsset, on_delete=models.CASCADE, related_name="warnings", verbose_name=_("抵债资产")
    )
    deadline = models.DateField(_("处置期限"))
    lead_days = models.PositiveSmallIntegerField(_("提前天数"))
    queued_on = models.DateField(_("预警日期"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("抵债资产处置预警")
        verbose_name_plural = _("抵债资产处置预警")
        ordering = ["-queued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "deadline", "lead_days"], name="debtasset_warning_once"
            ),
        ]

    def __str__(self):
        return f"{self.asset} {self.deadline} -{self.lead_days}"
