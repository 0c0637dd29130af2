"""Every rating step runs under the deadline engine (限时办结, docs/rules.md §5).

Spring Festival 2026: 16–23 February are holidays, Saturdays 14 and 28 February are
make-up working days.
"""

from datetime import date
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from creditcoop.deadlines.engine import deadline_open
from creditcoop.deadlines.models import Accountability, AccountabilityStatus, Deadline, Tier
from creditcoop.deadlines.sweep import deadline_sweep
from creditcoop.errors import DomainError
from creditcoop.models import AuditLog
from creditcoop.servicehall.models import LoanType
from ratings import services
from ratings.models import CreditApplication, RatingCampaign, RatingStepLimit, StepRole
from ratings.tests.factories import SCORES_55, SCORES_85, application, household
from tests.factories import VillageFactory, VillageGroupFactory

S = CreditApplication.Status
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reference_data(db):
    """Default step limits and loan types, even after a browser test flushed them."""
    if not RatingStepLimit.objects.exists():
        import_module("ratings.migrations.0003_default_step_limits").add_defaults(django_apps, None)
    if not LoanType.objects.exists():
        import_module("creditcoop.servicehall.migrations.0002_default_loan_types").add_defaults(
            django_apps, None
        )


@pytest.fixture
def clock(monkeypatch):
    """clock(day): from now on "today" is `day` for the services and the engine."""
    real = timezone.localdate

    def set_today(day):
        monkeypatch.setattr(
            timezone,
            "localdate",
            lambda value=None, timezone=None: day if value is None else real(value, timezone),
        )

    return set_today


def clocks(app):
    ct = ContentType.objects.get_for_model(CreditApplication)
    return list(Deadline.objects.filter(content_type=ct, object_id=app.pk).order_by("id"))


def running(app):
    return [d for d in clocks(app) if d.stopped_at is None]


def _prepare_and_submit(app, officer, visit_date):
    """Documents, home visit and submission to the initial rating, through the services."""
    app = services.application_documents_update(
        application=app,
        actor=officer,
        values={f: True for f in CreditApplication.REQUIRED_DOCUMENTS},
    )
    app = services.application_investigate(
        application=app,
        actor=officer,
        visit_date=visit_date,
        visit_note="入户核实",
        consents={m.pk: True for m in app.household.members.all()},
        annual_net_income=Decimal("100000"),
    )
    return services.application_submit(application=app, actor=officer)


# ---------------------------------------------------------------- entering a step


def test_registration_opens_the_investigation_clock_across_spring_festival(org, clock):
    clock(date(2026, 2, 12))  # Thursday before the holiday
    app = application(org)
    [d] = running(app)
    assert d.kind == "rating_draft"
    # 5 working days: Fri 13, make-up Sat 14, (16–23 holiday) Tue 24, Wed 25, Thu 26.
    assert (d.started_on, d.working_days, d.due_on) == (date(2026, 2, 12), 5, date(2026, 2, 26))
    assert d.responsible == org.officer1
    assert d.amount == app.requested_amount == Decimal("30000.00")
    assert d.annual_rate == Decimal("0.0612")  # 农户小额信用贷款, the reference product
    assert d.link == reverse("ratings:application_detail", args=[app.pk])


def test_submitting_stops_the_clock_and_starts_the_initial_rating_on_make_up_saturday(org, clock):
    clock(date(2026, 2, 12))
    app = application(org, status=S.DRAFT)
    clock(date(2026, 2, 25))
    _prepare_and_submit(app, org.officer1, date(2026, 2, 24))
    draft, initial = clocks(app)
    assert (draft.kind, draft.stopped_on, draft.settled) == (
        "rating_draft",
        date(2026, 2, 25),
        True,
    )
    assert "待村评审小组初评" in draft.stop_reason
    # 3 working days from Wed 25 Feb: Thu 26, Fri 27 and the make-up Saturday 28.
    assert (initial.kind, initial.due_on, initial.stopped_at) == (
        "rating_initial",
        date(2026, 2, 28),
        None,
    )


