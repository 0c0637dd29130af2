from datetime import date
from decimal import Decimal

import pytest

from creditcoop.errors import DomainError
from creditcoop.models import AuditLog, Role
from ratings import services
from ratings.models import CreditApplication, RatingCampaign, RatingDecision
from ratings.selectors import applications_line_set, household_credit_summary
from ratings.services import RatingError, StaleApplicationError
from tests.factories import StaffFactory
from villages.models import BadCreditRecord

from .factories import SCORES_55, SCORES_75, SCORES_85, application, household

S = CreditApplication.Status
ALL_DOCS = {f: True for f in CreditApplication.REQUIRED_DOCUMENTS}


def test_full_flow_keeps_history_and_audit(org):
    app = application(org, status=S.LINE_SET)
    assert app.status == S.LINE_SET and app.grade == "AAA"
    assert app.final_line == Decimal("20000.00") and app.term_months == 24
    assert app.line_set_by == org.director and app.line_set_at
    actions = list(app.events.values_list("action", flat=True))
    assert actions == [
        "create",
        "documents",
        "investigate",
        "submit",
        "initial",
        "review",
        "decide",
        "proposal",
        "officer_line",
        "review_line",
        "final_line",
    ]
    final = app.events.get(action="final_line")
    assert final.actor == org.director and final.changes["final_line"] == [None, "20000.00"]
    assert AuditLog.objects.filter(
        object_type="ratings.creditapplication", object_id=str(app.pk)
    ).count() == len(actions)
    assert list(applications_line_set(village=org.village_a1)) == [app]


def test_credit_report_only_after_authorisation(org):
    app = application(org)
    with pytest.raises(RatingError, match="授权书"):
        services.application_documents_update(
            application=app, actor=org.officer1, values={"doc_credit_report": True}
        )
    app.refresh_from_db()
    assert app.doc_credit_report is False and app.version == 1


def test_missing_items_keep_an_application_from_rating(org):
    app = application(org)
    services.application_documents_update(
        application=app, actor=org.officer1, values={**ALL_DOCS, "publish_consent": False}
    )
    with pytest.raises(RatingError) as e:
        services.application_submit(application=app, actor=org.officer1)
    assert "同意公示姓名、等级和额度" in e.value.message
    assert "入户调查" in e.value.message


def test_every_member_must_consent(org):
    app = application(org)
    services.application_documents_update(application=app, actor=org.officer1, values=ALL_DOCS)
    head, spouse = app.household.members.order_by("id")
    services.application_investigate(
        application=app,
        actor=org.officer1,
        visit_date=date(2025, 3, 1),
        visit_note="入户",
        consents={head.pk: True, spouse.pk: False},
        annual_net_income=50000,
    )
    with pytest.raises(RatingError, match=r"家庭成员签字同意（1/2）"):
        services.application_submit(application=app, actor=org.officer1)


@pytest.mark.parametrize(
    "kind,words",
    [
        ("blacklist", "黑名单"),
        ("malicious_default", "恶意逃债"),
        ("written_off", "已核销"),
        ("npl", "未结清的不良贷款"),
    ],
)
def test_family_members_bad_record_blocks_with_reason(org, kind, words):
    h = household(org.group_a1)
    spouse = h.members.exclude(relation="head").get()
    BadCreditRecord.objects.create(id_number=spouse.id_number, name=spouse.name, kind=kind)
    app = application(org, status=S.INITIAL, h=h)
    assert app.status == S.REJECTED
    assert f"{spouse.name} 有{words}" in app.rejection_reason
    assert app.events.filter(action="history_block").exists()


def test_settled_npl_not_own_fault_may_be_rerated(org):
    h = household(org.group_a1)
    head = h.members.get(relation="head")
    BadCreditRecord.objects.create(
        id_number=head.id_number, name=head.name, kind="npl", settled_on=date(2024, 12, 1)
    )
    BadCreditRecord.objects.create(
        id_number=head.id_number, name=head.name, kind="blacklist", active=False
    )
    app = application(org, status=S.INITIAL, h=h)
    assert app.status == S.INITIAL
    assert "可重新评级" in app.history_note


def test_score_change_in_review_needs_a_reason(org):
    app = application(org, status=S.REVIEW)
    with pytest.raises(RatingError, match="理由"):
        services.application_review(application=app, actor=org.officer1, scores=SCORES_75)
    app = services.application_review(
        application=app, actor=org.officer1, scores=SCORES_75, reason="邻里反映信誉一般"
    )
    assert app.reviewed_total == 74 and app.initial_total == 83
    assert app.events.get(action="review").reason == "邻里反映信誉一般"


