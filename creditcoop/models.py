from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from .money import MONEY


class Role(models.TextChoices):
    DIRECTOR = "director", _("信用社主任")
    DEPUTY = "deputy", _("信用社副主任")
    OFFICER = "officer", _("信贷员")
    REVIEW_GROUP = "review_group", _("审贷小组成员")
    TELLER = "teller", _("柜员")
    ARCHIVIST = "archivist", _("档案管理员")
    CLERK = "clerk", _("信贷内勤")
    AUDITOR = "auditor", _("稽核")
    UNION_RISK = "union_risk", _("联社风险管理部")
    UNION_ASSET = "union_asset", _("联社资产保全部")
    COMMITTEE = "committee", _("村信用评审小组成员")
    ADMIN = "admin", _("系统管理员")
    # Staff of an outside collection firm (托管清收, recovery): sees only its packages.
    AGENCY = "agency", _("托管清收机构人员")


# Roles that see the whole union rather than one cooperative.
UNION_ROLES = {Role.UNION_RISK, Role.UNION_ASSET, Role.AUDITOR, Role.ADMIN}
# Roles that see every village of their own cooperative.
COOPERATIVE_ROLES = {
    Role.DIRECTOR,
    Role.DEPUTY,
    Role.REVIEW_GROUP,
    Role.TELLER,
    Role.ARCHIVIST,
    Role.CLERK,
}
# Roles that handle credit business: an archivist may hold none of them (docs/rules.md §6.2).
LOAN_HANDLING_ROLES = {
    Role.DIRECTOR,
    Role.DEPUTY,
    Role.OFFICER,
    Role.REVIEW_GROUP,
    Role.TELLER,
    Role.CLERK,
}
# Roles that may only read.
READ_ONLY_ROLES = {Role.AUDITOR}
# People from outside the cooperatives (an entrusted collection firm's staff): no page lets
# them in unless it names their role (docs/rules.md §7.6).
OUTSIDE_ROLES = {Role.AGENCY}


class Union(models.Model):
    name = models.CharField(_("联社名称"), max_length=100, unique=True)
    complaint_phone = models.CharField(_("投诉电话"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("联社")
        verbose_name_plural = _("联社")

    def __str__(self):
        return self.name


class Cooperative(models.Model):
    union = models.ForeignKey(
        Union, on_delete=models.PROTECT, related_name="cooperatives", verbose_name=_("联社")
    )
    name = models.CharField(_("信用社名称"), max_length=100)
    code = models.CharField(_("机构代码"), max_length=20, unique=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    complaint_phone = models.CharField(_("投诉电话"), max_length=30, blank=True)
    supervision_phone = models.CharField(_("监督电话"), max_length=30, blank=True)
    small_loan_max = models.DecimalField(_("小额贷款上限（元）"), default=50000, **MONEY)
    medium_loan_max = models.DecimalField(_("中额贷款上限（元）"), default=300000, **MONEY)

    class Meta:
        verbose_name = _("信用社")
        verbose_name_plural = _("信用社")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(small_loan_max__gt=0)
                & models.Q(medium_loan_max__gt=models.F("small_loan_max")),
                name="cooperative_bands_ordered",
                violation_error_message=_(
                    "小额贷款上限必须大于 0，中额贷款上限必须大于小额贷款上限。"
                ),
            )
        ]

    def __str__(self):
        return self.name

    def amount_band(self, amount) -> str:
        if amount <= self.small_loan_max:
            return "small"
        if amount <= self.medium_loan_max:
            return "medium"
        return "large"


class Branch(models.Model):
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="branches", verbose_name=_("信用社")
    )
    name = models.CharField(_("分社名称"), max_length=100)

    class Meta:
        verbose_name = _("分社")
        verbose_name_plural = _("分社")
        ordering = ["cooperative_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "name"], name="branch_unique_name")
        ]

    def __str__(self):
        return f"{self.cooperative.name}·{self.name}"


