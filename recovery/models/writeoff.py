"""Write-off (呆账核销) and 账销案存 (issue #14 point 3, docs/rules.md §7.10).

A dossier per register record names the legal condition (L15, a table an administrator
edits) with its evidence checklist, the principal and the on- and off-balance interest to
write off, and goes up a configurable chain of approval levels. The final approval turns the
record's book status to written off: the record stays in the register and is still pursued.
The accounting entry is outside the system; the register is the memorandum (账销案存).
Recoveries after write-off are counted on the dossier, never above what was written off
(a running total under CHECK constraints).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from creditcoop.models import Role
from creditcoop.money import MONEY
from creditcoop.workflow import Workflow

from .register import NplRecord

STAFF = settings.AUTH_USER_MODEL


class WriteOffCondition(models.Model):
    """A recognition condition of 《金融企业呆账核销管理办法》 (seeded, editable)."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("核销条件"), max_length=120)
    basis = models.CharField(_("依据"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("呆账核销条件")
        verbose_name_plural = _("呆账核销条件")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class WriteOffEvidence(models.Model):
    """One item of a condition's evidence checklist."""

    condition = models.ForeignKey(
        WriteOffCondition,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("核销条件"),
    )
    name = models.CharField(_("证据材料"), max_length=120)
    required = models.BooleanField(_("必须提供"), default=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("核销证据材料")
        verbose_name_plural = _("核销证据材料")
        ordering = ["condition_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["condition", "name"], name="writeoff_evidence_unique"),
        ]

    def __str__(self):
        return self.name


class WriteOffLevel(models.Model):
    """One level of the approval chain, in order. `cooperative_level`: the approver must be
    of the record's cooperative (the director); otherwise of the record's union."""

    position = models.PositiveSmallIntegerField(_("审批顺序"), unique=True)
    name = models.CharField(_("审批层级"), max_length=60)
    role = models.CharField(_("审批角色"), max_length=20, choices=Role.choices)
    cooperative_level = models.BooleanField(_("由信用社审批"), default=False)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("核销审批层级")
        verbose_name_plural = _("核销审批层级")
        ordering = ["position"]

    def __str__(self):
        return f"{self.position}. {self.name}"


class WriteOffDossier(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        IN_APPROVAL = "in_approval", _("审批中")
        APPROVED = "approved", _("已审批")
        WRITTEN_OFF = "written_off", _("已核销")
        REFUSED = "refused", _("未获批准")

    workflow = Workflow(
        Status,
        {
            Status.DRAFT: {Status.IN_APPROVAL},
            Status.IN_APPROVAL: {Status.APPROVED, Status.REFUSED},
            Status.APPROVED: {Status.WRITTEN_OFF},
        },
    )

    record = models.ForeignKey(
        NplRecord, on_delete=models.PROTECT, related_name="writeoffs", verbose_name=_("登记")
    )
    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    condition = models.ForeignKey(
        WriteOffCondition, on_delete=models.PROTECT, related_name="+", verbose_name=_("核销条件")
    )
    reason = models.TextField(_("申请理由及追偿情况"), blank=True)
    principal = models.DecimalField(_("核销本金（元）"), **MONEY)
    interest_on = models.DecimalField(_("核销表内利息（元）"), default=Decimal("0.00"), **MONEY)
    interest_off = models.DecimalField(_("核销表外利息（元）"), default=Decimal("0.00"), **MONEY)
    # Recovered after write-off: running totals under CHECK constraints (never above).
    recovered_principal = models.DecimalField(
        _("核销后收回本金（元）"), default=Decimal("0.00"), **MONEY
    )
    recovered_interest = models.DecimalField(
        _("核销后收回利息（元）"), default=Decimal("0.00"), **MONEY
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    prepared_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人")
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    written_off_on = models.DateField(_("核销日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("呆账核销申报")
        verbose_name_plural = _("呆账核销申报")
        ordering = ["-id"]
        indexes = [models.Index(fields=["cooperative", "status"], name="writeoff_coop_status")]
        constraints = [
            # One dossier at a time per record (a refused one may be prepared again).
            models.UniqueConstraint(
                fields=["record"], condition=~Q(status="refused"), name="writeoff_one_per_record"
            ),
            models.CheckConstraint(
                condition=Q(principal__gte=0)
                & Q(interest_on__gte=0)
                & Q(interest_off__gte=0)
                & (Q(principal__gt=0) | Q(interest_on__gt=0) | Q(interest_off__gt=0)),
                name="writeoff_amounts_positive",
            ),
            # 账销案存: what is recovered after write-off never exceeds what was written off.
            models.CheckConstraint(
                condition=Q(recovered_principal__gte=0)
                & Q(recovered_principal__lte=F("principal")),
                name="writeoff_recovered_principal_capped",
            ),
            models.CheckConstraint(
                condition=Q(recovered_interest__gte=0)
                & Q(recovered_interest__lte=F("interest_on") + F("interest_off")),
                name="writeoff_recovered_interest_capped",
            ),
        ]

    def __str__(self):
        return f"{self.record.borrower_name} {self.record.loan_number} 核销"

    def get_absolute_url(self):
        return reverse("recovery:writeoff_detail", args=[self.pk])

    @property
    def interest(self) -> Decimal:
        return self.interest_on + self.interest_off

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest

    @property
    def recovered(self) -> Decimal:
        return self.recovered_principal + self.recovered_interest

    @property
    def remaining_principal(self) -> Decimal:
        return self.principal - self.recovered_principal

    @property
    def remaining_interest(self) -> Decimal:
        return self.interest - self.recovered_interest

    @property
    def remaining(self) -> Decimal:
        return self.total - self.recovered


class WriteOffTick(models.Model):
    """An evidence item ticked on a dossier, with where the document is."""

    dossier = models.ForeignKey(
        WriteOffDossier, on_delete=models.CASCADE, related_name="ticks", verbose_name=_("核销申报")
    )
    evidence = models.ForeignKey(
        WriteOffEvidence, on_delete=models.PROTECT, related_name="+", verbose_name=_("证据材料")
    )
    document_ref = models.CharField(_("文件编号或存放位置"), max_length=120)

    class Meta:
        verbose_name = _("核销证据")
        verbose_name_plural = _("核销证据")
        ordering = ["dossier_id", "evidence__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "evidence"], name="writeoff_tick_unique"),
        ]

    def __str__(self):
        return f"{self.evidence}：{self.document_ref}"


class WriteOffApproval(models.Model):
    class Decision(models.TextChoices):
        APPROVE = "approve", _("同意")
        REFUSE = "refuse", _("不同意")

    dossier = models.ForeignKey(
        WriteOffDossier,
        on_delete=models.CASCADE,
        related_name="approvals",
        verbose_name=_("核销申报"),
    )
    level = models.ForeignKey(
        WriteOffLevel, on_delete=models.PROTECT, related_name="+", verbose_name=_("审批层级")
    )
    position = models.PositiveSmallIntegerField(_("审批顺序"))
    approver = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("审批人")
    )
    decision = models.CharField(_("审批结论"), max_length=10, choices=Decision.choices)
    opinion = models.CharField(_("审批意见"), max_length=500)
    at = models.DateTimeField(_("审批时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("核销审批")
        verbose_name_plural = _("核销审批")
        ordering = ["dossier_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "position"], name="writeoff_level_once"),
        ]

    def __str__(self):
        return f"{self.level.name} {self.approver}"


class WriteOffRecovery(models.Model):
    """A recovery after write-off: its register entry (recovery_entry_record) and the dossier
    whose running total it counts against."""

    dossier = models.ForeignKey(
        WriteOffDossier,
        on_delete=models.PROTECT,
        related_name="recoveries",
        verbose_name=_("核销申报"),
    )
    entry = models.OneToOneField(
        "recovery.RecoveryEntry",
        on_delete=models.PROTECT,
        related_name="writeoff_recovery",
        verbose_name=_("清收收回"),
    )

    class Meta:
        verbose_name = _("核销后收回")
        verbose_name_plural = _("核销后收回")
        ordering = ["dossier_id", "id"]

    def __str__(self):
        return str(self.entry)
