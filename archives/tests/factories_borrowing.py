"""Files in the archive room and borrowings, for the borrowing tests (no handover needed)."""

from __future__ import annotations

import itertools

from django.utils import timezone

from archives.models import (
    ArchiveFile,
    BorrowerType,
    FileItem,
    FileStatus,
    Method,
    Section,
    Series,
)
from archives.models.files import LOAN_SECTIONS
from archives.services import borrowing as services
from archives.services.files import room_for
from creditcoop.models import Role
from tests import factories as f

_seq = itertools.count(1)
ITEMS = ("借款申请书", "授信合同（面签）", "借据")


def file_in_room(cooperative, *, section=Section.PERSONAL, items=ITEMS, title="") -> ArchiveFile:
    """A numbered file on the shelf of the cooperative's room, with its checklist."""
    n = next(_seq)
    today = timezone.localdate()
    file = ArchiveFile.objects.create(
        cooperative=cooperative,
        room=room_for(cooperative),
        section=section,
        series=Series.NORMAL if section in LOAN_SECTIONS else "",
        status=FileStatus.IN_ROOM,
        title=title or f"测试农户{n}贷款档案",
        record_date=today,
        archive_number=f"{cooperative.code}-{section}-{today.year}-{n:05d}",
        pages=12,
        opened_on=today,
        filed_on=today,
    )
    FileItem.objects.bulk_create(
        FileItem(file=file, order=i, name=name, status=FileItem.Status.ACCEPTED)
        for i, name in enumerate(items, start=1)
    )
    return file


def archivist(cooperative, username, name="档案员", roles=(Role.ARCHIVIST,)):
    return f.StaffFactory(
        username=username,
        name=name,
        cooperative=cooperative,
        union=cooperative.union,
        roles=list(roles),
    )


def external(actor, cooperative, files, *, method=Method.READ, kind=BorrowerType.COURT, **kw):
    """An external body's request, registered by the archivist with full credentials."""
    data = {
        "borrower_name": "马法官",
        "organisation": "阳光县人民法院",
        "credential_type": "工作证",
        "credential_number": "FY2026001",
        "credential_issuer": "阳光县人民法院",
        "letter_number": "（2026）阳法协字第12号",
        "purpose": "审理金融借款合同纠纷案调阅借款档案",
        **kw,
    }
    return services.borrowing_request(
        actor=actor,
        cooperative=cooperative,
        borrower_type=kind,
        method=method,
        file_ids=[x.pk for x in files],
        **data,
    )


def staff_request(actor, cooperative, files, *, method=Method.COPY, borrower=None, **kw):
    return services.borrowing_request(
        actor=actor,
        cooperative=cooperative,
        borrower_type=kw.pop("borrower_type", BorrowerType.STAFF),
        method=method,
        borrower=borrower,
        purpose=kw.pop("purpose", "贷后检查核对借据"),
        file_ids=[x.pk for x in files],
        **kw,
    )
