"""Internal contracted collection (内部竞标承包清收, issue #14 point 1, ARCHIVES-RECOVERY R10).

The union prices each pursued debt through its pricing table (difficulty class × age), puts
debts into numbered packages, publishes them to its staff, takes registrations (with the
bid deposit) and bids, the leadership group awards a package and the winner signs a 2-year
contract with a performance deposit. During the contract the winner is the collector of the
package's records (the register, action log, agreements and limitation engine are the same
as everyone else's). Each month a slip computes the marginal bonus on what was recovered;
a lapsed limitation or a debt-asset lost by the contractor's fault forfeits the deposit and
charges the debt's price. Every number is a per-union default stored as data.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY

from .policy import PERCENT
from .register import NplRecord

STAFF = settings.AUTH_USER_MODEL


class DifficultyClass(models.TextChoices):
    """The two pricing classes of R2.7: the register's difficulty `potential` is the first,
    every "hard" kind (dead, bankrupt, criminal, guarantor unable, enforcement terminated)
    the second."""

    POTENTIAL = "potential", _("有收回潜力")
    HARD = "hard", _("难收回")


class PricingRow(models.Model):
    """One cell of the union's pricing table: debts of this class whose due date is at least
    `age_from` and less than `age_to` years back are priced at `pct` % of the debt owed when
    packaged. The seeded rows are placeholders the union replaces with its own."""

    union = models.ForeignKey(
        "creditcoop.Union", on_delete=models.CASCADE, related_name="+", verbose_name=_("联社")
    )
    difficulty_class = models.CharField(
        _("难度类别"), max_length=10, choices=DifficultyClass.choices
    )
    age_from = models.PositiveSmallIntegerField(_("逾期年限自（含）"))
    age_to = models.PositiveSmallIntegerField(
        _("逾期年限至（不含）"), null=True, blank=True, help_text=_("留空表示不封顶。")
    )
    pct = models.DecimalField(_("定价比例（%）"), **PERCENT)

    class Meta:
        verbose_name = _("承包定价比例")
        verbose_name_plural = _("承包定价表")
        ordering = ["union_id", "difficulty_class", "age_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["union", "difficulty_class", "age_from"], name="pricing_unique_band"
            ),
            models.CheckConstraint(
                condition=Q(age_to__isnull=True) | Q(age_to__gt=F("age_from")),
                name="pricing_age_ordered",
            ),
            models.CheckConstraint(
                condition=Q(pct__gte=0) & Q(pct__lte=100), name="pricing_pct_range"
            ),
        ]

    def __str__(self):
        to = f"{self.age_to}" if self.age_to is not None else "∞"
        return f"{self.get_difficulty_class_display()} {self.age_from}–{to} 年 {self.pct}%"

    # Placeholders: "has potential" priced higher than "hard", older debts lower.
    DEFAULTS = [
        (DifficultyClass.POTENTIAL, 0, 3, Decimal("60")),
        (DifficultyClass.POTENTIAL, 3, 5, Decimal("50")),
        (DifficultyClass.POTENTIAL, 5, 10, Decimal("40")),
        (DifficultyClass.POTENTIAL, 10, None, Decimal("30")),
        (DifficultyClass.HARD, 0, 3, Decimal("30")),
        (DifficultyClass.HARD, 3, 5, Decimal("20")),
        (DifficultyClass.HARD, 5, 10, Decimal("15")),
        (DifficultyClass.HARD, 10, None, Decimal("10")),
    ]

    @classmethod
    def for_union(cls, union) -> list["PricingRow"]:
        """The union's table, seeded with the placeholders on first use."""
        union_id = getattr(union, "pk", union)
        rows = list(cls.objects.filter(union_id=union_id))
        if not rows:
            cls.objects.bulk_create(
                [
                    cls(union_id=union_id, difficulty_class=c, age_from=a, age_to=b, pct=p)
                    for c, a, b, p in cls.DEFAULTS
                ],
                ignore_conflicts=True,
            )
            rows = list(cls.objects.filter(union_id=union_id))
        return rows


