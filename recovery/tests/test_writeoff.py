"""Write-off dossiers (核销), 账销案存 and the cap on recoveries after write-off."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from creditcoop.models import AuditLog
from recovery import selectors, services
from recovery.models import (
    LimitationWarning,
    NplRecord,
    RecoveryEntry,
    RecoveryPolicy,
    WriteOffDossier,
)
from recovery.services import RecoveryError

from . import helpers_writeoff as h

pytestmark = pytest.mark.django_db
DAY = date(2026, 6, 1)
LATER = date(2026, 6, 15)


@pytest.fixture
def rec(org):
    return h.record(org.village_a1)


def _approve(actor, d, pos, decision="approve"):
    return services.writeoff_approve(
        actor=actor, dossier=d, level=h.level(pos), decision=decision, opinion="意见", today=DAY
    )


def test_each_level_approves_in_order_and_the_last_writes_the_record_off(org, rec):
    d = h.dossier(org.officer1, rec)
    services.writeoff_submit(actor=org.officer1, dossier=d)
    # The union's risk committee cannot approve before the cooperative's director …
    with pytest.raises(RecoveryError, match="上一级“信用社主任”尚未审批"):
        _approve(org.union_risk, d, 2)
    _approve(org.director, d, 1)
    d.refresh_from_db()
    assert d.status == "in_approval"
    # … nor the union head before the risk committee.
    with pytest.raises(RecoveryError, match="尚未审批"):
        _approve(org.admin, d, 3)
    # A level decides once.
    with pytest.raises(RecoveryError, match="已审批"):
        _approve(org.deputy, d, 1)
    _approve(org.union_risk, d, 2)
    rec.refresh_from_db()
    assert rec.book_status == NplRecord.BookStatus.OTHER
    _approve(org.admin, d, 3)
    d.refresh_from_db()
    rec.refresh_from_db()
    assert (d.status, d.written_off_on) == ("written_off", DAY)
    assert rec.book_status == NplRecord.BookStatus.WRITTEN_OFF
    assert list(d.approvals.values_list("position", "approver__username", "decision")) == [
        (1, "D001", "approve"),
        (2, "U002", "approve"),
        (3, "X001", "approve"),
    ]
    assert AuditLog.objects.filter(action="recovery.record_write_off").count() == 1


def test_the_approver_is_never_the_preparer(org, rec):
    d = h.dossier(org.director, rec)  # the director prepares
    services.writeoff_submit(actor=org.director, dossier=d)
    with pytest.raises(RecoveryError, match="不能是核销申报的经办人"):
        _approve(org.director, d, 1)
    assert d.approvals.count() == 0


def test_wrong_role_or_other_cooperative_cannot_approve_a_level(org, rec):
    d = h.dossier(org.officer1, rec)
    services.writeoff_submit(actor=org.officer1, dossier=d)
    with pytest.raises(RecoveryError, match="不是“信用社主任”的审批人"):
        _approve(org.director_b, d, 1)
    with pytest.raises(RecoveryError, match="不是“信用社主任”的审批人"):
        _approve(org.union_risk, d, 1)
    assert d.approvals.count() == 0


def test_a_refusal_ends_the_dossier_and_a_new_one_may_be_prepared(org, rec):
    d = h.dossier(org.officer1, rec)
    services.writeoff_submit(actor=org.officer1, dossier=d)
    _approve(org.director, d, 1, decision="refuse")
    d.refresh_from_db()
    rec.refresh_from_db()
    assert d.status == "refused"
    assert rec.book_status == NplRecord.BookStatus.OTHER
    with pytest.raises(RecoveryError, match="不在审批中"):
        _approve(org.union_risk, d, 2)
    assert h.dossier(org.officer1, rec).status == "draft"


def test_a_missing_required_evidence_blocks_submission(org, rec):
    cond = h.condition("death")
    required = list(cond.evidence.filter(required=True))
    ticks = h.all_ticks(cond)
    del ticks[required[-1].pk]
    d = h.dossier(org.officer1, rec, ticks=ticks)
    with pytest.raises(RecoveryError, match=f"缺少必备的证据材料：{required[-1].name}"):
        services.writeoff_submit(actor=org.officer1, dossier=d)
    d.refresh_from_db()
    assert (d.status, d.submitted_at) == ("draft", None)
    # Ticked without a document reference is refused at saving.
    with pytest.raises(RecoveryError, match="文件编号或存放位置"):
        services.writeoff_save(
            actor=org.officer1,
            dossier=d,
            condition=cond,
            principal="100",
            ticks={required[-1].pk: " "},
        )
    assert d.ticks.count() == len(ticks)


def test_amounts_above_what_is_owed_are_refused_and_nothing_is_saved(org, rec):
    with pytest.raises(RecoveryError, match="超过本金余额"):
        h.dossier(org.officer1, rec, principal="15000.01")
    with pytest.raises(RecoveryError, match="超过欠息"):
        h.dossier(org.officer1, rec, interest_on="1000", interest_off="200.01")
    assert WriteOffDossier.objects.count() == 0


def test_one_dossier_at_a_time_and_never_twice_written_off(org, rec):
    h.dossier(org.officer1, rec)
    with pytest.raises(RecoveryError, match="已有核销申报"):
        h.dossier(org.officer1, rec)
    other = h.record(org.village_a1, "WO-0002")
    h.written_off(org, other)
    WriteOffDossier.objects.filter(record=other).update(status="refused")  # even so
    with pytest.raises(RecoveryError, match="已核销"):
        h.dossier(org.officer1, other)


def test_written_off_record_stays_in_the_register_and_is_still_pursued(org, rec):
    d = h.written_off(org, rec)
    rec.refresh_from_db()
    assert rec.status == NplRecord.Status.PURSUING
    assert rec.collector == org.officer1
    assert rec in selectors.npl_scope(org.officer1)
    f = selectors.RegisterFilters(book_status="written_off")
    assert rec in selectors.register_rows(user=org.director, f=f)
    # Collection goes on: an action logs, and the sweep warns before the limitation ends.
    now = timezone.localtime()
    at = now.replace(hour=10, minute=0) - timedelta(days=0 if now.hour >= 10 else 1)
    services.collection_action_add(
        actor=org.officer1, record=rec, kind="visit", at=at, result="no_contact"
    )
    RecoveryPolicy.current(org.union)
    expiry = rec.limitation_expires_on
    services.limitation_sweep(today=expiry - timedelta(days=30))
    assert LimitationWarning.objects.filter(record=rec, lead_days=30).exists()
    assert d.status == "written_off"


def test_the_linked_loan_ledger_is_not_touched(org):
    from loans.models import Loan

    from .helpers_board import due_loan

    loan = due_loan(org, "5000", drawn=date(2025, 1, 10), due=date(2025, 7, 10))
    before = Loan.objects.filter(pk=loan.pk).values().get()
    rec = h.record(org.village_a1, "WO-LOAN", loan=loan, principal_owed=Decimal("5000"))
    h.written_off(org, rec, principal="5000", interest_on="0", interest_off="100")
    after = Loan.objects.filter(pk=loan.pk).values().get()
    assert after == before


def test_recovery_after_write_off_is_capped_to_the_fen(org, rec):
    d = h.written_off(org, rec, principal="1000.00", interest_on="0", interest_off="50.00")
    services.writeoff_recovery_record(
        actor=org.officer1, dossier=d, on=LATER, principal="600", interest="20", today=LATER
    )
    d.refresh_from_db()
    assert (d.recovered, d.remaining) == (Decimal("620.00"), Decimal("430.00"))
    entries = RecoveryEntry.objects.count()
    # One fen more than what remains: refused with what remains, nothing saved.
    with pytest.raises(RecoveryError, match="本金尚可收回 400.00 元") as exc:
        services.writeoff_recovery_record(
            actor=org.officer1, dossier=d, on=LATER, principal="400.01", today=LATER
        )
    assert "合计 430.00 元" in exc.value.message
    with pytest.raises(RecoveryError, match="利息尚可收回 30.00 元"):
        services.writeoff_recovery_record(
            actor=org.officer1, dossier=d, on=LATER, interest="30.01", today=LATER
        )
    d.refresh_from_db()
    assert (d.recovered, RecoveryEntry.objects.count()) == (Decimal("620.00"), entries)
    # Exactly what remains is allowed.
    services.writeoff_recovery_record(
        actor=org.officer1, dossier=d, on=LATER, principal="400.00", interest="30.00", today=LATER
    )
    d.refresh_from_db()
    rec.refresh_from_db()
    assert d.remaining == Decimal("0.00")
    assert rec.principal_owed == Decimal("15000.00") - Decimal("1000.00")
    assert d.recoveries.count() == 2
    with pytest.raises(RecoveryError, match="合计 0.00 元"):
        services.writeoff_recovery_record(
            actor=org.officer1, dossier=d, on=LATER, principal="0.01", today=LATER
        )


def test_the_database_refuses_a_running_total_above_the_write_off(org, rec):
    d = h.written_off(org, rec, principal="1000.00", interest_on="0", interest_off="50.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        WriteOffDossier.objects.filter(pk=d.pk).update(
            recovered_principal=F("principal") + Decimal("0.01")
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        WriteOffDossier.objects.filter(pk=d.pk).update(recovered_interest=Decimal("50.01"))


def test_recovery_only_on_a_written_off_dossier_and_after_its_date(org, rec):
    d = h.dossier(org.officer1, rec)
    with pytest.raises(RecoveryError, match="只有已核销"):
        services.writeoff_recovery_record(
            actor=org.officer1, dossier=d, on=LATER, principal="1", today=LATER
        )
    other = h.written_off(org, h.record(org.village_a1, "WO-0003"))
    with pytest.raises(RecoveryError, match="不能早于核销日期"):
        services.writeoff_recovery_record(
            actor=org.officer1,
            dossier=other,
            on=DAY - timedelta(days=1),
            principal="1",
            today=LATER,
        )
    assert RecoveryEntry.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_recoveries_together_over_the_cap_the_second_is_refused(org):
    rec = h.record(org.village_a1, "WO-RACE")
    d = h.written_off(org, rec, principal="1000.00", interest_on="0", interest_off="0.01")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            services.writeoff_recovery_record(
                actor=org.officer1, dossier=d, on=LATER, principal="600.00", today=LATER
            )
            results.append("ok")
        except RecoveryError as e:
            results.append(e.message)
        except Exception as e:  # anything else fails the test
            errors.append(repr(e))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results, key=len)[0] == "ok"
    assert "本金尚可收回 400.00 元" in sorted(results, key=len)[1]
    d.refresh_from_db()
    assert d.recovered_principal == Decimal("600.00")
    assert RecoveryEntry.objects.filter(record=rec).count() == 1