class StaffManager(UserManager):
    pass


class Staff(AbstractUser):
    """A staff account; logs in with the staff number (工号)."""

    username = models.CharField(
        _("工号"), max_length=30, unique=True, error_messages={"unique": _("该工号已存在。")}
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    union = models.ForeignKey(
        Union, on_delete=models.PROTECT, related_name="staff", verbose_name=_("联社")
    )
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("信用社"),
    )
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("分社"),
    )
    roles = ArrayField(
        models.CharField(max_length=20, choices=Role.choices),
        default=list,
        blank=True,
        verbose_name=_("角色"),
    )
    officer_grade = models.PositiveSmallIntegerField(
        _("信贷员等级"),
        null=True,
        blank=True,
        choices=[(1, _("一级")), (2, _("二级")), (3, _("三级"))],
    )

    objects = StaffManager()
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(officer_grade__isnull=True)
                | models.Q(officer_grade__in=[1, 2, 3]),
                name="staff_officer_grade_valid",
            )
        ]

    def __str__(self):
        return f"{self.name}（{self.username}）"

    def has_role(self, *roles) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_union_wide(self) -> bool:
        return any(r in UNION_ROLES for r in self.roles) or self.is_superuser

    @property
    def is_outsider(self) -> bool:
        """Only outside roles (an agency's staff): pages open to "any staff" refuse them."""
        return bool(self.roles) and all(r in OUTSIDE_ROLES for r in self.roles)

    @property
    def is_read_only(self) -> bool:
        return bool(self.roles) and all(r in READ_ONLY_ROLES for r in self.roles)

    def role_labels(self) -> str:
        labels = dict(Role.choices)
        text = "、".join(str(labels.get(r, r)) for r in self.roles)
        if self.officer_grade:
            text += f"（{self.get_officer_grade_display()}）"
        return text

    def officer_may_investigate(self, amount, cooperative) -> bool:
        """Grade 1: any loan; grade 2: small loans only; grade 3: never (docs/rules.md §0)."""
        if not self.has_role(Role.OFFICER) or self.officer_grade not in (1, 2):
            return False
        if self.officer_grade == 2:
            return amount <= cooperative.small_loan_max
        return True


class AuditLog(models.Model):
    """Append-only: the database refuses UPDATE and DELETE on this table (see migration)."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    action = models.CharField(_("操作"), max_length=60)
    object_type = models.CharField(_("对象类型"), max_length=60)
    object_id = models.CharField(_("对象编号"), max_length=40)
    object_repr = models.CharField(_("对象"), max_length=200)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("信用社"),
    )

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor", "-at"]),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class WorkflowEvent(models.Model):
    """One state transition of a workflow that keeps no history table of its own.

    See ``creditcoop/workflow.py`` for which workflows write here; like the audit trail,
    rows are only ever added.
    """

    object_type = models.CharField(_("对象类型"), max_length=60)
    object_id = models.CharField(_("对象编号"), max_length=40)
    from_state = models.CharField(_("原状态"), max_length=30, blank=True)
    to_state = models.CharField(_("新状态"), max_length=30)
    actor = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.TextField(_("理由"), blank=True)
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("信用社"),
    )

    class Meta:
        verbose_name = _("状态变更记录")
        verbose_name_plural = _("状态变更记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.object_type}#{self.object_id} {self.to_state}"


class CalendarYear(models.Model):
    """A year whose official holiday schedule has been entered."""

    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    source = models.CharField(_("来源"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("已录入节假日安排的年份")
        verbose_name_plural = _("已录入节假日安排的年份")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to the weekday rule: a weekday holiday or a weekend make-up working day."""

    date = models.DateField(_("日期"), primary_key=True)
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日/调休日")
        verbose_name_plural = _("节假日/调休日")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'上班' if self.is_workday else '休息'} {self.note}"


