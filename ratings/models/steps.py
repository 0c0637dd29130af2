"""Time limits per step (限时办结, docs/rules.md §5), consents and the history rows."""

from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ._common import STAFF
from .applications import CreditApplication


class StepRole(models.TextChoices):
    VILLAGE_OFFICER = "village_officer", _("包村信贷员")
    DIRECTOR = "director", _("信用社主任")


STEP_LIMIT_MAX_DAYS = 30


class RatingStepLimit(models.Model):
    """How many working days each rating step may take, and who answers for it.

    Defaults come from migration 0003 (and the help texts below). When an application
    enters a step, a deadline opens with this limit; a step without a row has no limit. A changed limit applies to applications that
    enter the step afterwards; running deadlines keep their due day.
    """

    step = models.CharField(
        _("环节"),
        max_length=20,
        unique=True,
        choices=[(s.value, s.label) for s in CreditApplication.NEXT],
    )
    working_days = models.PositiveSmallIntegerField(
        _("时限（工作日）"),
        validators=[
            MinValueValidator(1, _("时限至少为 1 个工作日。")),
            MaxValueValidator(STEP_LIMIT_MAX_DAYS, _("时限不能超过 30 个工作日。")),
        ],
        help_text=_(
            "按工作日计算（法定节假日不计，调休上班日计入）。默认：资料收集与调查 5，"
            "村评审小组初评 3，信贷员审核 2，评定小组评定 5，村评审小组建议额度 3，"
            "信贷员意见 2，审贷小组意见 3，主任核定额度 3。修改只影响此后进入该环节的申请。"
        ),
    )
    responsible_role = models.CharField(
        _("责任人"),
        max_length=20,
        choices=StepRole.choices,
        help_text=_(
            "超期问责的对象。默认：资料收集与调查、初评（信贷员代村评审小组录入）、审核、"
            "建议额度和信贷员意见由包村信贷员负责；评定小组评定（主任任组长）、审贷小组意见"
            "和主任核定由信用社主任负责。村未指定包村信贷员时由主任负责。"
        ),
    )

    class Meta:
        verbose_name = _("评级环节办结时限")
        verbose_name_plural = _("评级环节办结时限")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(working_days__gte=1)
                & models.Q(working_days__lte=STEP_LIMIT_MAX_DAYS),
                name="step_limit_days_1_30",
            )
        ]

    def __str__(self):
        return f"{self.get_step_display()}：{self.working_days}个工作日"


class MemberConsent(models.Model):
    """A family member's signed consent to the investigation (家庭成员签字同意)."""

    application = models.ForeignKey(
        CreditApplication,
        on_delete=models.CASCADE,
        related_name="consents",
        verbose_name=_("申请"),
    )
    member = models.ForeignKey(
        "villages.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("家庭成员")
    )
    consented = models.BooleanField(_("已签字同意"), default=False)
    recorded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now=True)

    class Meta:
        verbose_name = _("家庭成员同意书")
        verbose_name_plural = _("家庭成员同意书")
        constraints = [
            models.UniqueConstraint(fields=["application", "member"], name="consent_once")
        ]

    def __str__(self):
        return f"{self.member_id} {'同意' if self.consented else '未同意'}"


def _shown(value, names=None):
    """A value of the history as a clerk reads it; a set of scores as “信誉状况 8、…”."""
    if value is None or value == "" or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dict):
        names = names or {}
        return "、".join(f"{names.get(k, k)} {v}" for k, v in value.items())
    return value


def _default_indicator_names() -> dict:
    from ratings.services import DEFAULT_INDICATORS

    return {code: name for code, name, *_rest in DEFAULT_INDICATORS}


class ApplicationEvent(models.Model):
    """History of every step (who, when, from, to, what changed, why)."""

    application = models.ForeignKey(
        CreditApplication,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("申请"),
    )
    action = models.CharField(_("操作"), max_length=40)
    actor = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    reason = models.TextField(_("理由"), blank=True)

    class Meta:
        verbose_name = _("评级授信记录")
        verbose_name_plural = _("评级授信记录")
        ordering = ["application_id", "at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    ACTION_LABELS = {
        "create": _("登记申请"),
        "documents": _("更新申请资料"),
        "investigate": _("入户调查"),
        "history_block": _("家庭信用核查未通过"),
        "submit": _("提交评级"),
        "initial": _("村评审小组初评"),
        "review": _("信贷员审核"),
        "decide": _("评定小组评定"),
        "proposal": _("村评审小组建议额度"),
        "officer_line": _("信贷员意见"),
        "review_line": _("审贷小组意见"),
        "final_line": _("主任核定额度"),
        "advance": _("转入下一环节"),
        "reject": _("否决"),
        "revise": _("公示异议后调整"),
    }

    # Entries of `changes` that are not fields of the application.
    CHANGE_LABELS = {
        "members": _("到会成员"),
        "held_on": _("评定日期"),
        "campaign": _("评级批次"),
    }

    @property
    def action_label(self):
        return self.ACTION_LABELS.get(self.action, self.action)

    @classmethod
    def from_move(cls, move):
        return cls(
            application=move.obj,
            action=move.action.removeprefix("ratings."),
            actor=move.actor,
            from_status=move.from_state,
            to_status=move.to_state if move.to_state != move.from_state else "",
            changes=move.changes or {},
            reason=move.reason,
        )

    def change_rows(self) -> list[dict]:
        """Each change but the status, labelled: {label, before, after, pair}.

        A field change is stored as [before, after]; a fact of the step (the members present
        at the rating group's sitting) as a plain value.
        """
        rows = []
        # The scorecard's own names where the page supplied them, else the default ones.
        names = {**_default_indicator_names(), **getattr(self, "indicator_names", {})}
        for key, value in (self.changes or {}).items():
            if key == "status":
                continue
            label = self.CHANGE_LABELS.get(key)
            if label is None:
                try:
                    label = CreditApplication._meta.get_field(key).verbose_name
                except FieldDoesNotExist:  # an entry of an older version keeps its name
                    label = key
            pair = isinstance(value, list) and len(value) == 2
            rows.append(
                {
                    "label": label,
                    "before": _shown(value[0], names) if pair else "",
                    "after": _shown(value[1] if pair else value, names),
                    "pair": pair,
                }
            )
        return rows

    @property
    def from_label(self):
        return CreditApplication.Status(self.from_status).label if self.from_status else ""

    @property
    def to_label(self):
        return CreditApplication.Status(self.to_status).label if self.to_status else ""
