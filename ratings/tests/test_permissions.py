"""Each step is refused for the wrong role, the wrong village and the wrong officer grade.

A refusal is a RatingError with a Chinese message, and the application is left exactly as
it was: same step, same version, no history row, no audit row. In the fixture, village A1
is officer1's (grade 1), A2 officer2's (grade 2); officer3 is grade 3; officer_b and
director_b work at the other cooperative; the committee member sits on A1's committee.
The cooperative's small band is the default 50,000.
"""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from creditcoop.models import AuditLog, Role
from ratings import services
from ratings.models import CreditApplication, RatingCampaign
from ratings.services import RatingError
from tests.factories import StaffFactory

from .factories import SCORES_85, application, household

S = CreditApplication.Status
ALL_DOCS = {f: True for f in CreditApplication.REQUIRED_DOCUMENTS}
CHINESE = re.compile("[\u4e00-\u9fff]")


def state(app):
    fresh = CreditApplication.objects.get(pk=app.pk)
    audits = AuditLog.objects.filter(
        object_type="ratings.creditapplication", object_id=str(app.pk)
    ).count()
    return fresh.status, fresh.version, fresh.events.count(), audits


def assert_refused(app, call, match):
    before = state(app)
    with pytest.raises(RatingError, match=match) as e:
        call()
    assert CHINESE.search(e.value.message)
    assert state(app) == before


def hand_village_to(village, officer):
    """The village changes hands after the application was investigated."""
    village.officer = officer
    village.save(update_fields=["officer"])


def investigated_draft(org, *, group=None):
    """A draft with every document and the home visit done: ready to go to rating."""
    app = application(org, group=group)
    officer = app.village.officer
    services.application_documents_update(application=app, actor=officer, values=ALL_DOCS)
    return services.application_investigate(
        application=app,
        actor=officer,
        visit_date=date(2025, 3, 1),
        visit_note="入户核实",
        consents={m.pk: True for m in app.household.members.all()},
        annual_net_income=Decimal("100000"),
    )


# --- officer review (审核) ----------------------------------------------------


@pytest.mark.parametrize(
    "who", ["committee", "reviewer", "director", "teller", "officer2", "officer_b", "director_b"]
)
def test_review_refused_for_wrong_role_or_village(org, who):
    app = application(org, status=S.REVIEW)
    assert_refused(
        app,
        lambda: services.application_review(application=app, actor=getattr(org, who)),
        "只有该村的包村信贷员",
    )


def test_review_refused_for_grade_3(org):
    app = application(org, status=S.REVIEW)
    hand_village_to(org.village_a1, org.officer3)
    assert_refused(
        app,
        lambda: services.application_review(application=app, actor=org.officer3),
        "三级信贷员不得从事贷款调查",
    )


def test_review_by_grade_2_only_within_the_small_band(org):
    big = application(org, status=S.REVIEW, amount=Decimal("50000.01"))
    small = application(org, status=S.REVIEW, amount=Decimal("50000"))
    hand_village_to(org.village_a1, org.officer2)
    assert_refused(
        big,
        lambda: services.application_review(application=big, actor=org.officer2),
        r"二级信贷员只能调查小额贷款（不超过 50000\.00 元），本申请 50000\.01 元",
    )
    small = services.application_review(application=small, actor=org.officer2)
    assert small.status == S.DECISION and small.reviewed_by == org.officer2


# --- the committee's proposed line -------------------------------------------


@pytest.mark.parametrize("who", ["reviewer", "director", "teller", "officer2", "officer_b"])
def test_line_proposal_refused_for_wrong_role_or_village(org, who):
    app = application(org, status=S.LINE_PROPOSAL)
    assert_refused(
        app,
        lambda: services.application_line_propose(
            application=app, actor=getattr(org, who), amount="10000", term_months=12
        ),
        "只有本村信用评审小组成员或包村信贷员",
    )


def test_line_proposal_refused_for_committee_of_another_village(org):
    app = application(org, group=org.group_a2, status=S.LINE_PROPOSAL)
    assert_refused(
        app,
        lambda: services.application_line_propose(
            application=app, actor=org.committee, amount="10000", term_months=12
        ),
        "只有本村信用评审小组成员或包村信贷员",
    )


# --- the officer's opinion on the line ---------------------------------------


@pytest.mark.parametrize(
    "who", ["committee", "reviewer", "director", "officer2", "officer_b", "director_b"]
)
def test_officer_line_refused_for_wrong_role_or_village(org, who):
    app = application(org, status=S.LINE_OFFICER)
    assert_refused(
        app,
        lambda: services.application_line_officer(
            application=app, actor=getattr(org, who), amount="10000"
        ),
        "只有该村的包村信贷员",
    )


