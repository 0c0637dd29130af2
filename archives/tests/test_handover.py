"""Handover and intake (docs/rules.md §6.2): every step and every refusal of the services."""

import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from archives.models import (
    ArchiveFile,
    FileItem,
    HandoverBatch,
    HandoverLine,
    IntakeRecord,
    NumberSequence,
    Series,
)
from archives.selectors_handover import handover_candidates, handover_overdue
from archives.services import handover as services
from archives.services._common import ArchiveError
from archives.services.files import item_collect, missing_required
from creditcoop.errors import DomainError
from creditcoop.models import AuditLog, Role
from loans.tests import factories as lf
from tests import factories as f

pytestmark = pytest.mark.django_db
FS = ArchiveFile.S


# --- helpers shared with the page tests ---------------------------------------------------


def loan_file(org, *, drawn=True) -> ArchiveFile:
    """The loan file a grant opened in village A1 (officer1's), with its IOU when drawn."""
    contract = lf.contract(org)
    if drawn:
        lf.draw(org, contract, "5000")
    return ArchiveFile.objects.get(contract=contract)


def complete(file, clerk) -> ArchiveFile:
    """Every item of the checklist collected by the clerk."""
    item_collect(item_ids=list(file.items.values_list("pk", flat=True)), actor=clerk)
    file.refresh_from_db()
    return file


def ready_file(org, clerk) -> ArchiveFile:
    return complete(loan_file(org), clerk)


def submitted(org, clerk, *files) -> HandoverBatch:
    batch = services.handover_create(
        actor=clerk, cooperative=org.coop_a, file_ids=[x.pk for x in files], note=""
    )
    return services.handover_submit(batch=batch, actor=clerk)


def all_received(line) -> dict:
    items = line.file.items.filter(status=FileItem.Status.COLLECTED)
    return {i.pk: (True, "") for i in items}


# --- building and submitting a batch --------------------------------------------------------


def test_clerk_builds_a_batch_and_submits_it(org, clerk):
    file = ready_file(org, clerk)
    batch = services.handover_create(
        actor=clerk, cooperative=org.coop_a, file_ids=[file.pk], note="三月第一批"
    )
    year = timezone.localdate().year
    assert re.fullmatch(rf"YJA001{year}\d{{5}}", batch.number)
    assert batch.status == HandoverBatch.Status.DRAFT
    line = batch.lines.get()
    assert line.file == file and line.status == HandoverLine.Status.PENDING
    assert AuditLog.objects.filter(action="archives.handover_create", actor=clerk).exists()
    file.refresh_from_db()
    assert file.status == FS.PREPARING  # still with the unit until the list is submitted

    services.handover_submit(batch=batch, actor=clerk)
    batch.refresh_from_db()
    file.refresh_from_db()
    assert batch.status == HandoverBatch.Status.SUBMITTED and batch.submitted_at
    assert file.status == FS.HANDED_OVER
    assert set(file.items.values_list("status", flat=True)) == {FileItem.Status.COLLECTED}
    assert AuditLog.objects.filter(action="archives.archivefile_handed_over").count() == 1


def test_a_missing_required_item_blocks_the_handover(org, clerk):
    file = ready_file(org, clerk)
    contract_item = file.items.get(source="contract")
    item_collect(item_ids=[contract_item.pk], actor=clerk, collected=False)
    with pytest.raises(ArchiveError) as e:
        services.handover_create(actor=clerk, cooperative=org.coop_a, file_ids=[file.pk])
    assert contract_item.name in e.value.message and file.title in e.value.message
    assert HandoverBatch.objects.count() == 0


def test_an_item_uncollected_after_the_list_was_drawn_blocks_the_submission(org, clerk):
    file = ready_file(org, clerk)
    batch = services.handover_create(actor=clerk, cooperative=org.coop_a, file_ids=[file.pk])
    iou = file.items.get(source="iou")
    item_collect(item_ids=[iou.pk], actor=clerk, collected=False)
    with pytest.raises(ArchiveError, match="借据"):
        services.handover_submit(batch=batch, actor=clerk)
    batch.refresh_from_db()
    file.refresh_from_db()
    assert batch.status == HandoverBatch.Status.DRAFT and file.status == FS.PREPARING


