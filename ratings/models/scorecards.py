"""The scorecard (评分卡): versioned; a published version never changes."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY, to_fen

from ._common import Grade, staff_fk


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
    created_by = staff_fk(_("创建人"))
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