@pytest.mark.parametrize(
    "officer,amount,match",
    [
        ("officer3", Decimal("30000"), "三级信贷员不得从事贷款调查"),
        ("officer2", Decimal("60000"), "二级信贷员只能调查小额贷款"),
    ],
)
def test_officer_line_refused_for_wrong_grade(org, officer, amount, match):
    app = application(org, status=S.LINE_OFFICER, amount=amount)
    hand_village_to(org.village_a1, getattr(org, officer))
    assert_refused(
        app,
        lambda: services.application_line_officer(
            application=app, actor=getattr(org, officer), amount="10000"
        ),
        match,
    )


# --- rejection ----------------------------------------------------------------


@pytest.mark.parametrize("who", ["committee", "teller", "officer2", "officer_b", "director_b"])
def test_reject_refused_for_wrong_role_or_village(org, who):
    app = application(org, status=S.REVIEW)
    assert_refused(
        app,
        lambda: services.application_reject(
            application=app, actor=getattr(org, who), reason="收入无法核实"
        ),
        "您无权否决该申请",
    )


def test_village_officer_may_not_reject_at_the_line_steps(org):
    app = application(org, status=S.LINE_OFFICER)
    assert_refused(
        app,
        lambda: services.application_reject(
            application=app, actor=org.officer1, reason="收入无法核实"
        ),
        "您无权否决该申请",
    )
    app = services.application_reject(application=app, actor=org.reviewer, reason="收入无法核实")
    assert app.status == S.REJECTED


@pytest.mark.parametrize(
    "officer,amount,match",
    [
        ("officer3", Decimal("30000"), "三级信贷员不得从事贷款调查"),
        ("officer2", Decimal("60000"), "二级信贷员只能调查小额贷款"),
    ],
)
def test_reject_refused_for_wrong_grade(org, officer, amount, match):
    app = application(org, status=S.REVIEW, amount=amount)
    hand_village_to(org.village_a1, getattr(org, officer))
    assert_refused(
        app,
        lambda: services.application_reject(
            application=app, actor=getattr(org, officer), reason="收入无法核实"
        ),
        match,
    )


# --- preparing: documents and submission -------------------------------------


@pytest.mark.parametrize(
    "who", ["committee", "reviewer", "teller", "officer2", "officer_b", "director_b"]
)
def test_submit_refused_for_wrong_role_or_village(org, who):
    app = investigated_draft(org)
    assert_refused(
        app,
        lambda: services.application_submit(application=app, actor=getattr(org, who)),
        "只有该村包村信贷员或本社主任",
    )
    app = services.application_submit(application=app, actor=org.director)
    assert app.status == S.INITIAL


@pytest.mark.parametrize("who", ["officer2", "officer_b", "director_b"])
def test_documents_refused_for_officer_of_another_village(org, who):
    app = application(org)
    assert_refused(
        app,
        lambda: services.application_documents_update(
            application=app, actor=getattr(org, who), values=ALL_DOCS
        ),
        "只有该村包村信贷员或本社主任",
    )
    assert CreditApplication.objects.get(pk=app.pk).missing_documents()


# --- the rating day's bulk action --------------------------------------------


@pytest.fixture
def campaign(org):
    return RatingCampaign.objects.create(
        village=org.village_a1, year=2025, rating_date=date(2025, 3, 10), officer=org.officer1
    )


def statuses(campaign):
    return sorted(campaign.applications.values_list("status", flat=True))


def test_bulk_director_step_refuses_the_investigator(org, campaign):
    both = StaffFactory(
        username="OD01",
        name="兼任",
        cooperative=org.coop_a,
        union=org.union,
        roles=[Role.OFFICER, Role.DIRECTOR],
        officer_grade=1,
    )
    hand_village_to(org.village_a1, both)
    apps = [
        application(org, status=S.LINE_DIRECTOR, campaign=campaign, officer=both) for _ in range(2)
    ]
    before = [state(a) for a in apps]
    moved, skipped = services.applications_advance(
        actor=both, campaign=campaign, status=S.LINE_DIRECTOR, accept_previous=True
    )
    assert moved == 0 and len(skipped) == 2
    assert all("调查人不得审批同一笔授信（审贷分离）" in s for s in skipped)
    assert [state(a) for a in apps] == before
    moved, skipped = services.applications_advance(
        actor=org.deputy, campaign=campaign, status=S.LINE_DIRECTOR, accept_previous=True
    )
    assert (moved, skipped) == (2, [])
    assert statuses(campaign) == [S.LINE_SET, S.LINE_SET]


