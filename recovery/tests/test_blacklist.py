"""The blacklist on the one credit-history model: add, exit, lapse, and rating and the
counter refusing through ``family_credit_problem``."""

from datetime import date

import pytest
from django.urls import reverse

from creditcoop.models import AuditLog
from loans.services import DrawdownRefused
from loans.tests import factories as lf
from ratings.models import CreditApplication
from ratings.tests.factories import application, household
from recovery import services
from recovery.models import RecoveryPolicy
from recovery.services import RecoveryError
from villages.credit import family_credit_problem
from villages.models import BadCreditRecord

from .helpers import npl

pytestmark = pytest.mark.django_db
S = CreditApplication.Status
TODAY = date(2026, 6, 1)


def _record_of(org, person, **kw):
    return npl(org.village_a1, borrower_name=person.name, borrower_id_number=person.id_number, **kw)


def _head(h):
    return h.members.get(relation="head")


def test_lapse_keeps_the_entry_the_day_before_and_exits_it_on_the_lapse_day(org):
    h = household(org.group_a1)
    entry = services.blacklist_add(
        actor=org.director,
        record=_record_of(org, _head(h)),
        reason="late_repayment",
        listed_on=date(2019, 5, 1),
        default_ended_on=date(2020, 3, 10),
        today=TODAY,
    )
    assert entry.lapses_on(5) == date(2025, 3, 10)
    assert services.blacklist_lapse(today=date(2025, 3, 9)) == {"lapsed": 0}
    entry.refresh_from_db()
    assert entry.active and family_credit_problem(h) is not None
    assert services.blacklist_lapse(today=date(2025, 3, 10)) == {"lapsed": 1}
    entry.refresh_from_db()
    assert not entry.active and entry.exited_on == date(2025, 3, 10)
    assert entry.exit_reason == "lapsed"
    assert family_credit_problem(h) is None
    assert (
        AuditLog.objects.filter(action="recovery.blacklist_lapse", object_id=str(entry.pk)).count()
        == 1
    )
    # A second run finds nothing.
    assert services.blacklist_lapse(today=date(2025, 3, 10)) == {"lapsed": 0}


def test_the_lapse_years_are_the_unions_policy_and_an_ongoing_default_never_lapses(org):
    policy = RecoveryPolicy.current(org.coop_a.union)
    policy.blacklist_lapse_years = 3
    policy.save()
    h = household(org.group_a1)
    ended = services.blacklist_add(
        actor=org.director,
        record=_record_of(org, _head(h), number="A-1"),
        reason="misuse",
        default_ended_on=date(2022, 2, 1),
        today=TODAY,
    )
    ongoing = services.blacklist_add(
        actor=org.director,
        record=_record_of(org, _head(h), number="A-2"),
        reason="unpaid_interest",
        listed_on=date(2001, 1, 1),
        today=TODAY,
    )
    assert services.blacklist_lapse(today=date(2025, 2, 1)) == {"lapsed": 1}
    ended.refresh_from_db()
    ongoing.refresh_from_db()
    assert not ended.active and ongoing.active


def test_no_fault_default_exits_on_full_repayment_others_are_refused(org):
    h = household(org.group_a1)
    head = _head(h)
    fault = services.blacklist_add(
        actor=org.director,
        record=_record_of(org, head, number="A-1"),
        reason="misuse",
        default_ended_on=date(2024, 1, 15),
        today=TODAY,
    )
    with pytest.raises(RecoveryError, match="2029-01-15"):
        services.blacklist_exit(actor=org.director, entry=fault, repaid_on=TODAY, today=TODAY)
    fault.refresh_from_db()
    assert fault.active and fault.exited_on is None
    fault.active = False  # only the no-fault entry below is left blocking
    BadCreditRecord.objects.filter(pk=fault.pk).update(active=False)

    no_fault = services.blacklist_add(
        actor=org.director,
        record=_record_of(org, head, number="A-2"),
        reason="late_repayment",
        no_fault=True,
        today=TODAY,
    )
    assert "黑名单" in str(family_credit_problem(h))
    # An officer may not take people off; nothing is saved.
    with pytest.raises(RecoveryError, match="无权"):
        services.blacklist_exit(actor=org.officer1, entry=no_fault, repaid_on=TODAY, today=TODAY)
    services.blacklist_exit(actor=org.director, entry=no_fault, repaid_on=TODAY, today=TODAY)
    no_fault.refresh_from_db()
    assert not no_fault.active and no_fault.exit_reason == "repaid"
    assert no_fault.exited_on == TODAY
    assert family_credit_problem(h) is None
    assert AuditLog.objects.filter(action="recovery.blacklist_exit").count() == 1
    with pytest.raises(RecoveryError, match="已退出"):
        services.blacklist_exit(actor=org.director, entry=no_fault, repaid_on=TODAY, today=TODAY)


