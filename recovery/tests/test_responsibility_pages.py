"""Responsibility pages: the record's section and its forms, the printable decision, a
person's statement with deductions, the escalation list and the director's decision."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from recovery import services
from recovery.models import LossAssessment, OfficerEscalation, ResponsibilityDeduction

from .helpers import npl
from .helpers_responsibility import three_posts

pytestmark = pytest.mark.django_db
D = Decimal


def assessed(org, number="P-1", **kw):
    record = npl(
        org.village_a1, number=number, principal_owed=D("33333.33"), interest_owed=D("0"), **kw
    )
    three_posts(org, record)
    services.loss_assess(
        actor=org.director, record=record, above_authority=False, authority_evidence="权限表"
    )
    return record


def test_record_detail_links_to_the_section_and_the_director_fills_it_in(org, client):
    record = npl(org.village_a1, principal_owed=D("10000.01"), interest_owed=D("0"))
    client.force_login(org.director)
    detail = client.get(reverse("recovery:record_detail", args=[record.pk])).content.decode()
    url = reverse("recovery:responsibility", args=[record.pk])
    assert url in detail
    assert "尚未登记责任人" in client.get(url).content.decode()
    add = reverse("recovery:responsible_add", args=[record.pk])
    client.post(
        add, {"post": "investigation", "is_main": "on", "is_first": "on", "staff": org.officer1.pk}
    )
    client.post(add, {"post": "review", "is_main": "on", "name": "老副主任"})
    # A refusal comes back on the form and saves nothing.
    resp = client.post(add, {"post": "review", "is_main": "on", "name": "另一人"})
    assert "该岗位已有主要责任人" in resp.content.decode()
    client.post(add, {"post": "approval", "is_main": "on", "staff": org.director.pk})
    assert record.responsible_persons.count() == 3
    resp = client.post(
        reverse("recovery:loss_assess", args=[record.pk]),
        {"authority_evidence": "本社权限表", "loss_amount": ""},
        follow=True,
    )
    body = resp.content.decode()
    assert "8000.01" in body and "1000.00" in body and "老副主任" in body
    assert "10000.01" in body  # the total
    printed = client.get(reverse("recovery:responsibility_print", args=[record.pk]))
    text = printed.content.decode()
    assert "不良贷款责任认定书" in text and "@page" in text and "8000.01" in text


def test_the_officer_reads_but_does_not_get_the_forms(org, client):
    record = assessed(org)
    client.force_login(org.officer1)
    body = client.get(reverse("recovery:responsibility", args=[record.pk])).content.decode()
    assert "26666.67" in body and 'id="assess-form"' not in body
    resp = client.post(
        reverse("recovery:loss_assess", args=[record.pk]), {"authority_evidence": "x"}
    )
    assert resp.status_code == 403


def test_force_majeure_and_deductions_from_the_pages(org, client):
    record = assessed(org)
    share = LossAssessment.objects.get(record=record).shares.get(part="deputy")  # 3333.33
    client.force_login(org.director)
    month = timezone.localdate().strftime("%Y-%m")
    url = reverse("recovery:deduction_add", args=[share.pk])
    resp = client.post(url, {"month": month, "amount": "4000", "source": "pay"})
    assert "尚未扣回的 3,333.33 元" in resp.content.decode()
    assert not ResponsibilityDeduction.objects.exists()
    client.post(url, {"month": month, "amount": "333.33", "source": "pay", "back": "statement"})
    statement = client.get(reverse("recovery:responsibility_statement", args=[org.deputy.pk]))
    body = statement.content.decode()
    assert "333.33" in body and "3000.00" in body and "月工资扣发" in body
    until = date(timezone.localdate().year + 1, 1, 1)
    client.post(
        reverse("recovery:force_majeure_extend", args=[record.pk]),
        {"reason": "洪灾绝收", "evidence": "乡政府证明", "until": until.isoformat()},
    )
    body = client.get(reverse("recovery:responsibility", args=[record.pk])).content.decode()
    assert 'id="extension-active"' in body
    resp = client.post(url, {"month": month, "amount": "1", "source": "deposit"})
    assert "暂停扣款" in resp.content.decode()
    assert ResponsibilityDeduction.objects.count() == 1


def test_statement_scope(org, client):
    assessed(org)
    client.force_login(org.officer2)
    assert (
        client.get(reverse("recovery:responsibility_statement", args=[org.officer1.pk])).status_code
        == 404
    )
    client.force_login(org.officer1)
    body = client.get(
        reverse("recovery:responsibility_statement", args=[org.officer1.pk])
    ).content.decode()
    assert "26666.67" in body


def test_escalation_list_filters_pages_and_the_decision(org, client):
    for i in range(2):
        assessed(org, number=f"Q-{i}")
        services.officer_escalation_sweep()
    client.force_login(org.director)
    url = reverse("recovery:escalations")
    body = client.get(url).content.decode()
    assert body.count("郑信贷") == 2 and "停职清收" in body
    only_two = client.get(url, {"level": "2"}).content.decode()
    assert "两笔：停职清收</td>" in only_two and "一笔：承担赔偿</td>" not in only_two
    assert "郑信贷" not in client.get(url, {"q": "王"}).content.decode()
    e = OfficerEscalation.objects.get(level=2)
    page = reverse("recovery:escalation_decide", args=[e.pk])
    assert "decision-form" in client.get(page).content.decode()
    resp = client.post(page, {"decision": "waive", "text": ""})
    assert "须写明理由" in resp.content.decode()
    client.post(page, {"decision": "confirm", "text": "停职清收，只发生活费"})
    e.refresh_from_db()
    assert e.status == "decided" and e.decided_by == org.director
    assert "郑信贷" in client.get(url, {"status": "decided"}).content.decode()
    client.force_login(org.officer2)
    assert "郑信贷" not in client.get(url).content.decode()
    assert client.get(page).status_code == 404


def test_escalation_list_paginates(org, client, django_assert_max_num_queries):
    from tests import factories as f

    for i in range(35):
        officer = f.StaffFactory(
            username=f"OX{i:02d}",
            name=f"信贷{i:02d}",
            roles=["officer"],
            cooperative=org.coop_a,
            union=org.union,
        )
        OfficerEscalation.objects.create(
            cooperative=org.coop_a,
            officer=officer,
            level=1,
            record_count=1,
            opened_on=date(2026, 1, 1),
        )
    client.force_login(org.director)
    with django_assert_max_num_queries(12):
        first = client.get(reverse("recovery:escalations")).content.decode()
    second = client.get(reverse("recovery:escalations"), {"page": 2}).content.decode()
    assert first.count("承担赔偿</td>") == 30 and second.count("承担赔偿</td>") == 5


def test_persons_are_listed_in_the_order_the_loan_went_through(org, client):
    """Investigation, review, approval — not the posts' alphabetical codes."""
    record = npl(org.village_a1)
    services.responsible_person_add(
        actor=org.director, record=record, post="approval", staff=org.director
    )
    services.responsible_person_add(
        actor=org.director, record=record, post="review", staff=org.deputy
    )
    services.responsible_person_add(
        actor=org.director, record=record, post="investigation", is_first=True, staff=org.officer1
    )
    client.force_login(org.director)
    body = client.get(reverse("recovery:responsibility", args=[record.pk])).content.decode()
    investigation, review, approval = (
        body.index("调查岗（信贷员）"),
        body.index("审查岗（分管副主任）"),
        body.index("审批岗（主任）"),
    )
    assert investigation < review < approval
