"""Deadline and accountability rows (限时办结, 超期问责), docs/rules.md §5.

The models belong to the ``servicehall`` app label, where they were first built, so the
tables keep their names (``servicehall_deadline``, ``servicehall_accountability``,
``servicehall_accountabilityevent``); ``creditcoop/servicehall/models.py`` imports them so
that Django registers them with that app.
"""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from creditcoop.models import Cooperative, Staff
from creditcoop.money import MONEY, RATE

from .kinds import kind_label, stop_condition

APP_LABEL = "servicehall"


class Deadline(models.Model):
    """A promised time for one piece of work on one object (限时办结).

    Due day, reminder day and lateness are counted in working days. The clock stops
    when `stopped_at` is set; until the sweep has counted the final lateness the row
    stays `settled = False`.
    """

    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("对象类型")
    )
    object_id = models.PositiveBigIntegerField(_("对象编号"))
    target = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("事项"), max_length=40)
    title = models.CharField(_("摘要"), max_length=200, blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="+", verbose_name=_("信用社")
    )
    responsible = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="deadlines", verbose_name=_("责任人")
    )
    loan_type = models.ForeignKey(
        "servicehall.LoanType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("贷款种类"),
    )
    started_on = models.DateField(_("起算日"))
    working_days = models.PositiveSmallIntegerField(_("时限（工作日）"))
    due_on = models.DateField(_("到期工作日"))
    remind_on = models.DateField(_("提醒日"))
    # The first working day after the due day: from then on the item is late.
    late_on = models.DateField(_("超期首日"))
    # Lateness of the current responsible person counts after this day (the due day, or
    # the day of a reassignment made after the due day).
    late_from = models.DateField(_("超期起算日"))
    amount = models.DecimalField(_("金额（元）"), null=True, blank=True, **MONEY)
    annual_rate = models.DecimalField(_("年利率"), null=True, blank=True, **RATE)
    stopped_at = models.DateTimeField(_("停止计时时间"), null=True, blank=True)
    stopped_on = models.DateField(_("办结日期"), null=True, blank=True)
    stop_reason = models.CharField(_("停止原因"), max_length=200, blank=True)
    reminded_at = models.DateTimeField(_("已提醒责任人"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(_("已报告主任超期"), null=True, blank=True)
    late_days = models.PositiveIntegerField(_("超期工作日"), default=0)
    settled = models.BooleanField(_("超期已结算"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("办结时限")
        verbose_name_plural = _("办结时限")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["cooperative", "due_on"]),
            models.Index(fields=["responsible", "due_on"]),
            models.Index(
                fields=["remind_on"],
                name="deadline_to_remind_idx",
                condition=Q(stopped_at__isnull=True, reminded_at__isnull=True),
            ),
            models.Index(
                fields=["late_on"],
                name="deadline_to_escalate_idx",
                condition=Q(stopped_at__isnull=True, overdue_notified_at__isnull=True),
            ),
            models.Index(
                fields=["due_on"], name="deadline_unsettled_idx", condition=Q(settled=False)
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind"],
                condition=Q(stopped_at__isnull=True),
                name="deadline_one_open_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("started_on")), name="deadline_due_after_start"
            ),
            models.CheckConstraint(
                condition=Q(late_on__gt=models.F("due_on")), name="deadline_late_after_due"
            ),
            models.CheckConstraint(
                condition=Q(stopped_at__isnull=True, stopped_on__isnull=True)
                | Q(stopped_at__isnull=False, stopped_on__isnull=False),
                name="deadline_stop_fields_together",
            ),
            models.CheckConstraint(
                condition=Q(settled=False) | Q(stopped_at__isnull=False),
                name="deadline_settled_only_when_stopped",
            ),
        ]

    def __str__(self):
        return f"{self.kind_label}：{self.title or self.object_id}（{self.due_on:%Y-%m-%d}）"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def stop_condition(self) -> str:
        """The event that stops this clock (registered with its kind)."""
        return stop_condition(self.kind)

    @property
    def is_open(self) -> bool:
        return self.stopped_at is None

    def is_late(self, today) -> bool:
        return (self.stopped_on or today) >= self.late_on

    def state_label(self, today) -> str:
        if self.stopped_at:
            return _("已办结（超期）") if self.stopped_on >= self.late_on else _("按期办结")
        if today >= self.late_on:
            return _("已超期")
        if today >= self.remind_on:
            return _("即将到期")
        return _("办理中")


class Tier(models.IntegerChoices):
    ADMONITION = 1, _("诫勉谈话")
    CRITICISM = 2, _("通报批评")
    REMOVAL = 3, _("调离信贷岗位")


# Inclusive upper bounds in working days late: 1–3 → admonition, 4–10 → criticism,
# 11 and more → removal from the credit post (docs/rules.md §5).
ADMONITION_MAX_DAYS = 3
CRITICISM_MAX_DAYS = 10


def tier_for(late_days: int) -> int | None:
    if late_days <= 0:
        return None
    if late_days <= ADMONITION_MAX_DAYS:
        return Tier.ADMONITION
    if late_days <= CRITICISM_MAX_DAYS:
        return Tier.CRITICISM
    return Tier.REMOVAL


class AccountabilityStatus(models.TextChoices):
    PENDING = "pending", _("待主任确认")
    CONFIRMED = "confirmed", _("已确认")
    WAIVED = "waived", _("已免责")


class Accountability(models.Model):
    """Overdue accountability for one person on one deadline (超期问责), upgraded as it grows."""

    deadline = models.ForeignKey(
        Deadline, on_delete=models.PROTECT, related_name="accountabilities", verbose_name=_("时限")
    )
    person = models.ForeignKey(
        Staff, on_delete=models.PROTECT, related_name="accountabilities", verbose_name=_("责任人")
    )
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="+", verbose_name=_("信用社")
    )
    tier = models.PositiveSmallIntegerField(_("问责档次"), choices=Tier.choices)
    late_days = models.PositiveIntegerField(_("超期工作日"))
    lost_interest = models.DecimalField(_("延误利息损失（元）"), **MONEY)
    status = models.CharField(
        _("处理状态"),
        max_length=10,
        choices=AccountabilityStatus.choices,
        default=AccountabilityStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_reason = models.CharField(_("处理理由"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("生成时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("超期问责")
        verbose_name_plural = _("超期问责")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "person"], name="accountability_one_per_person"
            ),
            models.CheckConstraint(condition=Q(late_days__gt=0), name="accountability_late"),
            models.CheckConstraint(
                condition=Q(status="pending")
                | (Q(decided_by__isnull=False) & ~Q(decision_reason="")),
                name="accountability_decision_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["cooperative", "status"])]

    def __str__(self):
        return f"{self.person.name} {self.get_tier_display()}（超期 {self.late_days} 个工作日）"

    def get_absolute_url(self):
        return reverse("servicehall:accountability_detail", args=[self.pk])


class AccountabilityEvent(models.Model):
    """History of an accountability record: created, escalated, confirmed, waived."""

    class Action(models.TextChoices):
        REACHED = "reached", _("达到问责档次")
        CONFIRMED = "confirmed", _("主任确认")
        WAIVED = "waived", _("主任免责")

    record = models.ForeignKey(
        Accountability, on_delete=models.CASCADE, related_name="events", verbose_name=_("问责记录")
    )
    action = models.CharField(_("事件"), max_length=10, choices=Action.choices)
    tier = models.PositiveSmallIntegerField(_("档次"), choices=Tier.choices)
    late_days = models.PositiveIntegerField(_("当时超期工作日"))
    actor = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("问责记录历史")
        verbose_name_plural = _("问责记录历史")
        ordering = ["at", "id"]
        constraints = [
            # The sweep inserts "reached tier N" at most once per record and tier.
            models.UniqueConstraint(
                fields=["record", "tier"],
                condition=Q(action="reached"),
                name="accountability_event_reached_once",
            )
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.get_tier_display()}"
