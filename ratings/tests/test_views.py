import io
from datetime import date

import openpyxl
import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ratings import services
from ratings.models import CreditApplication, RatingCampaign

from .factories import SCORES_85, application, household

S = CreditApplication.Status


@pytest.fixture
def campaign(org):
    return services.campaign_create(
        actor=org.officer1, village=org.village_a1, year=2025, rating_date=date(2025, 3, 10)
    )


def _initial_rows(org, campaign, n):
    return [application(org, status=S.INITIAL, campaign=campaign) for _ in range(n)]


def test_officer_arranges_campaign_and_registers_households(org, login, campaign):
    for _ in range(3):
        household(org.group_a1)
    c = login(org.officer1)
    r = c.post(
        reverse("ratings:campaign_add_households", args=[campaign.pk]),
        {"requested_amount": "20000"},
    )
    assert r.status_code == 302
    assert campaign.applications.count() == 3
    page = c.get(reverse("ratings:campaign_day", args=[campaign.pk]) + "?step=draft")
    assert page.status_code == 200
    text = page.content.decode()
    assert "缺：身份证复印件" in text and "缺身份证复印件 3 户" in text


def test_campaign_create_page(org, login):
    c = login(org.officer1)
    r = c.post(
        reverse("ratings:campaign_create"),
        {
            "village": org.village_a1.pk,
            "year": 2025,
            "rating_date": "2025-03-10",
            "credit_date": "2025-03-01",
        },
    )
    assert "集中授信日期不能早于集中评定日期" in r.content.decode()
    assert not RatingCampaign.objects.exists()
    r = c.post(
        reverse("ratings:campaign_create"),
        {"village": org.village_a1.pk, "year": 2025, "rating_date": "2025-03-10"},
    )
    assert r.status_code == 302
    assert (
        login(org.officer2)
        .post(
            reverse("ratings:campaign_create"),
            {"village": org.village_a1.pk, "year": 2026, "rating_date": "2026-03-10"},
        )
        .status_code
        == 200
    )  # village A1 is not in officer2's choices
    assert RatingCampaign.objects.count() == 1


