from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from creditcoop.models import AuditLog, Notification
from creditcoop.servicehall import services
from creditcoop.servicehall.deadline_kinds import WALKIN_ANSWER, WALKIN_APPROVAL
from creditcoop.servicehall.models import DutyPost, Walkin, WalkinStatus
from tests.html import table_rows, text_of

pytestmark = pytest.mark.django_db

THU = date(2026, 2, 12)


def application(org, loan_type, *, village=None, actor=None, today=THU, **kw):
    data = dict(
        kind="application",
        customer_name="李四",
        phone="13800138000",
        village=village or org.village_a2,
        need="购买化肥",
        loan_type=loan_type,
        amount=Decimal("30000"),
        today=today,
    )
    data.update(kw)
    return services.walkin_register(actor=actor or org.officer1, **data)


def test_application_goes_to_the_village_officer_with_a_working_day_deadline(
    org, loan_type, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        walkin = application(org, loan_type)
    assert walkin.officer == org.officer2 and walkin.status == WalkinStatus.INVESTIGATING
    deadline = services.walkin_deadline(walkin, WALKIN_ANSWER)
    assert deadline.responsible == org.officer2
    assert deadline.due_on == date(2026, 2, 14)  # 2 working days: Fri 13 and make-up Sat 14
    assert deadline.amount == Decimal("30000") and deadline.annual_rate == loan_type.annual_rate
    note = Notification.objects.get(recipient=org.officer2)
    assert (
        "李四" in note.text and "2026-02-14" in note.text and note.link == walkin.get_absolute_url()
    )
    assert AuditLog.objects.filter(
        action="servicehall.walkin_register", object_id=str(walkin.pk)
    ).exists()


def test_enquiry_is_kept_without_deadline(org):
    walkin = services.walkin_register(
        actor=org.officer1,
        kind="enquiry",
        customer_name="王五",
        phone="13800138001",
        village=org.village_a1,
        need="问贷款利率",
    )
    assert walkin.status == WalkinStatus.RECORDED and walkin.officer is None
    assert services.walkin_deadlines(walkin).count() == 0


def test_refusal_with_reason_and_printable_notice(org, loan_type, login):
    walkin = application(org, loan_type)
    client = login(org.officer2)
    response = client.post(
        f"/hall/walkins/{walkin.pk}/answer/", {"decision": "refuse", "reason": ""}, follow=True
    )
    assert "必须填写告知客户的原因" in response.content.decode()
    walkin.refresh_from_db()
    assert walkin.status == WalkinStatus.INVESTIGATING
    response = client.post(
        f"/hall/walkins/{walkin.pk}/answer/",
        {"decision": "refuse", "reason": "家庭成员有不良贷款记录"},
    )
    assert response.status_code == 302 and response.url.endswith("/refusal/")
    page = client.get(response.url).content.decode()
    assert "贷款申请答复告知书" in page and "家庭成员有不良贷款记录" in page and "客户签收" in page
    deadline = services.walkin_deadline(walkin, WALKIN_ANSWER)
    assert deadline.stopped_at is not None


def test_answer_enters_approval_then_director_finishes(org, loan_type):
    walkin = application(org, loan_type)
    services.walkin_settle(
        walkin_id=walkin.pk,
        actor=org.officer2,
        step="answer",
        outcome="approve",
        today=date(2026, 2, 13),
    )
    approval = services.walkin_deadline(walkin, WALKIN_APPROVAL)
    assert approval.responsible == org.director
    assert approval.due_on == date(2026, 2, 27)  # 5 working days: 14, 24, 25, 26, 27
    with pytest.raises(services.DomainError):
        services.walkin_settle(
            walkin_id=walkin.pk, actor=org.officer2, step="decide", outcome="approve", note=""
        )
    services.walkin_settle(
        walkin_id=walkin.pk,
        actor=org.director,
        step="decide",
        outcome="approve",
        note="同意",
        today=date(2026, 2, 26),
    )
    approval.refresh_from_db()
    assert approval.stopped_on == date(2026, 2, 26) and approval.settled
    walkin.refresh_from_db()
    assert walkin.status == WalkinStatus.APPROVED


def test_only_the_village_officer_or_leaders_answer(org, loan_type):
    walkin = application(org, loan_type)
    with pytest.raises(services.DomainError, match="包村信贷员"):
        services.walkin_settle(
            walkin_id=walkin.pk, actor=org.officer1, step="answer", outcome="approve"
        )
    with pytest.raises(services.DomainError, match="不能办理"):
        services.walkin_settle(
            walkin_id=walkin.pk, actor=org.director, step="decide", outcome="approve", note=""
        )


def test_register_page_keeps_input_on_error_and_registers(org, loan_type, login):
    client = login(org.officer1)
    data = {
        "kind": "application",
        "customer_name": "赵六",
        "phone": "13800138002",
        "id_number": "410102198005170011",
        "village": org.village_a1.pk,
        "loan_type": loan_type.pk,
        "amount": "20000",
        "need": "养殖",
    }
    response = client.post("/hall/walkins/new/", data)
    body = response.content.decode()
    assert response.status_code == 200 and "身份证号码校验位错误" in body and 'value="赵六"' in body
    data["id_number"] = ""
    data["amount"] = ""
    body = client.post("/hall/walkins/new/", data).content.decode()
    assert "请填写申请金额" in body
    data["amount"] = "20000"
    response = client.post("/hall/walkins/new/", data)
    walkin = Walkin.objects.get(customer_name="赵六")
    assert response.url == walkin.get_absolute_url()
    assert walkin.officer == org.officer1
    # Another cooperative's village is not offered.
    data["village"] = org.village_b1.pk
    assert "请选择本社辖内的行政村" in client.post("/hall/walkins/new/", data).content.decode()


def test_list_search_filter_scope_and_pagination(
    org, loan_type, login, django_assert_max_num_queries
):
    for i in range(35):
        application(org, loan_type, customer_name=f"客户{i:02d}", phone=f"1390000{i:04d}")
    services.walkin_register(
        actor=org.officer1,
        kind="enquiry",
        customer_name="咨询人",
        phone="13800138009",
        village=org.village_a1,
        need="问问",
    )
    client = login(org.director)
    with django_assert_max_num_queries(12):
        body = client.get("/hall/").content.decode()
    assert "第 1 页" in body and "/ 2" in body
    body = client.get("/hall/?q=客户07").content.decode()
    assert "客户07" in body and "客户08" not in body
    body = client.get("/hall/?kind=enquiry").content.decode()
    assert "咨询人" in body and "客户01" not in body
    assert "客户01" not in login(org.director_b).get("/hall/?q=客户").content.decode()
    walkin = Walkin.objects.first()
    assert login(org.officer_b).get(f"/hall/walkins/{walkin.pk}/").status_code == 404
    assert login(org.auditor).get(f"/hall/walkins/{walkin.pk}/").status_code == 200
    assert (
        login(org.auditor)
        .post(f"/hall/walkins/{walkin.pk}/answer/", {"decision": "approve"})
        .status_code
        == 403
    )
    assert login(org.teller).get("/hall/walkins/new/").status_code == 403
    assert login(org.committee).get("/hall/").status_code == 403


def test_director_decides_through_the_page_and_decline_needs_a_reason(org, loan_type, login):
    walkin = application(org, loan_type)
    services.walkin_settle(
        walkin_id=walkin.pk,
        actor=org.officer2,
        step="answer",
        outcome="approve",
        today=date(2026, 2, 13),
    )
    url = f"/hall/walkins/{walkin.pk}/decide/"
    assert login(org.officer2).post(url, {"decision": "approve"}).status_code == 403
    client = login(org.director)
    resp = client.post(url, {"decision": "decline", "note": ""}, follow=True)
    assert "审批不同意时必须填写意见" in resp.content.decode()
    walkin.refresh_from_db()
    assert walkin.status != WalkinStatus.DECLINED
    resp = client.post(url, {"decision": "decline", "note": "经营项目风险较大"}, follow=True)
    assert "审批已办结" in resp.content.decode()
    walkin.refresh_from_db()
    assert walkin.status == WalkinStatus.DECLINED
    assert login(org.director_b).post(url, {"decision": "approve"}).status_code == 404


def test_walkin_page_shows_what_stops_each_clock_and_why_it_stopped(org, loan_type, login):
    walkin = application(org, loan_type)
    client = login(org.officer2)
    rows = table_rows(client.get(walkin.get_absolute_url()).content.decode(), "deadlines")
    # item, responsible, start, limit, due, stop condition, stopped on, late days, state
    assert [(r[1], r[5], r[6]) for r in rows] == [
        (org.officer2.name, "答复客户（进入审批或不予受理并告知原因）", "—")
    ]
    client.post(f"/hall/walkins/{walkin.pk}/answer/", {"decision": "approve"})
    rows = table_rows(client.get(walkin.get_absolute_url()).content.decode(), "deadlines")
    today = timezone.localdate().isoformat()
    assert [(r[1], r[5], r[6]) for r in rows] == [
        (
            org.officer2.name,
            "答复客户（进入审批或不予受理并告知原因）已停表：已答复客户：进入审批",
            today,
        ),
        (org.director.name, "作出审批决定（同意或不同意）", "—"),
    ]
    body = login(org.director).get("/hall/deadlines/?state=all").content.decode()
    assert "<th>停表条件</th>" in body and "已停表：已答复客户：进入审批" in body


def publish_february(org):
    roster = services.roster_get_or_create(cooperative=org.coop_a, month=date(2026, 2, 1))
    services.roster_autofill(roster_id=roster.pk, actor=org.director)
    services.roster_publish(roster_id=roster.pk, actor=org.director)
    return roster


def test_registration_records_whether_the_registrar_is_on_todays_roster(org, loan_type):
    roster = publish_february(org)
    on_duty = roster.shifts.get(date=THU, post=DutyPost.OFFICER).staff
    off_duty = org.officer2 if on_duty == org.officer1 else org.officer1
    assert application(org, loan_type, actor=on_duty).registrar_on_duty is True
    walkin = application(org, loan_type, actor=off_duty, customer_name="赵大")
    # Registered all the same: the customer is not turned away.
    assert walkin.registrar_on_duty is False and walkin.registered_off_roster
    assert walkin.status == WalkinStatus.INVESTIGATING
    assert services.walkin_deadline(walkin, WALKIN_ANSWER) is not None
    log = AuditLog.objects.get(action="servicehall.walkin_register", object_id=str(walkin.pk))
    assert log.changes["registrar_on_duty"] is False
    # The director may register on any day.
    by_director = application(org, loan_type, actor=org.director, customer_name="钱二")
    assert by_director.registrar_on_duty is False and not by_director.registered_off_roster
    # A draft roster promises nothing.
    services.roster_withdraw(roster_id=roster.pk, actor=org.director)
    assert (
        application(org, loan_type, actor=on_duty, customer_name="孙三").registrar_on_duty is False
    )


def test_off_roster_registration_is_flagged_on_the_pages(org, loan_type, login, clock):
    roster = publish_february(org)
    clock(THU)
    on_duty = roster.shifts.get(date=THU, post=DutyPost.OFFICER).staff
    off_duty = org.officer2 if on_duty == org.officer1 else org.officer1
    assert "off-roster" not in login(on_duty).get("/hall/walkins/new/").content.decode()
    assert "off-roster" not in login(org.director).get("/hall/walkins/new/").content.decode()
    client = login(off_duty)
    assert "您今日不在已发布的值班表上" in text_of(
        client.get("/hall/walkins/new/").content.decode(), "off-roster"
    )
    data = {
        "kind": "application",
        "customer_name": "赵大",
        "phone": "13800138002",
        "village": org.village_a1.pk,
        "loan_type": loan_type.pk,
        "amount": "20000",
        "need": "养殖",
    }
    response = client.post("/hall/walkins/new/", data, follow=True)
    body = response.content.decode()
    assert "已登记并转交包村信贷员" in body
    assert text_of(body, "off-roster") == (
        f"登记人当日不在值班表上：{off_duty.name} 于 2026-02-12 登记时不在已发布的大厅值班表上。"
    )
    on_time = application(org, loan_type, actor=on_duty, customer_name="钱二")
    assert "off-roster" not in client.get(on_time.get_absolute_url()).content.decode()
    listing = login(org.director).get("/hall/").content.decode()
    assert f"今日值班：{on_duty.name}（值班信贷员）" in listing


def test_grade_3_officers_village_application_goes_to_an_officer_who_may_investigate(
    org, login, loan_type, django_capture_on_commit_callbacks
):
    """A grade-3 officer may not investigate: the application, its deadline and the notice
    go to an officer who may, and the hall says who."""
    org.village_a2.officer = org.officer3
    org.village_a2.save(update_fields=["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        walkin = application(org, loan_type)
    assert walkin.officer == org.officer1
    assert services.walkin_deadline(walkin, WALKIN_ANSWER).responsible == org.officer1
    assert Notification.objects.filter(recipient=org.officer1).exists()
    assert not Notification.objects.filter(recipient=org.officer3).exists()
    # An officer who now answers it may act on it.
    services.walkin_settle(
        walkin_id=walkin.pk, actor=org.officer1, step="answer", outcome="approve", today=THU
    )
    client = login(org.director)
    page = client.post(
        "/hall/walkins/new/",
        {
            "kind": "application",
            "customer_name": "赵六",
            "phone": "13800138009",
            "village": org.village_a2.pk,
            "need": "周转",
            "loan_type": loan_type.pk,
            "amount": "20000",
        },
        follow=True,
    ).content.decode()
    assert f"包村信贷员 {org.officer3.name} 不能调查此笔贷款" in page
    assert f"已转交信贷员 {org.officer1.name}" in page


def test_walkin_with_a_households_id_number_is_linked_to_it(org, login, loan_type):
    from tests import factories as f

    household = f.HouseholdFactory(group=org.group_a2)
    member = f.MemberFactory(household=household)
    walkin = application(org, loan_type, id_number=member.id_number.lower())
    assert walkin.household == household
    assert application(org, loan_type, id_number="").household is None
    body = login(org.officer2).get(walkin.get_absolute_url()).content.decode()
    assert household.head_name in text_of(body, "walkin-household")
