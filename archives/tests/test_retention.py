"""Retention and destruction (docs/rules.md §6.7)."""

from datetime import date

import pytest
from django.urls import reverse

from archives.models import (
    ArchiveFile,
    ArchiveSettings,
    Borrowing,
    BorrowingLine,
    DestructionBatch,
    FileStatus,
    Retention,
)
from archives.services import retention
from archives.services._common import ArchiveError
from archives.tasks import archive_retention_nightly
from archives.tests import factories_control as fc
from creditcoop.models import AuditLog, WorkflowEvent
from creditcoop.workflow import transition
from loans.models import CreditContract
from loans.tests import factories as lf

pytestmark = pytest.mark.django_db
PAID = date(2027, 7, 1)
AFTER = date(2033, 1, 1)  # short retention of a loan settled in 2027 ends 2032-12-31


def _unsaved(retention_class, settled_on, contract=True):
    return ArchiveFile(
        retention=retention_class,
        settled_on=settled_on,
        contract_id=1 if contract else None,
        record_date=date(2019, 5, 1),
    )


@pytest.mark.parametrize(
    "klass, expected",
    [
        (Retention.SHORT, date(2025, 12, 31)),
        (Retention.LONG, date(2040, 12, 31)),
        (Retention.VOUCHER, date(2050, 12, 31)),
        (Retention.PERMANENT, None),
    ],
)
def test_keep_until_counts_from_the_year_after_settlement(klass, expected):
    assert retention.keep_until(_unsaved(klass, date(2020, 6, 1))) == expected


def test_keep_until_years_are_settings_and_an_open_loan_has_none():
    s = ArchiveSettings.current()
    s.retention_short_years = 10
    s.save()
    assert retention.keep_until(_unsaved(Retention.SHORT, date(2020, 6, 1))) == date(2030, 12, 31)
    assert retention.keep_until(_unsaved(Retention.SHORT, None)) is None
    # A management record counts from its record date.
    assert retention.keep_until(_unsaved(Retention.SHORT, None, contract=False)) == date(
        2029, 12, 31
    )


def settled_file(org, keep_until=None, **fields):
    """A filed short-term loan file whose one loan is repaid and whose contract is closed
    (``keep_until`` put back after the refresh, for pages that run on the real today)."""
    file = fc.in_room(fc.loan_file(org), retention=Retention.SHORT, **fields)
    loan = lf.draw(org, file.contract, "1000", today=PAID, due_date=date(2027, 12, 1))
    lf.repay(org, loan, "1000", paid_on=PAID)
    transition(
        CreditContract.objects.get(pk=file.contract_id),
        CreditContract.Status.CLOSED,
        actor=org.director,
        action="loans.contract_close",
    )
    retention.retention_refresh()
    if keep_until is not None:
        ArchiveFile.objects.filter(pk=file.pk).update(keep_until=keep_until)
    file.refresh_from_db()
    return file


def test_the_nightly_refresh_dates_settled_files_once(org):
    file = settled_file(org)
    assert (file.settled_on, file.keep_until) == (PAID, date(2032, 12, 31))
    open_file = fc.loan_file(org)
    lf.draw(org, open_file.contract, "500", today=PAID, due_date=date(2027, 12, 1))
    assert archive_retention_nightly() == 0  # nothing left to change
    open_file.refresh_from_db()
    assert (open_file.settled_on, open_file.keep_until) == (None, None)
    s = ArchiveSettings.current()
    s.retention_short_years = 6
    s.save()
    assert retention.retention_refresh() == 1
    file.refresh_from_db()
    assert file.keep_until == date(2033, 12, 31)


def test_happy_path_list_approve_destroy(org):
    file = settled_file(org)
    batch = retention.destruction_create(
        actor=org.archivist,
        cooperative=org.coop_a,
        file_ids=[file.pk],
        note="2027年结清",
        today=AFTER,
    )
    assert batch.status == DestructionBatch.Status.DRAFT and batch.number.startswith("XH2033")
    batch = retention.destruction_approve(actor=org.director, batch=batch)
    assert batch.approved_by == org.director
    batch = retention.destruction_destroy(
        actor=org.archivist,
        batch=batch,
        supervisor=org.auditor,
        destroyed_on=AFTER,
        method="碎纸机粉碎",
        today=AFTER,
    )
    file.refresh_from_db()
    assert file.status == FileStatus.DESTROYED
    assert (batch.status, batch.supervisor, batch.destroyed_on) == ("destroyed", org.auditor, AFTER)
    assert WorkflowEvent.objects.filter(
        object_type="archives.archivefile", object_id=str(file.pk), to_state="destroyed"
    ).exists()
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {
        "archives.destruction_create",
        "archives.destructionbatch_approved",
        "archives.destructionbatch_destroyed",
        "archives.archivefile_destroyed",
    } <= actions