class SmsMessage(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    phone = models.CharField(_("手机号"), max_length=20)
    text = models.CharField(_("内容"), max_length=500)
    dedupe_key = models.CharField(_("去重键"), max_length=120, unique=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("本次发送开始"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信发件箱")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="sms_pending_idx",
                condition=models.Q(status__in=["queued", "failed", "sending"]),
            ),
        ]

    def __str__(self):
        return f"{self.phone} {self.get_status_display()}"


class Notification(models.Model):
    """A message in a staff member's inbox (站内通知)."""

    recipient = models.ForeignKey(
        Staff, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    text = models.CharField(_("内容"), max_length=500)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    dedupe_key = models.CharField(_("去重键"), max_length=160, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "-created_at"])]

    def __str__(self):
        return self.text[:40]


class FigureMonth(models.Model):
    """A month of monthly figures (``MonthlyFigure``): taken nightly while the month runs and
    once more after it ended, then final, so history is never recomputed."""

    month = models.DateField(_("月末"), unique=True)
    taken_on = models.DateField(_("取数日期"))
    final = models.BooleanField(_("已定稿"), default=False)

    class Meta:
        verbose_name = _("月度快照")
        verbose_name_plural = _("月度快照")
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month:%Y-%m}"


class MonthlyFigure(models.Model):
    """One figure of one month for one village (or, with no village, for the cooperative as a
    whole): dashboards and monthly reports add these up per scope instead of reading the
    millions of rows behind them. ``metric`` names what is counted (see
    ``creditcoop/reporting/figures.py``), ``key`` splits it (a five-level class, a
    from→to class move, a vintage segment, a deadline kind)."""

    month = models.DateField(_("月末"))
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="+", verbose_name=_("信用社")
    )
    # No foreign key: the core does not depend on the villages app.
    village_id = models.BigIntegerField(_("行政村"), null=True, blank=True)
    metric = models.CharField(_("指标"), max_length=40)
    key = models.CharField(_("分项"), max_length=40, blank=True, default="")
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=2)

    class Meta:
        verbose_name = _("月度指标")
        verbose_name_plural = _("月度指标")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "cooperative", "village_id", "metric", "key"],
                name="monthly_figure_one_per_key",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            # Covering: a dashboard adds a month's figures of the whole union (or twelve
            # months of one metric) from the index alone, never visiting the table.
            models.Index(
                fields=["month", "metric"],
                include=["cooperative", "village_id", "key", "value"],
                name="monthly_figure_month_metric",
            ),
            models.Index(fields=["cooperative", "month"], name="monthly_figure_coop_month"),
            models.Index(fields=["village_id", "month"], name="monthly_figure_village_month"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.metric} {self.key} {self.value}"


class ExportJob(models.Model):
    """One ledger export (导出台账): queued by the page, built by a Celery worker, kept a day.

    ``filters`` are the filter form's data as submitted; the worker validates them again with
    the owner as the user, so the rows are what the owner may see when the file is built.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        EXPIRED = "expired", _("已过期")

    owner = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="export_jobs", verbose_name=_("导出人")
    )
    ledger_code = models.CharField(_("台账"), max_length=60)
    ledger_title = models.CharField(_("台账名称"), max_length=60)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    scope_label = models.CharField(_("范围"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    rows_done = models.PositiveIntegerField(_("已完成行数"), default=0)
    rows_total = models.PositiveIntegerField(_("总行数"), null=True, blank=True)
    file_path = models.CharField(_("文件路径"), max_length=300, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    size = models.BigIntegerField(_("文件大小（字节）"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)

    class Meta:
        verbose_name = _("台账导出")
        verbose_name_plural = _("台账导出")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="export_job_owner_idx"),
            models.Index(
                fields=["expires_at"],
                name="export_job_to_expire_idx",
                condition=models.Q(status="done"),
            ),
        ]

    def __str__(self):
        return self.file_name or f"{self.ledger_title}（{self.get_status_display()}）"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, int(self.rows_done * 100 / self.rows_total))