def test_decision_records_members_and_rejects_below_60(org):
    good = application(org, status=S.DECISION)
    low = application(org, status=S.DECISION, scores=SCORES_55)
    decision = services.applications_decide(
        actor=org.reviewer,
        applications=[good, low],
        held_on=date(2025, 3, 5),
        members=[org.reviewer, org.director],
        other_members="村支书列席",
    )
    assert set(decision.members.all()) == {org.reviewer, org.director}
    good.refresh_from_db()
    low.refresh_from_db()
    assert good.grade == "AAA" and good.status == S.LINE_PROPOSAL
    assert low.status == S.REJECTED and "52 分" in low.rejection_reason


def test_committee_member_enters_initial_rating_for_own_village(org):
    app = application(org, status=S.INITIAL)
    app = services.application_initial_rate(
        application=app, actor=org.committee, scores=SCORES_85, advance=True
    )
    assert app.initial_by == org.committee and app.initial_on_behalf is False
    other = application(org, status=S.INITIAL)
    other = services.application_initial_rate(
        application=other, actor=org.officer1, scores=SCORES_85
    )
    assert other.initial_on_behalf is True and other.status == S.INITIAL


def test_second_concurrent_save_is_refused(org):
    app = application(org, status=S.INITIAL)
    loaded = app.version
    services.application_initial_rate(
        application=app, actor=org.committee, scores=SCORES_85, expected_version=loaded
    )
    with pytest.raises(StaleApplicationError, match="已被他人修改"):
        services.application_initial_rate(
            application=app, actor=org.officer1, scores=SCORES_75, expected_version=loaded
        )
    app.refresh_from_db()
    assert app.initial_total == 83 and app.initial_by == org.committee


def test_one_open_application_per_household(org):
    app = application(org)
    with pytest.raises(RatingError, match="正在办理"):
        services.application_create(
            actor=org.officer1,
            household=app.household,
            applicant=app.applicant,
            requested_amount=1000,
        )


def test_line_revise_after_upheld_objection(org):
    app = application(org, status=S.LINE_SET)
    app = services.application_line_revise(
        application=app, actor=org.director, reason="异议属实：另有外债", new_line="8000"
    )
    assert app.status == S.LINE_SET and app.final_line == Decimal("8000.00")
    event = app.events.get(action="revise")
    assert event.changes["final_line"] == ["20000.00", "8000.00"]
    assert event.reason == "异议属实：另有外债"
    # Lowering the grade below the current line needs a new line too.
    app = services.application_line_revise(
        application=app, actor=org.director, reason="复核", new_line="20000"
    )
    with pytest.raises(RatingError, match="请同时给出新的授信额度"):
        services.application_line_revise(
            application=app, actor=org.director, reason="降级", new_grade="A"
        )
    app = services.application_line_revise(
        application=app, actor=org.director, reason="降级", new_grade="A", new_line="10000"
    )
    assert app.grade == "A" and app.final_line == Decimal("10000.00")
    with pytest.raises(RatingError, match="最高授信额度"):
        services.application_line_revise(
            application=app, actor=org.director, reason="x", new_line="10000.01"
        )
    with pytest.raises(RatingError):
        services.application_line_revise(
            application=app, actor=org.officer1, reason="x", new_line="5000"
        )


def test_rejection_reason_is_kept(org):
    app = application(org, status=S.REVIEW)
    with pytest.raises(RatingError, match="原因"):
        services.application_reject(application=app, actor=org.officer1, reason="")
    app = services.application_reject(
        application=app, actor=org.officer1, reason="长期外出，无法核实收入"
    )
    assert app.status == S.REJECTED and app.rejected_by == org.officer1


def test_household_summary_shows_current_line_and_history(org):
    app = application(org, status=S.LINE_SET)
    summary = household_credit_summary(household=app.household)
    assert summary["current"] == app
    assert summary["valid_until"].year == app.line_set_at.year + 2
    assert len(summary["events"]) == 11


# --- permissions -----------------------------------------------------------


def test_grade_3_officer_may_never_investigate(org):
    org.village_a1.officer = org.officer3
    org.village_a1.save()
    app = application(org, officer=org.officer3)
    services.application_documents_update(application=app, actor=org.officer3, values=ALL_DOCS)
    with pytest.raises(RatingError, match="三级信贷员"):
        services.application_investigate(
            application=app,
            actor=org.officer3,
            visit_date=date(2025, 3, 1),
            visit_note="x",
            consents={},
        )


