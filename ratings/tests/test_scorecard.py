import re
from datetime import date
from decimal import Decimal

import pytest

from ratings import services
from ratings.models import CreditApplication, Scorecard
from ratings.services import RatingError

from .factories import SCORES_75, SCORES_85, application

S = CreditApplication.Status


@pytest.fixture
def card(db):
    return services.scorecard_current()


@pytest.mark.parametrize(
    "total,grade",
    [(100, "AAA"), (80, "AAA"), (79, "AA"), (70, "AA"), (69, "A"), (60, "A"), (59, ""), (0, "")],
)
def test_grade_bands_at_the_edges(card, total, grade):
    assert card.grade_for(total) == grade


def test_default_scorecard_adds_up_to_100_with_the_default_caps(card):
    assert sum(i.max_points for i in card.indicators.all()) == 100
    assert (card.aaa_max_line, card.aa_max_line, card.a_max_line) == (50000, 30000, 10000)
    assert card.income_cap_ratio == Decimal("0.70")
    assert card.max_term_months == 24


def test_scores_must_be_options_of_the_indicator(card):
    with pytest.raises(RatingError, match="分值只能是"):
        services.scores_clean(card, {**SCORES_85, "reputation": 19})
    with pytest.raises(RatingError, match="请为"):
        services.scores_clean(card, {"reputation": 20})
    clean, total = services.scores_clean(card, SCORES_85)
    assert total == 83


def test_range_indicator_maps_a_value_to_its_band(card):
    income = card.indicators.get(code="income_per_person")
    assert income.option_for_value(Decimal("20000")).points == 20
    assert income.option_for_value(Decimal("19999.99")).points == 15
    assert income.option_for_value(Decimal("4999")).points == 5


def test_grade_maximum_binds_when_income_is_high(card):
    assert card.line_cap("AAA", Decimal("1000000"), 0) == Decimal("50000")
    assert card.line_cap("AA", Decimal("1000000"), 0) == Decimal("30000")
    assert card.line_cap("A", Decimal("1000000"), 0) == Decimal("10000")


def test_income_cap_binds_at_70_percent_after_other_debts(card):
    # 40,000 income − 10,000 other debts = 30,000; 70% = 21,000 < AAA 50,000.
    assert card.line_cap("AAA", Decimal("40000"), Decimal("10000")) == Decimal("21000.00")
    assert card.income_cap(Decimal("5000"), Decimal("8000")) == Decimal("0.00")


def test_director_line_above_grade_maximum_is_refused(org):
    app = application(org, status=S.LINE_DIRECTOR, income=Decimal("1000000"))
    assert app.grade == "AAA"
    with pytest.raises(RatingError, match="超过 AAA 级最高授信额度 50000"):
        services.application_line_final(
            application=app, actor=org.director, amount="50000.01", term_months=24
        )
    app = services.application_line_final(
        application=app, actor=org.director, amount="50000", term_months=24
    )
    assert app.final_line == Decimal("50000.00") and app.status == S.LINE_SET


def test_director_line_above_income_cap_is_refused(org):
    app = application(org, status=S.LINE_DIRECTOR, income=Decimal("20000"))
    assert app.line_cap == Decimal("14000.00")
    with pytest.raises(RatingError, match="70%"):
        services.application_line_final(
            application=app, actor=org.director, amount="14000.01", term_months=12
        )
    app = services.application_line_final(
        application=app, actor=org.director, amount="9000", term_months=12
    )
    assert app.final_line == Decimal("9000.00")


def test_term_is_at_most_two_years(org):
    app = application(org, status=S.LINE_DIRECTOR)
    with pytest.raises(RatingError, match="1 至 24"):
        services.application_line_final(
            application=app, actor=org.director, amount="10000", term_months=25
        )


def test_new_version_keeps_old_ratings_explainable(org, card):
    rated = application(org, status=S.REVIEW)
    assert rated.scorecard == card and rated.initial_total == 83

    draft = services.scorecard_new_version(scorecard=card, actor=org.admin)
    assert draft.version == card.version + 1 and draft.status == Scorecard.Status.DRAFT
    draft.aaa_min = 85
    draft.save()
    rep = draft.indicators.get(code="reputation").options.get(points=20)
    rep.points = 25
    rep.save()
    services.scorecard_publish(scorecard=draft, actor=org.admin)
    card.refresh_from_db()
    assert card.status == Scorecard.Status.RETIRED
    assert services.scorecard_current() == draft

    # The earlier rating still uses version 1: 83 points is AAA there.
    rated.refresh_from_db()
    assert rated.scorecard_id == card.pk
    services.application_review(application=rated, actor=org.officer1)
    services.applications_decide(
        actor=org.reviewer,
        applications=[rated],
        held_on=rated.created_at.date(),
        members=[org.reviewer],
    )
    rated.refresh_from_db()
    assert rated.grade == "AAA"
    # A new application uses version 2, where 83 points (88 with the new option) …
    new = application(org, status=S.REVIEW, scores={**SCORES_85, "reputation": 25})
    assert new.scorecard_id == draft.pk and new.initial_total == 88
    # … and the old option value is no longer valid there.
    with pytest.raises(RatingError):
        services.scores_clean(draft, SCORES_85)


