"""Collection actions (quiet hours, daily cap) and collection notices (amounts to the print
date, numbering, batches, receipts and the limitation)."""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from creditcoop.models import AuditLog
from loans.models import Loan
from loans.tests import factories as lf
from recovery import limitation as L
from recovery import services
from recovery.models import (
    CollectionAction,
    CollectionNotice,
    LimitationEvent,
    NplRecord,
    RecoveryPolicy,
)
from recovery.services import RecoveryError

from .helpers import npl
from .helpers_collect import action, at

pytestmark = pytest.mark.django_db
DAY = date(2025, 5, 6)


def _nothing_saved(record, before_actions, before_audit, last_collection_on):
    record.refresh_from_db()
    assert CollectionAction.objects.count() == before_actions
    assert AuditLog.objects.count() == before_audit
    assert record.last_collection_on == last_collection_on


# --- quiet hours -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hh, mm, allowed",
    [(21, 59, True), (22, 0, False), (23, 30, False), (0, 0, False), (7, 59, False), (8, 0, True)],
)
def test_quiet_hours_edges(org, hh, mm, allowed):
    record = npl(org.village_a1)
    before = (CollectionAction.objects.count(), AuditLog.objects.count())
    when = at(DAY, hh, mm)
    if allowed:
        action(org.officer1, record, when)
        record.refresh_from_db()
        assert record.last_collection_on == DAY
        assert AuditLog.objects.filter(action="recovery.action_add").count() == 1
    else:
        with pytest.raises(RecoveryError, match="22:00 至次日 08:00 禁止催收"):
            action(org.officer1, record, when)
        _nothing_saved(record, *before, None)


def test_quiet_hours_follow_the_policy(org):
    policy = RecoveryPolicy.current(org.union)
    policy.quiet_from, policy.quiet_until = time(21, 0), time(7, 0)
    policy.save()
    record = npl(org.village_a1)
    with pytest.raises(RecoveryError, match="21:00 至次日 07:00"):
        action(org.officer1, record, at(DAY, 21, 0))
    action(org.officer1, record, at(DAY, 20, 59))
    action(org.officer1, record, at(DAY, 7, 0))  # 07:00 was quiet under the default
    assert services.in_quiet_hours(time(6, 59), quiet_from=time(21), quiet_until=time(7))


# --- daily cap ---------------------------------------------------------------------------


def test_daily_cap_per_debtor(org):
    record = npl(org.village_a1)
    g = services.npl_guarantor_add(actor=org.officer1, record=record, name="钱保")
    for i in range(6):
        action(org.officer1, record, at(DAY, 9 + i))
    before = (CollectionAction.objects.count(), AuditLog.objects.count())
    with pytest.raises(RecoveryError, match="已被联系 6 次，达到每日上限 6 次"):
        action(org.officer1, record, at(DAY, 16), kind="visit")
    _nothing_saved(record, *before, DAY)
    # Another collector on the same day is counted too (the cap is the debtor's).
    with pytest.raises(RecoveryError, match="每日上限"):
        action(org.director, record, at(DAY, 17))
    # The guarantor is a debtor of their own; the next day starts afresh.
    action(org.officer1, record, at(DAY, 16), guarantor=g)
    action(org.officer1, record, at(DAY + timedelta(days=1), 9))
    record.refresh_from_db()
    assert record.last_collection_on == DAY + timedelta(days=1)
    assert CollectionAction.objects.filter(record=record, guarantor=None).count() == 7


def test_daily_cap_follows_the_policy(org):
    RecoveryPolicy.objects.update_or_create(union=org.union, defaults={"daily_contact_cap": 2})
    record = npl(org.village_a1)
    action(org.officer1, record, at(DAY, 9))
    action(org.officer1, record, at(DAY, 10))
    with pytest.raises(RecoveryError, match="每日上限 2 次"):
        action(org.officer1, record, at(DAY, 11))


def test_an_action_is_not_a_limitation_interruption(org):
    record = npl(org.village_a1)
    action(org.officer1, record, at(DAY, 10), kind="sms", result="sent")
    record.refresh_from_db()
    assert record.limitation_expires_on == date(2027, 3, 1)  # unchanged
    assert not LimitationEvent.objects.exists()


def test_action_refusals_save_nothing(org):
    record = npl(org.village_a1)
    other = npl(org.village_a1, number="XB-0002")
    g_other = services.npl_guarantor_add(actor=org.officer1, record=other, name="外人")
    before = (CollectionAction.objects.count(), AuditLog.objects.count())
    cases = [
        (dict(actor=org.officer2), "无权"),  # not their village
        (dict(actor=org.auditor), "无权"),
        (dict(guarantor=g_other), "不属于这笔贷款"),
        (dict(now=at(DAY, 9)), "不能晚于现在"),  # 10:00 logged at 09:00
        (dict(next_on=DAY - timedelta(days=1)), "下次催收日期"),
    ]
    for kw, message in cases:
        actor = kw.pop("actor", org.officer1)
        with pytest.raises(RecoveryError, match=message):
            action(actor, record, at(DAY, 10), **kw)
    NplRecord.objects.filter(pk=record.pk).update(status=NplRecord.Status.RECOVERED)
    with pytest.raises(RecoveryError, match="不在清收中"):
        action(org.officer1, record, at(DAY, 10))
    _nothing_saved(record, *before, None)