def test_grade_2_officer_only_within_small_band(org):
    small = application(org, group=org.group_a2, amount=Decimal("50000"), status=S.INITIAL)
    assert small.investigated_by == org.officer2
    with pytest.raises(RatingError, match="二级信贷员只能调查小额贷款"):
        application(org, group=org.group_a2, amount=Decimal("50000.01"), status=S.INITIAL)


def test_officer_of_another_village_may_not_investigate(org):
    app = application(org)
    services.application_documents_update(application=app, actor=org.officer1, values=ALL_DOCS)
    with pytest.raises(RatingError, match="包村信贷员"):
        services.application_investigate(
            application=app,
            actor=org.officer2,
            visit_date=date(2025, 3, 1),
            visit_note="x",
            consents={},
        )


def test_committee_member_of_another_village_is_refused(org):
    app = application(org, group=org.group_a2, status=S.INITIAL)
    with pytest.raises(RatingError, match="本村信用评审小组"):
        services.application_initial_rate(application=app, actor=org.committee, scores=SCORES_85)


@pytest.mark.parametrize("who", ["teller", "officer1", "reviewer", "director_b"])
def test_final_line_refused_for_anyone_but_own_director(org, who):
    app = application(org, status=S.LINE_DIRECTOR)
    with pytest.raises(RatingError, match="主任"):
        services.application_line_final(
            application=app, actor=getattr(org, who), amount="10000", term_months=12
        )


def test_decision_refused_for_officer_and_other_cooperative(org):
    app = application(org, status=S.DECISION)
    for who in (org.officer1, org.director_b, org.teller):
        with pytest.raises(RatingError, match="评定小组"):
            services.applications_decide(
                actor=who, applications=[app], held_on=date(2025, 3, 5), members=[org.reviewer]
            )


def test_investigator_may_not_approve(org):
    both = StaffFactory(
        username="OD01",
        name="兼任",
        cooperative=org.coop_a,
        union=org.union,
        roles=[Role.OFFICER, Role.DIRECTOR],
        officer_grade=1,
    )
    org.village_a1.officer = both
    org.village_a1.save()
    app = application(org, status=S.LINE_DIRECTOR, officer=both)
    assert app.investigated_by == both
    with pytest.raises(RatingError, match="审贷分离"):
        services.application_line_final(application=app, actor=both, amount="10000", term_months=12)
    app = services.application_line_final(
        application=app, actor=org.deputy, amount="10000", term_months=12
    )
    assert app.status == S.LINE_SET


def test_auditor_changes_nothing(org):
    app = application(org)
    with pytest.raises(DomainError, match="稽核"):
        services.application_documents_update(application=app, actor=org.auditor, values=ALL_DOCS)


def test_review_group_opinion_only_by_review_group(org):
    app = application(org, status=S.LINE_REVIEW)
    with pytest.raises(RatingError, match="审贷小组"):
        services.application_line_review(application=app, actor=org.officer1, amount="10000")


def test_grade_is_final_for_the_campaign(org):
    campaign = RatingCampaign.objects.create(
        village=org.village_a1, year=2025, rating_date=date(2025, 3, 10), officer=org.officer1
    )
    decided = application(org, status=S.LINE_PROPOSAL, campaign=campaign)
    not_rated = application(org, status=S.LINE_PROPOSAL, campaign=campaign, scores=SCORES_55)
    pending = application(org, status=S.DECISION, campaign=campaign)
    assert (decided.grade, not_rated.status) == ("AAA", S.REJECTED)
    sittings = RatingDecision.objects.count()
    for app in (decided, not_rated):
        with pytest.raises(RatingError, match="不能办理此项"):
            services.applications_decide(
                actor=org.director,
                applications=[pending, app],
                held_on=date(2025, 3, 6),
                members=[org.director],
            )
    assert RatingDecision.objects.count() == sittings
    decided.refresh_from_db()
    pending.refresh_from_db()
    assert decided.grade == "AAA" and decided.decision.held_on == date(2025, 3, 5)
    assert pending.status == S.DECISION and pending.decision is None
    # Nor can the household not rated apply again in the same campaign.
    with pytest.raises(RatingError, match="本批次的评定结果为最终结果"):
        services.application_create(
            actor=org.officer1,
            household=not_rated.household,
            applicant=not_rated.applicant,
            requested_amount=10000,
            campaign=campaign,
        )
    assert campaign.applications.filter(household=not_rated.household).count() == 1
