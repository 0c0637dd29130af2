"""Public notice (张榜公示) of proposed credit households and objections (异议), docs/rules.md §3."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from creditcoop.money import MONEY
from creditcoop.workflow import Workflow

STAFF = settings.AUTH_USER_MODEL

# The law's floor: a notice runs at least this many days whatever a cooperative configures.
MIN_PERIOD_DAYS = 5
DEFAULT_PERIOD_DAYS = 7
DEFAULT_OBJECTION_WORKING_DAYS = 3


class NoticePolicy(models.Model):
    """Per-cooperative notice settings (editable in the admin)."""

    cooperative = models.OneToOneField(
        "creditcoop.Cooperative",
        on_delete=models.CASCADE,
        related_name="notice_policy",
        verbose_name=_("信用社"),
    )
    period_days = models.PositiveSmallIntegerField(
        _("默认公示天数"),
        default=DEFAULT_PERIOD_DAYS,
        help_text=_("公示期含发布当天，不得少于 5 天。"),
    )
    objection_working_days = models.PositiveSmallIntegerField(
        _("异议办结时限（工作日）"),
        default=DEFAULT_OBJECTION_WORKING_DAYS,
        help_text=_("超过该时限仍未办结的异议提示主任督办。"),
    )
    promise_text = models.TextField(
        _("服务承诺"),
        blank=True,
        help_text=_("在村公开栏“服务承诺”中显示，每行一条。"),
    )

    class Meta:
        verbose_name = _("公示规则")
        verbose_name_plural = _("公示规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_days__gte=MIN_PERIOD_DAYS), name="notice_policy_period_min_5"
            ),
            models.CheckConstraint(
                condition=Q(objection_working_days__gte=1), name="notice_policy_objection_days"
            ),
        ]

    def __str__(self):
        return f"{self.cooperative} 公示规则"


class ServicePromise(models.Model):
    """One loan product as the cooperative publishes it (三上墙: types, terms, rates, limits)."""

    cooperative = models.ForeignKey(
        "creditcoop.Cooperative",
        on_delete=models.CASCADE,
        related_name="service_promises",
        verbose_name=_("信用社"),
    )
    loan_type = models.CharField(_("贷款种类"), max_length=50)
    term = models.CharField(_("期限"), max_length=60, help_text=_("例如：1年以内，随借随还"))
    rate = models.CharField(_("利率"), max_length=60, help_text=_("例如：年利率 6.12%起"))
    eligibility = models.CharField(_("申请条件"), max_length=300)
    time_limit = models.CharField(
        _("办理时限"), max_length=100, help_text=_("例如：5个工作日内答复，10个工作日内办结")
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("公开显示"), default=True)

    class Meta:
        verbose_name = _("服务承诺（贷款种类）")
        verbose_name_plural = _("服务承诺（贷款种类）")
        ordering = ["cooperative_id", "sort_order", "id"]

    def __str__(self):
        return f"{self.cooperative} {self.loan_type}"


class NoticeBatch(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("公示中")
        ENDED = "ended", _("公示结束")

    # Templates ask batch.can(step), services enforce it (creditcoop/workflow.py).
    workflow = Workflow(
        Status,
        actions={
            "edit": (Status.DRAFT, Status.DRAFT),
            "publish": (Status.DRAFT, Status.PUBLISHED),
            "end": (Status.PUBLISHED, Status.ENDED),
        },
    )

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.PROTECT,
        related_name="notice_batches",
        verbose_name=_("行政村"),
    )
    number = models.PositiveIntegerField(_("期号"))
    title = models.CharField(_("标题"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    period_days = models.PositiveSmallIntegerField(_("公示天数"), default=DEFAULT_PERIOD_DAYS)
    start_date = models.DateField(_("公示开始日期"), null=True, blank=True)
    end_date = models.DateField(_("公示截止日期"), null=True, blank=True)
    supervision_phone = models.CharField(_("监督电话"), max_length=30)
    # A batch that re-posts households whose line was revised after an objection.
    continues = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="continuations",
        verbose_name=_("续接的公示"),
    )
    created_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示批次")
        verbose_name_plural = _("公示批次")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="notice_batch_number"),
            models.CheckConstraint(
                condition=Q(period_days__gte=MIN_PERIOD_DAYS), name="notice_batch_period_min_5"
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | (
                    Q(start_date__isnull=False)
                    & Q(end_date__isnull=False)
                    & Q(published_at__isnull=False)
                ),
                name="notice_batch_published_has_dates",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="notice_batch_dates_ordered",
            ),
        ]
        indexes = [
            # What the periodic job scans: published batches by end date.
            models.Index(
                fields=["end_date"],
                name="notice_batch_running_idx",
                condition=Q(status="published"),
            ),
            models.Index(fields=["village", "status", "-start_date"]),
        ]

    def __str__(self):
        return f"{self.village} 第{self.number}期公示"

    def get_absolute_url(self):
        return reverse("notices:batch_detail", args=[self.pk])

    def can(self, action: str) -> bool:
        return self.workflow.can(self, action)

    @staticmethod
    def end_for(start, period_days: int):
        """Publication day is day 1: a 7-day notice from the 1st runs to the 7th."""
        return start + timedelta(days=period_days - 1)

    def is_running(self, today) -> bool:
        return self.status == self.Status.PUBLISHED and self.end_date >= today

    def has_run_full_period(self, today) -> bool:
        """Ended, or published and the end date is past (even before the periodic job ran)."""
        if self.status == self.Status.ENDED:
            return True
        return self.status == self.Status.PUBLISHED and self.end_date < today

    def public_status(self, today) -> str:
        if self.status == self.Status.DRAFT:
            return str(_("草稿"))
        return str(_("公示中")) if self.is_running(today) else str(_("公示结束"))

    def day_number(self, today) -> int | None:
        if not self.start_date or today < self.start_date:
            return None
        return (today - self.start_date).days + 1


class NoticeEntry(models.Model):
    """One household on a notice, as it was posted (a snapshot of the line at publication)."""

    class Status(models.TextChoices):
        LISTED = "listed", _("公示中")
        REMOVED = "removed", _("已撤下")
        SUPERSEDED = "superseded", _("已调整并重新公示")

    batch = models.ForeignKey(
        NoticeBatch, on_delete=models.CASCADE, related_name="entries", verbose_name=_("公示批次")
    )
    application = models.ForeignKey(
        "ratings.CreditApplication",
        on_delete=models.PROTECT,
        related_name="notice_entries",
        verbose_name=_("评级申请"),
    )
    household = models.ForeignKey(
        "villages.Household",
        on_delete=models.PROTECT,
        related_name="notice_entries",
        verbose_name=_("农户"),
    )
    group_name = models.CharField(_("村民小组"), max_length=30)
    group_number = models.PositiveSmallIntegerField(_("组号"), default=0)
    masked_name = models.CharField(_("户名（脱敏）"), max_length=20)
    grade = models.CharField(_("信用等级"), max_length=3)
    line = models.DecimalField(_("授信额度（元）"), **MONEY)
    term_months = models.PositiveSmallIntegerField(_("授信期限（月）"))
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.LISTED
    )
    status_reason = models.CharField(_("撤下/调整原因"), max_length=300, blank=True)
    changed_at = models.DateTimeField(_("变更时间"), null=True, blank=True)
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("调整前的公示记录"),
    )

    class Meta:
        verbose_name = _("公示农户")
        verbose_name_plural = _("公示农户")
        ordering = ["batch_id", "group_number", "household_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "application"], name="notice_entry_once"),
            # An application is posted at most once at a time.
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status="listed"),
                name="notice_entry_one_listed",
            ),
            models.CheckConstraint(condition=Q(line__gte=0), name="notice_entry_line_positive"),
        ]

    def __str__(self):
        return f"{self.masked_name} {self.grade} {self.line}"


class Objection(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("已受理")
        INVESTIGATING = "investigating", _("调查核实中")
        CLOSED = "closed", _("已办结")

    class Outcome(models.TextChoices):
        UPHELD_REVISED = "upheld_revised", _("异议成立，已调整等级或额度")
        UPHELD_REMOVED = "upheld_removed", _("异议成立，已从公示名单撤下")
        REJECTED = "rejected", _("异议不成立")

    class Channel(models.TextChoices):
        WEB = "web", _("网上提交")
        PHONE = "phone", _("电话")
        IN_PERSON = "in_person", _("当面")
        LETTER = "letter", _("书面")

    OPEN = [Status.RECEIVED, Status.INVESTIGATING]
    # Templates ask objection.can(step), services enforce it; every step (a move or not)
    # is one ObjectionEvent row.
    workflow = Workflow(
        Status,
        actions={
            "assign": (Status.RECEIVED, Status.RECEIVED),
            "investigate": (Status.RECEIVED, Status.INVESTIGATING),
            "findings": (Status.INVESTIGATING, Status.INVESTIGATING),
            "decide": (Status.INVESTIGATING, Status.CLOSED),
        },
        events=lambda move: ObjectionEvent.from_move(move),
    )

    reference = models.CharField(_("受理编号"), max_length=20, unique=True)
    batch = models.ForeignKey(
        NoticeBatch, on_delete=models.PROTECT, related_name="objections", verbose_name=_("公示批次")
    )
    entry = models.ForeignKey(
        NoticeEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objections",
        verbose_name=_("针对的农户"),
    )
    household = models.ForeignKey(
        "villages.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notice_objections",
        verbose_name=_("农户"),
    )
    channel = models.CharField(
        _("来源"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    text = models.TextField(_("异议内容"), max_length=1000)
    contact_name = models.CharField(_("联系人"), max_length=30, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    status = models.CharField(
        _("状态"), max_length=15, choices=Status.choices, default=Status.RECEIVED
    )
    filed_at = models.DateTimeField(_("受理时间"))
    filed_on = models.DateField(_("受理日期"))
    recorded_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    assigned_to = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notice_objections",
        verbose_name=_("调查人"),
    )
    findings = models.TextField(_("调查核实情况"), blank=True)
    outcome = models.CharField(_("处理结果"), max_length=20, choices=Outcome.choices, blank=True)
    reply = models.CharField(
        _("答复（公开）"),
        max_length=300,
        blank=True,
        help_text=_("在查询页面显示给异议人，不得包含身份证号、电话等个人信息。"),
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("办结人"),
    )
    overdue_flagged_at = models.DateTimeField(_("超时提示时间"), null=True, blank=True)
    # Hash of the sender's address, for tracing abuse without keeping the address itself.
    source_hash = models.CharField(max_length=16, blank=True, editable=False)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | (~Q(outcome="") & Q(closed_at__isnull=False)),
                name="objection_closed_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(entry__isnull=True) | Q(household__isnull=False),
                name="objection_entry_has_household",
            ),
        ]
        indexes = [
            # The grant gate looks only at open objections.
            models.Index(
                fields=["batch", "household"],
                name="objection_open_batch_idx",
                condition=Q(status__in=["received", "investigating"]),
            ),
        ]

    def __str__(self):
        return f"异议 {self.reference}"

    def get_absolute_url(self):
        return reverse("notices:objection_detail", args=[self.pk])

    def can(self, action: str) -> bool:
        return self.workflow.can(self, action)

    @cached_property
    def due_on(self):
        """The due working day of the objection's time limit, kept by the deadline engine
        (the latest one; None when nobody could be made responsible)."""
        from django.contrib.contenttypes.models import ContentType

        from creditcoop.deadlines.models import Deadline

        from .deadline_kinds import OBJECTION

        ct = ContentType.objects.get_for_model(Objection, for_concrete_model=False)
        return (
            Deadline.objects.filter(content_type=ct, object_id=self.pk, kind=OBJECTION)
            .order_by("-id")
            .values_list("due_on", flat=True)
            .first()
        )

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def public_outcome(self) -> str:
        """The outcome in plain words for the objector (no private details)."""
        if self.status != self.Status.CLOSED:
            return ""
        text = {
            self.Outcome.UPHELD_REVISED: _(
                "经调查核实，您反映的情况属实。信用社已调整该户的信用等级或授信额度，"
                "调整后的结果重新张榜公示。"
            ),
            self.Outcome.UPHELD_REMOVED: _(
                "经调查核实，您反映的情况属实。该户已从本期公示名单中撤下，暂不授信。"
            ),
            self.Outcome.REJECTED: _("经调查核实，您反映的情况不属实，原公示结果不变。"),
        }[self.outcome]
        return str(text)


class ObjectionEvent(models.Model):
    """Every step of an objection: who, when, from, to, what."""

    objection = models.ForeignKey(
        Objection, on_delete=models.CASCADE, related_name="events", verbose_name=_("异议")
    )
    action = models.CharField(_("操作"), max_length=30)
    actor = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    from_status = models.CharField(_("原状态"), max_length=15, blank=True)
    to_status = models.CharField(_("新状态"), max_length=15, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("异议处理记录")
        verbose_name_plural = _("异议处理记录")
        ordering = ["objection_id", "at", "id"]

    ACTION_LABELS = {
        "file": _("受理异议"),
        "assign": _("指定调查人"),
        "investigate": _("开始调查"),
        "findings": _("记录调查情况"),
        "upheld_revised": _("异议成立，调整等级/额度"),
        "upheld_removed": _("异议成立，撤下公示"),
        "rejected": _("异议不成立"),
        "overdue": _("超时提示主任"),
    }

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    @property
    def action_label(self):
        return self.ACTION_LABELS.get(self.action, self.action)

    @classmethod
    def from_move(cls, move) -> ObjectionEvent:
        return cls(
            objection=move.obj,
            action=move.action.removeprefix("notices.objection_"),
            actor=move.actor if getattr(move.actor, "pk", None) else None,
            from_status=move.from_state,
            to_status=move.to_state if move.to_state != move.from_state else "",
            note=move.reason,
        )