# --- notices: amounts, numbers, batches ---------------------------------------------------


@pytest.fixture
def loan_record(org):
    c = lf.contract(org, signed_on=date(2024, 6, 1), today=date(2024, 6, 1))
    loan = lf.draw(org, c, "8000", today=date(2024, 7, 1), due_date=date(2025, 1, 10))
    Loan.objects.filter(pk=loan.pk).update(risk_class=3)
    services.npl_register_sync(today=date(2025, 6, 1))
    return NplRecord.objects.get(loan=loan)


def test_notice_amounts_to_the_print_date_follow_the_loan(org, loan_record):
    loan = loan_record.loan
    assert (loan.annual_rate, loan.penalty_rate) == (Decimal("0.043500"), Decimal("0.065250"))
    notice = services.notice_create(
        actor=org.officer1, record=loan_record, printed_on=date(2025, 6, 1), today=date(2025, 6, 1)
    )
    # Interest: 8000 × 193 days (2024-07-01 → 2025-01-10) × 4.35% ÷ 360 = 186.5666… → 186.57;
    # penalty: 8000 × 142 overdue days (2025-01-10 → 2025-06-01) × 6.525% ÷ 360 = 205.90.
    assert (notice.principal, notice.interest, notice.penalty) == (
        Decimal("8000.00"),
        Decimal("186.57"),
        Decimal("205.90"),
    )
    assert notice.total == Decimal("8392.47")
    assert notice.basis == CollectionNotice.Basis.LOAN
    assert notice.pay_by == date(2025, 6, 16)  # policy: 15 days
    assert "全部借款本息" in notice.wording() and "8392.47" in notice.wording()
    # Printed a month later, the same loan owes a month more interest and penalty.
    later = services.notice_create(
        actor=org.officer1, record=loan_record, printed_on=date(2025, 7, 1), today=date(2025, 7, 1)
    )
    assert later.interest == Decimal("186.57")  # contract interest stops at the due date
    assert later.penalty == Decimal("249.40")  # 8000 × 172 × 6.525% ÷ 360 = 249.40


def test_off_balance_notice_uses_the_stored_amounts(org):
    record = npl(org.village_a1, penalty_owed=Decimal("88.10"))
    n = services.notice_create(actor=org.officer1, record=record, today=DAY)
    assert (n.principal, n.interest, n.penalty, n.total) == (
        Decimal("15000.00"),
        Decimal("1200.00"),
        Decimal("88.10"),
        Decimal("16288.10"),
    )
    assert n.basis == CollectionNotice.Basis.RECORD and n.wording_version == "2025-1"