class BonusBand(models.Model):
    """A marginal band of the contractor's bonus (R10.10): of what is recovered between
    `from_pct` and `to_pct` % of the package's target, `rate` % is the bonus."""

    union = models.ForeignKey(
        "creditcoop.Union", on_delete=models.CASCADE, related_name="+", verbose_name=_("联社")
    )
    from_pct = models.DecimalField(_("完成目标自（%）"), **PERCENT)
    to_pct = models.DecimalField(
        _("完成目标至（%，含）"), null=True, blank=True, help_text=_("留空表示不封顶。"), **PERCENT
    )
    rate = models.DecimalField(_("奖励比例（%）"), **PERCENT)

    class Meta:
        verbose_name = _("承包清收奖励档次")
        verbose_name_plural = _("承包清收奖励档次")
        ordering = ["union_id", "from_pct"]
        constraints = [
            models.UniqueConstraint(fields=["union", "from_pct"], name="bonusband_unique_from"),
            models.CheckConstraint(
                condition=Q(to_pct__isnull=True) | Q(to_pct__gt=F("from_pct")),
                name="bonusband_ordered",
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=100) & Q(from_pct__gte=0),
                name="bonusband_rate_range",
            ),
        ]

    def __str__(self):
        to = f"{self.to_pct}%" if self.to_pct is not None else "∞"
        return f"{self.from_pct}%–{to}：{self.rate}%"

    # R10.10: nothing below 5 %; 10 % of 5–50 % (inclusive); 20 % of 50–100 %; 40 % above.
    DEFAULTS = [
        (Decimal("0"), Decimal("5"), Decimal("0")),
        (Decimal("5"), Decimal("50"), Decimal("10")),
        (Decimal("50"), Decimal("100"), Decimal("20")),
        (Decimal("100"), None, Decimal("40")),
    ]

    @classmethod
    def for_union(cls, union) -> list["BonusBand"]:
        union_id = getattr(union, "pk", union)
        rows = list(cls.objects.filter(union_id=union_id))
        if not rows:
            cls.objects.bulk_create(
                [cls(union_id=union_id, from_pct=a, to_pct=b, rate=r) for a, b, r in cls.DEFAULTS],
                ignore_conflicts=True,
            )
            rows = list(cls.objects.filter(union_id=union_id))
        return rows


class ContractorProfile(models.Model):
    """What contracted collection needs to know of a staff member that `Staff` does not
    carry: whether they are retired (retirees may bid, R10.4) and since when they hold
    enough contracts to collect full-time (R10.8; recorded when the threshold is reached)."""

    staff = models.OneToOneField(
        STAFF, on_delete=models.CASCADE, related_name="contractor_profile", verbose_name=_("员工")
    )
    retired = models.BooleanField(_("退休员工"), default=False)
    full_time_since = models.DateField(_("专职清收起始日"), null=True, blank=True)

    class Meta:
        verbose_name = _("承包人信息")
        verbose_name_plural = _("承包人信息")

    def __str__(self):
        return str(self.staff)