def test_each_step_has_its_own_clock_and_responsible_person(org, clock):
    clock(date(2026, 3, 2))
    app = application(org, status=S.LINE_SET)
    assert running(app) == []
    done = clocks(app)
    assert [(d.kind, d.working_days, d.responsible) for d in done] == [
        ("rating_draft", 5, org.officer1),
        ("rating_initial", 3, org.officer1),
        ("rating_review", 2, org.officer1),
        ("rating_decision", 5, org.director),
        ("rating_line_proposal", 3, org.officer1),
        ("rating_line_officer", 2, org.officer1),
        ("rating_line_review", 3, org.director),
        ("rating_line_director", 3, org.director),
    ]
    assert all(d.stopped_on == date(2026, 3, 2) and d.settled for d in done)
    assert done[-1].stop_reason == "主任已核定授信额度"


def test_a_changed_limit_applies_to_the_next_application_entering_the_step(org, clock):
    clock(date(2026, 3, 2))
    RatingStepLimit.objects.filter(step=S.INITIAL).update(
        working_days=1, responsible_role=StepRole.DIRECTOR
    )
    RatingStepLimit.objects.filter(step=S.REVIEW).delete()  # no limit for this step
    app = application(org, status=S.INITIAL)
    [d] = running(app)
    assert (d.kind, d.due_on, d.responsible) == ("rating_initial", date(2026, 3, 3), org.director)
    services.application_initial_rate(
        application=app, actor=org.officer1, scores=SCORES_85, advance=True
    )
    assert running(app) == []


def test_village_without_an_officer_makes_the_director_responsible(org, clock):
    clock(date(2026, 3, 2))
    village = VillageFactory(cooperative=org.coop_a, officer=None)
    h = household(VillageGroupFactory(village=village))
    app = services.application_create(
        actor=org.director,
        household=h,
        applicant=h.members.get(relation="head"),
        requested_amount=20000,
    )
    [d] = running(app)
    assert (d.kind, d.responsible) == ("rating_draft", org.director)


def test_a_grade_3_village_officer_is_not_made_responsible_for_steps_he_cannot_act_on(org, clock):
    clock(date(2026, 3, 2))
    village = VillageFactory(cooperative=org.coop_a, officer=org.officer3)
    h = household(VillageGroupFactory(village=village))
    app = services.application_create(
        actor=org.director,
        household=h,
        applicant=h.members.get(relation="head"),
        requested_amount=20000,
    )
    [d] = running(app)
    assert (d.kind, d.responsible) == ("rating_draft", org.director)


def test_the_step_change_and_its_clocks_are_one_transaction(org, clock):
    clock(date(2026, 3, 2))
    app = application(org, status=S.INITIAL)
    # A clock for the next step already running (say, opened by hand): opening it again
    # fails, and the initial rating must not move on with its own clock stopped.
    deadline_open(
        target=app,
        kind="rating_review",
        responsible=org.officer2,
        cooperative=org.coop_a,
        working_days=2,
    )
    with pytest.raises(DomainError):
        services.application_initial_rate(
            application=app, actor=org.officer1, scores=SCORES_85, advance=True
        )
    app.refresh_from_db()
    assert app.status == S.INITIAL
    assert {d.kind for d in running(app)} == {"rating_initial", "rating_review"}


# ---------------------------------------------------------------- leaving a step


def test_rejection_stops_the_clock_and_nobody_is_held_accountable(org, clock):
    clock(date(2026, 2, 12))
    app = application(org, status=S.DRAFT)
    clock(date(2026, 2, 13))
    services.application_reject(application=app, actor=org.officer1, reason="申请人主动撤回申请")
    [d] = clocks(app)
    assert d.stopped_on == date(2026, 2, 13) and d.settled
    assert d.stop_reason == "未通过：申请人主动撤回申请"
    deadline_sweep(today=date(2026, 3, 20))
    assert not Accountability.objects.filter(deadline=d).exists()


def test_rating_group_rejection_for_low_score_stops_the_decision_clock(org, clock):
    clock(date(2026, 3, 2))
    app = application(org, status=S.LINE_PROPOSAL, scores=SCORES_55)
    assert app.status == S.REJECTED
    assert running(app) == []
    decision = clocks(app)[-1]
    assert decision.kind == "rating_decision" and decision.stop_reason.startswith("未通过：")


# ---------------------------------------------------------------- lateness


