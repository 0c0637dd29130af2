"""Borrowing and consultation (借阅 / 查阅), approved by a matrix an administrator edits."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creditcoop.workflow import Workflow

from .files import ArchiveFile, Section

STAFF = settings.AUTH_USER_MODEL


class BorrowerType(models.TextChoices):
    STAFF = "staff", _("本社员工")
    UNION = "union", _("联社员工")
    POLICE = "police", _("公安机关")
    PROCURATORATE = "procuratorate", _("检察院")
    COURT = "court", _("法院")
    OTHER_BODY = "other_body", _("其他外部单位")


EXTERNAL_TYPES = {
    BorrowerType.POLICE,
    BorrowerType.PROCURATORATE,
    BorrowerType.COURT,
    BorrowerType.OTHER_BODY,
}


class Method(models.TextChoices):
    READ = "read", _("室内查阅")
    COPY = "copy", _("复印")
    TAKE_OUT = "take_out", _("借出")


class Authority(models.TextChoices):
    """Who approves, lowest first."""

    ARCHIVIST = "archivist", _("档案管理员")
    DIRECTOR = "director", _("信用社主任")
    UNION = "union", _("联社风险管理部")


class ApprovalRule(models.Model):
    """借阅审批权限: borrower type × method × section → who approves. A combination without a
    rule is not allowed at all."""

    borrower_type = models.CharField(_("借阅人类型"), max_length=15, choices=BorrowerType.choices)
    method = models.CharField(_("借阅方式"), max_length=10, choices=Method.choices)
    section = models.CharField(
        _("档案分类"),
        max_length=1,
        choices=Section.choices,
        blank=True,
        help_text=_("留空表示适用于所有分类；有具体分类的规则优先。"),
    )
    authority = models.CharField(_("审批权限"), max_length=10, choices=Authority.choices)

    class Meta:
        verbose_name = _("借阅审批规则")
        verbose_name_plural = _("借阅审批规则")
        ordering = ["borrower_type", "method", "section"]
        constraints = [
            models.UniqueConstraint(
                fields=["borrower_type", "method", "section"], name="approvalrule_unique"
            )
        ]

    def __str__(self):
        return (
            f"{self.get_borrower_type_display()}·{self.get_method_display()}"
            f"·{self.get_section_display() or _('所有分类')} → {self.get_authority_display()}"
        )


class Borrowing(models.Model):
    """One borrowing: request → approval → issue (signed) → return checked item by item."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待审批")
        APPROVED = "approved", _("已批准")
        ISSUED = "issued", _("已借出")
        RETURNED = "returned", _("已归还")
        REFUSED = "refused", _("未批准")
        CANCELLED = "cancelled", _("已撤销")

    workflow = Workflow(
        Status,
        {
            Status.REQUESTED: {Status.APPROVED, Status.REFUSED, Status.CANCELLED},
            Status.APPROVED: {Status.ISSUED, Status.CANCELLED},
            Status.ISSUED: {Status.RETURNED},
        },
        actions={
            "approve": (Status.REQUESTED, Status.APPROVED),
            "refuse": (Status.REQUESTED, Status.REFUSED),
            "issue": (Status.APPROVED, Status.ISSUED),
            "return": (Status.ISSUED, Status.RETURNED),
        },
    )

    number = models.CharField(_("借阅单号"), max_length=30, unique=True)
    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    borrower_type = models.CharField(_("借阅人类型"), max_length=15, choices=BorrowerType.choices)
    method = models.CharField(_("借阅方式"), max_length=10, choices=Method.choices)
    borrower = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("借阅员工"),
    )
    borrower_name = models.CharField(_("借阅人姓名"), max_length=50)
    organisation = models.CharField(_("单位"), max_length=100, blank=True)
    credential_type = models.CharField(_("证件类型"), max_length=30, blank=True)
    credential_number = models.CharField(_("证件号码"), max_length=50, blank=True)
    credential_issuer = models.CharField(_("发证机关"), max_length=100, blank=True)
    letter_number = models.CharField(_("协查函/介绍信编号"), max_length=50, blank=True)
    purpose = models.CharField(_("借阅事由"), max_length=300)
    is_bulk = models.BooleanField(_("批量借阅（不良贷款尽职调查等）"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    authority = models.CharField(_("审批权限"), max_length=10, choices=Authority.choices)
    requested_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    approved_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    # External bodies: never out of the room without this further approval.
    take_out_approved_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("外借加批人"),
    )
    accompanied_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("全程陪同档案管理员"),
    )
    issued_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发出人"),
    )
    issued_at = models.DateTimeField(_("借出时间"), null=True, blank=True)
    signed_name = models.CharField(_("借阅人签字"), max_length=50, blank=True)
    due_date = models.DateField(_("应还日期"), null=True, blank=True)
    returned_at = models.DateTimeField(_("归还时间"), null=True, blank=True)
    returned_to = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("验收人"),
    )
    return_note = models.CharField(_("归还验收情况"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("档案借阅")
        verbose_name_plural = _("档案借阅登记簿")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["cooperative", "status"], name="borrowing_coop_status")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(borrower_type__in=["police", "procuratorate", "court", "other_body"])
                | (~Q(credential_type="") & ~Q(credential_number="") & ~Q(credential_issuer="")),
                name="borrowing_external_credentials",
            ),
            models.CheckConstraint(
                condition=~Q(status="issued") | (~Q(signed_name="") & Q(due_date__isnull=False)),
                name="borrowing_issue_signed",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_external(self) -> bool:
        return self.borrower_type in EXTERNAL_TYPES


class BorrowingLine(models.Model):
    """One file of a borrowing; ``out`` while it is away from the shelf."""

    borrowing = models.ForeignKey(
        Borrowing, on_delete=models.CASCADE, related_name="lines", verbose_name=_("借阅")
    )
    file = models.ForeignKey(
        ArchiveFile,
        on_delete=models.PROTECT,
        related_name="borrowing_lines",
        verbose_name=_("档案"),
    )
    out = models.BooleanField(_("借出未还"), default=False)
    returned_complete = models.BooleanField(_("归还齐全"), null=True, blank=True)
    # Items found missing at the return check: [{"item": id, "name": …}].
    missing = models.JSONField(_("归还缺失资料"), default=list, blank=True)

    class Meta:
        verbose_name = _("借阅档案")
        verbose_name_plural = _("借阅档案")
        ordering = ["borrowing_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["borrowing", "file"], name="borrowingline_unique"),
            # A file lent out cannot be lent again.
            models.UniqueConstraint(
                fields=["file"], condition=Q(out=True), name="borrowingline_file_out_once"
            ),
        ]

    def __str__(self):
        return f"{self.borrowing} {self.file}"
