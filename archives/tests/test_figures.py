"""The archive monthly figures against files and loan-outs built here (per cooperative)."""

from datetime import timedelta

import pytest

from archives.models import Borrowing, FileItem, FileStatus, Section
from creditcoop.reporting.tests.helpers import D, take, today

from .factories_borrowing import archivist, external, file_in_room

pytestmark = pytest.mark.django_db


def a_file(coop, status, *, section=Section.PERSONAL, item=None, required=True):
    """A file in ``status`` whose one checklist item is ``item`` (accepted when None)."""
    f = file_in_room(coop, section=section, items=("借据",))
    if item:
        FileItem.objects.filter(file=f).update(status=item, required=required, reject_reason="模糊")
    f.status = status
    if status == FileStatus.PREPARING:
        f.archive_number = ""
    f.save()
    return f


def loan_out(actor, coop, *, due_in, status=Borrowing.Status.ISSUED):
    b = external(actor, coop, [file_in_room(coop)])
    Borrowing.objects.filter(pk=b.pk).update(
        status=status, due_date=today() + timedelta(days=due_in), signed_name="马法官"
    )


def test_incomplete_lent_and_overdue_files(org):
    A, B = org.coop_a, org.coop_b
    P, M, R = FileStatus.PREPARING, FileItem.Status.MISSING, FileItem.Status.REJECTED
    a_file(A, P, item=M)  # incomplete
    a_file(A, P, item=R)  # sent back: incomplete
    a_file(A, P, item=M, required=False)  # an optional item missing: complete
    a_file(A, P, section=Section.COMMITTEE, item=M)  # a management record, not a loan file
    a_file(A, FileStatus.IN_ROOM, item=M)  # no longer being prepared
    a_file(A, FileStatus.LENT)
    a_file(A, FileStatus.LENT)
    a_file(B, P, item=M)
    a_file(B, FileStatus.LENT)
    loan_out(org.archivist, A, due_in=-1)  # overdue
    loan_out(org.archivist, A, due_in=3)
    loan_out(org.archivist, A, due_in=-5, status=Borrowing.Status.RETURNED)
    loan_out(archivist(B, "K901"), B, due_in=-10)  # overdue

    got = take(None, "archive_incomplete", "archive_lent", "archive_overdue")
    assert got == {
        (A.pk, None, "archive_incomplete", ""): D(2),
        (A.pk, None, "archive_lent", ""): D(2),
        (A.pk, None, "archive_overdue", ""): D(1),
        (B.pk, None, "archive_incomplete", ""): D(1),
        (B.pk, None, "archive_lent", ""): D(1),
        (B.pk, None, "archive_overdue", ""): D(1),
    }