def test_grid_row_entry_with_htmx_and_stale_refusal(org, login, campaign):
    app = _initial_rows(org, campaign, 1)[0]
    c = login(org.committee)
    url = reverse("ratings:row", args=[app.pk])
    edit = c.get(url + "?edit=1", HTTP_HX_REQUEST="true")
    assert 'name="s_reputation"' in edit.content.decode()
    data = {"version": app.version, **{f"s_{k}": v for k, v in SCORES_85.items()}}
    r = c.post(url, data, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "ratingSaved" in r["HX-Trigger-After-Swap"]
    assert "83 / AAA" in r.content.decode()
    app.refresh_from_db()
    assert app.initial_total == 83 and app.initial_by == org.committee
    # The same stale form posted again (someone else saved meanwhile) is refused.
    r = c.post(url, {**data, "s_reputation": "8"}, HTTP_HX_REQUEST="true")
    assert "已被他人修改" in r.content.decode()
    app.refresh_from_db()
    assert app.initial_total == 83


def test_bulk_moves_only_complete_rows(org, login, campaign):
    done, todo = _initial_rows(org, campaign, 2)
    services.application_initial_rate(application=done, actor=org.committee, scores=SCORES_85)
    c = login(org.committee)
    r = c.post(
        reverse("ratings:campaign_advance", args=[campaign.pk]), {"status": "initial"}, follow=True
    )
    assert "已将 1 户转入下一环节" in r.content.decode()
    assert "1 户未能转入" in r.content.decode()
    done.refresh_from_db()
    todo.refresh_from_db()
    assert done.status == S.REVIEW and todo.status == S.INITIAL


def test_bulk_from_review_to_director_lines(org, login, campaign):
    apps = [application(org, status=S.REVIEW, campaign=campaign) for _ in range(2)]
    login(org.officer1).post(
        reverse("ratings:campaign_advance", args=[campaign.pk]), {"status": "review"}
    )
    login(org.reviewer).post(
        reverse("ratings:campaign_decide", args=[campaign.pk]),
        {"held_on": "2025-03-10", "members": [org.reviewer.pk]},
    )
    for a in apps:
        a.refresh_from_db()
        assert a.status == S.LINE_PROPOSAL and a.grade == "AAA"
        services.application_line_propose(
            application=a, actor=org.committee, amount=30000, term_months=24
        )
    steps = [
        (org.committee, "line_proposal", {}),
        (org.officer1, "line_officer", {"accept_previous": "1"}),
        (org.reviewer, "line_review", {"accept_previous": "1"}),
        (org.director, "line_director", {"accept_previous": "1"}),
    ]
    for user, status, extra in steps:
        login(user).post(
            reverse("ratings:campaign_advance", args=[campaign.pk]), {"status": status, **extra}
        )
    for a in apps:
        a.refresh_from_db()
        assert a.status == S.LINE_SET and a.final_line == 30000 and a.term_months == 24
        assert a.line_set_by == org.director


def test_grid_query_count_does_not_grow_with_rows(org, login, campaign):
    c = login(org.officer1)
    url = reverse("ratings:campaign_day", args=[campaign.pk]) + "?step=initial"
    _initial_rows(org, campaign, 2)
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        assert c.get(url).status_code == 200
    _initial_rows(org, campaign, 6)
    with CaptureQueriesContext(connection) as many:
        assert c.get(url).status_code == 200
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_scope_other_cooperative_404_and_wrong_role_403(org, login, campaign):
    app = _initial_rows(org, campaign, 1)[0]
    assert (
        login(org.officer_b).get(reverse("ratings:campaign_day", args=[campaign.pk])).status_code
        == 404
    )
    assert (
        login(org.officer_b).get(reverse("ratings:application_detail", args=[app.pk])).status_code
        == 404
    )
    assert (
        login(org.teller)
        .post(reverse("ratings:row", args=[app.pk]), {"version": app.version})
        .status_code
        == 403
    )
    assert (
        login(org.auditor)
        .post(reverse("ratings:campaign_advance", args=[campaign.pk]), {"status": "initial"})
        .status_code
        == 403
    )
    assert (
        login(org.auditor).get(reverse("ratings:campaign_day", args=[campaign.pk])).status_code
        == 200
    )


def test_application_pages_for_every_step(org, login):
    c = login(org.director)
    for status in [
        S.DRAFT,
        S.INITIAL,
        S.REVIEW,
        S.DECISION,
        S.LINE_PROPOSAL,
        S.LINE_DIRECTOR,
        S.LINE_SET,
    ]:
        app = application(org, status=status)
        r = c.get(reverse("ratings:application_detail", args=[app.pk]))
        assert r.status_code == 200
        assert app.get_status_display() in r.content.decode()
    assert (
        c.get(reverse("ratings:application_list") + "?q=" + app.applicant.name).status_code == 200
    )
    assert c.get(reverse("ratings:campaign_list")).status_code == 200


def test_documents_form_shows_the_authorisation_rule(org, login):
    app = application(org)
    c = login(org.officer1)
    r = c.post(
        reverse("ratings:application_documents", args=[app.pk]),
        {"version": app.version, "doc_credit_report": "on"},
    )
    assert "授权书" in r.content.decode()
    app.refresh_from_db()
    assert not app.doc_credit_report


def test_walk_in_application_from_household(org, login):
    h = household(org.group_a1)
    c = login(org.officer1)
    url = reverse("ratings:application_create") + f"?household={h.pk}"
    assert c.get(url).status_code == 200
    r = c.post(url, {"applicant": h.members.get(relation="head").pk, "requested_amount": "8000"})
    app = CreditApplication.objects.get(household=h)
    assert r.status_code == 302 and app.campaign is None


def test_rejection_notice_prints_the_reason(org, login):
    app = application(org, status=S.REVIEW)
    c = login(org.officer1)
    c.post(
        reverse("ratings:application_reject", args=[app.pk]),
        {"version": app.version, "reason": "家庭收入无法核实"},
    )
    r = c.get(reverse("ratings:application_rejection", args=[app.pk]))
    assert (
        "家庭收入无法核实" in r.content.decode() and "不予评级（授信）告知书" in r.content.decode()
    )


def test_ledgers_on_screen_and_formula_safe_excel(org, login):
    h = household(org.group_a1)
    h.main_business = '=HYPERLINK("http://x")'
    h.save()
    app = application(org, status=S.LINE_SET, h=h)
    year = app.created_at.year
    c = login(org.auditor)
    url = reverse("ratings:village_ledger", args=[org.village_a1.pk]) + f"?year={year}"
    page = c.get(url).content.decode()
    assert app.applicant.id_number in page and "20000" in page
    r = c.get(url + "&format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))[1:]  # below the title row
    assert rows[0][:4] == ("行政村", "村民小组", "姓名", "身份证号码")
    assert rows[1][3] == app.applicant.id_number
    assert rows[1][8] == '\'=HYPERLINK("http://x")'
    assert rows[1][10] == "AAA" and rows[1][11] == 20000
    approvals = reverse("ratings:village_approvals", args=[org.village_a1.pk]) + f"?year={year}"
    assert "村贷款授信额度审批明细表" in c.get(approvals).content.decode()
    r = c.get(approvals + "&format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    row = list(ws.iter_rows(values_only=True))[2]  # title, header, then the rows
    assert row[5] == 20000 and row[11] == 20000 and row[13] == org.director.name


def test_household_section_shows_grade_line_and_history(org, rf):
    app = application(org, status=S.LINE_SET)
    request = rf.get("/")
    request.user = org.director
    html = Template('{% include "ratings/_household_credit.html" %}').render(
        Context({"household": app.household, "user": org.director, "request": request})
    )
    assert "AAA" in html and "20000" in html and "主任核定额度" in html


def test_investigation_submit_step_and_decide_pages(org, login):
    app = application(org)
    officer = login(org.officer1)
    officer.post(
        reverse("ratings:application_documents", args=[app.pk]),
        {"version": app.version, **{f: "on" for f in CreditApplication.REQUIRED_DOCUMENTS}},
    )
    app.refresh_from_db()
    members = list(app.household.members.all())
    data = {
        "version": app.version,
        "visit_date": "2025-03-01",
        "visit_note": "入户核实",
        "family_size": 2,
        "net_assets": "150000",
        "annual_net_income": "90000",
        "other_debt": "0",
        **{f"consent_{m.pk}": "on" for m in members},
    }
    r = officer.post(
        reverse("ratings:application_investigate", args=[app.pk]), {**data, "visit_note": ""}
    )
    assert "调查情况" in r.content.decode()  # kept on the page with the error
    officer.post(reverse("ratings:application_investigate", args=[app.pk]), data)
    app.refresh_from_db()
    assert app.investigated_by == org.officer1 and app.history_checked_at
    officer.post(reverse("ratings:application_submit", args=[app.pk]), {"version": app.version})
    app.refresh_from_db()
    assert app.status == S.INITIAL
    scores = {f"s_{k}": v for k, v in SCORES_85.items()}
    login(org.committee).post(
        reverse("ratings:application_step", args=[app.pk]), {"version": app.version, **scores}
    )
    app.refresh_from_db()
    assert app.status == S.REVIEW and app.initial_by == org.committee
    r = login(org.officer1).post(
        reverse("ratings:application_step", args=[app.pk]),
        {"version": app.version, **scores, "s_reputation": "8"},
    )
    assert "必须写明理由" in r.content.decode()
    login(org.officer1).post(
        reverse("ratings:application_step", args=[app.pk]), {"version": app.version, **scores}
    )
    login(org.reviewer).post(
        reverse("ratings:application_decide", args=[app.pk]),
        {"held_on": "2025-03-05", "members": [org.reviewer.pk]},
    )
    app.refresh_from_db()
    assert app.status == S.LINE_PROPOSAL and app.grade == "AAA"


def test_campaign_close_only_when_all_done(org, login, campaign):
    app = application(org, campaign=campaign)
    c = login(org.officer1)
    r = c.post(reverse("ratings:campaign_close", args=[campaign.pk]), follow=True)
    assert "还有 1 户未办结" in r.content.decode()
    services.application_reject(application=app, actor=org.officer1, reason="本人放弃申请")
    c.post(reverse("ratings:campaign_close", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status == RatingCampaign.Status.CLOSED


def test_demo_ratings_is_deterministic_and_idempotent(org):
    from django.core.management import call_command

    for _ in range(12):
        household(org.group_a1)
    call_command("demo_ratings", villages=1, households=12)
    campaign = RatingCampaign.objects.get(village=org.village_a1)
    statuses = sorted(campaign.applications.values_list("status", flat=True))
    assert len(statuses) == 12 and {S.DRAFT, S.LINE_SET, S.REJECTED} <= set(statuses)
    call_command("demo_ratings", villages=1, households=12)
    assert CreditApplication.objects.count() == 12


def test_campaign_follows_the_work_schedule(org, login):
    from villages.models import WorkSchedule

    WorkSchedule.objects.create(
        village=org.village_a1,
        rating_date=date(2025, 4, 1),
        credit_date=date(2025, 4, 10),
        officer=org.officer1,
    )
    login(org.officer1).post(
        reverse("ratings:campaign_create"), {"village": org.village_a1.pk, "year": 2025}
    )
    campaign = RatingCampaign.objects.get()
    assert campaign.rating_date == date(2025, 4, 1) and campaign.credit_date == date(2025, 4, 10)


def test_officers_review_form_shows_the_committees_scores(org, login):
    """At review the officer sees, beside each indicator, what the committee gave."""
    from ratings.tests.factories import SCORES_55

    app = application(org, status=CreditApplication.Status.REVIEW, scores=SCORES_55)
    client = login(org.officer1)
    row = client.get(reverse("ratings:row", args=[app.pk]) + "?edit=1").content.decode()
    detail = client.get(reverse("ratings:application_detail", args=[app.pk])).content.decode()
    for html in (row, detail):
        assert f"村评审小组初评：{SCORES_55['reputation']}分" in html
        assert f"村评审小组初评：{SCORES_55['repayment']}分" in html