def test_officer_hands_over_only_their_own_files(org, clerk):
    file = ready_file(org, clerk)  # village A1: officer1's
    with pytest.raises(ArchiveError, match="主办信贷员"):
        services.handover_create(actor=org.officer2, cooperative=org.coop_a, file_ids=[file.pk])
    batch = services.handover_create(actor=org.officer1, cooperative=org.coop_a, file_ids=[file.pk])
    assert batch.handed_by == org.officer1


def test_a_file_of_another_cooperative_is_refused(org, clerk):
    file = ready_file(org, clerk)
    clerk_b = f.StaffFactory(username="C101", cooperative=org.coop_b, roles=[Role.CLERK])
    with pytest.raises(ArchiveError, match="不属于西城信用社"):
        services.handover_create(actor=clerk_b, cooperative=org.coop_b, file_ids=[file.pk])
    assert HandoverBatch.objects.count() == 0


def test_a_file_already_on_a_list_is_refused(org, clerk):
    file = ready_file(org, clerk)
    first = services.handover_create(actor=clerk, cooperative=org.coop_a, file_ids=[file.pk])
    with pytest.raises(ArchiveError, match=first.number):
        services.handover_create(actor=clerk, cooperative=org.coop_a, file_ids=[file.pk])
    assert HandoverBatch.objects.count() == 1


def test_the_auditor_and_the_archivist_cannot_draw_up_a_list(org, clerk):
    file = ready_file(org, clerk)
    for who in (org.auditor, org.archivist):
        with pytest.raises(DomainError):
            services.handover_create(actor=who, cooperative=org.coop_a, file_ids=[file.pk])


# --- the archivist's check -------------------------------------------------------------------


def test_an_archivist_handling_loans_is_refused_by_the_service(org, clerk):
    batch = submitted(org, clerk, ready_file(org, clerk))
    line = batch.lines.get()
    dual = f.StaffFactory(
        username="K002", cooperative=org.coop_a, roles=[Role.ARCHIVIST, Role.OFFICER]
    )
    with pytest.raises(ArchiveError, match="不得由经办信贷业务的人员兼任"):
        services.handover_check(line=line, actor=dual, results=all_received(line))
    line.refresh_from_db()
    assert line.status == HandoverLine.Status.PENDING
    assert line.file.status == FS.HANDED_OVER and line.file.archive_number == ""
    assert IntakeRecord.objects.count() == 0


def test_only_the_cooperatives_own_archivist_checks(org, clerk):
    batch = submitted(org, clerk, ready_file(org, clerk))
    line = batch.lines.get()
    archivist_b = f.StaffFactory(username="K101", cooperative=org.coop_b, roles=[Role.ARCHIVIST])
    with pytest.raises(ArchiveError, match="本社档案室"):
        services.handover_check(line=line, actor=archivist_b, results=all_received(line))
    with pytest.raises(ArchiveError, match="只有档案管理员"):
        services.handover_check(line=line, actor=clerk, results=all_received(line))


def test_a_draft_list_cannot_be_checked(org, clerk):
    batch = services.handover_create(
        actor=clerk, cooperative=org.coop_a, file_ids=[ready_file(org, clerk).pk]
    )
    line = batch.lines.get()
    with pytest.raises(ArchiveError, match="尚未提交"):
        services.handover_check(line=line, actor=org.archivist, results=all_received(line))


def test_an_item_not_received_sends_the_file_back_to_the_officer(org, clerk):
    file = ready_file(org, clerk)
    batch = submitted(org, clerk, file)
    line = batch.lines.get()
    results = all_received(line)
    guarantee_less = file.items.get(name="面签声明及签字样本")
    results[guarantee_less.pk] = (False, "缺借款人签字样本")
    result = services.handover_check(line=line, actor=org.archivist, results=results)

    assert not result.accepted
    line.refresh_from_db()
    file.refresh_from_db()
    guarantee_less.refresh_from_db()
    assert line.status == HandoverLine.Status.REJECTED
    assert line.reason == "面签声明及签字样本：缺借款人签字样本"
    assert guarantee_less.status == FileItem.Status.REJECTED
    assert guarantee_less.reject_reason == "缺借款人签字样本"
    assert file.status == FS.PREPARING and file.archive_number == ""
    # Back on the officer's list of what is missing, and out of the complete files.
    assert missing_required(file) == [guarantee_less]
    on_desk = handover_candidates(org.officer1).get(pk=file.pk)
    assert [i.name for i in on_desk.missing_items] == ["面签声明及签字样本"]
    # Nothing left to check: the list is done.
    batch.refresh_from_db()
    assert batch.status == HandoverBatch.Status.CLOSED and batch.received_by == org.archivist
    assert IntakeRecord.objects.count() == 0

    # Collected again, the file goes on a new list and is taken in.
    item_collect(item_ids=[guarantee_less.pk], actor=clerk)
    again = submitted(org, clerk, file)
    line2 = again.lines.get()
    assert services.handover_check(
        line=line2, actor=org.archivist, results=all_received(line2)
    ).accepted


