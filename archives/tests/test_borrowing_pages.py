"""Borrowing pages: the request form, the list, the steps, the printable register page,
the register and its export (docs/rules.md §6.5)."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from archives.models import ArchiveFile, Borrowing, BorrowingLine, FileStatus, Method
from archives.services import borrowing as services
from archives.tests import factories_borrowing as fb
from creditcoop.models import Role
from tests import factories as f

pytestmark = pytest.mark.django_db
Status = Borrowing.Status
CREATE = reverse("archives:borrowing_create")
LIST = reverse("archives:borrowing_list")


def _detail(b):
    return reverse("archives:borrowing_detail", args=[b.pk])


def _step(b, name):
    return reverse(f"archives:borrowing_{name}", args=[b.pk])


def _external_post(numbers, **kw):
    return {
        "borrower_type": "police",
        "method": "read",
        "borrower_name": "刘警官",
        "organisation": "阳光县公安局经侦大队",
        "credential_type": "人民警察证",
        "credential_number": "",
        "credential_issuer": "阳光县公安局",
        "letter_number": "阳公经协字〔2026〕8号",
        "purpose": "侦办骗贷案件调阅档案",
        "archive_numbers": numbers,
        **kw,
    }


# ------------------------------------------------------------------------- the request form


def test_external_body_without_credentials_is_refused_on_the_page(org, login):
    file = fb.file_in_room(org.coop_a)
    client = login(org.archivist)
    page = client.get(CREATE)
    assert page.status_code == 200 and "external-fields" in page.content.decode()
    resp = client.post(CREATE, _external_post(file.archive_number))
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "证件类型、证件号码和发证机关" in body
    assert "刘警官" in body and "阳光县公安局经侦大队" in body  # what was typed is kept
    assert Borrowing.objects.count() == 0


def test_a_wrong_archive_number_is_named_and_nothing_is_saved(org, login):
    file = fb.file_in_room(org.coop_a)
    client = login(org.archivist)
    typed = f"{file.archive_number}\nA001-b-2026-99999"
    resp = client.post(CREATE, _external_post(typed, credential_number="110234"))
    body = resp.content.decode()
    assert "本社档案室没有以下档案号：A001-b-2026-99999" in body
    assert file.archive_number in body and "侦办骗贷案件调阅档案" in body
    assert Borrowing.objects.count() == 0


def test_the_archivist_registers_an_external_visit(org, login):
    file = fb.file_in_room(org.coop_a)
    client = login(org.archivist)
    resp = client.post(CREATE, _external_post(f" {file.archive_number} \n", credential_number="1"))
    b = Borrowing.objects.get()
    assert resp.status_code == 302 and resp.url == _detail(b)
    assert (b.borrower_type, b.credential_number, b.requested_by) == ("police", "1", org.archivist)
    assert list(b.lines.values_list("file", flat=True)) == [file.pk]


def test_an_officer_asks_for_themself(org, login):
    file = fb.file_in_room(org.coop_a)
    client = login(org.officer1)
    page = client.get(CREATE).content.decode()
    assert "credential_type" not in page and 'value="police"' not in page
    resp = client.post(
        CREATE,
        {
            "borrower_type": "staff",
            "method": "take_out",
            "purpose": "到户核对",
            "archive_numbers": file.archive_number,
        },
    )
    b = Borrowing.objects.get()
    assert resp.status_code == 302
    assert b.borrower == org.officer1 and b.get_authority_display() == "信用社主任"
    detail = client.get(resp.url).content.decode()
    assert "信用社主任" in detail and file.archive_number in detail


def test_union_staff_choose_the_cooperative_first(org, login):
    file = fb.file_in_room(org.coop_a)
    client = login(org.union_asset)
    assert "id_coop" in client.get(CREATE).content.decode()
    url = f"{CREATE}?coop={org.coop_a.pk}"
    resp = client.post(
        url,
        {
            "coop": org.coop_a.pk,
            "borrower_type": "union",
            "method": "read",
            "purpose": "专项检查",
            "archive_numbers": file.archive_number,
        },
    )
    assert resp.status_code == 302
    assert Borrowing.objects.get().borrower == org.union_asset


# ------------------------------------------------------------------------- the steps


def test_approve_issue_and_return_with_an_item_missing_through_the_pages(org, login):
    f1, f2 = fb.file_in_room(org.coop_a), fb.file_in_room(org.coop_a)
    b = fb.staff_request(org.officer1, org.coop_a, [f1, f2])
    client = login(org.archivist)
    page = client.get(_detail(b)).content.decode()
    assert "step-approve" in page and "step-issue" not in page
    client.post(_step(b, "approve"), {"note": "同意"})
    page = client.get(_detail(b)).content.decode()
    assert "step-issue" in page
    resp = client.post(_step(b, "issue"), {"signed_name": "王信贷"})
    assert "不一致" in client.get(resp.url).content.decode()
    client.post(_step(b, "issue"), {"signed_name": "郑信贷", "due_date": "2030-01-31"})
    b.refresh_from_db()
    assert b.status == Status.ISSUED and b.due_date == date(2030, 1, 31)
    page = client.get(_detail(b)).content.decode()
    assert "step-return" in page and "档案借阅归还" in page  # the clock on the page
    iou = f2.items.get(name="借据")
    resp = client.post(_step(b, "return"), {f"missing_{f2.pk}": [iou.pk]})
    assert "归还验收情况" in client.get(resp.url).content.decode()
    assert Borrowing.objects.get(pk=b.pk).status == Status.ISSUED
    client.post(_step(b, "return"), {f"missing_{f2.pk}": [iou.pk], "note": "借据未还，限期补交"})
    b.refresh_from_db()
    assert b.status == Status.RETURNED
    assert BorrowingLine.objects.get(borrowing=b, file=f2).missing[0]["name"] == "借据"
    incomplete = client.get(LIST, {"incomplete": "on"}).content.decode()
    assert b.number in incomplete and "归还不齐" in incomplete
    assert "缺：借据" in client.get(_detail(b)).content.decode()


def test_external_take_out_is_refused_at_issue_until_the_further_approval(org, login):
    file = fb.file_in_room(org.coop_a)
    b = fb.external(org.archivist, org.coop_a, [file], method=Method.TAKE_OUT)
    handler = fb.archivist(
        org.coop_a, "K011", name="兼职档案员", roles=(Role.ARCHIVIST, Role.CLERK)
    )
    union = login(org.union_risk)
    page = union.get(_detail(b)).content.decode()
    assert "accompanied_by" in page and org.archivist.name in page
    assert handler.name not in page  # a loan handler is not offered as the companion
    union.post(_step(b, "approve"), {"note": "同意"})
    assert Borrowing.objects.get(pk=b.pk).status == Status.REQUESTED  # no archivist named
    union.post(_step(b, "approve"), {"note": "同意", "accompanied_by": org.archivist.pk})
    assert Borrowing.objects.get(pk=b.pk).status == Status.APPROVED
    archivist = login(org.archivist)
    resp = archivist.post(_step(b, "issue"), {"signed_name": "马法官"})
    assert "尚未加批" in archivist.get(resp.url).content.decode()
    assert ArchiveFile.objects.get(pk=file.pk).status == FileStatus.IN_ROOM
    second = f.StaffFactory(
        username="U021", cooperative=None, union=org.union, roles=[Role.UNION_RISK]
    )
    client = login(second)
    assert "step-take_out_approve" in client.get(_detail(b)).content.decode()
    client.post(_step(b, "take_out_approve"), {"note": "同意带出"})
    archivist = login(org.archivist)
    archivist.post(_step(b, "issue"), {"signed_name": "马法官"})
    assert Borrowing.objects.get(pk=b.pk).status == Status.ISSUED


def test_the_borrower_sees_no_approval_and_cannot_post_one(org, login):
    file = fb.file_in_room(org.coop_a)
    b = fb.staff_request(org.director, org.coop_a, [file], method=Method.TAKE_OUT)
    client = login(org.director)
    page = client.get(_detail(b)).content.decode()
    assert "step-approve" not in page and "step-cancel" in page
    resp = client.post(_step(b, "approve"))
    assert "借阅人不能审批本人" in client.get(resp.url).content.decode()
    client.post(_step(b, "cancel"), {"note": "改为复印"})
    assert Borrowing.objects.get(pk=b.pk).status == Status.CANCELLED


def test_an_archivist_may_not_issue_or_approve_on_another_cooperatives_borrowing(org, login):
    file_b = fb.file_in_room(org.coop_b)
    b = fb.staff_request(org.officer_b, org.coop_b, [file_b], method=Method.READ)
    client = login(org.archivist)
    for url in (_detail(b), reverse("archives:borrowing_print", args=[b.pk])):
        assert client.get(url).status_code == 404
    assert client.post(_step(b, "approve")).status_code == 404
    assert Borrowing.objects.get(pk=b.pk).status == Status.REQUESTED
    # An officer sees only their own borrowings; the director the cooperative's.
    mine = fb.staff_request(org.officer1, org.coop_a, [fb.file_in_room(org.coop_a)])
    assert login(org.officer2).get(_detail(mine)).status_code == 404
    assert login(org.director).get(_detail(mine)).status_code == 200


# ------------------------------------------------------------------------- list, print, register


def test_list_search_filters_and_pagination(org, login, django_assert_max_num_queries):
    files = [fb.file_in_room(org.coop_a) for _ in range(3)]
    read = fb.staff_request(org.officer1, org.coop_a, [files[0]], method=Method.READ)
    late = fb.staff_request(org.officer2, org.coop_a, [files[1]])
    services.borrowing_approve(actor=org.archivist, borrowing=late)
    services.borrowing_issue(
        actor=org.archivist,
        borrowing=late,
        signed_name="王信贷",
        today=date.today() - timedelta(days=20),
    )
    court = fb.external(org.archivist, org.coop_a, [files[2]])
    client = login(org.archivist)

    def numbers(**params):
        body = client.get(LIST, params).content.decode()
        return {b.number for b in (read, late, court) if b.number in body}

    assert numbers() == {read.number, late.number, court.number}
    assert numbers(q=files[1].archive_number) == {late.number}
    assert numbers(q="马法官") == {court.number}
    assert numbers(q=read.number) == {read.number}
    assert numbers(overdue="on") == {late.number}
    assert numbers(status="requested") == {read.number, court.number}
    assert numbers(borrower_type="court") == {court.number}
    assert numbers(method="read") == {read.number, court.number}
    assert "逾期" in client.get(LIST, {"overdue": "on"}).content.decode()
    for _ in range(30):
        fb.staff_request(org.officer1, org.coop_a, [files[0]], method=Method.READ)
    with django_assert_max_num_queries(12):
        first = client.get(LIST).content.decode()
    assert "第 1 页" in first and read.number not in first
    assert read.number in client.get(LIST, {"page": 2}).content.decode()


def test_the_register_page_prints_on_a4_with_everything_to_sign(org, login):
    file = fb.file_in_room(org.coop_a)
    b = fb.external(org.archivist, org.coop_a, [file])
    services.borrowing_approve(actor=org.director, borrowing=b, accompanied_by=org.archivist)
    b = services.borrowing_issue(actor=org.archivist, borrowing=b, signed_name="马法官")
    body = login(org.archivist).get(reverse("archives:borrowing_print", args=[b.pk]))
    text = body.content.decode()
    assert body.status_code == 200 and "@page { size: A4" in text
    for expected in (
        "信贷档案借阅登记簿",
        b.number,
        "马法官",
        "阳光县人民法院",
        "工作证 FY2026001",
        "（2026）阳法协字第12号",
        org.director.name,  # approver
        org.archivist.name,  # accompanying archivist
        file.archive_number,
        "授信合同（面签）",
        b.due_date.strftime("%Y-%m-%d"),
        "借阅人签字",
        "陪同档案管理员签字",
    ):
        assert expected in text, expected


def test_register_over_a_period_and_its_excel(org, login):
    f1, f2 = fb.file_in_room(org.coop_a), fb.file_in_room(org.coop_a)
    b1 = fb.staff_request(org.officer1, org.coop_a, [f1])
    b2 = fb.external(org.archivist, org.coop_a, [f2])
    Borrowing.objects.filter(pk=b2.pk).update(requested_at="2025-06-01T10:00:00+08:00")
    client = login(org.director)
    url = reverse("archives:borrowing_register")
    today = date.today().isoformat()
    body = client.get(url, {"date_from": today, "date_to": today}).content.decode()
    assert b1.number in body and b2.number not in body
    everything = client.get(url).content.decode()
    assert b1.number in everything and b2.number in everything
    resp = client.get(reverse("archives:borrowing_register_export"), {"date_from": "2025-01-01"})
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(b"".join(resp.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert "档案借阅登记簿" in rows[0][0] and rows[1][0] == "借阅单号"
    numbers = [r[0] for r in rows[2:]]
    assert numbers == [b2.number, b1.number]
    court_row = rows[2]
    assert "工作证 FY2026001 阳光县人民法院" in court_row and f2.archive_number in court_row


# ------------------------------------------------------------------------- with real commits


@pytest.mark.django_db(transaction=True)
def test_issue_posted_for_real_lends_the_file_once(org, login):
    """Committed for real (no test transaction around it): the file is lent, the clock runs,
    and a second borrowing of the same file is refused at issue with nothing written."""
    file = fb.file_in_room(org.coop_a)
    first = fb.staff_request(org.officer1, org.coop_a, [file])
    second = fb.staff_request(org.officer2, org.coop_a, [file])
    for b in (first, second):
        services.borrowing_approve(actor=org.archivist, borrowing=b)
    client = login(org.archivist)
    client.post(_step(first, "issue"), {"signed_name": "郑信贷"})
    resp = client.post(_step(second, "issue"), {"signed_name": "王信贷"})
    assert "不在库" in client.get(resp.url).content.decode()
    assert ArchiveFile.objects.get(pk=file.pk).status == FileStatus.LENT
    assert Borrowing.objects.get(pk=first.pk).status == Status.ISSUED
    assert Borrowing.objects.get(pk=second.pk).status == Status.APPROVED
    assert BorrowingLine.objects.filter(file=file, out=True).count() == 1
