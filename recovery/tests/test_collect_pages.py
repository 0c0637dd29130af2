"""Collection pages: the action log (errors keep the input), the day's actions, notices
(list, single and batch print, receipt form), the section on the record page, scope."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from recovery import limitation as L
from recovery import services
from recovery.models import CollectionAction, CollectionNotice

from .helpers import npl
from .helpers_collect import action, at

pytestmark = pytest.mark.django_db


def _yesterday():
    return timezone.localdate() - timedelta(days=1)


def test_action_log_adds_and_refuses_keeping_the_input(org, client):
    record = npl(org.village_a1)
    client.force_login(org.officer1)
    url = reverse("recovery:action_log", args=[record.pk])
    page = client.get(url).content.decode()
    assert "不中断诉讼时效" in page and "没有债务人签收或到达证明" in page  # help text
    day = _yesterday().isoformat()
    data = {
        "kind": "visit",
        "at": f"{day}T22:00",
        "contact_name": "欧阳某之妻",
        "contact_relation": "妻子",
        "result": "promised",
        "result_text": "答应月底还五百元",
        "next_step": "月底再上门",
    }
    resp = client.post(url, data)
    body = resp.content.decode()
    assert resp.status_code == 400
    assert "22:00 至次日 08:00 禁止催收" in body
    assert "答应月底还五百元" in body and f"{day}T22:00" in body  # input kept
    assert not CollectionAction.objects.exists()
    data["at"] = f"{day}T21:59"
    resp = client.post(url, data)
    assert resp.status_code == 302
    a = CollectionAction.objects.get()
    assert (a.kind, a.person, a.contact_relation) == ("visit", org.officer1, "妻子")
    record.refresh_from_db()
    assert record.last_collection_on == _yesterday()
    page = client.get(url).content.decode()
    assert "答应月底还五百元" in page
    # The record's page shows the section with the latest action.
    detail = client.get(reverse("recovery:record_detail", args=[record.pk])).content.decode()
    assert 'id="collect-section"' in detail and "答应月底还五百元" in detail


def test_todays_actions_filter_and_scope(org, client):
    mine = npl(org.village_a1, number="A-1", borrower_name="甲某")
    theirs = npl(org.village_a2, number="A-2", borrower_name="乙某")
    other_coop = npl(org.village_b1, number="B-1", borrower_name="丙某")
    day = _yesterday()
    action(org.officer1, mine, at(day, 9), kind="visit")
    action(org.officer2, theirs, at(day, 10), kind="call")
    action(org.officer_b, other_coop, at(day, 11))
    url = reverse("recovery:actions_today")
    client.force_login(org.director)
    body = client.get(url, {"day": day.isoformat()}).content.decode()
    assert "甲某" in body and "乙某" in body and "丙某" not in body
    body = client.get(url, {"day": day.isoformat(), "kind": "visit"}).content.decode()
    assert "甲某" in body and "乙某" not in body
    body = client.get(url, {"day": day.isoformat(), "village": org.village_a2.pk}).content.decode()
    assert "甲某" not in body and "乙某" in body
    client.force_login(org.officer1)
    body = client.get(url, {"day": day.isoformat()}).content.decode()
    assert "甲某" in body and "乙某" not in body
    # Default: today, where nothing was logged.
    assert "当天没有催收记录" in client.get(url).content.decode()


def test_todays_actions_paginate(org, client):
    day = _yesterday()
    for i in range(31):
        action(org.officer1, npl(org.village_a1, number=f"P-{i}"), at(day, 9))
    client.force_login(org.director)
    url = reverse("recovery:actions_today")
    first = client.get(url, {"day": day.isoformat()}).content.decode()
    assert "第 1 页 / 2" in first and first.count(">欧阳某</a>") == 30
    second = client.get(url, {"day": day.isoformat(), "page": 2}).content.decode()
    assert second.count(">欧阳某</a>") == 1 and "第 2 页" in second


def test_single_notice_print_and_receipt_form(org, client):
    record = npl(org.village_a1, contract_number="HT-9", whereabouts="广东东莞")
    services.npl_guarantor_add(actor=org.officer1, record=record, name="钱保")
    client.force_login(org.officer1)
    form_url = reverse("recovery:notice_create", args=[record.pk])
    assert client.get(form_url).status_code == 200
    bad = client.post(form_url, {"printed_on": (timezone.localdate() - timedelta(1)).isoformat()})
    assert bad.status_code == 400 and "不能早于今天" in bad.content.decode()
    resp = client.post(form_url, {"printed_on": timezone.localdate().isoformat()})
    notice = CollectionNotice.objects.get()
    assert resp.url == reverse("recovery:notice_print", args=[notice.pk])
    page = client.get(resp.url).content.decode()
    for text in (
        notice.number,
        "催收通知书",
        "HT-9",
        "XB-0001",
        "钱保",
        "16200.00",
        "全部借款本息",
        "催收通知书回执",
        "沿此线剪开",
        "同住成年亲属",
        "@page",
    ):
        assert text in page, text
    # Receipt: an error keeps what was typed; then it is registered.
    url = reverse("recovery:notice_receipt", args=[notice.pk])
    assert client.get(url).status_code == 200
    too_early = (notice.printed_on - timedelta(days=1)).isoformat()
    resp = client.post(
        url,
        {
            "signed_on": too_early,
            "signer_name": "欧阳某",
            "signer_relation": "self",
            "receipt_no": "HZ-7",
        },
    )
    body = resp.content.decode()
    assert resp.status_code == 400 and "不能早于通知书打印日期" in body
    assert "HZ-7" in body and too_early in body
    resp = client.post(
        url,
        {
            "signed_on": notice.printed_on.isoformat(),
            "signer_name": "欧阳某",
            "signer_relation": "self",
            "receipt_no": "HZ-7",
        },
    )
    assert resp.status_code == 302
    record.refresh_from_db()
    assert record.limitation_expires_on == L.add_years(notice.printed_on, 3)
    page = client.get(url).content.decode()
    assert 'id="receipt-result"' in page and "中断时效" in page


def test_batch_print_for_a_village(org, client):
    npl(org.village_a1, number="A-1", borrower_name="甲某")
    r2 = npl(org.village_a1, number="A-2", borrower_name="乙某")
    services.npl_guarantor_add(actor=org.officer1, record=r2, name="丙保")
    npl(org.village_a2, number="A-3", borrower_name="丁某")
    client.force_login(org.officer1)
    url = reverse("recovery:notice_batch")
    form = client.get(url).content.decode()
    assert org.village_a1.name in form and org.village_a2.name not in form  # officer's scope
    resp = client.post(url, {"printed_on": timezone.localdate().isoformat()})
    assert resp.status_code == 400 and "二选一" in resp.content.decode()
    resp = client.post(
        url,
        {
            "village": org.village_a1.pk,
            "printed_on": timezone.localdate().isoformat(),
            "with_guarantors": "on",
        },
    )
    assert resp.status_code == 302
    page = client.get(resp.url).content.decode()
    assert page.count('class="notice-sheet') == 3
    assert "page-break-before: always" in page
    assert "甲某" in page and "丙保" in page and "丁某" not in page
    # The list: filters, status and search by number or name.
    lst = reverse("recovery:notice_list")
    assert client.get(lst).content.decode().count("登记回执") == 3
    n = CollectionNotice.objects.order_by("number").first()
    body = client.get(lst, {"q": n.number}).content.decode()
    assert body.count(n.number) >= 1 and "乙某" not in body
    assert "丙保" in client.get(lst, {"q": "丙"}).content.decode()
    assert "没有符合条件" in client.get(lst, {"status": "receipted"}).content.decode()
    assert "甲某" in client.get(lst, {"village": org.village_a1.pk}).content.decode()
    assert "甲某" not in client.get(lst, {"officer": org.officer2.pk}).content.decode()


def test_notices_are_scoped(org, client):
    record = npl(org.village_a1)
    notice = services.notice_create(actor=org.officer1, record=record)
    batch = services.notice_batch_create(actor=org.officer1, village=org.village_a1)
    for who in (org.officer2, org.director_b):
        client.force_login(who)
        for name, pk in (
            ("recovery:notice_print", notice.pk),
            ("recovery:notice_receipt", notice.pk),
            ("recovery:notice_batch_print", batch.pk),
            ("recovery:action_log", record.pk),
        ):
            assert client.get(reverse(name, args=[pk])).status_code == 404
    client.force_login(org.auditor)
    assert client.get(reverse("recovery:notice_print", args=[notice.pk])).status_code == 200
    resp = client.post(
        reverse("recovery:notice_receipt", args=[notice.pk]),
        {"signed_on": date.today().isoformat(), "signer_name": "x", "signer_relation": "self"},
    )
    assert resp.status_code == 403
    notice.refresh_from_db()
    assert notice.status == CollectionNotice.Status.PRINTED


def test_lists_cost_the_same_queries_at_any_size(org, client, django_assert_max_num_queries):
    day = _yesterday()
    client.force_login(org.director)

    def grow(n, start):
        for i in range(start, start + n):
            r = npl(org.village_a1, number=f"Q-{i}")
            services.npl_guarantor_add(actor=org.officer1, record=r, name=f"保{i}")
            action(org.officer1, r, at(day, 9))
        services.notice_batch_create(actor=org.officer1, village=org.village_a1)

    grow(2, 0)
    urls = [
        (reverse("recovery:actions_today"), {"day": day.isoformat()}),
        (reverse("recovery:notice_list"), {}),
    ]
    with django_assert_max_num_queries(14) as small:
        for url, q in urls:
            client.get(url, q)
    grow(20, 2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        for url, q in urls:
            client.get(url, q)
