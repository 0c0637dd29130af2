"""The village progress board: how many households are at each step, and what is missing."""

import re
from datetime import date

from django.urls import reverse

from ratings import services
from ratings.models import CreditApplication, RatingCampaign
from tests.html import text_of

from .factories import SCORES_55, SCORES_85, application

S = CreditApplication.Status
ALL_DOCS = {f: True for f in CreditApplication.REQUIRED_DOCUMENTS}


def board_counts(html):
    """{step: count} as the board's buttons show them."""
    return {
        step: int(n)
        for step, n in re.findall(
            r'data-step="(\w+)">[^<]*<span class="badge[^"]*" data-count>(\d+)</span>', html
        )
    }


def test_board_counts_every_step_and_what_is_missing(org, login):
    campaign = RatingCampaign.objects.create(
        village=org.village_a1, year=2025, rating_date=date(2025, 3, 10), officer=org.officer1
    )

    def at(status, **kw):
        return application(org, status=status, campaign=campaign, **kw)

    at(S.DRAFT)  # nothing collected yet
    documented = at(S.DRAFT)
    services.application_documents_update(
        application=documented, actor=org.officer1, values={**ALL_DOCS, "publish_consent": False}
    )
    at(S.INITIAL)  # initial scores not entered
    scored = at(S.INITIAL)
    services.application_initial_rate(application=scored, actor=org.committee, scores=SCORES_85)
    at(S.REVIEW)
    at(S.LINE_PROPOSAL)
    at(S.LINE_PROPOSAL)
    at(S.LINE_SET)
    at(S.LINE_PROPOSAL, scores=SCORES_55)  # not rated at the decision: rejected

    page = login(org.officer1).get(reverse("ratings:campaign_day", args=[campaign.pk]))
    html = page.content.decode()
    assert board_counts(html) == {
        S.DRAFT: 2,
        S.INITIAL: 2,
        S.REVIEW: 1,
        S.DECISION: 0,
        S.LINE_PROPOSAL: 2,
        S.LINE_OFFICER: 0,
        S.LINE_REVIEW: 0,
        S.LINE_DIRECTOR: 0,
        S.LINE_SET: 1,
        S.REJECTED: 1,
    }
    board = text_of(html, "progress")
    assert "共 9 户" in board
    missing = re.findall(r"(\S+) (\d+) 户", board.split("尚缺：", 1)[1])
    assert missing == [
        ("缺身份证复印件", "1"),
        ("缺户口簿复印件", "1"),
        ("缺自然人基本情况调查表", "1"),
        ("缺信用户评定申请书", "1"),
        ("缺个人信用报告查询授权书", "1"),
        ("缺个人信用报告", "1"),
        ("缺同意公示姓名、等级和额度", "2"),
        ("未入户调查", "2"),
        ("初评未录完", "1"),
        ("未填建议额度", "2"),
    ]
