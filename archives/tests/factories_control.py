"""Loan files for the control tests: contracts and loans through the lending services (the
file opens by itself at granting), the archive's own fields set directly."""

from __future__ import annotations

import itertools
from datetime import date

from archives.models import ArchiveFile, FileStatus, Retention, Section
from archives.services.files import room_for
from loans.tests import factories as lf

_numbers = itertools.count(1)
SIGNED = date(2027, 6, 1)


def loan_file(org, *, signed_on=SIGNED, **fields) -> ArchiveFile:
    """The loan file of a fresh contract of village A1 (officer1's), with `fields` set."""
    contract = lf.contract(org, signed_on=signed_on, today=signed_on)
    file = ArchiveFile.objects.get(contract=contract)
    if fields:
        ArchiveFile.objects.filter(pk=file.pk).update(**fields)
        file.refresh_from_db()
    return file


def in_room(file: ArchiveFile, **fields) -> ArchiveFile:
    """The file filed in the room: an archive number, a volume, a shelf."""
    n = next(_numbers)
    values = {
        "status": FileStatus.IN_ROOM,
        "archive_number": f"A001-b-2027-{n:04d}",
        "volume_number": "2027-b-001",
        "shelf": "1",
        "pages": 12,
        "filed_on": date(2027, 7, 1),
        **fields,
    }
    ArchiveFile.objects.filter(pk=file.pk).update(**values)
    file.refresh_from_db()
    return file


def management_file(cooperative, *, title="2020年贷审会会议记录", **fields) -> ArchiveFile:
    n = next(_numbers)
    values = {
        "cooperative": cooperative,
        "room": room_for(cooperative),
        "section": Section.COMMITTEE,
        "series": "",
        "colour": "",
        "title": title,
        "record_date": date(2020, 3, 1),
        "opened_on": date(2020, 3, 1),
        "retention": Retention.SHORT,
        "status": FileStatus.IN_ROOM,
        "archive_number": f"{cooperative.code}-e-2020-{n:04d}",
        **fields,
    }
    return ArchiveFile.objects.create(**values)
