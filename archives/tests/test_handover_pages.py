"""Handover and intake pages: lists, the clerk's list, the archivist's check, the two-part print
and both registers with their Excel export."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from archives.models import ArchiveFile, FileItem, HandoverBatch, HandoverLine, IntakeRecord
from archives.services import handover as services
from archives.services.files import item_collect
from archives.tests.test_handover import loan_file, ready_file, submitted
from creditcoop.models import Role
from loans.tests import factories as lf
from tests import factories as f

pytestmark = pytest.mark.django_db


def _workbook_text(resp) -> str:
    book = load_workbook(io.BytesIO(b"".join(resp.streaming_content)), read_only=True)
    cells = (v for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row)
    return " ".join(str(v) for v in cells if v is not None)


def _check_data(line, *, refuse=None, pages=None, shelf="A-01", box="007"):
    data = {"shelf": shelf, "box": box}
    for item in line.file.items.filter(status=FileItem.Status.COLLECTED):
        if refuse and item.pk in refuse:
            data[f"reason_{item.pk}"] = refuse[item.pk]
        else:
            data[f"ok_{item.pk}"] = "on"
        data[f"pages_{item.pk}"] = str((pages or {}).get(item.pk, item.pages))
    return data


def test_create_page_offers_complete_files_and_names_what_is_missing(org, clerk, login):
    complete_file = ready_file(org, clerk)
    incomplete = loan_file(org)
    item_collect(
        item_ids=list(incomplete.items.exclude(name="个人信用报告").values_list("pk", flat=True)),
        actor=clerk,
    )
    incomplete.refresh_from_db()
    client = login(clerk)
    resp = client.get(reverse("archives:handover_create"))
    body = resp.content.decode()
    assert resp.status_code == 200
    assert f'name="files" value="{complete_file.pk}"' in body
    assert f'name="files" value="{incomplete.pk}"' not in body
    assert "缺：个人信用报告" in body

    # Forcing the incomplete file in: the service refuses, naming file and item, and the
    # ticks stay as they were.
    resp = client.post(
        reverse("archives:handover_create"),
        {"files": [complete_file.pk, incomplete.pk], "note": "第一批"},
    )
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "缺少必备资料：个人信用报告" in body and incomplete.title in body
    assert f'value="{complete_file.pk}" id="file-{complete_file.pk}" checked' in body
    assert 'value="第一批"' in body
    assert HandoverBatch.objects.count() == 0

    resp = client.post(
        reverse("archives:handover_create"), {"files": [complete_file.pk], "note": "第一批"}
    )
    batch = HandoverBatch.objects.get()
    assert resp.status_code == 302 and resp.url == reverse(
        "archives:handover_detail", args=[batch.pk]
    )
    assert batch.note == "第一批" and batch.handed_by == clerk


def test_detail_submit_and_the_list(org, clerk, login):
    file = ready_file(org, clerk)
    batch = services.handover_create(actor=clerk, cooperative=org.coop_a, file_ids=[file.pk])
    client = login(clerk)
    detail = reverse("archives:handover_detail", args=[batch.pk])
    body = client.get(detail).content.decode()
    assert "提交移交" in body and file.borrower_name in body

    resp = client.post(reverse("archives:handover_submit", args=[batch.pk]))
    assert resp.status_code == 302
    file.refresh_from_db()
    assert file.status == ArchiveFile.S.HANDED_OVER
    body = client.get(detail).content.decode()
    assert "已提交" in body and "提交移交</button>" not in body
    # Submitting twice says why it cannot.
    resp = client.post(reverse("archives:handover_submit", args=[batch.pk]), follow=True)
    assert "不能办理此操作" in resp.content.decode()

    # The list: found by borrower, filtered by state.
    url = reverse("archives:handover_list")
    assert batch.number in client.get(url, {"q": file.borrower_name}).content.decode()
    assert batch.number not in client.get(url, {"q": "查无此人"}).content.decode()
    assert batch.number in client.get(url, {"status": "submitted"}).content.decode()
    assert batch.number not in client.get(url, {"status": "closed"}).content.decode()


def test_officers_see_their_overdue_files_on_the_list(org, clerk, login):
    file = loan_file(org, drawn=False)
    ArchiveFile.objects.filter(pk=file.pk).update(
        handover_due=timezone.localdate() - timedelta(days=3)
    )
    body = login(org.officer1).get(reverse("archives:handover_list")).content.decode()
    assert "逾期未移交的档案 1 份" in body and file.contract_number in body
    body = login(org.officer2).get(reverse("archives:handover_list")).content.decode()
    assert "逾期未移交" not in body


def test_archivist_checks_item_by_item_and_errors_keep_what_was_typed(org, clerk, login):
    file = ready_file(org, clerk)
    batch = submitted(org, clerk, file)
    line = batch.lines.get()
    url = reverse("archives:handover_check", args=[line.pk])
    client = login(org.archivist)
    body = client.get(url).content.decode()
    assert "逐项核对" in body and "借据" in body

    items = list(line.file.items.filter(status=FileItem.Status.COLLECTED).order_by("order"))
    data = _check_data(line, refuse={items[1].pk: ""}, shelf="B-09")
    data[f"reason_{items[2].pk}"] = "已核"  # a note typed on a received row is kept too
    resp = client.post(url, data)
    body = resp.content.decode()
    assert resp.status_code == 200
    assert f"“{items[1].name}”未收到，请填写退回原因。" in body
    assert 'value="B-09"' in body and 'value="已核"' in body
    line.refresh_from_db()
    assert line.status == HandoverLine.Status.PENDING

    resp = client.post(url, _check_data(line, refuse={items[1].pk: "原件未见"}))
    assert resp.status_code == 302
    line.refresh_from_db()
    file.refresh_from_db()
    assert line.status == HandoverLine.Status.REJECTED and file.status == ArchiveFile.S.PREPARING
    # The result is shown, no longer a form; a second POST is refused.
    body = client.get(url).content.decode()
    assert "原件未见" in body and "提交核对结果" not in body
    resp = client.post(url, _check_data(line), follow=True)
    assert "不能重复核对" in resp.content.decode()


def test_an_archivist_who_handles_loans_is_refused_on_the_page(org, clerk, login):
    batch = submitted(org, clerk, ready_file(org, clerk))
    line = batch.lines.get()
    dual = f.StaffFactory(
        username="K002", cooperative=org.coop_a, roles=[Role.ARCHIVIST, Role.OFFICER]
    )
    resp = login(dual).post(reverse("archives:handover_check", args=[line.pk]), _check_data(line))
    assert resp.status_code == 200
    assert "不得由经办信贷业务的人员兼任" in resp.content.decode()
    assert not IntakeRecord.objects.exists()


def test_only_archivists_open_the_check_and_the_auditor_reads_the_lists(org, clerk, login):
    batch = submitted(org, clerk, ready_file(org, clerk))
    line = batch.lines.get()
    url = reverse("archives:handover_check", args=[line.pk])
    assert login(clerk).get(url).status_code == 403
    assert login(org.auditor).post(url, _check_data(line)).status_code == 403
    assert (
        login(org.auditor).get(reverse("archives:handover_detail", args=[batch.pk])).status_code
        == 200
    )
    assert login(org.teller).get(reverse("archives:handover_list")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_accepted_file_gets_its_numbers_and_appears_in_both_registers(org, clerk, login):
    file = ready_file(org, clerk)
    batch = submitted(org, clerk, file)
    line = batch.lines.get()
    client = login(org.archivist)
    first = line.file.items.filter(status=FileItem.Status.COLLECTED).order_by("order").first()
    resp = client.post(
        reverse("archives:handover_check", args=[line.pk]),
        _check_data(line, pages={first.pk: 4}),
        follow=True,
    )
    year = timezone.localdate().year
    number = f"A001-b-{year}-000001"
    assert f"已入库：档案号 {number}" in resp.content.decode()
    file.refresh_from_db()
    assert (file.archive_number, file.shelf, file.box) == (number, "A-01", "007")
    assert file.items.get(pk=first.pk).page_to == 4
    batch.refresh_from_db()
    assert batch.status == HandoverBatch.Status.CLOSED

    intake = reverse("archives:intake_register")
    body = client.get(intake).content.decode()
    assert number in body and f"{year}-b-001" in body
    assert number in client.get(intake, {"q": number}).content.decode()
    assert number not in client.get(intake, {"q": "X-0"}).content.decode()
    later = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert number not in client.get(intake, {"date_from": later}).content.decode()
    assert number in _workbook_text(client.get(intake, {"export": "xlsx"}))

    register = reverse("archives:handover_register")
    body = client.get(register).content.decode()
    assert batch.number in body and file.contract_number in body
    assert batch.number not in client.get(register, {"status": "rejected"}).content.decode()
    text = _workbook_text(client.get(register, {"export": "xlsx"}))
    assert batch.number in text and "已接收" in text
    # Officers see their own files in the registers, not another officer's.
    assert number in login(org.officer1).get(intake).content.decode()
    assert number not in login(org.officer2).get(intake).content.decode()


def test_the_transfer_list_prints_in_two_parts(org, clerk, login):
    file = ready_file(org, clerk)
    batch = submitted(org, clerk, file)
    iou = file.items.get(source="iou")
    resp = login(clerk).get(reverse("archives:handover_print", args=[batch.pk]))
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "@page { size: A4" in body
    assert "第一联 移交单位留存" in body and "第二联 档案室留存" in body
    # The same list in each part: borrower, contract, IOU, original/copy, signatures.
    for text in (file.borrower_name, file.contract_number, iou.reference, "移交人（签字）"):
        assert body.count(text) >= 2, text
    assert body.count("复印件</td>") >= 2 and body.count("原件</td>") >= 2
    assert body.count(f"{file.household.head_name} · ") == 2


def test_a_draft_is_discarded_from_its_page(org, clerk, login):
    file = ready_file(org, clerk)
    batch = services.handover_create(actor=clerk, cooperative=org.coop_a, file_ids=[file.pk])
    client = login(clerk)
    assert (
        "作废草稿"
        in client.get(reverse("archives:handover_detail", args=[batch.pk])).content.decode()
    )
    resp = client.post(reverse("archives:handover_discard", args=[batch.pk]))
    assert resp.status_code == 302 and resp.url == reverse("archives:handover_list")
    assert not HandoverBatch.objects.exists()
    batch = submitted(org, clerk, file)
    resp = client.post(reverse("archives:handover_discard", args=[batch.pk]), follow=True)
    assert "已提交，不能作废" in resp.content.decode()
    assert HandoverBatch.objects.filter(pk=batch.pk).exists()


def test_lists_and_registers_take_the_same_queries_for_more_rows(org, clerk, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(client, url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    urls = [
        reverse("archives:handover_list"),
        reverse("archives:handover_register"),
        reverse("archives:intake_register"),
    ]

    def one_more():
        batch = submitted(org, clerk, ready_file(org, clerk))
        line = batch.lines.get()
        items = line.file.items.filter(status=FileItem.Status.COLLECTED)
        services.handover_check(
            line=line, actor=org.archivist, results={i.pk: (True, "") for i in items}
        )
        return batch

    client = login(org.director)
    one_more()
    before = [count(client, u) for u in urls]
    one_more()
    one_more()
    assert [count(client, u) for u in urls] == before
    # A list of one file and a list of three: the same queries on the detail and the print.
    small = submitted(org, clerk, ready_file(org, clerk))
    large = submitted(org, clerk, *[ready_file(org, clerk) for _ in range(3)])
    for name in ("archives:handover_detail", "archives:handover_print"):
        assert count(client, reverse(name, args=[small.pk])) == count(
            client, reverse(name, args=[large.pk])
        )


def test_the_check_page_warns_of_a_required_item_never_handed_over(org, clerk, login):
    file = ready_file(org, clerk)
    line = submitted(org, clerk, file).lines.get()
    url = reverse("archives:handover_check", args=[line.pk])
    assert 'id="absent"' not in login(org.archivist).get(url).content.decode()
    loan = lf.draw(org, file.contract, "1000")
    body = login(org.archivist).get(url).content.decode()
    assert "未随档移交" in body and loan.number in body
