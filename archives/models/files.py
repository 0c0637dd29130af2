"""The archive room, its files and each file's checklist of items."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY
from creditcoop.workflow import Workflow

STAFF = settings.AUTH_USER_MODEL


class Section(models.TextChoices):
    """The ten sections a–j of the archive (docs/rules.md §6.1); e–j hold management records."""

    CORPORATE = "a", _("a 法人贷款档案")
    PERSONAL = "b", _("b 自然人贷款档案")
    ACCEPTANCE = "c", _("c 银行承兑汇票档案")
    NPL = "d", _("d 不良贷款认定及核销档案")
    COMMITTEE = "e", _("e 贷审会运作档案")
    SUPERVISION = "f", _("f 信贷自律监督档案")
    DOCUMENTS = "g", _("g 信贷文件档案")
    TEAM = "h", _("h 信贷队伍建设档案")
    REPORTS = "i", _("i 信贷报告档案")
    OTHER = "j", _("j 其他信贷资料档案")


LOAN_SECTIONS = {Section.CORPORATE, Section.PERSONAL, Section.ACCEPTANCE, Section.NPL}
MANAGEMENT_SECTIONS = set(Section) - LOAN_SECTIONS


class Series(models.TextChoices):
    NORMAL = "normal", _("正常类")
    NPL = "npl", _("不良类")


class Colour(models.TextChoices):
    """Four-colour classification (四色分类); the mapping from risk class is in the settings."""

    GREEN = "green", _("绿")
    YELLOW = "yellow", _("黄")
    ORANGE = "orange", _("橙")
    RED = "red", _("红")


class FileStatus(models.TextChoices):
    PREPARING = "preparing", _("整理中")
    HANDED_OVER = "handed_over", _("已移交待入库")
    IN_ROOM = "in_room", _("在库")
    LENT = "lent", _("借出")
    TRANSFERRED = "transferred", _("已移出")
    DESTROYED = "destroyed", _("已销毁")


class Retention(models.TextChoices):
    SHORT = "short", _("短期")
    LONG = "long", _("中长期")
    PERMANENT = "permanent", _("永久")
    VOUCHER = "voucher", _("会计凭证")


class ArchiveSettings(models.Model):
    """The archive's numbers an administrator may change (one row; docs/rules.md §6)."""

    handover_days = models.PositiveSmallIntegerField(
        _("移交时限（授信后天数）"),
        default=30,
        help_text=_("授信签约后该天数内应将贷款档案移交档案室。"),
    )
    borrow_days = models.PositiveSmallIntegerField(_("借出期限（天）"), default=7)
    bulk_borrow_days = models.PositiveSmallIntegerField(_("批量借阅期限（天）"), default=30)
    short_term_max_months = models.PositiveSmallIntegerField(
        _("短期贷款期限上限（月）"), default=12
    )
    retention_short_years = models.PositiveSmallIntegerField(_("短期保管年限"), default=5)
    retention_long_years = models.PositiveSmallIntegerField(_("中长期保管年限"), default=20)
    retention_voucher_years = models.PositiveSmallIntegerField(_("会计凭证保管年限"), default=30)
    inspections_per_year = models.PositiveSmallIntegerField(_("每年检查次数（至少）"), default=2)
    colour_normal = models.CharField(
        _("正常类颜色"), max_length=10, choices=Colour.choices, default=Colour.GREEN
    )
    colour_watch = models.CharField(
        _("关注类颜色"), max_length=10, choices=Colour.choices, default=Colour.YELLOW
    )
    colour_substandard = models.CharField(
        _("次级类颜色"), max_length=10, choices=Colour.choices, default=Colour.ORANGE
    )
    colour_doubtful = models.CharField(
        _("可疑类颜色"), max_length=10, choices=Colour.choices, default=Colour.RED
    )
    colour_loss = models.CharField(
        _("损失类颜色"), max_length=10, choices=Colour.choices, default=Colour.RED
    )
    npl_from_class = models.PositiveSmallIntegerField(
        _("转入不良类系列的最低五级分类"),
        default=2,
        choices=[(2, _("次级")), (3, _("可疑")), (4, _("损失"))],
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("档案参数")
        verbose_name_plural = _("档案参数")

    def __str__(self):
        return str(_("档案参数"))

    @classmethod
    def current(cls) -> "ArchiveSettings":
        row = cls.objects.order_by("id").first()
        return row if row is not None else cls.objects.create()

    def colour_for(self, risk_class: int) -> str:
        return [
            self.colour_normal,
            self.colour_watch,
            self.colour_substandard,
            self.colour_doubtful,
            self.colour_loss,
        ][int(risk_class)]

    def retention_years(self, retention: str) -> int | None:
        return {
            Retention.SHORT: self.retention_short_years,
            Retention.LONG: self.retention_long_years,
            Retention.VOUCHER: self.retention_voucher_years,
        }.get(retention)


class ArchiveRoom(models.Model):
    """One cooperative's archive room (档案室): the files are kept here, never by the unit."""

    cooperative = models.OneToOneField(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="archive_room",
        verbose_name=_("信用社"),
    )
    name = models.CharField(_("档案室名称"), max_length=100)
    introduction = models.TextField(_("档案室简介"), blank=True)
    address = models.CharField(_("地点"), max_length=200, blank=True)
    number_prefix = models.CharField(
        _("档案号前缀"),
        max_length=20,
        blank=True,
        help_text=_("留空时使用信用社机构代码。档案号形如 前缀-分类-年度-顺序号。"),
    )
    volume_size = models.PositiveSmallIntegerField(
        _("每卷档案数"), default=50, help_text=_("同一年度、同一系列每满该数目另起一卷。")
    )

    class Meta:
        verbose_name = _("档案室")
        verbose_name_plural = _("档案室")
        ordering = ["cooperative__code"]
        constraints = [
            models.CheckConstraint(condition=Q(volume_size__gt=0), name="archiveroom_volume_size")
        ]

    def __str__(self):
        return self.name


class NumberSequence(models.Model):
    """Counters behind archive and volume numbers, one row per (room, key), locked to advance."""

    room = models.ForeignKey(
        ArchiveRoom, on_delete=models.CASCADE, related_name="sequences", verbose_name=_("档案室")
    )
    key = models.CharField(_("编号序列"), max_length=40)
    last = models.PositiveIntegerField(_("最后序号"), default=0)

    class Meta:
        verbose_name = _("档案编号序列")
        verbose_name_plural = _("档案编号序列")
        constraints = [
            models.UniqueConstraint(fields=["room", "key"], name="archive_sequence_unique")
        ]

    def __str__(self):
        return f"{self.room} {self.key} {self.last}"


class DirectoryTemplate(models.Model):
    """农户贷款档案目录: the checklist a loan file follows, versioned.

    The template in force for a contract is the active one of the highest version among those
    already effective, preferring one for the contract's guarantee type over a general one.
    """

    name = models.CharField(_("目录名称"), max_length=100)
    section = models.CharField(
        _("档案分类"), max_length=1, choices=Section.choices, default=Section.PERSONAL
    )
    guarantee_type = models.CharField(
        _("适用担保方式"),
        max_length=10,
        blank=True,
        help_text=_("留空表示适用于所有担保方式。"),
    )
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    effective_from = models.DateField(_("启用日期"))
    active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("档案目录模板")
        verbose_name_plural = _("档案目录模板")
        ordering = ["section", "guarantee_type", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "guarantee_type", "version"], name="directory_template_version"
            )
        ]

    def __str__(self):
        return f"{self.name}（第{self.version}版）"


