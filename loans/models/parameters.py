"""The lending parameters an administrator may change."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY, RATE


class LoanSettings(models.Model):
    """Numbers an administrator may change (one row)."""

    penalty_markup = models.DecimalField(
        _("罚息上浮比例"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.50"),
        help_text=_("逾期本金按合同利率上浮该比例计收罚息（30%–50%）。"),
    )
    committee_incentive = models.DecimalField(
        _("村评审小组业务费（元/证）"), default=Decimal("6.00"), **MONEY
    )
    assistant_incentive = models.DecimalField(
        _("协理员业务费（元/证）"), default=Decimal("5.00"), **MONEY
    )
    days_watch = models.PositiveSmallIntegerField(
        _("关注类：逾期天数超过"),
        default=0,
        help_text=_("逾期超过该天数至少为关注类（0 即任何逾期）。"),
    )
    days_substandard = models.PositiveSmallIntegerField(_("次级类：逾期天数超过"), default=90)
    days_doubtful = models.PositiveSmallIntegerField(_("可疑类：逾期天数超过"), default=270)
    days_loss = models.PositiveSmallIntegerField(_("损失类：逾期天数超过"), default=360)
    reminder_days_first = models.PositiveSmallIntegerField(
        _("第一次到期提醒（到期前天数）"), default=7
    )
    reminder_days_second = models.PositiveSmallIntegerField(
        _("第二次到期提醒（到期前天数）"), default=1
    )
    lpr_one_year = models.DecimalField(
        _("一年期 LPR"), default=Decimal("0.031000"), help_text=_("如 0.031 表示 3.10%。"), **RATE
    )
    default_basis_points = models.IntegerField(_("默认加点（基点）"), default=125)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("贷款参数")
        verbose_name_plural = _("贷款参数")
        constraints = [
            models.CheckConstraint(
                condition=Q(penalty_markup__gte=Decimal("0.30"))
                & Q(penalty_markup__lte=Decimal("0.50")),
                name="loansettings_penalty_30_50",
            ),
            models.CheckConstraint(
                condition=Q(days_substandard__gt=F("days_watch"))
                & Q(days_doubtful__gt=F("days_substandard"))
                & Q(days_loss__gt=F("days_doubtful")),
                name="loansettings_days_ordered",
            ),
            models.CheckConstraint(
                condition=Q(committee_incentive__gte=0) & Q(assistant_incentive__gte=0),
                name="loansettings_incentive_not_negative",
            ),
        ]

    def __str__(self):
        return str(_("贷款参数"))

    @classmethod
    def current(cls) -> "LoanSettings":
        obj = cls.objects.order_by("pk").first()
        return obj or cls.objects.create()
