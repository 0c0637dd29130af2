"""The file pages as their users meet them: search list, file page and its actions, labels,
management records, the archive parts of the home page."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from archives.models import ArchiveFile, Borrowing, BorrowingLine, FileItem, FileStatus, Section
from creditcoop.models import AuditLog
from loans.tests import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def file(org):
    return lf.contract(org).archive_file


def shelve(file, number="A001-b-2026-000042", **values):
    values = {"colour": "orange", "shelf": "3", "box": "8", **values}
    ArchiveFile.objects.filter(pk=file.pk).update(
        status=FileStatus.IN_ROOM, archive_number=number, volume_number="2026-b-001", **values
    )
    file.refresh_from_db()
    return file


def more_files(org, like, n):
    ArchiveFile.objects.bulk_create(
        ArchiveFile(
            cooperative=org.coop_a,
            room=like.room,
            section=Section.PERSONAL,
            colour=("green", "yellow", "orange", "red")[i % 4],
            title=f"测试档案{i}",
            record_date=like.record_date,
            opened_on=like.opened_on,
            village=(org.village_a1, org.village_a2)[i % 2],
            officer=(org.officer1, org.officer2)[i % 2],
            borrower_name=f"测试户{i}",
        )
        for i in range(n)
    )


def test_list_shows_colour_and_state_and_searches(org, login, file):
    shelve(file)
    client = login(org.archivist)
    resp = client.get(reverse("archives:file_list"))
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "A001-b-2026-000042" in body and "在库" in body and "file-colour" in body
    assert "橙" in body
    resp = client.get(reverse("archives:file_list"), {"q": file.id_number[-4:]})
    assert "A001-b-2026-000042" in resp.content.decode()
    resp = client.get(reverse("archives:file_list"), {"status": "lent"})
    assert "没有符合条件的档案" in resp.content.decode()


def test_list_query_count_does_not_grow_with_the_rows(org, login, file):
    client = login(org.archivist)
    url = reverse("archives:file_list")
    more_files(org, file, 4)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    more_files(org, file, 25)
    with CaptureQueriesContext(connection) as thirty:
        resp = client.get(url)
    assert resp.content.decode().count("file-colour") == 30
    assert len(thirty) == len(five), "\n".join(q["sql"] for q in thirty.captured_queries)
    # No COUNT over the room on a page.
    assert not [
        q["sql"]
        for q in thirty.captured_queries
        if "COUNT(" in q["sql"].upper() and "archives_archivefile" in q["sql"]
    ]
    more_files(org, file, 1)
    page2 = client.get(url, {"page": "2"}).content.decode()
    assert page2.count("file-colour") == 1 and "上一页" in page2


def test_officer_sees_only_their_villages_files(org, login, file):
    other = lf.contract(org, group=org.group_a2).archive_file
    body = login(org.officer1).get(reverse("archives:file_list")).content.decode()
    assert file.contract_number in body and other.contract_number not in body
    assert (
        login(org.officer1).get(reverse("archives:file_detail", args=[other.pk])).status_code == 404
    )


def test_detail_shows_items_history_and_borrowings(org, login, clerk, file):
    shelve(file)
    borrowing = Borrowing.objects.create(
        number="JY2026000001",
        cooperative=org.coop_a,
        borrower_type="staff",
        method="take_out",
        borrower=org.officer1,
        borrower_name=org.officer1.name,
        purpose="贷后检查",
        status=Borrowing.Status.ISSUED,
        authority="director",
        requested_by=org.archivist,
        signed_name=org.officer1.name,
        due_date=timezone.localdate() - timedelta(days=2),
    )
    BorrowingLine.objects.create(borrowing=borrowing, file=file, out=False)
    client = login(org.archivist)
    client.post(
        reverse("archives:file_transfer", args=[file.pk]),
        {"transferred_to": "县人民法院", "reason": "诉讼"},
    )
    body = client.get(reverse("archives:file_detail", args=[file.pk])).content.decode()
    assert "授信合同（面签）" in body and "未收集" in body
    assert "在库 → 已移出" in body and "诉讼" in body
    assert "JY2026000001" in body
    assert 'id="back-form"' in body and 'id="edit-form"' in body
    # The officer reads the file but has no archivist's actions on it.
    body = login(org.officer1).get(reverse("archives:file_detail", args=[file.pk])).content.decode()
    assert 'id="back-form"' not in body and 'id="edit-form"' not in body


def test_clerk_collects_items_on_the_page(org, login, clerk, file):
    first, second = file.items.order_by("order")[:2]
    client = login(clerk)
    page = client.get(reverse("archives:file_detail", args=[file.pk])).content.decode()
    assert 'name="items"' in page and 'id="add-item-form"' in page
    resp = client.post(
        reverse("archives:file_items_collect", args=[file.pk]),
        {"items": [first.pk, second.pk], "collected": "1"},
    )
    assert resp.status_code == 302
    assert set(file.items.filter(status="collected").values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }
    client.post(
        reverse("archives:file_items_collect", args=[file.pk]),
        {"items": [second.pk], "collected": "0"},
    )
    assert file.items.get(pk=second.pk).status == FileItem.Status.MISSING


def test_other_officer_and_filed_file_are_refused_on_the_page(org, login, clerk, file):
    item = file.items.first()
    # officer2 does not see A1's file at all.
    url = reverse("archives:file_items_collect", args=[file.pk])
    assert login(org.officer2).post(url, {"items": [item.pk]}).status_code == 404
    shelve(file)
    resp = login(clerk).post(url, {"items": [item.pk]}, follow=True)
    assert "已移交或入库" in resp.content.decode()
    assert file.items.get(pk=item.pk).status == FileItem.Status.MISSING


def test_item_added_by_hand_on_the_page(org, login, file):
    client = login(org.officer1)
    url = reverse("archives:file_item_add", args=[file.pk])
    resp = client.post(url, {"name": "", "pages": "1"})
    assert resp.status_code == 400 and 'id="add-item-form"' in resp.content.decode()
    resp = client.post(url, {"name": "土地承包经营权证复印件", "pages": "2", "required": "on"})
    assert resp.status_code == 302
    assert file.items.filter(name="土地承包经营权证复印件", required=True, original=False).exists()


def test_archivist_edits_on_the_page_auditor_is_refused(org, login, file):
    shelve(file)
    url = reverse("archives:file_edit", args=[file.pk])
    data = {"shelf": "7", "box": "21", "retention": "permanent", "in_litigation": "on"}
    assert login(org.auditor).post(url, data).status_code == 403
    assert login(org.officer1).post(url, data).status_code == 403
    assert login(org.archivist).post(url, data).status_code == 302
    file.refresh_from_db()
    assert (file.shelf, file.box, file.retention, file.in_litigation) == (
        "7",
        "21",
        "permanent",
        True,
    )
    assert AuditLog.objects.filter(action="archives.file_edit").count() == 1


def test_transfer_out_and_back_on_the_page(org, login, file):
    client = login(org.archivist)
    url = reverse("archives:file_transfer", args=[file.pk])
    # Still being prepared: not in the room, nothing to transfer.
    resp = client.post(url, {"transferred_to": "资产保全部", "reason": "清收"})
    assert resp.status_code == 400 and "只有在库的档案可以移出" in resp.content.decode()
    shelve(file)
    assert client.post(url, {"transferred_to": "资产保全部", "reason": "清收"}).status_code == 302
    file.refresh_from_db()
    assert file.status == FileStatus.TRANSFERRED
    assert (
        login(org.auditor).post(reverse("archives:file_transfer_back", args=[file.pk])).status_code
        == 403
    )
    client = login(org.archivist)
    client.post(reverse("archives:file_transfer_back", args=[file.pk]), {"note": "清收完毕归还"})
    file.refresh_from_db()
    assert (file.status, file.transferred_to) == (FileStatus.IN_ROOM, "")


def test_label_has_number_colour_name_and_qr(org, login, file):
    shelve(file)
    client = login(org.officer1)
    body = client.get(reverse("archives:file_label", args=[file.pk])).content.decode()
    assert "A001-b-2026-000042" in body and "2026-b-001" in body
    assert file.borrower_name in body and file.contract_number in body
    assert 'class="swatch swatch-orange">橙<' in body
    assert re.search(r"<svg[^>]*class=\"segno\"", body)
    assert "@page" in body


def test_labels_sheet_prints_the_ticked_files(org, login, file):
    shelve(file)
    other = shelve(lf.contract(org).archive_file, number="A001-b-2026-000043", colour="red")
    client = login(org.archivist)
    body = client.get(
        reverse("archives:file_labels"), {"ids": [file.pk, other.pk]}
    ).content.decode()
    assert body.count('class="label"') == 2 and body.count("<svg") == 2
    assert "红" in body
    # A file out of the user's scope answers like a missing one.
    resp = login(org.officer2).get(reverse("archives:file_labels"), {"ids": [file.pk]})
    assert resp.status_code == 404
    assert client.get(reverse("archives:file_labels")).status_code == 404


def test_management_record_page(org, login):
    url = reverse("archives:record_create")
    assert login(org.officer1).get(url).status_code == 403
    client = login(org.archivist)
    assert "record_date" in client.get(url).content.decode()
    resp = client.post(
        url, {"title": "", "section": "e", "record_date": "2026-03-10", "pages": "5"}
    )
    assert resp.status_code == 400
    resp = client.post(
        url,
        {
            "title": "2026年第1次贷审会会议记录",
            "section": "e",
            "record_date": "2026-03-10",
            "pages": "5",
        },
    )
    record = ArchiveFile.objects.get(title="2026年第1次贷审会会议记录")
    assert resp.url == reverse("archives:file_detail", args=[record.pk])
    body = client.get(resp.url).content.decode()
    assert "e 贷审会运作档案" in body and "整理中" in body


def test_home_sections(org, login, clerk, file):
    # officer1: the file misses required items and its handover is overdue.
    ArchiveFile.objects.filter(pk=file.pk).update(
        handover_due=timezone.localdate() - timedelta(days=1)
    )
    body = login(org.officer1).get(reverse("home")).content.decode()
    assert 'id="my-incomplete-files"' in body and file.borrower_name in body
    assert "逾期未移交" in body and "项必备资料" in body
    # The clerk sees the files being prepared.
    body = login(clerk).get(reverse("home")).content.decode()
    assert 'id="files-preparing"' in body and file.borrower_name in body
    # The archivist: files awaiting intake and loans out (one overdue).
    ArchiveFile.objects.filter(pk=file.pk).update(status=FileStatus.HANDED_OVER)
    Borrowing.objects.create(
        number="JY2026000009",
        cooperative=org.coop_a,
        borrower_type="staff",
        method="take_out",
        borrower_name="郑信贷",
        purpose="贷后检查",
        status=Borrowing.Status.ISSUED,
        authority="director",
        requested_by=org.archivist,
        signed_name="郑信贷",
        due_date=timezone.localdate() - timedelta(days=3),
    )
    body = login(org.archivist).get(reverse("home")).content.decode()
    assert re.search(r'id="awaiting-intake-count">1<', body)
    assert re.search(r'id="lent-count">1<', body) and re.search(r'id="lent-overdue-count">1<', body)
    assert "信贷档案" in body  # the menu entry
    # Someone with nothing archival to do sees none of it, and no menu entry.
    body = login(org.committee).get(reverse("home")).content.decode()
    assert "archive-room-work" not in body and "my-incomplete-files" not in body
    assert reverse("archives:file_list") not in body


def test_admin_lists_files_and_directory_templates(org, login, file):
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save(update_fields=["is_staff", "is_superuser"])
    admin_client = login(org.admin)
    resp = admin_client.get(
        reverse("admin:archives_archivefile_changelist"), {"q": file.contract_number}
    )
    assert resp.status_code == 200 and file.title in resp.content.decode()
    assert (
        admin_client.get(reverse("admin:archives_archivefile_change", args=[file.pk])).status_code
        == 200
    )
    template = file.template
    resp = admin_client.get(reverse("admin:archives_directorytemplate_change", args=[template.pk]))
    assert resp.status_code == 200 and "授信合同（面签）" in resp.content.decode()
