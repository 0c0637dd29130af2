"""The village public collection roll (清收公告, R6.3) and the consent to publish a name (L19).

A roll lists a village's pursued debts with principal, interest and penalty interest computed
to its as-of date; the officer ticks every line against the IOU, a village committee member
witnesses it, and it is posted in at least the policy's number of copies. Receipts are then
collected house by house (borrower and each guarantor): a receipt signed by the debtor, a
co-resident adult relative or an authorised person is a served demand and goes to the
limitation engine. The poster itself is not an interruption (L5/L20): posting writes no
limitation event.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY
from creditcoop.workflow import Workflow

from .register import LimitationEvent, NplGuarantor, NplRecord

STAFF = settings.AUTH_USER_MODEL


class PublicationConsent(models.Model):
    """A person's separate consent to having their name published (PIPL art. 25). Without
    one in force, the roll masks the name exactly as the credit notice does."""

    id_number = models.CharField(_("身份证号码"), max_length=18)
    name = models.CharField(_("姓名"), max_length=50)
    given_on = models.DateField(_("同意日期"))
    evidence = models.CharField(
        _("同意凭证"), max_length=200, help_text=_("单独签署的同意书编号或存放位置。")
    )
    withdrawn_on = models.DateField(_("撤回日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("公布姓名单独同意")
        verbose_name_plural = _("公布姓名单独同意")
        ordering = ["-given_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=Q(withdrawn_on__isnull=True),
                name="consent_one_in_force",
            )
        ]

    def __str__(self):
        return f"{self.name} {self.given_on}"


class CollectionRoll(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("核对中")
        CHECKED = "checked", _("已逐笔核对")
        POSTED = "posted", _("已张贴")

    workflow = Workflow(
        Status,
        {
            Status.DRAFT: {Status.CHECKED},
            Status.CHECKED: {Status.DRAFT, Status.POSTED},
            Status.POSTED: set(),
        },
    )

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    village = models.ForeignKey(
        "villages.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("行政村")
    )
    as_of = models.DateField(_("计息截止日"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    witness = models.ForeignKey(
        "villages.CommitteeMember",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("村委会证明人"),
    )
    witnessed_on = models.DateField(_("证明日期"), null=True, blank=True)
    copy_places = models.JSONField(_("张贴地点"), default=list, blank=True)
    posted_on = models.DateField(_("张贴日期"), null=True, blank=True)
    posted_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("张贴人"),
    )
    created_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("编制人")
    )
    created_at = models.DateTimeField(_("编制时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("清收公告")
        verbose_name_plural = _("清收公告")
        ordering = ["-as_of", "-id"]
        indexes = [models.Index(fields=["cooperative", "-id"], name="roll_coop")]
        constraints = [
            models.CheckConstraint(
                condition=Q(witness__isnull=True) | Q(witnessed_on__isnull=False),
                name="roll_witness_dated",
            ),
            models.CheckConstraint(
                condition=~Q(status="posted") | Q(posted_on__isnull=False, witness__isnull=False),
                name="roll_posted_complete",
            ),
        ]

    def __str__(self):
        return f"{self.village} 清收公告（{self.as_of}）"

    @property
    def copies(self) -> int:
        return len(self.copy_places or [])


class CollectionRollLine(models.Model):
    roll = models.ForeignKey(
        CollectionRoll, on_delete=models.CASCADE, related_name="lines", verbose_name=_("公告")
    )
    record = models.ForeignKey(
        NplRecord, on_delete=models.PROTECT, related_name="roll_lines", verbose_name=_("登记")
    )
    position = models.PositiveIntegerField(_("序号"))
    principal = models.DecimalField(_("本金（元）"), **MONEY)
    interest = models.DecimalField(_("利息（元）"), **MONEY)
    penalty = models.DecimalField(_("罚息（元）"), **MONEY)
    checked = models.BooleanField(_("已与借据核对"), default=False)
    checked_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核对人"),
    )
    checked_at = models.DateTimeField(_("核对时间"), null=True, blank=True)
    # What was printed on the posted roll (frozen at posting; before that the poster shows
    # the name or its mask from the consents in force).
    posted_name = models.CharField(_("公告所列姓名"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("清收公告明细")
        verbose_name_plural = _("清收公告明细")
        ordering = ["roll_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["roll", "record"], name="rollline_once"),
            models.CheckConstraint(
                condition=Q(principal__gte=0) & Q(interest__gte=0) & Q(penalty__gte=0),
                name="rollline_amounts_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.roll_id}-{self.position} {self.record}"

    @property
    def total(self):
        return self.principal + self.interest + self.penalty


class RollReceipt(models.Model):
    """A receipt stub collected at the door for one party of a line."""

    line = models.ForeignKey(
        CollectionRollLine,
        on_delete=models.CASCADE,
        related_name="receipts",
        verbose_name=_("公告明细"),
    )
    guarantor = models.ForeignKey(
        NplGuarantor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("保证人"),
        help_text=_("留空表示借款人。"),
    )
    signed_on = models.DateField(_("签收日期"))
    signer_name = models.CharField(_("签收人"), max_length=50)
    signer_relation = models.CharField(
        _("签收人身份"), max_length=12, choices=LimitationEvent.Signer.choices
    )
    # The served demand it produced (None: the signer cannot receive for the debtor).
    limitation_event = models.OneToOneField(
        LimitationEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("时效事项"),
    )
    recorded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("入户签收回执")
        verbose_name_plural = _("入户签收回执")
        ordering = ["line_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "guarantor"], nulls_distinct=False, name="receipt_once_per_party"
            )
        ]

    def __str__(self):
        return f"{self.line} {self.signer_name}"
