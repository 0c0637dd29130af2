"""Loan files open at granting, their checklist, the archivist's edits, transfers, management
records and who sees which file (docs/rules.md §6.1, §6.4)."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from archives import selectors
from archives.models import ArchiveFile, FileItem, FileStatus, Retention, Section
from archives.services import files as services
from archives.services._common import ArchiveError
from creditcoop.errors import DomainError
from creditcoop.models import AuditLog, Role, WorkflowEvent
from loans.tests import factories as lf
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def granted(org):
    """A contract granted through the lending service in village A1 (officer1's)."""
    return lf.contract(org)


def in_room(file, number="A001-b-2026-000001", **values):
    """What intake (another page) leaves behind: a numbered file on the shelf."""
    ArchiveFile.objects.filter(pk=file.pk).update(
        status=FileStatus.IN_ROOM,
        archive_number=number,
        volume_number="b-2026-001",
        filed_on=timezone.localdate(),
        **values,
    )
    file.refresh_from_db()
    return file


def test_granting_opens_a_file_with_the_directory_prelisted(org, granted):
    file = ArchiveFile.objects.get(contract=granted)
    assert file.status == FileStatus.PREPARING
    assert file.section == Section.PERSONAL
    assert file.officer == org.officer1
    assert file.borrower_name == granted.borrower.name
    assert file.contract_number == granted.number
    assert file.handover_due == granted.signed_on + timedelta(days=30)
    items = {i.name: i for i in file.items.all()}
    # What the system knows is pre-listed with its number; the IOU waits for a drawdown,
    # the guarantee documents only for a guaranteed contract.
    assert items["授信合同（面签）"].reference == granted.number
    assert items["贷款证复印件"].reference == granted.certificate.number
    assert "借据" not in items
    assert all(i.status == FileItem.Status.MISSING for i in items.values())
    assert AuditLog.objects.filter(action="archives.file_open", object_id=str(file.pk)).exists()


def test_a_drawdown_adds_its_iou(org, granted):
    loan = lf.draw(org, granted, "5000")
    file = ArchiveFile.objects.get(contract=granted)
    iou = file.items.get(source="iou")
    assert (iou.reference, iou.loan, iou.required) == (loan.number, loan, True)


def test_clerk_and_the_files_officer_collect_items_others_may_not(org, clerk, granted):
    file = granted.archive_file
    first, second = file.items.order_by("order")[:2]
    assert services.item_collect(item_ids=[first.pk], actor=clerk) == 1
    assert services.item_collect(item_ids=[second.pk], actor=org.officer1) == 1
    first.refresh_from_db()
    assert (first.status, first.collected_by) == (FileItem.Status.COLLECTED, clerk)
    for outsider in (org.officer2, org.teller, org.archivist):
        with pytest.raises(ArchiveError, match="信贷内勤或该档案的主办信贷员"):
            services.item_collect(item_ids=[second.pk], actor=outsider, collected=False)
    second.refresh_from_db()
    assert second.status == FileItem.Status.COLLECTED
    # Uncollecting puts it back on the officer's missing list.
    services.item_collect(item_ids=[first.pk], actor=clerk, collected=False)
    assert first.pk in {i.pk for i in services.missing_required(file)}


def test_a_filed_file_refuses_collection_changes(org, clerk, granted):
    file = in_room(granted.archive_file)
    item = file.items.first()
    with pytest.raises(ArchiveError, match="已移交或入库"):
        services.item_collect(item_ids=[item.pk], actor=clerk)
    item.refresh_from_db()
    assert item.status == FileItem.Status.MISSING


def test_auditor_writes_nothing(org, granted):
    file = granted.archive_file
    with pytest.raises(DomainError, match="只能查阅"):
        services.item_collect(item_ids=[file.items.first().pk], actor=org.auditor)
    with pytest.raises(DomainError, match="只能查阅"):
        services.item_add(file=file, name="补充材料", actor=org.auditor)
    with pytest.raises(DomainError, match="只能查阅"):
        services.file_transfer(file=file, transferred_to="法院", reason="x", actor=org.auditor)
    assert not file.items.exclude(status=FileItem.Status.MISSING).exists()


def test_item_added_by_hand_and_refusals(org, clerk, granted):
    file = granted.archive_file
    before = file.items.count()
    last = max(i.order for i in file.items.all())
    item = services.item_add(
        file=file, name="收入证明", required=False, original=False, pages=2, actor=clerk
    )
    assert (item.order, item.required, item.original, item.pages) == (last + 1, False, False, 2)
    assert AuditLog.objects.filter(action="archives.item_add", object_id=str(file.pk)).exists()
    with pytest.raises(ArchiveError, match="资料名称"):
        services.item_add(file=file, name="  ", actor=clerk)
    with pytest.raises(ArchiveError, match="信贷内勤或该档案的主办信贷员"):
        services.item_add(file=file, name="收入证明", actor=org.officer2)
    assert file.items.count() == before + 1


def test_archivist_edits_location_retention_and_litigation(org, granted):
    file = in_room(granted.archive_file)
    services.file_edit(
        file=file,
        actor=org.archivist,
        shelf="3",
        box="12",
        retention=Retention.PERMANENT,
        in_litigation=True,
    )
    file.refresh_from_db()
    assert (file.shelf, file.box, file.retention, file.in_litigation) == (
        "3",
        "12",
        Retention.PERMANENT,
        True,
    )
    row = AuditLog.objects.get(action="archives.file_edit", object_id=str(file.pk))
    assert row.changes["box"] == ["", "12"]
    # A person handling loans may not act as the archivist, nor may another cooperative's.
    dual = f.StaffFactory(
        username="K002", cooperative=org.coop_a, roles=[Role.ARCHIVIST, Role.CLERK]
    )
    other = f.StaffFactory(username="K101", cooperative=org.coop_b, roles=[Role.ARCHIVIST])
    with pytest.raises(ArchiveError, match="不得由经办信贷业务的人员兼任"):
        services.file_edit(file=file, actor=dual, shelf="9")
    with pytest.raises(ArchiveError, match="本社档案室"):
        services.file_edit(file=file, actor=other, shelf="9")
    with pytest.raises(ArchiveError, match="只有档案管理员"):
        services.file_edit(file=file, actor=org.director, shelf="9")
    file.refresh_from_db()
    assert file.shelf == "3"


def test_transfer_out_and_back(org, granted):
    file = in_room(granted.archive_file, shelf="1", box="2")
    services.file_transfer(
        file=file, transferred_to="县人民法院", reason="诉讼证据调取", actor=org.archivist
    )
    file.refresh_from_db()
    assert (file.status, file.transferred_to) == (FileStatus.TRANSFERRED, "县人民法院")
    with pytest.raises(ArchiveError, match="只有在库的档案可以移出"):
        services.file_transfer(
            file=file, transferred_to="资产保全部", reason="x", actor=org.archivist
        )
    services.file_transfer_back(file=file, actor=org.archivist)
    file.refresh_from_db()
    assert (file.status, file.transferred_to, file.shelf) == (FileStatus.IN_ROOM, "", "1")
    moves = list(
        WorkflowEvent.objects.filter(object_type="archives.archivefile", object_id=str(file.pk))
        .order_by("id")
        .values_list("from_state", "to_state", "reason")
    )
    assert moves == [
        ("in_room", "transferred", "诉讼证据调取"),
        ("transferred", "in_room", "自县人民法院收回"),
    ]
    with pytest.raises(ArchiveError, match="未移出"):
        services.file_transfer_back(file=file, actor=org.archivist)


def test_transfer_needs_a_destination_and_a_reason(org, granted):
    file = in_room(granted.archive_file)
    with pytest.raises(ArchiveError, match="移出至何处"):
        services.file_transfer(file=file, transferred_to=" ", reason="x", actor=org.archivist)
    with pytest.raises(ArchiveError, match="移出事由"):
        services.file_transfer(file=file, transferred_to="法院", reason="", actor=org.archivist)
    with pytest.raises(ArchiveError, match="只有档案管理员"):
        services.file_transfer(file=file, transferred_to="法院", reason="x", actor=org.officer1)
    file.refresh_from_db()
    assert file.status == FileStatus.IN_ROOM


def test_management_record_starts_in_preparation_with_its_item(org):
    record = services.record_create(
        cooperative=org.coop_a,
        title="2026年第3次贷审会会议记录",
        section=Section.COMMITTEE,
        record_date=date(2026, 3, 10),
        pages=12,
        note="含表决票",
        actor=org.archivist,
    )
    assert (record.status, record.series, record.contract_id) == (FileStatus.PREPARING, "", None)
    assert record.note == "含表决票"
    item = record.items.get()
    assert (item.name, item.pages, item.status) == (record.title, 12, FileItem.Status.COLLECTED)
    assert services.missing_required(record) == []
    assert AuditLog.objects.filter(action="archives.record_create", object_id=str(record.pk))
    # The director files one too; a loan section, an officer or the auditor may not.
    services.record_create(
        cooperative=org.coop_a,
        title="信贷工作通报",
        section=Section.DOCUMENTS,
        record_date=date(2026, 3, 1),
        pages=3,
        actor=org.director,
    )
    with pytest.raises(ArchiveError, match="e 至 j"):
        services.record_create(
            cooperative=org.coop_a,
            title="x",
            section=Section.PERSONAL,
            record_date=date(2026, 3, 1),
            pages=1,
            actor=org.archivist,
        )
    for actor in (org.officer1, org.director_b):
        with pytest.raises(DomainError):
            services.record_create(
                cooperative=org.coop_a,
                title="x",
                section=Section.REPORTS,
                record_date=date(2026, 3, 1),
                pages=1,
                actor=actor,
            )
    assert ArchiveFile.objects.filter(contract=None).count() == 2


# --- scope ------------------------------------------------------------------------------


def coop_b_contract(org):
    reviewer_b = f.StaffFactory(username="R101", cooperative=org.coop_b, roles=[Role.REVIEW_GROUP])
    teller_b = f.StaffFactory(username="T101", cooperative=org.coop_b, roles=[Role.TELLER])
    b = SimpleNamespace(
        group_a1=org.group_b1, director=org.director_b, reviewer=reviewer_b, teller=teller_b
    )
    return lf.contract(b, app=lf.passed_application(b))


@pytest.fixture
def three_files(org):
    a1 = lf.contract(org).archive_file
    a2 = lf.contract(org, group=org.group_a2).archive_file
    return a1, a2, coop_b_contract(org).archive_file


def ids(qs):
    return {f.pk for f in qs}


def test_scope_officer_villages_archivist_cooperative_union_all(org, three_files):
    a1, a2, b1 = three_files
    assert ids(selectors.files_scope(org.officer1)) == {a1.pk}
    assert ids(selectors.files_scope(org.officer2)) == {a2.pk}
    assert ids(selectors.files_scope(org.archivist)) == {a1.pk, a2.pk}
    assert ids(selectors.files_scope(org.director)) == {a1.pk, a2.pk}
    assert ids(selectors.files_scope(org.auditor)) == {a1.pk, a2.pk, b1.pk}
    assert ids(selectors.files_scope(org.union_risk)) == {a1.pk, a2.pk, b1.pk}
    assert ids(selectors.files_scope(org.committee)) == set()
    # An officer also sees a file they answer for in a village no longer theirs.
    ArchiveFile.objects.filter(pk=a2.pk).update(officer=org.officer1)
    assert ids(selectors.files_scope(org.officer1)) == {a1.pk, a2.pk}


# --- search -----------------------------------------------------------------------------


def search(user, **params):
    return [row.pk for row in selectors.file_search(user, params)]


def test_search_by_each_key(org, three_files):
    a1, a2, b1 = three_files
    a1 = in_room(a1, number="A001-b-2026-000007", shelf="5", box="17")
    ArchiveFile.objects.filter(pk=a2.pk).update(colour="red", series="npl")
    user = org.archivist
    assert search(user, q=a1.borrower_name) == [a1.pk]
    assert a1.pk in search(user, q=a1.borrower_name[:1])
    assert search(user, q=a1.id_number) == [a1.pk]
    assert search(user, q=a1.id_number[-6:]) == [a1.pk]
    assert search(user, q=a1.id_number.lower()[-4:]) == [a1.pk]
    assert search(user, q=a2.contract_number) == [a2.pk]
    assert search(user, q="A001-b-2026-0000") == [a1.pk]
    assert search(user, q="a001-B-2026-000007") == [a1.pk]
    assert search(user, section="b") == [a2.pk, a1.pk]
    assert search(user, section="e") == []
    assert search(user, series="npl") == [a2.pk]
    assert search(user, colour="red") == [a2.pk]
    assert search(user, status="in_room") == [a1.pk]
    assert search(user, shelf="5", box="17") == [a1.pk]
    assert search(user, village=str(org.village_a2.pk)) == [a2.pk]
    assert search(user, officer=str(org.officer1.pk)) == [a1.pk]
    # Out of scope stays out whatever the search names.
    assert search(user, q=b1.contract_number) == []
    assert search(org.officer1, q=a2.contract_number) == []
    # Nonsense filters are ignored, not errors.
    assert search(user, colour="purple", village="x") == [a2.pk, a1.pk]


def test_search_pages_without_counting(org, granted):
    file = granted.archive_file
    ArchiveFile.objects.bulk_create(
        [
            ArchiveFile(
                cooperative=org.coop_a,
                room=file.room,
                section=Section.PERSONAL,
                title=f"档案{i}",
                record_date=file.record_date,
                opened_on=file.opened_on,
                village=org.village_a1,
                officer=org.officer1,
                borrower_name=f"测试{i}",
            )
            for i in range(4)
        ]
    )
    first = selectors.file_search(org.archivist, {}, page_size=2)
    assert (len(first), first.has_next(), first.has_previous()) == (2, True, False)
    last = selectors.file_search(org.archivist, {"page": "3"}, page_size=2)
    assert (len(last), last.has_next(), last[0].pk) == (1, False, file.pk)
    # A name search lists by name, then by file.
    found = selectors.file_search(org.archivist, {"q": "测试"}, page_size=3)
    assert [row.borrower_name for row in found] == ["测试0", "测试1", "测试2"]
    assert found.has_next()