def test_add_refusals_save_nothing(org):
    h = household(org.group_a1)
    record = _record_of(org, _head(h))
    no_id = npl(org.village_a1, number="A-9", borrower_id_number="")
    with pytest.raises(RecoveryError, match="身份证号码"):
        services.blacklist_add(actor=org.director, record=no_id, reason="misuse", today=TODAY)
    with pytest.raises(RecoveryError, match="主任"):
        services.blacklist_add(actor=org.officer1, record=record, reason="misuse", today=TODAY)
    with pytest.raises(RecoveryError, match="原因"):
        services.blacklist_add(actor=org.director, record=record, reason="", today=TODAY)
    with pytest.raises(RecoveryError, match="主任"):
        services.blacklist_add(actor=org.director_b, record=record, reason="misuse", today=TODAY)
    assert not BadCreditRecord.objects.exists()
    services.blacklist_add(actor=org.director, record=record, reason="misuse", today=TODAY)
    with pytest.raises(RecoveryError, match="已因这笔贷款"):
        services.blacklist_add(actor=org.director, record=record, reason="misuse", today=TODAY)
    assert BadCreditRecord.objects.count() == 1


def test_rating_refuses_an_active_entry_and_not_after_exit(org):
    h = household(org.group_a1)
    spouse = h.members.exclude(relation="head").get()
    entry = services.blacklist_add(
        actor=org.director,
        record=_record_of(org, spouse),
        reason="late_repayment",
        no_fault=True,
        today=TODAY,
    )
    app = application(org, status=S.INITIAL, h=h)
    assert app.status == S.REJECTED and f"{spouse.name} 有黑名单记录" in app.rejection_reason
    services.blacklist_exit(actor=org.director, entry=entry, repaid_on=TODAY, today=TODAY)
    app = application(org, status=S.INITIAL, h=h)
    assert app.status == S.INITIAL


def test_the_counter_refuses_an_active_entry_and_not_after_lapse(org):
    contract = lf.contract(org, signed_on=date(2027, 1, 4), today=date(2027, 1, 4))
    borrower = contract.borrower
    services.blacklist_add(
        actor=org.director,
        record=_record_of(org, borrower),
        reason="unpaid_interest",
        default_ended_on=date(2022, 3, 2),
        today=date(2027, 1, 4),
    )
    with pytest.raises(DrawdownRefused, match="黑名单"):
        lf.draw(org, contract, "1000", today=date(2027, 3, 1))
    assert services.blacklist_lapse(today=date(2027, 3, 1)) == {"lapsed": 0}
    services.blacklist_lapse(today=date(2027, 3, 2))
    loan = lf.draw(org, contract, "1000", today=date(2027, 3, 2), due_date=date(2027, 9, 1))
    assert loan.pk


def test_pages_list_search_add_and_exit(org, client):
    h = household(org.group_a1)
    head = _head(h)
    record = _record_of(org, head)
    other = npl(org.village_b1, number="B-1", borrower_name="外社某", borrower_id_number="")
    client.force_login(org.director)
    add = reverse("recovery:blacklist_add", args=[record.pk])
    assert "列入黑名单" in client.get(add).content.decode()
    assert client.get(reverse("recovery:blacklist_add", args=[other.pk])).status_code == 404
    resp = client.post(add, {"reason": "", "listed_on": "2026-05-01"})
    assert resp.status_code == 400 and not BadCreditRecord.objects.exists()
    resp = client.post(
        add, {"reason": "misuse", "listed_on": "2026-05-01", "default_ended_on": "2026-05-01"}
    )
    assert resp.status_code == 302
    entry = BadCreditRecord.objects.get()
    assert entry.source == "npl_record" and entry.source_reference == record.loan_number
    url = reverse("recovery:blacklist")
    body = client.get(url, {"q": head.name[:1]}).content.decode()
    assert head.name in body and "2031-05-01" in body and "擅自改变贷款用途" in body
    assert head.name not in client.get(url, {"reason": "late_repayment"}).content.decode()
    assert head.name not in client.get(url, {"state": "exited"}).content.decode()
    # Another cooperative's director sees nothing of it.
    client.force_login(org.director_b)
    assert head.name not in client.get(url, {"state": "all"}).content.decode()
    assert (
        client.post(
            reverse("recovery:blacklist_exit", args=[entry.pk]), {"repaid_on": "2026-05-02"}
        ).status_code
        == 404
    )
    # The exit action on a fault entry records the end of the default (lapse date moves).
    client.force_login(org.director)
    client.post(reverse("recovery:blacklist_exit", args=[entry.pk]), {"repaid_on": "2026-05-02"})
    entry.refresh_from_db()
    assert entry.active and entry.default_ended_on == date(2026, 5, 2)
    assert "2031-05-02" in client.get(url).content.decode()
