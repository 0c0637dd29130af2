"""The register: nightly entry from the five-level book, events and the stored expiry,
guarantors, assessments, corrections."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from creditcoop.models import AuditLog
from loans.models import Loan
from loans.tests import factories as lf
from recovery import limitation as L
from recovery import services
from recovery.models import LimitationEvent, NplRecord, RecoverabilityAssessment
from recovery.services import RecoveryError
from recovery.tasks import npl_register_sync_nightly

from .helpers import npl

pytestmark = pytest.mark.django_db


@pytest.fixture
def bad_loan(org):
    c = lf.contract(org, signed_on=date(2024, 6, 1), today=date(2024, 6, 1))
    loan = lf.draw(org, c, "8000", today=date(2024, 7, 1), due_date=date(2025, 1, 10))
    Loan.objects.filter(pk=loan.pk).update(risk_class=3)
    return loan


def test_nonperforming_loan_enters_once_with_its_collector_and_expiry(org, bad_loan):
    result = npl_register_sync_nightly(today="2025-06-01")
    assert result["entered"] == 1
    record = NplRecord.objects.get(loan=bad_loan)
    assert record.collector == org.officer1  # the village's officer answers for it
    assert record.book_status == NplRecord.BookStatus.ON_BALANCE
    assert record.risk_class == 3 and record.principal_owed == Decimal("8000.00")
    assert record.limitation_expires_on == date(2028, 1, 10)
    assert AuditLog.objects.filter(
        action="recovery.record_enter", object_id=str(record.pk)
    ).exists()
    # A second run writes nothing.
    before = AuditLog.objects.count()
    assert services.npl_register_sync(today=date(2025, 6, 1)) == {
        "entered": 0,
        "refreshed": 0,
        "recovered": 0,
    }
    assert AuditLog.objects.count() == before


def test_performing_loans_stay_out(org, bad_loan):
    Loan.objects.filter(pk=bad_loan.pk).update(risk_class=1)
    assert services.npl_register_sync()["entered"] == 0


def test_sync_follows_repayments_and_marks_a_repaid_loan_recovered(org, bad_loan):
    services.npl_register_sync(today=date(2025, 6, 1))
    lf.repay(org, bad_loan, "3000")
    result = services.npl_register_sync(today=date(2025, 6, 2))
    assert result["refreshed"] == 1
    record = NplRecord.objects.get(loan=bad_loan)
    assert record.principal_owed < Decimal("8000.00")
    assert record.last_payment_on is not None
    Loan.objects.filter(pk=bad_loan.pk).update(
        status="closed", principal=0, interest_due=0, penalty_due=0
    )
    assert services.npl_register_sync()["recovered"] == 1
    record.refresh_from_db()
    assert record.status == NplRecord.Status.RECOVERED


@pytest.mark.parametrize(
    "due",
    [date(2015, 9, 29), date(2015, 9, 30), date(2015, 10, 1), date(2016, 2, 29), date(2020, 2, 29)],
)
def test_sql_expiry_is_the_engines(due):
    with connection.cursor() as cur:
        cur.execute(f"SELECT {services.expiry_sql('%(due)s::date')}", {"due": due})
        assert cur.fetchone()[0] == L.period_end(due)[0]


# --- events -----------------------------------------------------------------------------------


def test_signed_receipt_moves_the_expiry_and_the_last_collection_date(org):
    record = npl(org.village_a1)
    assert record.limitation_expires_on == date(2027, 3, 1)
    event, step = services.limitation_event_add(
        actor=org.officer1,
        record=record,
        kind=L.DEMAND_RECEIPT,
        occurred_on=date(2025, 5, 6),
        signer_name="欧阳某之妻",
        signer_relation=L.SIGNER_RELATIVE,
        receipt_number="CS-2025-001",
        today=date(2025, 5, 7),
    )
    record.refresh_from_db()
    assert step.verdict == L.COUNTED
    assert record.limitation_expires_on == date(2028, 5, 6)
    assert record.last_collection_on == date(2025, 5, 6)
    log = AuditLog.objects.get(action="recovery.event_add")
    assert log.changes["limitation_expires_on"] == ["2027-03-01", "2028-05-06"]


def test_deduction_after_expiry_is_refused_and_nothing_is_saved(org):
    record = npl(org.village_a1, due_on=date(2020, 3, 1))
    with pytest.raises(RecoveryError, match="届满（2023-03-01）之后"):
        services.limitation_event_add(
            actor=org.officer1,
            record=record,
            kind=L.DEDUCTION,
            occurred_on=date(2023, 4, 1),
            amount=Decimal("500"),
            today=date(2025, 1, 1),
        )
    assert not LimitationEvent.objects.exists()
    record.refresh_from_db()
    assert record.limitation_expires_on == date(2023, 3, 1)
    assert record.last_payment_on is None


def test_village_poster_is_refused(org):
    record = npl(org.village_a1)
    with pytest.raises(RecoveryError, match="全国或省级"):
        services.limitation_event_add(
            actor=org.officer1,
            record=record,
            kind=L.MEDIA_NOTICE,
            occurred_on=date(2025, 1, 5),
            media_level=L.MEDIA_POSTER,
            media_name="村务公开栏",
            today=date(2025, 1, 6),
        )
    assert not LimitationEvent.objects.exists()


def test_late_guarantor_signature_is_kept_with_the_reason_it_revives_nothing(org):
    record = npl(org.village_a1, due_on=date(2020, 1, 5))
    g = services.npl_guarantor_add(
        actor=org.officer1,
        record=record,
        name="李保",
        contract_signed_on=date(2019, 1, 5),
        stated_type="joint",
    )
    assert g.period_ends_on == date(2020, 7, 5)
    assert g.limitation_expires_on == date(2020, 7, 5)
    event, step = services.limitation_event_add(
        actor=org.officer1,
        record=record,
        guarantor=g,
        kind=L.DEMAND_RECEIPT,
        occurred_on=date(2021, 3, 1),
        signer_name="李保",
        signer_relation=L.SIGNER_SELF,
        today=date(2021, 3, 2),
    )
    assert step.verdict == L.NOTED and "不恢复保证责任" in step.text
    g.refresh_from_db()
    assert g.limitation_expires_on == date(2020, 7, 5)


def test_who_may_record(org):
    record = npl(org.village_a1)
    for user in (org.officer2, org.teller, org.auditor, org.officer_b):
        with pytest.raises(RecoveryError):
            services.limitation_event_add(
                actor=user,
                record=record,
                kind=L.ACKNOWLEDGEMENT,
                occurred_on=date(2025, 1, 1),
                today=date(2025, 1, 2),
            )
    # The director and the union's asset-preservation staff may.
    services.limitation_event_add(
        actor=org.union_asset,
        record=record,
        kind=L.ACKNOWLEDGEMENT,
        occurred_on=date(2025, 1, 1),
        today=date(2025, 1, 2),
    )


def test_event_shape_refusals(org):
    record = npl(org.village_a1)
    cases = [
        dict(kind=L.DEMAND_RECEIPT, occurred_on=date(2025, 1, 1)),  # no signer
        dict(kind=L.PARTIAL_PAYMENT, occurred_on=date(2025, 1, 1)),  # no amount
        dict(kind=L.SUSPENSION, occurred_on=date(2025, 1, 1)),  # no obstacle named
        dict(kind=L.ACKNOWLEDGEMENT, occurred_on=date(2025, 2, 1)),  # in the future
        dict(kind=L.DEMAND_POSTAL, occurred_on=date(2025, 1, 1)),  # no tracking number
    ]
    for case in cases:
        with pytest.raises(RecoveryError):
            services.limitation_event_add(
                actor=org.officer1, record=record, today=date(2025, 1, 10), **case
            )
    assert not LimitationEvent.objects.exists()


# --- corrections and assessments ----------------------------------------------------------


def test_only_leaders_assign_the_collector(org):
    record = npl(org.village_a1)
    with pytest.raises(RecoveryError, match="指定清收责任人"):
        services.npl_record_update(actor=org.officer1, record=record, collector_id=org.officer2.pk)
    services.npl_record_update(
        actor=org.officer1, record=record, whereabouts="广东东莞打工", heirs="妻 张某"
    )
    services.npl_record_update(actor=org.director, record=record, collector_id=org.officer2.pk)
    record.refresh_from_db()
    assert record.collector == org.officer2 and record.whereabouts == "广东东莞打工"
    with pytest.raises(RecoveryError, match="本社"):
        services.npl_record_update(actor=org.director, record=record, collector_id=org.officer_b.pk)
    with pytest.raises(RecoveryError, match="工作单位"):
        services.npl_record_update(actor=org.director, record=record, civil_servant=True)


def test_yearly_assessment_needs_reasons_and_proof_when_hopeless(org):
    record = npl(org.village_a1)
    with pytest.raises(RecoveryError, match="证明材料"):
        services.assessment_save(
            actor=org.officer1,
            record=record,
            year=2025,
            likelihood="none",
            evidence=[],
            reasons="借款人已死亡，无遗产",
            today=date(2025, 6, 1),
        )
    services.assessment_save(
        actor=org.officer1,
        record=record,
        year=2025,
        likelihood="none",
        evidence=["death", "village"],
        reasons="借款人已死亡，无遗产",
        today=date(2025, 6, 1),
    )
    # Saving again the same year corrects the one assessment.
    services.assessment_save(
        actor=org.officer1,
        record=record,
        year=2025,
        likelihood="partial",
        evidence=["visit"],
        today=date(2025, 7, 1),
    )
    a = RecoverabilityAssessment.objects.get(record=record)
    assert a.likelihood == "partial" and a.evidence == ["visit"]


def test_stale_records_are_recomputed(org):
    record = npl(org.village_a1)
    NplRecord.objects.filter(pk=record.pk).update(due_on=date(2024, 9, 1), limitation_stale=True)
    assert services.limitation_recompute_stale() == 1
    record.refresh_from_db()
    assert record.limitation_expires_on == date(2027, 9, 1) and not record.limitation_stale
    assert services.limitation_recompute_stale() == 0


def test_instalments_move_the_start(org):
    record = npl(org.village_a1, due_on=date(2024, 3, 1))
    record.instalments.create(due_on=date(2023, 3, 1), amount=Decimal("5000"))
    record.instalments.create(due_on=date(2024, 9, 1), amount=Decimal("5000"))
    services.limitation_store(record)
    record.refresh_from_db()
    assert record.limitation_expires_on == date(2027, 9, 1)


def test_sync_runs_after_the_classification_in_the_beat():
    from django.conf import settings

    names = list(settings.CELERY_BEAT_SCHEDULE)
    assert names.index("loan-classify-nightly") < names.index("npl-register-sync-nightly")
    assert names.index("npl-register-sync-nightly") < names.index("limitation-sweep-nightly")
