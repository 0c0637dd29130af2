"""Recovery policy as data: per union, everything an administrator may change.

The seeds (DOMAIN §7, ARCHIVES-RECOVERY R4, R7, R12, L20) disagree between unions, so every
number here is a default of one union's row. The law's periods (limitation, guarantee
period) are not policy: they live in ``recovery/limitation.py``.
"""

from datetime import date, time
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

PERCENT = dict(max_digits=5, decimal_places=2)


def default_warning_days():
    return [90, 60, 30]


def default_asset_warning_days() -> list[int]:
    return [90, 30]


class RecoveryPolicy(models.Model):
    """One row per union (created with the defaults on first use: ``current(union)``)."""

    class Responsibility(models.TextChoices):
        SPLIT = "split", _("按岗位比例分担（80/10/10，超权限 70/10/20）")
        FULL_AFTER = "full_after", _("分界日后形成的不良贷款由责任人全额赔偿")

    union = models.OneToOneField(
        "creditcoop.Union",
        on_delete=models.CASCADE,
        related_name="recovery_policy",
        verbose_name=_("联社"),
    )
    # Limitation warnings (issue #13 §2).
    warning_days = ArrayField(
        models.PositiveSmallIntegerField(),
        default=default_warning_days,
        verbose_name=_("时效预警（到期前天数）"),
        help_text=_("逗号分隔，如 90,60,30：在任一时效届满前这些天数提醒清收责任人和主任。"),
    )
    # Collection contacts (L20).
    quiet_from = models.TimeField(_("禁止催收开始时间"), default=time(22, 0))
    quiet_until = models.TimeField(_("禁止催收结束时间"), default=time(8, 0))
    daily_contact_cap = models.PositiveSmallIntegerField(_("每名债务人每日最多联系次数"), default=6)
    # Repayment agreements (R7).
    agreement_max_months = models.PositiveSmallIntegerField(_("还款协议最长期限（月）"), default=36)
    renewal_needs_approval = models.BooleanField(
        _("借新还旧、重签借据须经批准"),
        default=True,
        help_text=_("只有在结清全部利息后作为经批准的例外办理。"),
    )
    # Village roll (R6.3).
    roll_min_copies = models.PositiveSmallIntegerField(_("清收公告每村最少张贴份数"), default=3)
    # Responsibility (R4): within the cooperative's authority …
    responsibility_policy = models.CharField(
        _("责任追究办法"),
        max_length=12,
        choices=Responsibility.choices,
        default=Responsibility.SPLIT,
    )
    full_compensation_from = models.DateField(
        _("全额赔偿分界日"), default=date(2004, 6, 1), help_text=_("该日及以后形成的不良贷款。")
    )
    within_officer_pct = models.DecimalField(
        _("权限内：信贷员（%）"), default=Decimal("80"), **PERCENT
    )
    within_deputy_pct = models.DecimalField(
        _("权限内：分管副主任（%）"), default=Decimal("10"), **PERCENT
    )
    within_director_pct = models.DecimalField(
        _("权限内：主任（%）"), default=Decimal("10"), **PERCENT
    )
    # … and above it (review and approval posts split into main and other persons).
    above_officer_pct = models.DecimalField(
        _("超权限：信贷员（%）"), default=Decimal("70"), **PERCENT
    )
    above_review_main_pct = models.DecimalField(
        _("超权限：审查岗主责任人（%）"), default=Decimal("5"), **PERCENT
    )
    above_review_other_pct = models.DecimalField(
        _("超权限：审查岗其他人员（%）"), default=Decimal("5"), **PERCENT
    )
    above_approval_main_pct = models.DecimalField(
        _("超权限：审批岗主责任人（%）"), default=Decimal("10"), **PERCENT
    )
    above_approval_other_pct = models.DecimalField(
        _("超权限：审批岗其他人员（%）"), default=Decimal("10"), **PERCENT
    )
    suspension_recovery_months = models.PositiveSmallIntegerField(
        _("停职清收期限（月）"), default=3, help_text=_("两笔：停职清收，期满未收回则下岗清收。")
    )
    # Blacklist (R12, L18).
    blacklist_lapse_years = models.PositiveSmallIntegerField(_("不良记录保存年限"), default=5)
    # Collection notices (collect): days the debtor is given to pay after printing.
    notice_pay_days = models.PositiveSmallIntegerField(
        _("催收通知书还款期限（天）"),
        default=15,
        help_text=_("通知书打印日起多少天内归还全部借款本息。"),
    )
    # Incentives and officer targets (R5.3, R4.8): document rewards per signed
    # collection notice and per signed repayment plan; the share of an officer's yearly
    # bonus held as the risk deposit. The bonus rates by vintage are `IncentiveBand` rows.
    notice_reward = models.DecimalField(
        _("每份签收催收通知书奖励（元）"),
        default=Decimal("1.00"),
        db_default=Decimal("1.00"),
        max_digits=8,
        decimal_places=2,
    )
    plan_reward = models.DecimalField(
        _("每份签订还款计划奖励（元）"),
        default=Decimal("1.00"),
        db_default=Decimal("1.00"),
        max_digits=8,
        decimal_places=2,
    )
    risk_deposit_pct = models.DecimalField(
        _("风险保证金占全年清收奖励比例（%）"),
        default=Decimal("50.00"),
        db_default=Decimal("50.00"),
        max_digits=5,
        decimal_places=2,
    )
    # Entrusted collection by an outside firm (托管清收; R11 攸县): the package's
    # default scope, the performance deposit, the fee share and the hand-over rules.
    agency_drawn_before = models.DateField(
        _("托管清收默认范围：放款日期早于"), default=date(2000, 1, 1)
    )
    agency_deposit = models.DecimalField(
        _("托管清收履约保证金（元）"), default=Decimal("200000.00"), max_digits=14, decimal_places=2
    )
    agency_fee_pct = models.DecimalField(
        _("托管清收费用比例（%）"),
        default=Decimal("20.00"),
        help_text=_("占收回本息的百分比；由联社按协议设定。"),
        **PERCENT,
    )
    agency_handover_days = models.PositiveSmallIntegerField(
        _("收款移交期限（天）"), default=5, help_text=_("超过此天数按日计收利息。")
    )
    agency_deduct_after_days = models.PositiveSmallIntegerField(
        _("超过多少天从保证金扣收"), default=10
    )
    agency_late_daily_rate = models.DecimalField(
        _("逾期移交日利率"),
        default=Decimal("0.000500"),
        max_digits=8,
        decimal_places=6,
        help_text=_("按逾期移交金额每日计收，例如 0.0005 即万分之五。"),
    )
    agency_preserved_bonus = models.DecimalField(
        _("每笔保全时效奖励（元）"), default=Decimal("20.00"), max_digits=10, decimal_places=2
    )
    # Write-off and debt-for-asset: the days before a debt-asset's legal
    # disposal deadline when its custodian and the directors are warned, and the discount at
    # which an asset kept for own use is booked (R8.2 「经折价入账」; the documents give no
    # figure — a default the union sets).
    asset_warning_days = ArrayField(
        models.PositiveSmallIntegerField(),
        default=default_asset_warning_days,
        verbose_name=_("抵债资产处置预警（期限前天数）"),
        help_text=_("逗号分隔，如 90,30。"),
    )
    own_use_discount_pct = models.DecimalField(
        _("抵债资产自用折价比例（%）"), default=Decimal("20"), **PERCENT
    )
    # Internal contracted collection (R10): the pricing table and the bonus
    # bands are tables of their own (PricingRow, BonusBand), edited in the admin.
    contract_registration_deposit = models.DecimalField(
        _("承包竞标定金（元）"), default=Decimal("5000.00"), max_digits=14, decimal_places=2
    )
    contract_years = models.PositiveSmallIntegerField(_("承包期限（年）"), default=2)
    contract_deposit_pct = models.DecimalField(
        _("履约保证金（中标价的 %）"), default=Decimal("5"), **PERCENT
    )
    contract_full_time_min = models.PositiveSmallIntegerField(
        _("承包几个包以上可专职清收"), default=3
    )
    contract_count_restructured = models.BooleanField(
        _("承包奖励计入转贷盘活"),
        default=False,
        help_text=_("不勾选时只按现金收回计算承包人奖励。"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("清收政策参数")
        verbose_name_plural = _("清收政策参数")
        constraints = [
            models.CheckConstraint(
                condition=Q(within_officer_pct__gte=0)
                & Q(within_deputy_pct__gte=0)
                & Q(within_director_pct__gte=0)
                & Q(
                    within_officer_pct=Decimal("100")
                    - F("within_deputy_pct")
                    - F("within_director_pct")
                ),
                name="recoverypolicy_within_adds_to_100",
                violation_error_message=_("权限内各岗位比例之和必须为 100%。"),
            ),
            models.CheckConstraint(
                condition=Q(above_officer_pct__gte=0)
                & Q(above_review_main_pct__gte=0)
                & Q(above_review_other_pct__gte=0)
                & Q(above_approval_main_pct__gte=0)
                & Q(above_approval_other_pct__gte=0)
                & Q(
                    above_officer_pct=Decimal("100")
                    - F("above_review_main_pct")
                    - F("above_review_other_pct")
                    - F("above_approval_main_pct")
                    - F("above_approval_other_pct")
                ),
                name="recoverypolicy_above_adds_to_100",
                violation_error_message=_("超权限各岗位比例之和必须为 100%。"),
            ),
            models.CheckConstraint(
                condition=Q(agreement_max_months__gte=1) & Q(daily_contact_cap__gte=1),
                name="recoverypolicy_caps_positive",
            ),
            models.CheckConstraint(
                condition=Q(agency_deposit__gte=0)
                & Q(agency_fee_pct__gte=0)
                & Q(agency_fee_pct__lte=100)
                & Q(agency_late_daily_rate__gte=0)
                & Q(agency_preserved_bonus__gte=0)
                & Q(agency_deduct_after_days__gte=F("agency_handover_days")),
                name="recoverypolicy_agency_valid",
                violation_error_message=_("托管清收参数不正确：扣收天数不得少于移交期限。"),
            ),
            models.CheckConstraint(
                condition=Q(own_use_discount_pct__gte=0) & Q(own_use_discount_pct__lt=100),
                name="recoverypolicy_own_use_discount_valid",
            ),
        ]

    def __str__(self):
        return f"{self.union} 清收政策参数"

    @classmethod
    def current(cls, union) -> "RecoveryPolicy":
        union_id = getattr(union, "pk", union)
        obj = cls.objects.filter(union_id=union_id).first()
        if obj is None:
            obj, _created = cls.objects.get_or_create(union_id=union_id)
        return obj

    def asset_lead_days(self) -> list[int]:
        return sorted({int(d) for d in self.asset_warning_days if d}, reverse=True)

    def lead_days(self) -> list[int]:
        return sorted({int(d) for d in self.warning_days if d}, reverse=True)


class VintageScheme(models.Model):
    """A way of cutting the book into vintages (新老划段), reported apart. Schemes are data:
    the seeds use the 2004-06-01 split, four periods, and five incentive bands."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("划段方案")
        verbose_name_plural = _("划段方案")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class VintageSegment(models.Model):
    """One segment: loans drawn on or after `starts_on` and before `ends_before` (either
    side open when blank)."""

    scheme = models.ForeignKey(
        VintageScheme, on_delete=models.CASCADE, related_name="segments", verbose_name=_("方案")
    )
    name = models.CharField(_("名称"), max_length=40)
    starts_on = models.DateField(_("起始日（含）"), null=True, blank=True)
    ends_before = models.DateField(_("截止日（不含）"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("划段")
        verbose_name_plural = _("划段")
        ordering = ["scheme_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_before__isnull=True)
                | Q(ends_before__gt=F("starts_on")),
                name="vintagesegment_dates_ordered",
            ),
            models.UniqueConstraint(fields=["scheme", "name"], name="vintagesegment_unique_name"),
        ]

    def __str__(self):
        return f"{self.scheme.name}·{self.name}"

    def contains(self, day) -> bool:
        return (
            day is not None
            and (self.starts_on is None or day >= self.starts_on)
            and (self.ends_before is None or day < self.ends_before)
        )

    def q(self, field: str = "drawn_on") -> Q:
        """The register rows of this segment, as a range on an indexed date."""
        cond = Q()
        if self.starts_on:
            cond &= Q(**{f"{field}__gte": self.starts_on})
        if self.ends_before:
            cond &= Q(**{f"{field}__lt": self.ends_before})
        return cond