class DirectoryItem(models.Model):
    """One line of a directory template."""

    class Source(models.TextChoices):
        """Where the system already knows the document from (pre-listed in the file)."""

        NONE = "", _("人工收集")
        APPLICATION = "application", _("评级授信申请")
        CONTRACT = "contract", _("授信合同")
        CERTIFICATE = "certificate", _("贷款证")
        GUARANTEE = "guarantee", _("担保资料")
        IOU = "iou", _("借据（每笔放款一份）")

    template = models.ForeignKey(
        DirectoryTemplate, on_delete=models.CASCADE, related_name="items", verbose_name=_("模板")
    )
    order = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("资料名称"), max_length=100)
    source = models.CharField(
        _("来源"), max_length=20, choices=Source.choices, default=Source.NONE, blank=True
    )
    required = models.BooleanField(_("必备"), default=True)
    original = models.BooleanField(_("原件"), default=True, help_text=_("不勾选为复印件。"))
    pages = models.PositiveSmallIntegerField(_("参考页数"), default=1)

    class Meta:
        verbose_name = _("档案目录条目")
        verbose_name_plural = _("档案目录条目")
        ordering = ["template_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "order"], name="directory_item_order")
        ]

    def __str__(self):
        return self.name


class ArchiveFile(models.Model):
    """One archive file: a loan file (sections a–d, one per credit contract) or a management
    record (sections e–j). Always in exactly one custody state (docs/rules.md §6.4)."""

    S = FileStatus
    workflow = Workflow(
        FileStatus,
        {
            S.PREPARING: {S.HANDED_OVER},
            S.HANDED_OVER: {S.PREPARING, S.IN_ROOM},
            S.IN_ROOM: {S.LENT, S.TRANSFERRED, S.DESTROYED},
            S.LENT: {S.IN_ROOM},
            S.TRANSFERRED: {S.IN_ROOM},
        },
    )

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("信用社"),
    )
    room = models.ForeignKey(
        ArchiveRoom, on_delete=models.PROTECT, related_name="files", verbose_name=_("档案室")
    )
    section = models.CharField(_("档案分类"), max_length=1, choices=Section.choices)
    series = models.CharField(
        _("系列"), max_length=10, choices=Series.choices, blank=True, default=Series.NORMAL
    )
    colour = models.CharField(
        _("四色分类"), max_length=10, choices=Colour.choices, blank=True, default=Colour.GREEN
    )
    status = models.CharField(
        _("保管状态"), max_length=12, choices=FileStatus.choices, default=FileStatus.PREPARING
    )
    title = models.CharField(_("案卷题名"), max_length=200)
    record_date = models.DateField(_("形成日期"))
    # Loan files.
    contract = models.OneToOneField(
        "loans.CreditContract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="archive_file",
        verbose_name=_("授信合同"),
    )
    household = models.ForeignKey(
        "villages.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("农户"),
    )
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("行政村"),
    )
    borrower_name = models.CharField(_("借款人"), max_length=50, blank=True)
    id_number = models.CharField(_("身份证号码"), max_length=18, blank=True)
    contract_number = models.CharField(_("合同编号"), max_length=40, blank=True)
    template = models.ForeignKey(
        DirectoryTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("档案目录"),
    )
    officer = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("主办信贷员"),
    )
    clerk = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("信贷内勤"),
    )
    risk_class = models.PositiveSmallIntegerField(_("五级分类"), default=0)
    recorded_balance = models.DecimalField(_("档案记载余额（元）"), default=0, **MONEY)
    # Numbering and location, given at intake.
    archive_number = models.CharField(_("档案号"), max_length=40, blank=True)
    volume_number = models.CharField(_("卷号"), max_length=40, blank=True)
    pages = models.PositiveIntegerField(_("页数"), default=0)
    shelf = models.CharField(_("架号"), max_length=20, blank=True)
    box = models.CharField(_("盒号"), max_length=20, blank=True)
    transferred_to = models.CharField(_("移出至"), max_length=100, blank=True)
    in_litigation = models.BooleanField(_("涉诉"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # Retention (docs/rules.md §6.7).
    retention = models.CharField(
        _("保管期限"), max_length=10, choices=Retention.choices, default=Retention.SHORT
    )
    settled_on = models.DateField(_("结清或核销日期"), null=True, blank=True)
    keep_until = models.DateField(_("保管到期日"), null=True, blank=True)
    opened_on = models.DateField(_("建档日期"))
    handover_due = models.DateField(_("应移交日期"), null=True, blank=True)
    filed_on = models.DateField(_("入库日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("档案")
        verbose_name_plural = _("档案")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["cooperative", "status", "-id"], name="archivefile_coop_status"),
            models.Index(fields=["cooperative", "-id"], name="archivefile_coop_recent"),
            models.Index(fields=["officer", "status"], name="archivefile_officer_status"),
            models.Index(fields=["village", "-id"], name="archivefile_village_recent"),
            models.Index(fields=["id_number"], name="archivefile_id_number"),
            models.Index(fields=["archive_number"], name="archivefile_archive_number"),
            models.Index(fields=["contract_number"], name="archivefile_contract_number"),
            models.Index(fields=["borrower_name"], name="archivefile_borrower"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "archive_number"],
                condition=~Q(archive_number=""),
                name="archivefile_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(section__in=["a", "b", "c", "d"])
                | (Q(contract__isnull=True) & Q(series="")),
                name="archivefile_management_no_loan",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["preparing", "handed_over"]) | ~Q(archive_number=""),
                name="archivefile_numbered_in_room",
            ),
            models.CheckConstraint(
                condition=Q(risk_class__gte=0) & Q(risk_class__lte=4),
                name="archivefile_class_valid",
            ),
        ]

    def __str__(self):
        return self.archive_number or self.title

    @property
    def is_loan_file(self) -> bool:
        return self.section in LOAN_SECTIONS


