"""Handover (移交) from the business unit and intake (入库) by the archivist."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creditcoop.workflow import Workflow

from .files import ArchiveFile, ArchiveRoom

STAFF = settings.AUTH_USER_MODEL


class HandoverBatch(models.Model):
    """One handover from a business unit: the two-part transfer list (一式二联)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草拟")
        SUBMITTED = "submitted", _("已移交待核对")
        CLOSED = "closed", _("已办结")

    workflow = Workflow(
        Status, {Status.DRAFT: {Status.SUBMITTED}, Status.SUBMITTED: {Status.CLOSED}}
    )

    number = models.CharField(_("移交单号"), max_length=30, unique=True)
    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    branch = models.ForeignKey(
        "creditcoop.Branch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("移交单位（分社）"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    handed_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("移交人")
    )
    received_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("接收人"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("移交时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("档案移交批次")
        verbose_name_plural = _("档案移交批次")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.number


class HandoverLine(models.Model):
    """One file (one loan and household) on a transfer list, checked item by item."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待核对")
        ACCEPTED = "accepted", _("已接收")
        REJECTED = "rejected", _("退回")

    batch = models.ForeignKey(
        HandoverBatch, on_delete=models.CASCADE, related_name="lines", verbose_name=_("移交批次")
    )
    file = models.ForeignKey(
        ArchiveFile, on_delete=models.PROTECT, related_name="handover_lines", verbose_name=_("档案")
    )
    status = models.CharField(
        _("核对结果"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # What the archivist found, item by item: [{"item": id, "name": …, "ok": bool, "reason": …}].
    checks = models.JSONField(_("逐项核对"), default=list, blank=True)
    reason = models.CharField(_("退回原因"), max_length=300, blank=True)
    pages = models.PositiveIntegerField(_("页数"), default=0)
    checked_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核对人"),
    )
    checked_at = models.DateTimeField(_("核对时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("档案移交清单行")
        verbose_name_plural = _("档案移交清单行")
        ordering = ["batch_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "file"], name="handoverline_unique"),
            # A file is on at most one transfer list awaiting its check.
            models.UniqueConstraint(
                fields=["file"], condition=Q(status="pending"), name="handoverline_one_pending"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""), name="handoverline_reject_reason"
            ),
        ]

    def __str__(self):
        return f"{self.batch} {self.file}"


class IntakeRecord(models.Model):
    """A row of the intake register (信贷档案入库登记簿); rows are only ever added."""

    room = models.ForeignKey(
        ArchiveRoom, on_delete=models.PROTECT, related_name="+", verbose_name=_("档案室")
    )
    file = models.ForeignKey(
        ArchiveFile, on_delete=models.PROTECT, related_name="intakes", verbose_name=_("档案")
    )
    batch = models.ForeignKey(
        HandoverBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("移交批次"),
    )
    archive_number = models.CharField(_("档案号"), max_length=40)
    volume_number = models.CharField(_("卷号"), max_length=40)
    pages = models.PositiveIntegerField(_("页数"))
    shelf = models.CharField(_("架号"), max_length=20, blank=True)
    box = models.CharField(_("盒号"), max_length=20, blank=True)
    received_on = models.DateField(_("入库日期"))
    received_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("入库人")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("入库登记")
        verbose_name_plural = _("入库登记簿")
        ordering = ["-received_on", "-id"]

    def __str__(self):
        return f"{self.archive_number} {self.received_on}"
