"""Choosing promotion villages (确定推广村): the officer's survey, the cooperative's
proposal and the union's decision."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record, diff, snapshot
from creditcoop.workflow import transition

from ..models import PromotionEvent, PromotionSurvey, Village
from ..selectors import promotion_may_decide, promotion_may_propose
from ._common import VillageError, require_village_write

# --- promotion village selection (确定推广村) ------------------------------------------------

SURVEY_FIELDS = [
    "resident_households",
    "local_households",
    "certificate_count",
    "certificate_amount",
    "npl_count",
    "npl_amount",
    "note",
]


def _survey_event(survey, *, actor, from_status, reason=""):
    PromotionEvent.objects.create(
        survey=survey, from_status=from_status, to_status=survey.status, actor=actor, reason=reason
    )


def promotion_survey_record(
    *,
    actor,
    village: Village,
    resident_households: int,
    local_households: int,
    certificate_count: int,
    certificate_amount: Decimal,
    npl_count: int,
    npl_amount: Decimal,
    note: str = "",
) -> PromotionSurvey:
    """Record the officer's survey figures: a new survey, or a correction of the open one
    while the cooperative has not proposed it yet."""
    require_village_write(actor, village)
    errors: dict = {}
    if local_households > resident_households:
        errors["local_households"] = [_("长期在本地经营的农户数不能多于常住农户数。")]
    if npl_count > 0 and npl_amount <= 0:
        errors["npl_amount"] = [_("有不良贷款户时请填写不良贷款金额。")]
    if certificate_count > 0 and certificate_amount <= 0:
        errors["certificate_amount"] = [_("已发放贷款证时请填写授信金额。")]
    if village.is_promotion:
        errors[None] = [_("该村已是阳光信贷推广村。")]
    if errors:
        raise VillageError(errors=errors)
    figures = {
        "resident_households": resident_households,
        "local_households": local_households,
        "certificate_count": certificate_count,
        "certificate_amount": certificate_amount,
        "npl_count": npl_count,
        "npl_amount": npl_amount,
        "note": (note or "").strip(),
    }
    with transaction.atomic():
        Village.objects.select_for_update().get(pk=village.pk)
        survey = (
            PromotionSurvey.objects.select_for_update()
            .filter(village=village, status__in=PromotionSurvey.OPEN)
            .first()
        )
        if survey is not None and not survey.can("edit"):
            raise VillageError(_("信用社已推荐该村，调查数据不能再修改。"))
        if survey is None:
            survey = PromotionSurvey.objects.create(village=village, surveyed_by=actor, **figures)
            _survey_event(survey, actor=actor, from_status="")
            audit_record(
                actor=actor,
                action="villages.survey_create",
                obj=survey,
                changes=snapshot(survey, SURVEY_FIELDS),
                cooperative=village.cooperative,
            )
        else:
            before = snapshot(survey, SURVEY_FIELDS)
            for k, v in figures.items():
                setattr(survey, k, v)
            survey.surveyed_by = actor
            survey.save()
            audit_record(
                actor=actor,
                action="villages.survey_update",
                obj=survey,
                changes=diff(before, snapshot(survey, SURVEY_FIELDS)),
                cooperative=village.cooperative,
            )
    return survey


def promotion_propose(*, actor, survey: PromotionSurvey, reason: str = "") -> PromotionSurvey:
    """The cooperative's leadership proposes the surveyed village to the union."""
    if not promotion_may_propose(actor, survey.village):
        raise PermissionDenied(_("只有本信用社主任、副主任可以推荐推广村。"))
    with transaction.atomic():
        survey = PromotionSurvey.objects.select_for_update().get(pk=survey.pk)
        if not survey.can("propose"):
            raise VillageError(
                _("当前状态为“%(s)s”，不能推荐。") % {"s": survey.get_status_display()}
            )
        survey.proposed_by, survey.proposed_at = actor, timezone.now()
        transition(
            survey,
            PromotionSurvey.Status.PROPOSED,
            actor=actor,
            reason=reason,
            fields=["proposed_by", "proposed_at"],
            action="villages.survey_propose",
            changes={"reason": reason},
            cooperative=survey.village.cooperative,
        )
    return survey


def promotion_decide(
    *, actor, survey: PromotionSurvey, approve: bool, reason: str = ""
) -> PromotionSurvey:
    """The union approves (the village becomes a promotion village) or rejects with a reason.
    Whoever proposed may not decide."""
    if not promotion_may_decide(actor):
        raise PermissionDenied(_("只有联社风险管理部或系统管理员可以审批推广村。"))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise VillageError(errors={"reason": [_("不批准时请填写理由。")]})
    with transaction.atomic():
        survey = PromotionSurvey.objects.select_for_update().get(pk=survey.pk)
        action = "approve" if approve else "reject"
        if not survey.can(action):
            raise VillageError(
                _("当前状态为“%(s)s”，不能审批。") % {"s": survey.get_status_display()}
            )
        if survey.proposed_by_id == actor.pk:
            raise VillageError(_("推荐人不能审批自己推荐的推广村。"))
        village = Village.objects.select_for_update().get(pk=survey.village_id)
        survey.decided_by, survey.decided_at = actor, timezone.now()
        survey.decision_reason = reason
        transition(
            survey,
            survey.workflow.target(action),
            actor=actor,
            reason=reason,
            fields=["decided_by", "decided_at", "decision_reason"],
            action=f"villages.survey_{action}",
            changes={"reason": reason},
            cooperative=village.cooperative,
        )
        if approve:
            village.is_promotion = True
            village.save(update_fields=["is_promotion"])
    return survey
