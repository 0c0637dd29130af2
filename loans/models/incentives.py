"""The committee incentive (业务开展费用) accrued for a household's first loan certificate."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY


class CommitteeIncentive(models.Model):
    """业务开展费用 for a household's first certificate: to the village committee and assistant."""

    village = models.ForeignKey(
        "villages.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("行政村")
    )
    household = models.OneToOneField(
        "villages.Household",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("农户"),
    )
    certificate = models.OneToOneField(
        "loans.LoanCertificate",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("贷款证"),
    )
    committee_amount = models.DecimalField(_("村评审小组（元）"), **MONEY)
    assistant_amount = models.DecimalField(_("协理员（元）"), **MONEY)
    accrued_on = models.DateField(_("计提日期"))

    class Meta:
        verbose_name = _("村评审小组业务费")
        verbose_name_plural = _("村评审小组业务费")
        ordering = ["village_id", "accrued_on", "id"]
        indexes = [models.Index(fields=["village", "accrued_on"])]

    def __str__(self):
        return f"{self.certificate} {self.committee_amount}+{self.assistant_amount}"