def test_a_late_step_is_charged_to_the_responsible_person_by_the_sweep(org, clock):
    clock(date(2026, 2, 12))
    app = application(org)  # investigation due Thu 26 Feb
    # Wed 4 March: Fri 27, make-up Sat 28, Mon 2, Tue 3, Wed 4 → 5 working days late.
    deadline_sweep(today=date(2026, 3, 4))
    record = Accountability.objects.get(deadline__object_id=app.pk, deadline__kind="rating_draft")
    assert record.person == org.officer1
    assert (record.late_days, record.tier) == (5, Tier.CRITICISM)
    # 30,000 × 6.12% × 5 ÷ 360
    assert record.lost_interest == Decimal("25.50")
    assert record.status == AccountabilityStatus.PENDING

    # Submitted that day: the lateness is final; the next step starts its own clock.
    clock(date(2026, 3, 4))
    _prepare_and_submit(app, org.officer1, date(2026, 3, 4))
    deadline_sweep(today=date(2026, 3, 20))
    record.refresh_from_db()
    assert record.late_days == 5
    draft, initial = clocks(app)
    assert draft.settled and draft.late_days == 5
    assert initial.stopped_at is None and initial.due_on == date(2026, 3, 9)


# ---------------------------------------------------------------- the rating day


def test_bulk_steps_of_the_rating_day_move_the_clocks_of_the_rows_that_move(org, clock, login):
    clock(date(2026, 2, 12))
    campaign = RatingCampaign.objects.create(
        village=org.village_a1, year=2026, rating_date=date(2026, 2, 12), officer=org.officer1
    )
    for _i in range(3):
        household(org.group_a1)
    assert (
        services.campaign_add_households(
            campaign=campaign, actor=org.officer1, requested_amount=20000
        )
        == 3
    )
    apps = list(campaign.applications.order_by("pk"))
    assert all([d.kind for d in running(a)] == ["rating_draft"] for a in apps)

    ready = apps[:2]
    for a in ready:
        _prepare_and_submit(a, org.officer1, date(2026, 2, 12))
    services.application_initial_rate(application=ready[0], actor=org.officer1, scores=SCORES_85)
    clock(date(2026, 2, 26))
    moved, skipped = services.applications_advance(
        actor=org.officer1, campaign=campaign, status=S.INITIAL
    )
    assert moved == 1 and len(skipped) == 1
    _draft, initial, review = clocks(ready[0])
    assert initial.stopped_on == date(2026, 2, 26)
    assert (review.kind, review.due_on) == ("rating_review", date(2026, 2, 28))
    assert [d.kind for d in running(ready[1])] == ["rating_initial"]  # left where it was

    # Due Tue 24 Feb (12 Feb + 3: 13, make-up 14, 24), late from Wed 25: marked on the grid.
    body = (
        login(org.officer1)
        .get(reverse("ratings:campaign_day", args=[campaign.pk]) + "?step=initial")
        .content.decode()
    )
    assert body.count("step-late") == 1 and "已超期（限 2026-02-24）" in body
    body = (
        login(org.officer1)
        .get(reverse("ratings:campaign_day", args=[campaign.pk]) + "?step=review")
        .content.decode()
    )
    assert "step-late" not in body and "限 2026-02-28" in body


def test_application_page_shows_the_due_working_day_of_the_step(org, clock, login):
    clock(date(2026, 2, 12))
    app = application(org)
    url = reverse("ratings:application_detail", args=[app.pk])
    body = login(org.officer1).get(url).content.decode()
    assert "本环节办结时限" in body and "到期工作日 2026-02-26" in body
    assert "办理中" in body

    clock(date(2026, 3, 4))
    deadline_sweep(today=date(2026, 3, 4))
    body = login(org.director).get(url).content.decode()
    assert "已超期" in body and "超期 5 个工作日" in body and "通报批评" in body


def test_step_limits_are_edited_in_the_admin_with_an_audit_record(org, client):
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save()
    client.force_login(org.admin)
    limit = RatingStepLimit.objects.get(step=S.LINE_REVIEW)
    changelist = client.get(reverse("admin:ratings_ratingsteplimit_changelist"))
    assert "待审贷小组意见" in changelist.content.decode()
    url = reverse("admin:ratings_ratingsteplimit_change", args=[limit.pk])
    response = client.post(url, {"working_days": 0, "responsible_role": "director"})
    assert "时限至少为 1 个工作日" in response.content.decode()
    client.post(url, {"working_days": 4, "responsible_role": "director"})
    limit.refresh_from_db()
    assert limit.working_days == 4
    log = AuditLog.objects.get(action="ratings.step_limit_change")
    assert log.changes["working_days"] == [3, 4]
