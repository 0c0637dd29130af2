"""Reconciliation, retention and destruction, inspections and the import of existing stock."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY
from creditcoop.workflow import Workflow

from .files import ArchiveFile

STAFF = settings.AUTH_USER_MODEL


class AccountingImport(models.Model):
    """An accounting system's balance sheet (Excel) to reconcile against, as of a date."""

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    as_of = models.DateField(_("余额日期"))
    file_name = models.CharField(_("文件名"), max_length=200)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    uploaded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("会计余额导入")
        verbose_name_plural = _("会计余额导入")
        ordering = ["-as_of", "-id"]

    def __str__(self):
        return f"{self.cooperative} {self.as_of}"


class AccountingBalance(models.Model):
    source = models.ForeignKey(
        AccountingImport, on_delete=models.CASCADE, related_name="rows", verbose_name=_("导入批次")
    )
    contract_number = models.CharField(_("合同编号"), max_length=40)
    balance = models.DecimalField(_("会计余额（元）"), **MONEY)
    # The loan file of the import's cooperative with this contract number, set by the import
    # (NULL when the cooperative has no such file): the join the reconciliation reads.
    file = models.ForeignKey(
        ArchiveFile,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounting_rows",
        verbose_name=_("档案"),
    )

    class Meta:
        verbose_name = _("会计余额")
        verbose_name_plural = _("会计余额")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "contract_number"], name="accountingbalance_unique"
            )
        ]

    def __str__(self):
        return f"{self.contract_number} {self.balance}"


class DestructionBatch(models.Model):
    """销毁清单: listed, approved by the director, destroyed under a named supervisor."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草拟")
        APPROVED = "approved", _("已批准")
        DESTROYED = "destroyed", _("已销毁")
        CANCELLED = "cancelled", _("已撤销")

    workflow = Workflow(
        Status,
        {
            Status.DRAFT: {Status.APPROVED, Status.CANCELLED},
            Status.APPROVED: {Status.DESTROYED, Status.CANCELLED},
        },
    )

    number = models.CharField(_("销毁清单号"), max_length=30, unique=True)
    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("编制人")
    )
    created_at = models.DateTimeField(_("编制时间"), auto_now_add=True)
    approved_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("批准人"),
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    supervisor = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("监销人"),
    )
    destroyed_on = models.DateField(_("销毁日期"), null=True, blank=True)
    method = models.CharField(_("销毁方式"), max_length=50, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("档案销毁清单")
        verbose_name_plural = _("档案销毁清单")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.number


class DestructionLine(models.Model):
    batch = models.ForeignKey(
        DestructionBatch, on_delete=models.CASCADE, related_name="lines", verbose_name=_("销毁清单")
    )
    file = models.ForeignKey(
        ArchiveFile, on_delete=models.PROTECT, related_name="+", verbose_name=_("档案")
    )

    class Meta:
        verbose_name = _("销毁档案")
        verbose_name_plural = _("销毁档案")
        ordering = ["batch_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "file"], name="destructionline_unique")
        ]

    def __str__(self):
        return f"{self.batch} {self.file}"


class Inspection(models.Model):
    """档案检查 (at least twice a year by default), with findings per file."""

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    inspected_on = models.DateField(_("检查日期"))
    inspectors = models.CharField(_("检查人员"), max_length=200)
    scope = models.CharField(_("检查范围"), max_length=300, blank=True)
    summary = models.TextField(_("检查结论"), blank=True)
    recorded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("档案检查")
        verbose_name_plural = _("档案检查")
        ordering = ["-inspected_on", "-id"]

    def __str__(self):
        return f"{self.cooperative} {self.inspected_on}"


class InspectionFinding(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待整改")
        RECTIFIED = "rectified", _("已整改")

    workflow = Workflow(Status, {Status.OPEN: {Status.RECTIFIED}})

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="findings", verbose_name=_("检查")
    )
    file = models.ForeignKey(
        ArchiveFile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("档案"),
    )
    finding = models.CharField(_("发现问题"), max_length=300)
    rectify_by = models.DateField(_("整改期限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    rectification = models.CharField(_("整改情况"), max_length=300, blank=True)
    rectified_on = models.DateField(_("整改日期"), null=True, blank=True)
    rectified_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("整改人"),
    )

    class Meta:
        verbose_name = _("检查发现问题")
        verbose_name_plural = _("检查发现问题")
        ordering = ["inspection_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rectified") | ~Q(rectification=""),
                name="finding_rectified_has_text",
            )
        ]

    def __str__(self):
        return self.finding


class StockImport(models.Model):
    """An uploaded sheet of an existing paper archive register, between preview and confirmation
    (like the household import: confirming trusts nothing from the browser but the token)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        DONE = "done", _("已导入")

    token = models.UUIDField(_("令牌"), default=uuid.uuid4, unique=True, editable=False)
    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    uploaded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    file_name = models.CharField(_("文件名"), max_length=200)
    rows = models.JSONField(_("数据行"), default=list)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("存量档案导入")
        verbose_name_plural = _("存量档案导入")
        ordering = ["-created_at"]

    def __str__(self):
        return self.file_name
