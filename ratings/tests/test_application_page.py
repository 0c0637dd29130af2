"""The application page: who decided the grade, why an application was blocked, and
forms that never silently overwrite someone else's save."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from creditcoop.models import AuditLog
from ratings import services
from ratings.models import CreditApplication
from tests.html import table_rows, text_of
from villages.models import BadCreditRecord

from .factories import SCORES_75, SCORES_85, application, household
from .test_permissions import ALL_DOCS, investigated_draft, state

S = CreditApplication.Status


def detail(client, app):
    return client.get(reverse("ratings:application_detail", args=[app.pk])).content.decode()


def test_members_present_at_the_decision_are_shown_and_kept(org, login):
    app = application(org, status=S.DECISION)
    login(org.reviewer).post(
        reverse("ratings:application_decide", args=[app.pk]),
        {
            "held_on": "2025-03-05",
            "members": [org.reviewer.pk, org.director.pk],
            "other_members": "村支书列席",
        },
    )
    app.refresh_from_db()
    assert app.status == S.LINE_PROPOSAL
    present = "周主任、陈审贷；村支书列席"  # by staff number: D001, R001
    page = detail(login(org.officer1), app)
    assert f"到会成员：{present}" in text_of(page, "decision")
    decide_row = next(r for r in table_rows(page, "history") if r[1] == "评定小组评定")
    assert f"到会成员：{present}" in decide_row[4]
    assert "评定日期：2025-03-05" in decide_row[4] and "评定等级：— → AAA" in decide_row[4]
    audit = AuditLog.objects.get(action="ratings.decide", object_id=str(app.pk))
    assert audit.changes["members"] == present and audit.changes["held_on"] == "2025-03-05"


@pytest.mark.parametrize(
    "kind,words",
    [
        ("blacklist", "黑名单"),
        ("malicious_default", "恶意逃债"),
        ("written_off", "已核销"),
        ("npl", "未结清的不良贷款"),
    ],
)
def test_blocking_record_of_the_applicant_is_shown_with_its_kind(org, login, kind, words):
    h = household(org.group_a1)
    head = h.members.get(relation="head")
    BadCreditRecord.objects.create(id_number=head.id_number, name=head.name, kind=kind)
    app = application(org, status=S.INITIAL, h=h)
    assert app.status == S.REJECTED
    assert app.rejection_reason.startswith("家庭信用核查未通过：")
    assert f"{head.name} 有{words}" in app.rejection_reason
    page = detail(login(org.officer1), app)
    assert app.rejection_reason in page
    block_row = next(r for r in table_rows(page, "history") if r[1] == "家庭信用核查未通过")
    assert words in block_row[5]


def test_submit_without_version_is_refused(org, login):
    app = investigated_draft(org)
    r = login(org.officer1).post(
        reverse("ratings:application_submit", args=[app.pk]), {}, follow=True
    )
    assert "提交失败：页面缺少版本信息，请刷新页面后再提交。" in r.content.decode()
    assert CreditApplication.objects.get(pk=app.pk).status == S.DRAFT


def _investigation(app):
    return {
        "visit_date": "2025-03-01",
        "visit_note": "再次入户",
        "family_size": 2,
        "net_assets": "150000",
        "annual_net_income": "90000",
        "other_debt": "0",
        **{f"consent_{m.pk}": "on" for m in app.household.members.all()},
    }


STALE_FORMS = {
    "documents": (S.DRAFT, "application_documents", lambda app: {"doc_id_copy": "on"}),
    "investigate": (S.DRAFT, "application_investigate", _investigation),
    "submit": (S.DRAFT, "application_submit", lambda app: {}),
    "initial": (
        S.INITIAL,
        "application_step",
        lambda app: {f"s_{k}": v for k, v in SCORES_75.items()},
    ),
    "line": (
        S.LINE_PROPOSAL,
        "application_step",
        lambda app: {"amount": "8000", "term_months": 12},
    ),
    "reject": (S.INITIAL, "application_reject", lambda app: {"reason": "收入无法核实"}),
}


@pytest.mark.parametrize("form", STALE_FORMS)
def test_a_stale_form_is_refused_with_a_message(org, login, form):
    status, url_name, data = STALE_FORMS[form]
    app = investigated_draft(org) if status == S.DRAFT else application(org, status=status)
    loaded = app.version
    # Someone else saves the application after this page was loaded.
    if status == S.DRAFT:
        services.application_documents_update(application=app, actor=org.director, values=ALL_DOCS)
    elif status == S.INITIAL:
        services.application_initial_rate(application=app, actor=org.committee, scores=SCORES_85)
    else:
        services.application_line_propose(
            application=app, actor=org.committee, amount="5000", term_months=12
        )
    before = state(app)
    r = login(org.officer1).post(
        reverse(f"ratings:{url_name}", args=[app.pk]),
        {"version": loaded, **data(app)},
        follow=True,
    )
    page = r.content.decode()
    assert "已被他人修改" in page and "请刷新页面查看最新内容后再修改" in page
    assert state(app) == before


def test_line_steps_enforce_both_caps_on_the_page(org, login):
    app = application(org, status=S.LINE_PROPOSAL, income=Decimal("20000"))
    r = login(org.committee).post(
        reverse("ratings:application_step", args=[app.pk]),
        {"version": app.version, "amount": "14000.01", "term_months": 24},
    )
    assert "超过家庭年纯收入扣除其他负债后的 70%（14000.00 元）" in r.content.decode()
    assert CreditApplication.objects.get(pk=app.pk).proposed_line is None


def test_decided_grade_is_final_on_the_page(org, login):
    app = application(org, status=S.LINE_PROPOSAL)
    r = login(org.reviewer).post(
        reverse("ratings:application_decide", args=[app.pk]),
        {"held_on": date(2025, 3, 6).isoformat(), "members": [org.reviewer.pk]},
        follow=True,
    )
    assert "不能办理此项" in r.content.decode()
    assert CreditApplication.objects.get(pk=app.pk).decision.held_on == date(2025, 3, 5)


def _actions(page):
    """The form actions the page offers."""
    import re

    return {m.split("/")[-2] for m in re.findall(r'action="([^"]+)"', page)}


@pytest.mark.parametrize(
    "status,who,offered",
    [
        # The rating group's sitting: its members decide; the village officer may not.
        (S.DECISION, "reviewer", {"decide", "reject"}),
        (S.DECISION, "officer1", set()),
        # The officer's own steps: review and the officer's line opinion.
        (S.REVIEW, "officer1", {"step", "reject"}),
        (S.REVIEW, "director", {"reject"}),  # may end it, not review it for the officer
        (S.LINE_DIRECTOR, "director", {"step", "reject"}),
        (S.LINE_DIRECTOR, "officer1", set()),
        (S.LINE_DIRECTOR, "auditor", set()),
    ],
)
def test_only_who_may_take_the_step_is_offered_its_form(org, login, status, who, offered):
    app = application(org, status=status)
    client = login(getattr(org, who))
    response = client.get(reverse("ratings:application_detail", args=[app.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert _actions(page) & {"decide", "step", "reject"} == offered


def test_history_shows_scores_by_indicator_name(org, login):
    app = application(org, status=S.INITIAL)
    services.application_initial_rate(
        application=app, actor=org.committee, scores=SCORES_85, expected_version=app.version
    )
    page = detail(login(org.officer1), app)
    row = next(r for r in table_rows(page, "history") if "初评得分" in r[4])
    assert "信誉状况 20" in row[4] and "还款记录" in row[4]
    assert "reputation" not in row[4] and "{" not in row[4]