class CollectionPackage(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已公示")
        AWARDED = "awarded", _("已定标")
        UNDER_CONTRACT = "under_contract", _("承包中")
        ENDED = "ended", _("已结束")

    LIVE = (Status.DRAFT, Status.PUBLISHED, Status.AWARDED, Status.UNDER_CONTRACT)

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
        help_text=_("留空为联社统一组包，向全联社员工公示。"),
    )
    number = models.CharField(_("包号"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    filters = models.JSONField(_("组包条件"), default=dict)
    line_count = models.PositiveIntegerField(_("笔数"), default=0)
    debt = models.DecimalField(_("组包时债权合计（元）"), default=Decimal("0.00"), **MONEY)
    target = models.DecimalField(_("清收目标（元）"), default=Decimal("0.00"), **MONEY)
    price = models.DecimalField(_("定价（底价，元）"), default=Decimal("0.00"), **MONEY)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("组包人")
    )
    created_on = models.DateField(_("组包日期"))
    published_on = models.DateField(_("公示日期"), null=True, blank=True)
    awarded_bid = models.OneToOneField(
        "Bid",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("中标报价"),
    )
    awarded_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("定标人"),
    )
    award_reason = models.CharField(_("定标理由"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("承包清收贷款包")
        verbose_name_plural = _("承包清收贷款包")
        ordering = ["-created_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(debt__gte=0) & Q(target__gte=0) & Q(price__gte=0),
                name="package_amounts_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.name}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE


class PackageLine(models.Model):
    """One debt of a package, priced when packaged. `live` follows the package (true while
    the package is draft … under contract): the partial unique index keeps a record in at
    most one live package, whatever writes the rows."""

    package = models.ForeignKey(
        CollectionPackage, on_delete=models.CASCADE, related_name="lines", verbose_name=_("贷款包")
    )
    record = models.ForeignKey(
        NplRecord, on_delete=models.PROTECT, related_name="package_lines", verbose_name=_("登记")
    )
    difficulty_class = models.CharField(
        _("难度类别"), max_length=10, choices=DifficultyClass.choices
    )
    age_years = models.PositiveSmallIntegerField(_("逾期年限"))
    pct = models.DecimalField(_("定价比例（%）"), **PERCENT)
    debt = models.DecimalField(_("组包时债权（元）"), **MONEY)
    price = models.DecimalField(_("定价（元）"), **MONEY)
    collector_before = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承包前清收责任人"),
    )
    live = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("贷款包明细")
        verbose_name_plural = _("贷款包明细")
        ordering = ["package_id", "id"]
        indexes = [models.Index(fields=["package", "id"], name="packageline_package")]
        constraints = [
            models.UniqueConstraint(
                fields=["record"], condition=Q(live=True), name="packageline_one_live_package"
            ),
            models.CheckConstraint(
                condition=Q(debt__gte=0) & Q(price__gte=0), name="packageline_amounts"
            ),
        ]

    def __str__(self):
        return f"{self.package.number} {self.record}"


class ContractorRegistration(models.Model):
    package = models.ForeignKey(
        CollectionPackage,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("贷款包"),
    )
    staff = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("报名人")
    )
    deposit = models.DecimalField(_("竞标定金（元）"), **MONEY)
    paid_on = models.DateField(_("缴纳日期"))
    refunded_on = models.DateField(_("退还日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("竞标报名")
        verbose_name_plural = _("竞标报名")
        ordering = ["package_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["package", "staff"], name="registration_once"),
            models.CheckConstraint(condition=Q(deposit__gt=0), name="registration_deposit"),
        ]

    def __str__(self):
        return f"{self.package.number} {self.staff}"

    @property
    def refunded(self) -> bool:
        return self.refunded_on is not None


class Bid(models.Model):
    registration = models.ForeignKey(
        ContractorRegistration,
        on_delete=models.PROTECT,
        related_name="bids",
        verbose_name=_("报名"),
    )
    amount = models.DecimalField(_("报价（元）"), **MONEY)
    submitted_at = models.DateTimeField(_("报价时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("竞标报价")
        verbose_name_plural = _("竞标报价")
        ordering = ["-amount", "submitted_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="bid_positive")]

    def __str__(self):
        return f"{self.registration} {self.amount}"


class CollectionContract(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("履行中")
        FORFEITED = "forfeited", _("保证金已没收")
        ENDED = "ended", _("已终止")

    LIVE = (Status.ACTIVE, Status.FORFEITED)

    package = models.OneToOneField(
        CollectionPackage,
        on_delete=models.PROTECT,
        related_name="contract",
        verbose_name=_("贷款包"),
    )
    number = models.CharField(_("协议编号"), max_length=30, unique=True)
    contractor = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("承包人")
    )
    awarded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("定标人")
    )
    signed_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("签约经办人")
    )
    signed_on = models.DateField(_("签订日期"))
    ends_on = models.DateField(_("到期日"))
    price = models.DecimalField(_("中标价（元）"), **MONEY)
    target = models.DecimalField(_("清收目标（元）"), **MONEY)
    deposit = models.DecimalField(_("履约保证金（元）"), **MONEY)
    deposit_from_registration = models.DecimalField(
        _("竞标定金转入（元）"), default=Decimal("0.00"), **MONEY
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    deposit_forfeited_on = models.DateField(_("保证金没收日期"), null=True, blank=True)
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("承包清收协议")
        verbose_name_plural = _("承包清收协议")
        ordering = ["-signed_on", "-id"]
        indexes = [models.Index(fields=["contractor", "status"], name="contract_contractor")]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gt=0) & Q(deposit__gte=0) & Q(target__gte=0),
                name="contract_amounts",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("signed_on")), name="contract_ends_after_signing"
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.contractor}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE

    @property
    def deposit_due(self) -> Decimal:
        """What the contractor pays on signing beyond the registration deposit taken over."""
        return max(self.deposit - self.deposit_from_registration, Decimal("0.00"))


class ContractCharge(models.Model):
    """A debt charged to the contractor at its price (R10.9): its limitation lapsed while in
    the package during the contract, or its debt-asset was lost by the contractor's fault."""

    class Kind(models.TextChoices):
        LIMITATION_LAPSED = "limitation_lapsed", _("诉讼时效丧失")
        ASSET_LOST = "asset_lost", _("抵债资产因承包人过错灭失")

    contract = models.ForeignKey(
        CollectionContract, on_delete=models.PROTECT, related_name="charges", verbose_name=_("协议")
    )
    line = models.ForeignKey(
        PackageLine, on_delete=models.PROTECT, related_name="charges", verbose_name=_("贷款")
    )
    kind = models.CharField(_("事由"), max_length=20, choices=Kind.choices)
    on = models.DateField(_("发生日期"))
    amount = models.DecimalField(_("赔偿金额（元）"), **MONEY)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("承包人赔偿")
        verbose_name_plural = _("承包人赔偿")
        ordering = ["contract_id", "on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "line"], name="charge_once_per_line"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="charge_amount"),
        ]

    def __str__(self):
        return f"{self.contract.number} {self.line.record} {self.amount}"


class ContractSlip(models.Model):
    """The contractor's monthly recovery slip (收回信息单): what the package's records
    recovered in the month and since signing, the bonus by the marginal bands on the
    cumulative amount, less what earlier slips already granted. Computed, checked by the
    union's risk department or the cooperative's director, then paid."""

    class Status(models.TextChoices):
        COMPUTED = "computed", _("已计算")
        CHECKED = "checked", _("已审核")
        PAID = "paid", _("已发放")

    contract = models.ForeignKey(
        CollectionContract, on_delete=models.PROTECT, related_name="slips", verbose_name=_("协议")
    )
    month = models.DateField(_("月份"), help_text=_("当月 1 日。"))
    recovered = models.DecimalField(_("本月收回（元）"), **MONEY)
    cumulative = models.DecimalField(_("累计收回（元）"), **MONEY)
    completion_pct = models.DecimalField(_("完成目标（%）"), max_digits=9, decimal_places=2)
    bonus_cumulative = models.DecimalField(_("累计应得奖励（元）"), **MONEY)
    granted_before = models.DecimalField(_("以前月份已计奖励（元）"), **MONEY)
    bonus = models.DecimalField(_("本月奖励（元）"), **MONEY)
    charges = models.DecimalField(_("本月赔偿（元）"), default=Decimal("0.00"), **MONEY)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.COMPUTED
    )
    computed_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("计算人")
    )
    computed_at = models.DateTimeField(_("计算时间"))
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
        verbose_name=_("发放人"),
    )
    paid_at = models.DateTimeField(_("发放时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("承包清收月度收回信息单")
        verbose_name_plural = _("承包清收月度收回信息单")
        ordering = ["contract_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "month"], name="contractslip_once_a_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="contractslip_month_first_day"),
            models.CheckConstraint(
                condition=Q(recovered__gte=0)
                & Q(cumulative__gte=F("recovered"))
                & Q(bonus_cumulative__gte=0)
                & Q(charges__gte=0)
                & Q(bonus=F("bonus_cumulative") - F("granted_before")),
                name="slip_amounts",
            ),
        ]

    def __str__(self):
        return f"{self.contract.number} {self.month:%Y-%m}"

    @property
    def net(self) -> Decimal:
        return self.bonus - self.charges
