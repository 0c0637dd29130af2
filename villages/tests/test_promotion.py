"""Promotion village selection: survey → cooperative proposes → union decides."""

from decimal import Decimal

import pytest
from django.db import IntegrityError

from creditcoop.models import AuditLog, Role
from tests import factories as f
from villages import services
from villages.models import PromotionSurvey
from villages.services import VillageError

pytestmark = pytest.mark.django_db

SURVEY = {
    "resident_households": "420",
    "local_households": "380",
    "certificate_count": "35",
    "certificate_amount": "700000.00",
    "npl_count": "2",
    "npl_amount": "30000.00",
    "note": "村风良好",
}


def survey_for(org, village=None):
    return services.promotion_survey_record(
        actor=org.officer1,
        village=village or org.village_a1,
        resident_households=420,
        local_households=380,
        certificate_count=35,
        certificate_amount=Decimal("700000"),
        npl_count=2,
        npl_amount=Decimal("30000"),
    )


def test_full_flow_through_pages(org, login):
    resp = login(org.officer1).post(f"/villages/{org.village_a1.pk}/promotion/", SURVEY)
    survey = PromotionSurvey.objects.get()
    assert resp.status_code == 302 and survey.status == "surveyed"
    assert survey.surveyed_by == org.officer1 and survey.certificate_amount == Decimal("700000")

    resp = login(org.director).post(
        f"/villages/promotion/{survey.pk}/propose/", {"reason": "条件成熟"}
    )
    survey.refresh_from_db()
    assert survey.status == "proposed" and survey.proposed_by == org.director

    resp = login(org.union_risk).post(
        f"/villages/promotion/{survey.pk}/decide/", {"decision": "approve", "reason": "同意"}
    )
    survey.refresh_from_db()
    org.village_a1.refresh_from_db()
    assert survey.status == "approved" and survey.decided_by == org.union_risk
    assert org.village_a1.is_promotion
    assert [(e.from_status, e.to_status) for e in survey.events.all()] == [
        ("", "surveyed"),
        ("surveyed", "proposed"),
        ("proposed", "approved"),
    ]
    assert set(
        AuditLog.objects.filter(object_type="villages.promotionsurvey").values_list(
            "action", flat=True
        )
    ) == {"villages.survey_create", "villages.survey_propose", "villages.survey_approve"}
    body = login(org.auditor).get(f"/villages/promotion/{survey.pk}/").content.decode()
    assert "联社已批准" in body and "条件成熟" in body


def test_rejection_needs_a_reason_and_leaves_village_unchanged(org, login):
    survey = survey_for(org)
    services.promotion_propose(actor=org.director, survey=survey)
    client = login(org.union_risk)
    client.post(f"/villages/promotion/{survey.pk}/decide/", {"decision": "reject", "reason": ""})
    survey.refresh_from_db()
    assert survey.status == "proposed"
    client.post(
        f"/villages/promotion/{survey.pk}/decide/", {"decision": "reject", "reason": "不良率偏高"}
    )
    survey.refresh_from_db()
    org.village_a1.refresh_from_db()
    assert survey.status == "rejected" and survey.decision_reason == "不良率偏高"
    assert not org.village_a1.is_promotion
    # After a rejection the officer may survey again.
    assert survey_for(org).pk != survey.pk


def test_proposer_may_not_approve_own_proposal(org):
    both = f.StaffFactory(
        cooperative=org.coop_a, union=org.union, roles=[Role.DIRECTOR, Role.UNION_RISK]
    )
    survey = survey_for(org)
    services.promotion_propose(actor=both, survey=survey)
    with pytest.raises(VillageError, match="推荐人不能审批"):
        services.promotion_decide(actor=both, survey=survey, approve=True)
    survey.refresh_from_db()
    assert survey.status == "proposed"
    # The database says the same.
    with pytest.raises(IntegrityError):
        PromotionSurvey.objects.filter(pk=survey.pk).update(decided_by=both)


def test_figures_are_checked(org, login):
    data = dict(SURVEY, local_households="500")
    resp = login(org.officer1).post(f"/villages/{org.village_a1.pk}/promotion/", data)
    assert "不能多于常住农户数" in resp.content.decode()
    data = dict(SURVEY, npl_count="-1")
    resp = login(org.officer1).post(f"/villages/{org.village_a1.pk}/promotion/", data)
    assert resp.status_code == 200 and not PromotionSurvey.objects.exists()


def test_proposed_survey_cannot_be_edited_or_proposed_twice(org):
    survey = survey_for(org)
    services.promotion_propose(actor=org.director, survey=survey)
    with pytest.raises(VillageError, match="不能再修改"):
        survey_for(org)
    with pytest.raises(VillageError, match="不能推荐"):
        services.promotion_propose(actor=org.deputy, survey=survey)


@pytest.mark.parametrize(
    "who,status", [("officer1", 403), ("director", 403), ("auditor", 403), ("teller", 403)]
)
def test_only_union_risk_or_admin_decide(org, login, who, status):
    survey = survey_for(org)
    services.promotion_propose(actor=org.deputy, survey=survey)
    resp = login(getattr(org, who)).post(
        f"/villages/promotion/{survey.pk}/decide/", {"decision": "approve"}
    )
    assert resp.status_code == status
    survey.refresh_from_db()
    assert survey.status == "proposed"


@pytest.mark.parametrize("who,status", [("officer1", 403), ("director_b", 404), ("admin", 403)])
def test_only_own_cooperative_leadership_proposes(org, login, who, status):
    survey = survey_for(org)
    resp = login(getattr(org, who)).post(f"/villages/promotion/{survey.pk}/propose/")
    assert resp.status_code == status
    survey.refresh_from_db()
    assert survey.status == "surveyed"


def test_admin_approves(org, login):
    survey = survey_for(org)
    services.promotion_propose(actor=org.director, survey=survey)
    login(org.admin).post(f"/villages/promotion/{survey.pk}/decide/", {"decision": "approve"})
    org.village_a1.refresh_from_db()
    assert org.village_a1.is_promotion


def test_promotion_list_is_scoped_and_filtered(org, login):
    survey_for(org)
    services.promotion_survey_record(
        actor=org.officer_b,
        village=org.village_b1,
        resident_households=10,
        local_households=5,
        certificate_count=0,
        certificate_amount=Decimal("0"),
        npl_count=0,
        npl_amount=Decimal("0"),
    )
    body = login(org.director).get("/villages/promotion/").content.decode()
    assert "张庄村" in body and "王湾村" not in body
    body = login(org.union_risk).get("/villages/promotion/", {"cooperative": org.coop_b.pk})
    assert "王湾村" in body.content.decode() and "张庄村" not in body.content.decode()