def test_bulk_review_group_step_refused_for_committee_member(org, campaign):
    apps = [application(org, status=S.LINE_REVIEW, campaign=campaign) for _ in range(2)]
    for a in apps:
        services.application_line_review(application=a, actor=org.reviewer, amount="20000")
    before = [state(a) for a in apps]
    with pytest.raises(RatingError, match="只有本社审贷小组成员可以提出审贷意见"):
        services.applications_advance(
            actor=org.committee, campaign=campaign, status=S.LINE_REVIEW, accept_previous=True
        )
    assert [state(a) for a in apps] == before
    moved, _skipped = services.applications_advance(
        actor=org.reviewer, campaign=campaign, status=S.LINE_REVIEW
    )
    assert moved == 2


@pytest.mark.parametrize(
    "who,status,match",
    [
        ("officer2", S.DRAFT, "只有该村包村信贷员或本社主任"),
        ("officer2", S.INITIAL, "只有本村信用评审小组成员或包村信贷员"),
        ("officer2", S.REVIEW, "只有该村的包村信贷员"),
        ("officer_b", S.REVIEW, "只有该村的包村信贷员"),
        ("officer2", S.LINE_OFFICER, "只有该村的包村信贷员"),
        ("director_b", S.LINE_DIRECTOR, "只有本社主任"),
    ],
)
def test_bulk_step_refused_for_staff_of_another_village(org, campaign, who, status, match):
    if status == S.DRAFT:
        app = investigated_draft(org)
        CreditApplication.objects.filter(pk=app.pk).update(campaign=campaign)
    else:
        app = application(org, status=status, campaign=campaign)
        if status == S.INITIAL:
            services.application_initial_rate(application=app, actor=org.officer1, scores=SCORES_85)
    before = state(app)
    with pytest.raises(RatingError, match=match):
        services.applications_advance(
            actor=getattr(org, who), campaign=campaign, status=status, accept_previous=True
        )
    assert state(app) == before


def test_bulk_review_by_grade_2_moves_only_rows_within_the_small_band(org, campaign):
    small = application(org, status=S.REVIEW, campaign=campaign, amount=Decimal("30000"))
    big = application(org, status=S.REVIEW, campaign=campaign, amount=Decimal("60000"))
    hand_village_to(org.village_a1, org.officer2)
    moved, skipped = services.applications_advance(
        actor=org.officer2, campaign=campaign, status=S.REVIEW
    )
    assert moved == 1
    assert skipped == [
        f"{big.applicant.name}：二级信贷员只能调查小额贷款（不超过 50000.00 元），本申请 60000.00 元。"
    ]
    small.refresh_from_db()
    big.refresh_from_db()
    assert small.status == S.DECISION and big.status == S.REVIEW


def test_bulk_refusal_is_shown_on_the_rating_day(org, login, campaign):
    app = application(org, status=S.LINE_REVIEW, campaign=campaign)
    services.application_line_review(application=app, actor=org.reviewer, amount="20000")
    r = login(org.committee).post(
        reverse("ratings:campaign_advance", args=[campaign.pk]),
        {"status": "line_review", "accept_previous": "1"},
        follow=True,
    )
    assert "只有本社审贷小组成员可以提出审贷意见" in r.content.decode()
    app.refresh_from_db()
    assert app.status == S.LINE_REVIEW


# --- pages outside one's scope -----------------------------------------------


def test_outputs_and_rejection_notice_of_another_cooperative_are_404(org, login):
    app = application(org, status=S.REVIEW)
    services.application_reject(application=app, actor=org.officer1, reason="收入无法核实")
    year = app.created_at.year
    urls = [
        reverse("ratings:village_ledger", args=[org.village_a1.pk]) + f"?year={year}",
        reverse("ratings:village_ledger", args=[org.village_a1.pk]) + f"?year={year}&format=xlsx",
        reverse("ratings:village_approvals", args=[org.village_a1.pk]) + f"?year={year}",
        reverse("ratings:application_rejection", args=[app.pk]),
        reverse("ratings:household_history", args=[app.household_id]),
    ]
    outsider = login(org.officer_b)
    assert [outsider.get(u).status_code for u in urls] == [404] * len(urls)
    insider = login(org.director)
    assert [insider.get(u).status_code for u in urls] == [200] * len(urls)


def test_applicant_must_belong_to_the_household(org):
    h = household(org.group_a1)
    stranger = household(org.group_a1).members.get(relation="head")
    with pytest.raises(RatingError, match="申请人必须是该户的家庭成员"):
        services.application_create(
            actor=org.officer1, household=h, applicant=stranger, requested_amount=10000
        )
    assert not CreditApplication.objects.filter(household=h).exists()