class FileItem(models.Model):
    """One document of a file's checklist (from the directory, or added by hand)."""

    class Status(models.TextChoices):
        MISSING = "missing", _("未收集")
        COLLECTED = "collected", _("已收集")
        ACCEPTED = "accepted", _("已接收")
        REJECTED = "rejected", _("退回")

    file = models.ForeignKey(
        ArchiveFile, on_delete=models.CASCADE, related_name="items", verbose_name=_("档案")
    )
    directory_item = models.ForeignKey(
        DirectoryItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("目录条目"),
    )
    order = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("资料名称"), max_length=100)
    source = models.CharField(
        _("来源"), max_length=20, choices=DirectoryItem.Source.choices, blank=True
    )
    reference = models.CharField(_("编号"), max_length=40, blank=True)
    loan = models.ForeignKey(
        "loans.Loan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("借据"),
    )
    required = models.BooleanField(_("必备"), default=True)
    original = models.BooleanField(_("原件"), default=True)
    pages = models.PositiveSmallIntegerField(_("页数"), default=1)
    page_from = models.PositiveIntegerField(_("起始页码"), null=True, blank=True)
    page_to = models.PositiveIntegerField(_("终止页码"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.MISSING
    )
    collected_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("收集人"),
    )
    collected_at = models.DateTimeField(_("收集时间"), null=True, blank=True)
    reject_reason = models.CharField(_("退回原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("档案资料")
        verbose_name_plural = _("档案资料")
        ordering = ["file_id", "order", "id"]
        indexes = [
            models.Index(
                fields=["file"],
                condition=Q(required=True) & Q(status__in=["missing", "rejected"]),
                name="fileitem_required_missing",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["file", "loan"], condition=Q(loan__isnull=False), name="fileitem_one_iou"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="fileitem_reject_has_reason",
            ),
        ]

    def __str__(self):
        return self.name