def test_a_rejection_needs_a_reason_and_changes_nothing_without_one(org, clerk):
    batch = submitted(org, clerk, ready_file(org, clerk))
    line = batch.lines.get()
    results = all_received(line)
    first = next(iter(results))
    results[first] = (False, "  ")
    with pytest.raises(ArchiveError) as e:
        services.handover_check(line=line, actor=org.archivist, results=results)
    assert f"reason_{first}" in e.value.errors
    line.refresh_from_db()
    assert line.status == HandoverLine.Status.PENDING
    assert not FileItem.objects.filter(status=FileItem.Status.REJECTED).exists()


def test_an_accepted_file_is_paged_numbered_shelved_and_registered(org, clerk):
    file = ready_file(org, clerk)
    other = ready_file(org, clerk)
    batch = submitted(org, clerk, file, other)
    line = batch.lines.get(file=file)
    items = list(file.items.order_by("order", "id"))
    pages = {i.pk: 2 for i in items}
    pages[items[0].pk] = 3
    on = timezone.localdate()
    result = services.handover_check(
        line=line,
        actor=org.archivist,
        results=all_received(line),
        pages=pages,
        shelf="A-01",
        box="003",
    )
    assert result.accepted
    file.refresh_from_db()
    assert file.status == FS.IN_ROOM
    assert file.archive_number == f"A001-b-{on.year}-000001"
    assert file.volume_number == f"{on.year}-b-001"
    assert (file.shelf, file.box, file.filed_on) == ("A-01", "003", on)
    items = list(file.items.order_by("order", "id"))
    assert [(i.page_from, i.page_to) for i in items[:3]] == [(1, 3), (4, 5), (6, 7)]
    assert all(i.status == FileItem.Status.ACCEPTED for i in items)
    assert file.pages == items[-1].page_to == 3 + 2 * (len(items) - 1)
    record = IntakeRecord.objects.get(file=file)
    assert (record.archive_number, record.volume_number, record.pages, record.batch) == (
        file.archive_number,
        file.volume_number,
        file.pages,
        batch,
    )
    assert record.received_by == org.archivist
    assert AuditLog.objects.filter(action="archives.file_intake", object_id=str(file.pk)).exists()
    # One line still waits: the list stays open until it is checked.
    batch.refresh_from_db()
    assert batch.status == HandoverBatch.Status.SUBMITTED
    line2 = batch.lines.get(file=other)
    services.handover_check(line=line2, actor=org.archivist, results=all_received(line2))
    other.refresh_from_db()
    assert other.archive_number == f"A001-b-{on.year}-000002"
    batch.refresh_from_db()
    assert batch.status == HandoverBatch.Status.CLOSED and batch.closed_at
    assert batch.received_by == org.archivist
    with pytest.raises(ArchiveError, match="不能重复核对"):
        services.handover_check(line=line2, actor=org.archivist, results=all_received(line2))


# --- numbers -----------------------------------------------------------------------------


def test_a_new_volume_every_volume_size_files_and_per_series(org):
    file = loan_file(org, drawn=False)
    file.room.volume_size = 2
    file.room.save()
    on = timezone.localdate()
    got = [services.volume_assign(file, Series.NORMAL, on) for _ in range(3)]
    assert got == [f"{on.year}-b-001", f"{on.year}-b-001", f"{on.year}-b-002"]
    assert services.volume_assign(file, Series.NPL, on) == f"{on.year}-bN-001"
    next_year = on.replace(year=on.year + 1)
    assert services.volume_assign(file, Series.NORMAL, next_year) == f"{on.year + 1}-b-001"