def _refused(org, file, today=AFTER):
    with pytest.raises(ArchiveError) as e:
        retention.destruction_create(
            actor=org.archivist, cooperative=org.coop_a, file_ids=[file.pk], today=today
        )
    assert not DestructionBatch.objects.exists()
    return str(e.value)


def _lend(org, file):
    b = Borrowing.objects.create(
        number=f"JY{file.pk}",
        cooperative=org.coop_a,
        borrower_type="staff",
        method="take_out",
        borrower=org.officer1,
        borrower_name=org.officer1.name,
        purpose="贷后检查",
        authority="archivist",
        requested_by=org.archivist,
        status="issued",
        signed_name=org.officer1.name,
        due_date=AFTER,
    )
    BorrowingLine.objects.create(borrowing=b, file=file, out=True)


def test_an_open_contract_and_an_open_loan_are_refused(org):
    file = fc.in_room(fc.loan_file(org), keep_until=date(2020, 12, 31))
    assert "尚未终止" in _refused(org, file)
    lf.draw(org, file.contract, "500", today=PAID, due_date=date(2027, 12, 1))
    assert "未结清借据" in _refused(org, file)


def test_a_lent_file_is_refused(org):
    file = settled_file(org)
    _lend(org, file)
    assert "借出未还" in _refused(org, file)


def test_litigation_transfer_and_not_in_room_are_refused(org):
    file = settled_file(org, in_litigation=True)
    assert "涉诉" in _refused(org, file)
    ArchiveFile.objects.filter(pk=file.pk).update(
        in_litigation=False, status=FileStatus.TRANSFERRED, transferred_to="县法院"
    )
    assert "已移出至县法院" in _refused(org, file)
    ArchiveFile.objects.filter(pk=file.pk).update(status=FileStatus.HANDED_OVER)
    assert "不在库" in _refused(org, file)


def test_retention_not_over_permanent_or_undated_is_refused(org):
    file = settled_file(org)
    assert "保管期限未满（须保管至 2032-12-31）" in _refused(org, file, today=date(2032, 12, 31))
    ArchiveFile.objects.filter(pk=file.pk).update(retention=Retention.PERMANENT, keep_until=None)
    assert "永久保管" in _refused(org, file)
    ArchiveFile.objects.filter(pk=file.pk).update(retention=Retention.SHORT, keep_until=None)
    assert "保管期限尚未起算" in _refused(org, file)


def test_a_file_already_listed_and_a_registered_check_are_refused(org):
    file = settled_file(org)
    first = retention.destruction_create(
        actor=org.archivist, cooperative=org.coop_a, file_ids=[file.pk], today=AFTER
    )
    with pytest.raises(ArchiveError, match=f"已列入销毁清单 {first.number}"):
        retention.destruction_create(
            actor=org.archivist, cooperative=org.coop_a, file_ids=[file.pk], today=AFTER
        )
    retention.destruction_cancel(actor=org.archivist, batch=first)

    def limitation(files, today):
        return {f.pk: "核销贷款诉讼时效未届满" for f in files}

    retention.register_destruction_check(limitation)
    try:
        with pytest.raises(ArchiveError, match="核销贷款诉讼时效未届满"):
            retention.destruction_create(
                actor=org.archivist, cooperative=org.coop_a, file_ids=[file.pk], today=AFTER
            )
    finally:
        retention.DESTRUCTION_CHECKS.remove(limitation)


def test_only_the_archivist_lists_and_only_the_director_approves(org):
    file = settled_file(org)
    with pytest.raises(ArchiveError, match="档案管理员"):
        retention.destruction_create(
            actor=org.director, cooperative=org.coop_a, file_ids=[file.pk], today=AFTER
        )
    batch = retention.destruction_create(
        actor=org.archivist, cooperative=org.coop_a, file_ids=[file.pk], today=AFTER
    )
    for who in (org.deputy, org.archivist, org.director_b):
        with pytest.raises(ArchiveError, match="本社主任批准"):
            retention.destruction_approve(actor=who, batch=batch)
    batch.refresh_from_db()
    assert batch.status == DestructionBatch.Status.DRAFT


def _approved(org):
    file = settled_file(org)
    batch = retention.destruction_create(
        actor=org.archivist, cooperative=org.coop_a, file_ids=[file.pk], today=AFTER
    )
    return file, retention.destruction_approve(actor=org.director, batch=batch)


