"""Repayment agreements (还款协议, R7) and legal collection (依法清收, R9) on an NPL record.

An agreement is the plan's bookkeeping: its instalments, the payments recorded against them
and the promises broken. It moves no money: the counter's repayment (for a loan still on the
books) or part 2's recovery ledger (off-balance stock) is the money. Signing is an
acknowledgement and each payment a partial payment: both are recorded as limitation events
through ``limitation_event_add`` (docs/rules.md §7.4).

A lawsuit records the case from filing to the end of enforcement; the judgment's 2-year
enforcement application period (民事诉讼法 art. 250, L25) is stored as ``enforcement_apply_by``
and warned about like a limitation (``EnforcementWarning``, exactly once per lead day).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY
from creditcoop.workflow import Workflow

from .register import LimitationEvent, NplGuarantor, NplRecord

STAFF = settings.AUTH_USER_MODEL
OPEN_AGREEMENT = ("draft", "signed", "broken")


class RepaymentAgreement(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("待签署")
        SIGNED = "signed", _("履行中")
        KEPT = "kept", _("已履行")
        BROKEN = "broken", _("已违约")
        CANCELLED = "cancelled", _("已作废")

    workflow = Workflow(
        Status,
        {
            Status.DRAFT: {Status.SIGNED, Status.CANCELLED},
            Status.SIGNED: {Status.KEPT, Status.BROKEN, Status.CANCELLED},
            Status.BROKEN: {Status.KEPT, Status.CANCELLED},
        },
    )

    class Kind(models.TextChoices):
        INSTALMENTS = "instalments", _("分期还款协议")
        RENEWAL = "renewal", _("重签借据（借新还旧）")

    record = models.ForeignKey(
        NplRecord, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("登记")
    )
    number = models.CharField(_("协议编号"), max_length=30, unique=True)
    kind = models.CharField(
        _("类型"), max_length=12, choices=Kind.choices, default=Kind.INSTALMENTS
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    starts_on = models.DateField(_("协议起始日"), help_text=_("期限从该日起算。"))
    total = models.DecimalField(_("协议还款总额（元）"), **MONEY)
    months = models.PositiveSmallIntegerField(_("期限（月）"))
    debtor_name = models.CharField(_("债务人（签署人）"), max_length=50)
    signed_on = models.DateField(_("签署日期"), null=True, blank=True)
    signed_guarantors = models.ManyToManyField(
        NplGuarantor, blank=True, related_name="agreements", verbose_name=_("共同签署的保证人")
    )
    signing_event = models.ForeignKey(
        LimitationEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("时效事项"),
    )
    # An exception to the policy (term over the cap, a renewed IOU): approved by a director
    # of the cooperative who is not the collector, before signing.
    exception_reasons = models.JSONField(_("需批准的例外"), default=list, blank=True)
    exception_request = models.CharField(_("申请例外的理由"), max_length=300, blank=True)
    approved_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("批准人"),
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    approval_note = models.CharField(_("批准意见"), max_length=300, blank=True)
    broken_on = models.DateField(_("首次违约日"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("还款协议")
        verbose_name_plural = _("还款协议")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "-id"], name="agreement_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__gt=0) & Q(months__gte=1), name="agreement_total_months"
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True, approved_at__isnull=True)
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="agreement_approval_complete",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(status="cancelled") | Q(signed_on__isnull=False),
                name="agreement_signed_has_date",
            ),
            # One agreement at a time per debt.
            models.UniqueConstraint(
                fields=["record"],
                condition=Q(status__in=OPEN_AGREEMENT),
                name="agreement_one_open_per_record",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def cooperative(self):
        return self.record.cooperative

    @property
    def needs_approval(self) -> bool:
        return bool(self.exception_reasons) and self.approved_by_id is None


class AgreementInstalment(models.Model):
    agreement = models.ForeignKey(
        RepaymentAgreement,
        on_delete=models.CASCADE,
        related_name="instalments",
        verbose_name=_("协议"),
    )
    number = models.PositiveSmallIntegerField(_("期次"))
    due_on = models.DateField(_("约定还款日"))
    amount = models.DecimalField(_("应还金额（元）"), **MONEY)
    paid_amount = models.DecimalField(_("已还金额（元）"), default=Decimal("0.00"), **MONEY)
    broken = models.BooleanField(_("违约"), default=False)
    broken_on = models.DateField(_("违约日"), null=True, blank=True)

    class Meta:
        verbose_name = _("协议分期")
        verbose_name_plural = _("协议分期")
        ordering = ["agreement_id", "number"]
        indexes = [
            # What the nightly broken-promise job scans.
            models.Index(
                fields=["due_on"], condition=Q(broken=False), name="agreement_inst_open_due"
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="agreement_inst_number"),
            models.UniqueConstraint(fields=["agreement", "due_on"], name="agreement_inst_day"),
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(paid_amount__gte=0) & Q(paid_amount__lte=F("amount")),
                name="agreement_inst_paid_within",
            ),
            models.CheckConstraint(
                condition=Q(broken=False, broken_on__isnull=True)
                | Q(broken=True, broken_on__gt=F("due_on")),
                name="agreement_inst_broken_after_due",
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.due_on} {self.amount}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid_amount


class AgreementPayment(models.Model):
    """A payment the debtor made under the plan (bookkeeping; the money is booked at the
    counter or, for off-balance stock, in part 2's recovery ledger)."""

    agreement = models.ForeignKey(
        RepaymentAgreement,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("协议"),
    )
    paid_on = models.DateField(_("还款日期"))
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    receipt_number = models.CharField(_("收据或凭证号"), max_length=40, blank=True)
    event = models.ForeignKey(
        LimitationEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("时效事项"),
    )
    recorded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("协议还款")
        verbose_name_plural = _("协议还款")
        ordering = ["agreement_id", "paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="agreement_payment_positive")
        ]

    def __str__(self):
        return f"{self.paid_on} {self.amount}"

    @property
    def cooperative(self):
        return self.agreement.record.cooperative


class Lawsuit(models.Model):
    class Status(models.TextChoices):
        FILED = "filed", _("已起诉")
        JUDGED = "judged", _("已判决")
        ENFORCING = "enforcing", _("执行中")
        TERMINATED = "terminated", _("执行终结")
        CLOSED = "closed", _("已结案")

    record = models.ForeignKey(
        NplRecord, on_delete=models.PROTECT, related_name="lawsuits", verbose_name=_("登记")
    )
    court = models.CharField(_("受理法院"), max_length=100)
    case_number = models.CharField(_("案号"), max_length=60)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.FILED
    )
    filed_on = models.DateField(_("起诉（立案）日期"))
    filing_event = models.ForeignKey(
        LimitationEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("时效事项"),
    )
    filing_effect = models.CharField(_("起诉对时效的效果"), max_length=300, blank=True)
    claim_amount = models.DecimalField(_("诉讼标的（元）"), null=True, blank=True, **MONEY)
    judgment_on = models.DateField(_("判决（调解）日期"), null=True, blank=True)
    judgment_summary = models.CharField(_("判决主文摘要"), max_length=500, blank=True)
    judgment_amount = models.DecimalField(_("判决金额（元）"), null=True, blank=True, **MONEY)
    effective_on = models.DateField(_("生效日期"), null=True, blank=True)
    performance_deadline = models.DateField(
        _("履行期限届满日"),
        null=True,
        blank=True,
        help_text=_("法律文书规定的履行期间最后一日（分期履行的为最后一期）；未规定的留空。"),
    )
    # 民事诉讼法 art. 250: 2 years from the performance deadline, else the effective date.
    enforcement_apply_by = models.DateField(_("申请执行期限届满日"), null=True, blank=True)
    enforcement_applied_on = models.DateField(_("申请执行日期"), null=True, blank=True)
    enforcement_case_number = models.CharField(_("执行案号"), max_length=60, blank=True)
    enforcement_terminated_on = models.DateField(_("终结（本次）执行日期"), null=True, blank=True)
    termination_event = models.ForeignKey(
        LimitationEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("执行终结事项"),
    )
    recovered_amount = models.DecimalField(_("执行到位金额（元）"), null=True, blank=True, **MONEY)
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("诉讼案件")
        verbose_name_plural = _("诉讼案件")
        ordering = ["-filed_on", "-id"]
        indexes = [
            # The sued-but-not-enforced list and the nightly warning scan.
            models.Index(
                fields=["enforcement_apply_by"],
                condition=Q(enforcement_applied_on__isnull=True, closed_on__isnull=True),
                name="lawsuit_unenforced",
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["court", "case_number"], name="lawsuit_unique_case"),
            models.CheckConstraint(
                condition=Q(judgment_on__isnull=True) | Q(judgment_on__gte=F("filed_on")),
                name="lawsuit_judgment_after_filing",
            ),
            models.CheckConstraint(
                condition=Q(effective_on__isnull=True)
                | (Q(judgment_on__isnull=False) & Q(effective_on__gte=F("judgment_on"))),
                name="lawsuit_effective_after_judgment",
            ),
            models.CheckConstraint(
                condition=Q(enforcement_applied_on__isnull=True)
                | (
                    Q(effective_on__isnull=False) & Q(enforcement_applied_on__gte=F("effective_on"))
                ),
                name="lawsuit_applied_after_effective",
            ),
            models.CheckConstraint(
                condition=Q(enforcement_terminated_on__isnull=True)
                | (
                    Q(enforcement_applied_on__isnull=False)
                    & Q(enforcement_terminated_on__gte=F("enforcement_applied_on"))
                ),
                name="lawsuit_terminated_after_applied",
            ),
            models.CheckConstraint(
                condition=Q(claim_amount__isnull=True) | Q(claim_amount__gt=0),
                name="lawsuit_claim_positive",
            ),
        ]

    def __str__(self):
        return f"{self.court} {self.case_number}"

    @property
    def cooperative(self):
        return self.record.cooperative


class EnforcementWarning(models.Model):
    """One warning for one lawsuit's application deadline at one lead day (the sweep's
    exactly-once, as ``LimitationWarning`` for limitations)."""

    lawsuit = models.ForeignKey(
        Lawsuit, on_delete=models.CASCADE, related_name="warnings", verbose_name=_("案件")
    )
    apply_by = models.DateField(_("申请执行期限届满日"))
    lead_days = models.PositiveSmallIntegerField(_("提前天数"))
    queued_on = models.DateField(_("提醒日期"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申请执行期限预警")
        verbose_name_plural = _("申请执行期限预警")
        ordering = ["-queued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lawsuit", "apply_by", "lead_days"], name="enforcement_warning_once"
            )
        ]

    def __str__(self):
        return f"{self.lawsuit} {self.apply_by} 前 {self.lead_days} 天"