def test_the_archive_number_follows_the_rooms_prefix_and_the_series(org):
    file = loan_file(org, drawn=False)
    on = timezone.localdate()
    file.series = Series.NPL
    assert services.number_assign(file, on) == (
        f"A001-bN-{on.year}-000001",
        f"{on.year}-bN-001",
    )
    file.room.number_prefix = "DCXYS"
    file.room.save()
    file.series = Series.NORMAL
    assert services.number_assign(file, on)[0] == f"DCXYS-b-{on.year}-000001"
    assert NumberSequence.objects.filter(room=file.room).count() == 4


def test_a_number_already_held_by_imported_stock_is_skipped(org):
    file = loan_file(org, drawn=False)
    on = timezone.localdate()
    # A paper register imported earlier holds the number the counter would give next.
    ArchiveFile.objects.create(
        cooperative=file.cooperative,
        room=file.room,
        section="b",
        title="存量档案",
        record_date=on,
        opened_on=on,
        status="in_room",
        archive_number=f"A001-b-{on.year}-000001",
    )
    assert services.number_assign(file, on)[0] == f"A001-b-{on.year}-000002"


# --- overdue handovers --------------------------------------------------------------------------


def test_files_past_their_handover_date_are_listed_in_scope(org, clerk):
    file = loan_file(org, drawn=False)
    today = timezone.localdate()
    assert file.handover_due > today
    assert not handover_overdue(org.officer1, today).exists()
    later = file.handover_due + timedelta(days=1)
    assert list(handover_overdue(org.officer1, later)) == [file]
    assert list(handover_overdue(clerk, later)) == [file]
    assert list(handover_overdue(org.director, later)) == [file]
    assert not handover_overdue(org.officer2, later).exists()
    assert not handover_overdue(org.director_b, later).exists()
    ArchiveFile.objects.filter(pk=file.pk).update(status=FS.HANDED_OVER)
    assert not handover_overdue(org.officer1, later).exists()


# --- numbering under concurrent intake ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_intake_gets_distinct_consecutive_numbers(org, clerk):
    """Two archivists take in two files of the same room at the same moment: the sequence
    row lock gives each its own number, with no IntegrityError and no gap."""
    files = [ready_file(org, clerk), ready_file(org, clerk)]
    lines = [submitted(org, clerk, x).lines.get() for x in files]
    archivist2 = f.StaffFactory(username="K003", cooperative=org.coop_a, roles=[Role.ARCHIVIST])
    barrier = threading.Barrier(2)
    errors = []

    def worker(line, actor):
        try:
            barrier.wait()
            services.handover_check(line=line, actor=actor, results=all_received(line))
        except Exception as e:  # anything at all fails the test
            errors.append(repr(e))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(lines[0], org.archivist)),
        threading.Thread(target=worker, args=(lines[1], archivist2)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    year = timezone.localdate().year
    numbers = sorted(
        ArchiveFile.objects.filter(pk__in=[x.pk for x in files]).values_list(
            "archive_number", flat=True
        )
    )
    assert numbers == [f"A001-b-{year}-000001", f"A001-b-{year}-000002"]
    assert IntakeRecord.objects.count() == 2
    assert NumberSequence.objects.get(key=f"no:b:{year}").last == 2


def test_a_draft_list_can_be_discarded_and_frees_its_files(org, clerk):
    file = ready_file(org, clerk)
    batch = services.handover_create(actor=clerk, cooperative=org.coop_a, file_ids=[file.pk])
    with pytest.raises(ArchiveError, match="编制人或信贷内勤"):
        services.handover_discard(batch=batch, actor=org.officer2)
    services.handover_discard(batch=batch, actor=clerk)
    assert not HandoverBatch.objects.exists()
    assert AuditLog.objects.filter(action="archives.handover_discard").exists()
    again = submitted(org, clerk, file)  # the file is free for another list
    with pytest.raises(ArchiveError, match="已提交，不能作废"):
        services.handover_discard(batch=again, actor=clerk)


def test_a_required_item_added_after_submission_sends_the_file_back(org, clerk):
    file = ready_file(org, clerk)
    batch = submitted(org, clerk, file)
    line = batch.lines.get()
    received = all_received(line)
    second = lf.draw(org, file.contract, "1000")  # a new IOU, never handed over
    result = services.handover_check(line=line, actor=org.archivist, results=received)
    assert not result.accepted
    line.refresh_from_db()
    file.refresh_from_db()
    assert line.reason == "借据：未随档移交"
    assert file.status == FS.PREPARING
    assert [i.reference for i in missing_required(file)] == [second.number]