def _destroy(org, batch, supervisor, **kw):
    return retention.destruction_destroy(
        actor=kw.pop("actor", org.archivist),
        batch=batch,
        supervisor=supervisor,
        destroyed_on=kw.pop("destroyed_on", AFTER),
        method="焚烧",
        today=AFTER,
    )


def test_the_supervisor_is_another_person_of_the_cooperative_or_the_union(org):
    file, batch = _approved(org)
    for who, message in [
        (org.archivist, "经办销毁的档案管理员"),
        (org.director, "批准销毁的人"),
        (org.officer_b, "本社员工或联社稽核"),
        (org.union_asset, "本社员工或联社稽核"),
    ]:
        with pytest.raises(ArchiveError, match=message):
            _destroy(org, batch, who)
    file.refresh_from_db()
    assert file.status == FileStatus.IN_ROOM
    assert set(retention.supervisors_for(batch, org.archivist)) >= {org.deputy, org.auditor}
    assert org.director not in retention.supervisors_for(batch, org.archivist)
    _destroy(org, batch, org.deputy)
    file.refresh_from_db()
    assert file.status == FileStatus.DESTROYED


def test_every_file_is_checked_again_at_destruction(org):
    file, batch = _approved(org)
    _lend(org, file)
    with pytest.raises(ArchiveError, match="借出未还"):
        _destroy(org, batch, org.auditor)
    batch.refresh_from_db()
    file.refresh_from_db()
    assert (batch.status, file.status) == ("approved", FileStatus.IN_ROOM)


def test_a_future_destruction_day_is_refused(org):
    _file, batch = _approved(org)
    with pytest.raises(ArchiveError, match="不能晚于今天"):
        _destroy(org, batch, org.auditor, destroyed_on=date(2033, 1, 2))


# --- pages ------------------------------------------------------------------------------------


def test_pages_list_create_detail_print(org, login):
    file = settled_file(org, keep_until=date(2020, 12, 31))
    other = fc.in_room(fc.loan_file(org), keep_until=date(2020, 12, 31))  # contract still open
    client = login(org.archivist)
    page = client.get(reverse("archives:destruction_create"))
    assert file.archive_number in page.content.decode()
    resp = client.post(reverse("archives:destruction_create"), {"files": [other.pk]})
    assert resp.status_code == 200 and "尚未终止" in resp.content.decode()
    assert not DestructionBatch.objects.exists()
    resp = client.post(reverse("archives:destruction_create"), {"files": [file.pk], "note": "到期"})
    batch = DestructionBatch.objects.get()
    assert resp.url == reverse("archives:destruction_detail", args=[batch.pk])
    assert batch.number in client.get(reverse("archives:destruction_list")).content.decode()
    detail = login(org.director).get(resp.url).content.decode()
    assert "批准销毁" in detail and "可以销毁" in detail
    sheet = client.get(reverse("archives:destruction_print", args=[batch.pk])).content.decode()
    assert "@page" in sheet and "监销人签字" in sheet and file.archive_number in sheet


def test_the_officer_cannot_open_destruction_pages(org, login):
    assert login(org.officer1).get(reverse("archives:destruction_list")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_approve_destroy_and_cancel_through_the_pages(org, login):
    file = settled_file(org, keep_until=date(2020, 12, 31))
    batch = retention.destruction_create(
        actor=org.archivist, cooperative=org.coop_a, file_ids=[file.pk]
    )
    login(org.director).post(reverse("archives:destruction_approve", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "approved"
    client = login(org.archivist)
    detail = client.get(reverse("archives:destruction_detail", args=[batch.pk])).content.decode()
    assert "监销并销毁" in detail
    client.post(
        reverse("archives:destruction_destroy", args=[batch.pk]),
        {"supervisor": org.auditor.pk, "destroyed_on": date.today().isoformat(), "method": "粉碎"},
    )
    batch.refresh_from_db()
    file.refresh_from_db()
    assert (batch.status, file.status) == ("destroyed", FileStatus.DESTROYED)
    # A destroyed batch cannot be cancelled.
    resp = client.post(reverse("archives:destruction_cancel", args=[batch.pk]), follow=True)
    assert "不能办理此操作" in resp.content.decode()


def test_cancel_page(org, login):
    file = settled_file(org, keep_until=date(2020, 12, 31))
    batch = retention.destruction_create(
        actor=org.archivist, cooperative=org.coop_a, file_ids=[file.pk]
    )
    login(org.director).post(
        reverse("archives:destruction_cancel", args=[batch.pk]), {"reason": "重新核对"}
    )
    batch.refresh_from_db()
    assert batch.status == "cancelled"
