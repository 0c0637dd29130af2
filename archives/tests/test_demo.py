"""The archives demo (`make run`) on a small demo world built by the other stages' commands."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from archives.models import (
    ArchiveFile,
    BorrowerType,
    Borrowing,
    DestructionBatch,
    FileItem,
    FileStatus,
    HandoverBatch,
    InspectionFinding,
    IntakeRecord,
    Series,
)
from archives.services.reconcile import reconciliation_rows
from creditcoop.deadlines.models import Deadline
from creditcoop.models import AuditLog

pytestmark = pytest.mark.django_db


def world():
    out = io.StringIO()
    call_command("generate_demo", households=300, seed=1, stdout=out)
    for name in ("demo_ratings", "demo_notices", "demo_loans"):
        call_command(name, stdout=out)


def run() -> str:
    out = io.StringIO()
    call_command("demo_archives", stdout=out)
    return out.getvalue()


def counts():
    return (
        ArchiveFile.objects.count(),
        FileItem.objects.filter(status=FileItem.Status.COLLECTED).count(),
        HandoverBatch.objects.count(),
        IntakeRecord.objects.count(),
        Borrowing.objects.count(),
        DestructionBatch.objects.count(),
        InspectionFinding.objects.count(),
        AuditLog.objects.filter(action__startswith="archives.").count(),
    )


def test_demo_archives_shows_every_state_and_a_second_run_adds_nothing():
    world()
    assert ArchiveFile.objects.filter(contract__isnull=False).exists()
    summary = run()
    assert "档案演示数据" in summary and "逾期 1 笔" in summary

    states = set(ArchiveFile.objects.values_list("status", flat=True))
    assert states == set(FileStatus.values)

    # A file rejected at the check is back being prepared with the reason on its item.
    rejected = FileItem.objects.get(status=FileItem.Status.REJECTED)
    assert rejected.file.status == FileStatus.PREPARING
    assert "家庭成员签字" in rejected.reject_reason
    # A second list waits for the archivist's check.
    assert HandoverBatch.objects.filter(status=HandoverBatch.Status.SUBMITTED).exists()

    overdue = Borrowing.objects.get(borrower_type=BorrowerType.STAFF)
    assert overdue.status == Borrowing.Status.ISSUED
    assert overdue.due_date < timezone.localdate()
    deadline = Deadline.objects.get(object_id=overdue.pk, kind="archive_loan")
    assert deadline.overdue_notified_at is not None  # the sweep told the directors

    court = Borrowing.objects.get(borrower_type=BorrowerType.COURT)
    assert court.credential_type and court.credential_number and court.credential_issuer
    assert court.accompanied_by is not None and court.status == Borrowing.Status.ISSUED

    coop_ids = ArchiveFile.objects.values_list("cooperative_id", flat=True).distinct()
    differences = list(reconciliation_rows(list(coop_ids)))
    assert len(differences) == 1 and differences[0].status == FileStatus.IN_ROOM

    npl = ArchiveFile.objects.get(series=Series.NPL)
    assert npl.colour in ("orange", "red") and npl.archive_number
    assert ArchiveFile.objects.filter(section="e", status=FileStatus.IN_ROOM).exists()
    assert ArchiveFile.objects.filter(status=FileStatus.TRANSFERRED, transferred_to="清收部门")
    destroyed = DestructionBatch.objects.get()
    assert destroyed.status == DestructionBatch.Status.DESTROYED and destroyed.supervisor_id
    assert set(InspectionFinding.objects.values_list("status", flat=True)) == {
        InspectionFinding.Status.OPEN,
        InspectionFinding.Status.RECTIFIED,
    }

    before = counts()
    assert "未新增" in run()
    assert counts() == before


def test_demo_archives_without_loan_files_does_nothing(db):
    assert "跳过" in run()
    assert not ArchiveFile.objects.exists()
