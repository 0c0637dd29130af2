"""Collection actions (催收记录) and the collection notice (催收通知书) with its receipt stub.

An action is a log line: it is never by itself a limitation interruption (a call or an SMS
without proof of arrival never counts, L5). The signed receipt of a notice is: registering
it records a `LimitationEvent` of the served-notice kind through `limitation_event_add`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY

from .. import limitation as L
from .register import LimitationEvent, NplGuarantor, NplRecord

STAFF = settings.AUTH_USER_MODEL


class CollectionAction(models.Model):
    class Kind(models.TextChoices):
        VISIT = "visit", _("上门")
        CALL = "call", _("电话")
        SMS = "sms", _("短信")
        LETTER = "letter", _("信函")
        LAWYER_LETTER = "lawyer_letter", _("律师函")

    class Result(models.TextChoices):
        PROMISED = "promised", _("承诺还款")
        PAID = "paid", _("当场还款")
        REFUSED = "refused", _("拒绝还款")
        NO_CONTACT = "no_contact", _("未联系上")
        ABSENT = "absent", _("本人不在或外出")
        SENT = "sent", _("已发出")
        OTHER = "other", _("其他")

    record = models.ForeignKey(
        NplRecord, on_delete=models.CASCADE, related_name="actions", verbose_name=_("登记")
    )
    guarantor = models.ForeignKey(
        NplGuarantor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("催收对象"),
        help_text=_("留空表示借款人。"),
    )
    kind = models.CharField(_("方式"), max_length=14, choices=Kind.choices)
    at = models.DateTimeField(_("催收时间"))
    person = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("催收人")
    )
    contact_name = models.CharField(_("接触人"), max_length=50, blank=True)
    contact_relation = models.CharField(_("与债务人关系"), max_length=30, blank=True)
    result = models.CharField(_("结果"), max_length=12, choices=Result.choices)
    result_text = models.CharField(_("情况说明"), max_length=300, blank=True)
    next_step = models.CharField(_("下一步措施"), max_length=200, blank=True)
    next_on = models.DateField(_("下次催收日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("催收记录")
        verbose_name_plural = _("催收记录")
        ordering = ["-at", "-id"]
        indexes = [
            # The daily cap counts a party's actions of one day under the record's lock.
            models.Index(fields=["record", "guarantor", "at"], name="action_record_party_at"),
            models.Index(fields=["at"], name="action_at"),
        ]

    def __str__(self):
        return f"{self.record} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    @property
    def party_name(self) -> str:
        return self.guarantor.name if self.guarantor_id else self.record.borrower_name


class NoticeCounter(models.Model):
    """The last notice number given per cooperative and year; locked to advance, so a
    cooperative's printed forms are numbered without gaps."""

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("最后序号"), default=0)

    class Meta:
        verbose_name = _("催收通知书编号序列")
        verbose_name_plural = _("催收通知书编号序列")
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "year"], name="notice_counter_unique")
        ]

    def __str__(self):
        return f"{self.cooperative} {self.year} {self.last}"


class NoticeBatch(models.Model):
    """Notices printed in one go, for a village or for an officer's records."""

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("行政村"),
    )
    officer = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("清收责任人"),
    )
    printed_on = models.DateField(_("打印日期"))
    created_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("打印人")
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("催收通知书批次")
        verbose_name_plural = _("催收通知书批次")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.village or self.officer} {self.printed_on}"


# The notice's wording, by version: a printed notice keeps the version it was printed
# with (L8: the wording must ask for payment of the whole debt; a later change of wording
# never rewrites what a debtor signed).
WORDINGS = {
    "2025-1": (
        "截至{on}，你（单位）尚欠我社借款本金{principal}元、利息{interest}元、"
        "罚息{penalty}元，合计{total}元，已逾期未还。请于{pay_by}前到我社归还上述全部借款本息"
        "（利息、罚息计算至实际还款日）。逾期不还，我社将依法追究你（单位）的法律责任。"
    ),
}
GUARANTOR_WORDING = {
    "2025-1": (
        "你作为上述借款的保证人，请督促借款人按期归还，或于{pay_by}前履行保证责任，"
        "代为归还上述全部借款本息。"
    ),
}
CURRENT_WORDING = "2025-1"


class CollectionNotice(models.Model):
    class Status(models.TextChoices):
        PRINTED = "printed", _("已打印")
        RECEIPTED = "receipted", _("已签收")

    class Basis(models.TextChoices):
        LOAN = "loan", _("按借据计息至打印日")
        RECORD = "record", _("按登记簿余额（表外，不再计息）")

    Signer = LimitationEvent.Signer

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    number = models.CharField(_("通知书编号"), max_length=30)
    record = models.ForeignKey(
        NplRecord, on_delete=models.CASCADE, related_name="notices", verbose_name=_("登记")
    )
    guarantor = models.ForeignKey(
        NplGuarantor,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("送达对象"),
        help_text=_("留空表示借款人。"),
    )
    batch = models.ForeignKey(
        NoticeBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("批次"),
    )
    printed_on = models.DateField(_("打印日期"))
    pay_by = models.DateField(_("还款期限"))
    principal = models.DecimalField(_("本金（元）"), **MONEY)
    interest = models.DecimalField(_("利息（元）"), **MONEY)
    penalty = models.DecimalField(_("罚息（元）"), **MONEY)
    basis = models.CharField(_("金额计算依据"), max_length=8, choices=Basis.choices)
    wording_version = models.CharField(_("文本版本"), max_length=12, default=CURRENT_WORDING)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PRINTED
    )
    # The receipt stub (回执), once signed and brought back.
    signed_on = models.DateField(_("签收日期"), null=True, blank=True)
    signer_name = models.CharField(_("签收人"), max_length=50, blank=True)
    signer_relation = models.CharField(
        _("签收人身份"), max_length=12, choices=Signer.choices, blank=True
    )
    receipt_no = models.CharField(_("回执编号"), max_length=40, blank=True)
    limitation_event = models.OneToOneField(
        LimitationEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notice",
        verbose_name=_("时效事项"),
    )
    receipt_counts = models.BooleanField(_("中断时效"), default=False)
    receipt_effect = models.CharField(_("对诉讼时效的效果"), max_length=400, blank=True)
    receipt_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("回执登记人"),
    )
    created_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("打印人")
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("催收通知书")
        verbose_name_plural = _("催收通知书")
        ordering = ["-id"]
        indexes = [models.Index(fields=["record", "-id"], name="notice_record")]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "number"], name="notice_unique_number"),
            models.CheckConstraint(
                condition=Q(principal__gte=0) & Q(interest__gte=0) & Q(penalty__gte=0),
                name="notice_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(pay_by__gte=models.F("printed_on")), name="notice_pay_by_after_print"
            ),
            models.CheckConstraint(
                condition=Q(status="printed") | Q(signed_on__isnull=False),
                name="notice_receipted_has_date",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.penalty

    @property
    def party_name(self) -> str:
        return self.guarantor.name if self.guarantor_id else self.record.borrower_name

    def wording(self) -> str:
        values = {
            "on": f"{self.printed_on:%Y年%m月%d日}",
            "pay_by": f"{self.pay_by:%Y年%m月%d日}",
            "principal": self.principal,
            "interest": self.interest,
            "penalty": self.penalty,
            "total": self.total,
        }
        text = WORDINGS[self.wording_version].format(**values)
        if self.guarantor_id:
            text += GUARANTOR_WORDING[self.wording_version].format(**values)
        return text

    @property
    def signer_valid(self) -> bool:
        return self.signer_relation in L.VALID_SIGNERS