def test_numbers_are_consecutive_per_cooperative_and_unique(org):
    a = npl(org.village_a1)
    b = npl(org.village_b1, number="XB-B")
    n1 = services.notice_create(actor=org.officer1, record=a, today=DAY)
    n2 = services.notice_create(actor=org.officer1, record=a, today=DAY)
    nb = services.notice_create(actor=org.officer_b, record=b, today=DAY)
    assert (n1.number, n2.number, nb.number) == (
        "CSA001202500001",
        "CSA001202500002",
        "CSB001202500001",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        CollectionNotice.objects.filter(pk=n2.pk).update(number=n1.number)


def test_batch_for_a_village_numbers_every_party(org):
    r1 = npl(org.village_a1, number="A-1", borrower_name="甲某")
    r2 = npl(org.village_a1, number="A-2", borrower_name="乙某")
    g = services.npl_guarantor_add(actor=org.officer1, record=r2, name="丙保")
    npl(org.village_a2, number="A-3", borrower_name="丁某")  # another village
    npl(org.village_a1, number="A-4", status=NplRecord.Status.RECOVERED)
    services.notice_create(actor=org.officer1, record=r1, today=DAY)  # takes number 1
    batch = services.notice_batch_create(actor=org.officer1, village=org.village_a1, today=DAY)
    rows = list(batch.notices.order_by("number").values_list("number", "record", "guarantor"))
    assert rows == [
        ("CSA001202500002", r1.pk, None),
        ("CSA001202500003", r2.pk, None),
        ("CSA001202500004", r2.pk, g.pk),
    ]
    assert AuditLog.objects.filter(action="recovery.notice_print").count() == 4
    assert AuditLog.objects.filter(action="recovery.notice_batch").count() == 1
    without = services.notice_batch_create(
        actor=org.officer1, village=org.village_a1, with_guarantors=False, today=DAY
    )
    assert without.notices.count() == 2


def test_batch_for_an_officer_and_its_refusals(org):
    npl(org.village_a2, number="A-3", borrower_name="丁某")
    batch = services.notice_batch_create(actor=org.director, officer=org.officer2, today=DAY)
    assert [n.record.borrower_name for n in batch.notices.all()] == ["丁某"]
    before = (CollectionNotice.objects.count(), AuditLog.objects.count())
    with pytest.raises(RecoveryError, match="无权"):
        services.notice_batch_create(actor=org.officer1, village=org.village_a2, today=DAY)
    with pytest.raises(RecoveryError, match="无权"):
        services.notice_batch_create(actor=org.officer1, officer=org.officer2, today=DAY)
    with pytest.raises(RecoveryError, match="没有清收中"):
        services.notice_batch_create(actor=org.officer1, village=org.village_a1, today=DAY)
    with pytest.raises(RecoveryError, match="不能早于今天"):
        services.notice_batch_create(
            actor=org.director, officer=org.officer2, printed_on=DAY - timedelta(1), today=DAY
        )
    assert (CollectionNotice.objects.count(), AuditLog.objects.count()) == before


# --- receipts and the limitation ----------------------------------------------------------


def _receipt(org, notice, relation, name="欧阳某", signed_on=DAY, **kw):
    return services.notice_receipt_register(
        actor=org.officer1,
        notice=notice,
        signed_on=signed_on,
        signer_name=name,
        signer_relation=relation,
        receipt_no=kw.pop("receipt_no", "HZ-1"),
        today=kw.pop("today", DAY),
    )


def test_receipt_signed_by_a_relative_moves_the_expiry(org):
    record = npl(org.village_a1)
    assert record.limitation_expires_on == date(2027, 3, 1)
    notice = services.notice_create(actor=org.officer1, record=record, today=date(2025, 5, 1))
    notice = _receipt(org, notice, L.SIGNER_RELATIVE, name="欧阳某之妻")
    record.refresh_from_db()
    assert record.limitation_expires_on == date(2028, 5, 6)
    assert record.last_collection_on == DAY
    assert notice.status == CollectionNotice.Status.RECEIPTED and notice.receipt_counts
    event = notice.limitation_event
    assert (event.kind, event.signer_relation, event.receipt_number) == (
        L.DEMAND_RECEIPT,
        L.SIGNER_RELATIVE,
        "HZ-1",
    )
    assert "中断时效" in notice.receipt_effect
    assert AuditLog.objects.filter(action="recovery.notice_receipt").count() == 1
    # Registered once: a second registration is refused.
    with pytest.raises(RecoveryError, match="已于 2025-05-06 登记"):
        _receipt(org, notice, L.SIGNER_SELF)


def test_receipt_signed_by_an_unrelated_person_is_kept_but_moves_nothing(org):
    record = npl(org.village_a1)
    notice = services.notice_create(actor=org.officer1, record=record, today=date(2025, 5, 1))
    notice = _receipt(org, notice, L.SIGNER_OTHER, name="邻居张三")
    record.refresh_from_db()
    assert record.limitation_expires_on == date(2027, 3, 1)
    assert not LimitationEvent.objects.exists()
    assert notice.status == CollectionNotice.Status.RECEIPTED and not notice.receipt_counts
    assert (notice.signer_name, notice.signer_relation) == ("邻居张三", L.SIGNER_OTHER)
    assert "不构成有效送达" in notice.receipt_effect


def test_guarantor_signing_after_the_guarantee_period_revives_nothing(org):
    record = npl(org.village_a1)  # due 2024-03-01: guarantee period to 2024-09-01
    g = services.npl_guarantor_add(actor=org.officer1, record=record, name="钱保")
    notice = services.notice_create(
        actor=org.officer1, record=record, guarantor=g, today=date(2025, 5, 1)
    )
    assert "保证人" in notice.wording() and "履行保证责任" in notice.wording()
    notice = _receipt(org, notice, L.SIGNER_SELF, name="钱保")
    assert not notice.receipt_counts
    assert "不恢复保证责任" in notice.receipt_effect
    assert notice.limitation_event.guarantor == g  # kept on file
    g.refresh_from_db()
    assert g.limitation_expires_on == date(2024, 9, 1)


def test_receipt_refusals_save_nothing(org):
    record = npl(org.village_a1)
    notice = services.notice_create(actor=org.officer1, record=record, today=date(2025, 5, 1))
    before = (LimitationEvent.objects.count(), AuditLog.objects.count())
    cases = [
        (dict(signed_on=date(2025, 4, 30)), "不能早于通知书打印日期"),
        (dict(signed_on=DAY + timedelta(1)), "不能晚于今天"),
        (dict(name=" "), "签收人姓名"),
        (dict(relation="cousin"), "签收人身份"),
    ]
    for kw, message in cases:
        relation = kw.pop("relation", L.SIGNER_SELF)
        with pytest.raises(RecoveryError, match=message):
            _receipt(org, notice, relation, **kw)
    with pytest.raises(RecoveryError, match="无权"):
        services.notice_receipt_register(
            actor=org.officer2,
            notice=notice,
            signed_on=DAY,
            signer_name="欧阳某",
            signer_relation=L.SIGNER_SELF,
            today=DAY,
        )
    notice.refresh_from_db()
    assert notice.status == CollectionNotice.Status.PRINTED and notice.signer_name == ""
    assert (LimitationEvent.objects.count(), AuditLog.objects.count()) == before