def test_published_scorecard_cannot_be_published_again_and_needs_options(org, card):
    with pytest.raises(RatingError):
        services.scorecard_publish(scorecard=card, actor=org.admin)
    draft = services.scorecard_new_version(scorecard=card, actor=org.admin)
    draft.indicators.first().options.all().delete()
    with pytest.raises(RatingError, match="没有评分选项"):
        services.scorecard_publish(scorecard=draft, actor=org.admin)


# --- golden edges through the rating group's decision -------------------------

EDGE_SCORES = {
    59: {
        "reputation": 15,
        "repayment": 20,
        "income_per_person": 10,
        "net_assets": 4,
        "labour": 10,
        "debt_ratio": 0,
    },
    60: {
        "reputation": 15,
        "repayment": 20,
        "income_per_person": 10,
        "net_assets": 4,
        "labour": 5,
        "debt_ratio": 6,
    },
    69: {
        "reputation": 15,
        "repayment": 20,
        "income_per_person": 10,
        "net_assets": 8,
        "labour": 10,
        "debt_ratio": 6,
    },
    70: {
        "reputation": 20,
        "repayment": 20,
        "income_per_person": 10,
        "net_assets": 4,
        "labour": 10,
        "debt_ratio": 6,
    },
    79: {
        "reputation": 20,
        "repayment": 20,
        "income_per_person": 15,
        "net_assets": 8,
        "labour": 10,
        "debt_ratio": 6,
    },
    80: {
        "reputation": 20,
        "repayment": 20,
        "income_per_person": 15,
        "net_assets": 12,
        "labour": 10,
        "debt_ratio": 3,
    },
}


@pytest.mark.parametrize(
    "total,grade", [(59, ""), (60, "A"), (69, "A"), (70, "AA"), (79, "AA"), (80, "AAA")]
)
def test_decision_at_the_band_edges(org, total, grade):
    app = application(org, status=S.DECISION, scores=EDGE_SCORES[total])
    assert app.reviewed_total == total
    services.applications_decide(
        actor=org.reviewer, applications=[app], held_on=date(2025, 3, 5), members=[org.reviewer]
    )
    app.refresh_from_db()
    assert app.grade == grade
    if grade:
        assert app.status == S.LINE_PROPOSAL and not app.rejection_reason
    else:
        assert app.status == S.REJECTED
        assert app.rejection_reason == (
            "信用等级评定得分 59 分，低于 A 级最低分 60 分，未评为信用户。"
        )


# --- both caps at every step of the line --------------------------------------

LINE_STEPS = {
    S.LINE_PROPOSAL: lambda org, app, amount: services.application_line_propose(
        application=app, actor=org.committee, amount=amount, term_months=12
    ),
    S.LINE_OFFICER: lambda org, app, amount: services.application_line_officer(
        application=app, actor=org.officer1, amount=amount
    ),
    S.LINE_REVIEW: lambda org, app, amount: services.application_line_review(
        application=app, actor=org.reviewer, amount=amount
    ),
}
LINE_FIELD = {
    S.LINE_PROPOSAL: "proposed_line",
    S.LINE_OFFICER: "officer_line",
    S.LINE_REVIEW: "review_line",
}


@pytest.mark.parametrize("step", list(LINE_STEPS))
@pytest.mark.parametrize(
    "scores,income,cap,match",
    [
        # AA with a high income: the grade maximum binds.
        (SCORES_75, Decimal("1000000"), Decimal("30000.00"), "超过 AA 级最高授信额度 30000.00 元"),
        # AAA with 20,000 income: 70% of it binds.
        (SCORES_85, Decimal("20000"), Decimal("14000.00"), "70%（14000.00 元）"),
    ],
)
def test_caps_bind_at_every_line_step(org, step, scores, income, cap, match):
    app = application(org, status=step, scores=scores, income=income)
    assert app.line_cap == cap
    field = LINE_FIELD[step]
    before = (getattr(app, field), app.version)
    with pytest.raises(RatingError, match=re.escape(match)):
        LINE_STEPS[step](org, app, cap + Decimal("0.01"))
    app.refresh_from_db()
    assert (getattr(app, field), app.version) == before
    app = LINE_STEPS[step](org, app, cap)
    assert getattr(app, field) == cap
