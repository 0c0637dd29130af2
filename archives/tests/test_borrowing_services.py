"""Borrowing (借阅), docs/rules.md §6.5: the matrix, the approvals, issue, return, overdue."""

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType

from archives.models import (
    ApprovalRule,
    Authority,
    BorrowerType,
    Borrowing,
    BorrowingLine,
    FileStatus,
    Method,
    Section,
)
from archives.models.files import ArchiveFile, ArchiveSettings
from archives.services import borrowing as services
from archives.tests import factories_borrowing as fb
from creditcoop import workdays
from creditcoop.deadlines.models import Deadline
from creditcoop.deadlines.sweep import deadline_sweep
from creditcoop.errors import DomainError
from creditcoop.models import AuditLog, Notification, Role
from tests import factories as f

pytestmark = pytest.mark.django_db
Status = Borrowing.Status


@pytest.fixture
def room(org):
    """Two files of cooperative A on the shelf (section b), one management record (e)."""
    return {
        "b1": fb.file_in_room(org.coop_a),
        "b2": fb.file_in_room(org.coop_a),
        "e": fb.file_in_room(org.coop_a, section=Section.COMMITTEE, items=("贷审会会议纪要",)),
    }


def _deadline(b):
    ct = ContentType.objects.get_for_model(Borrowing)
    return Deadline.objects.get(content_type=ct, object_id=b.pk)


# ------------------------------------------------------------------------- the matrix


def test_general_rule_applies_without_a_section_rule():
    assert services.required_authority("staff", "read", {"b"}) == Authority.ARCHIVIST
    assert services.required_authority("court", "take_out", {"b"}) == Authority.UNION


def test_a_rule_for_the_section_beats_the_general_rule():
    ApprovalRule.objects.create(
        borrower_type="staff", method="read", section="d", authority=Authority.DIRECTOR
    )
    assert services.required_authority("staff", "read", {"d"}) == Authority.DIRECTOR
    # A section rule may also lower the authority below the general rule.
    ApprovalRule.objects.create(
        borrower_type="staff", method="take_out", section="g", authority=Authority.ARCHIVIST
    )
    assert services.required_authority("staff", "take_out", {"g"}) == Authority.ARCHIVIST
    assert services.required_authority("staff", "take_out", {"b"}) == Authority.DIRECTOR


def test_the_highest_authority_over_all_the_files_sections():
    ApprovalRule.objects.create(
        borrower_type="staff", method="read", section="d", authority=Authority.UNION
    )
    assert services.required_authority("staff", "read", {"b"}) == Authority.ARCHIVIST
    assert services.required_authority("staff", "read", {"b", "d"}) == Authority.UNION


def test_no_rule_is_refused_naming_the_borrower_type_and_method():
    with pytest.raises(DomainError) as exc:
        services.required_authority("other_body", "take_out", {"b"})
    assert "该类借阅人不允许以该方式借阅" in str(exc.value)
    assert "其他外部单位" in str(exc.value) and "借出" in str(exc.value)


def test_a_section_without_a_rule_is_refused_when_only_other_sections_have_one():
    ApprovalRule.objects.filter(borrower_type="staff", method="copy").delete()
    ApprovalRule.objects.create(
        borrower_type="staff", method="copy", section="b", authority=Authority.ARCHIVIST
    )
    assert services.required_authority("staff", "copy", {"b"}) == Authority.ARCHIVIST
    with pytest.raises(DomainError) as exc:
        services.required_authority("staff", "copy", {"b", "e"})
    assert "e 贷审会运作档案" in str(exc.value)


def test_the_request_records_the_authority_and_refuses_without_a_rule(org, room):
    b = fb.staff_request(org.officer1, org.coop_a, [room["b1"]], method=Method.TAKE_OUT)
    assert b.authority == Authority.DIRECTOR and b.status == Status.REQUESTED
    assert b.number.startswith(f"JYA001{date.today().year}")
    assert AuditLog.objects.filter(action="archives.borrowing_request", object_id=b.pk).exists()
    with pytest.raises(DomainError, match="不允许"):
        fb.external(
            org.archivist, org.coop_a, [room["b2"]], kind="other_body", method=Method.TAKE_OUT
        )
    assert Borrowing.objects.count() == 1


# ------------------------------------------------------------------------- request


def test_external_body_without_all_three_credentials_is_refused(org, room):
    for missing in ("credential_type", "credential_number", "credential_issuer"):
        with pytest.raises(DomainError) as exc:
            fb.external(org.archivist, org.coop_a, [room["b1"]], **{missing: " "})
        assert "证件类型、证件号码和发证机关" in str(exc.value)
        assert missing in exc.value.errors
    assert Borrowing.objects.count() == 0


def test_only_the_archivist_registers_an_external_body(org, room):
    with pytest.raises(DomainError, match="档案管理员登记"):
        fb.external(org.director, org.coop_a, [room["b1"]])


def test_a_staff_member_asks_only_for_themself(org, room):
    b = fb.staff_request(org.officer1, org.coop_a, [room["b1"]])
    assert b.borrower == org.officer1 and b.borrower_name == org.officer1.name
    with pytest.raises(DomainError, match="只能为本人申请"):
        fb.staff_request(org.officer1, org.coop_a, [room["b2"]], borrower=org.officer2)


def test_an_archivist_holding_a_loan_handling_role_is_refused(org, room):
    clerk_archivist = fb.archivist(org.coop_a, "K009", roles=(Role.ARCHIVIST, Role.CLERK))
    with pytest.raises(DomainError, match="不得由经办信贷业务的人员兼任"):
        fb.staff_request(clerk_archivist, org.coop_a, [room["b1"]], borrower=org.officer1)
    b = fb.staff_request(org.archivist, org.coop_a, [room["b1"]], borrower=org.officer1)
    services.borrowing_approve(actor=org.archivist, borrowing=b)
    with pytest.raises(DomainError, match="不得由经办信贷业务的人员兼任"):
        services.borrowing_issue(actor=clerk_archivist, borrowing=b, signed_name="郑信贷")
    # Nor may such a person approve or accompany.
    b2 = fb.staff_request(org.officer2, org.coop_a, [room["b2"]], method=Method.READ)
    with pytest.raises(DomainError, match="没有该审批权限"):
        services.borrowing_approve(actor=clerk_archivist, borrowing=b2)


def test_files_not_in_the_room_or_of_another_cooperative_are_refused_by_name(org, room):
    preparing = fb.file_in_room(org.coop_a)
    ArchiveFile.objects.filter(pk=preparing.pk).update(status=FileStatus.TRANSFERRED)
    with pytest.raises(DomainError) as exc:
        fb.staff_request(org.officer1, org.coop_a, [room["b1"], preparing])
    assert preparing.archive_number in str(exc.value) and "已移出" in str(exc.value)
    other = fb.file_in_room(org.coop_b)
    with pytest.raises(DomainError, match=other.archive_number):
        fb.staff_request(org.officer1, org.coop_a, [other])
    with pytest.raises(DomainError, match="没有以下档案号：A001-b-1999-1"):
        services.files_by_numbers(cooperative=org.coop_a, numbers=["A001-b-1999-1"])
    assert Borrowing.objects.count() == 0


# ------------------------------------------------------------------------- approval


def test_an_approver_with_too_low_an_authority_is_refused(org, room):
    b = fb.staff_request(org.officer1, org.coop_a, [room["b1"]], method=Method.TAKE_OUT)
    assert b.authority == Authority.DIRECTOR
    with pytest.raises(DomainError, match="须由信用社主任审批"):
        services.borrowing_approve(actor=org.archivist, borrowing=b)
    b.refresh_from_db()
    assert b.status == Status.REQUESTED and b.approved_by is None
    services.borrowing_approve(actor=org.deputy, borrowing=b, note="同意")
    b.refresh_from_db()
    assert b.status == Status.APPROVED and b.approved_by == org.deputy


def test_a_higher_authority_may_approve_and_another_cooperative_may_not(org, room):
    b = fb.staff_request(org.officer1, org.coop_a, [room["b1"]], method=Method.READ)
    with pytest.raises(DomainError):
        services.borrowing_approve(actor=org.director_b, borrowing=b)
    services.borrowing_approve(actor=org.union_risk, borrowing=b)
    assert Borrowing.objects.get(pk=b.pk).status == Status.APPROVED


def test_the_borrower_may_not_approve_their_own_borrowing(org, room):
    b = fb.staff_request(org.director, org.coop_a, [room["b1"]], method=Method.TAKE_OUT)
    with pytest.raises(DomainError, match="借阅人不能审批本人"):
        services.borrowing_approve(actor=org.director, borrowing=b)
    services.borrowing_approve(actor=org.deputy, borrowing=b)


def test_refusal_needs_a_reason(org, room):
    b = fb.staff_request(org.officer1, org.coop_a, [room["b1"]])
    with pytest.raises(DomainError, match="理由"):
        services.borrowing_refuse(actor=org.archivist, borrowing=b, note="")
    services.borrowing_refuse(actor=org.archivist, borrowing=b, note="与所办业务无关")
    b.refresh_from_db()
    assert b.status == Status.REFUSED and b.decision_note == "与所办业务无关"


def test_external_approval_names_a_plain_archivist_to_accompany(org, room):
    b = fb.external(org.archivist, org.coop_a, [room["b1"]])
    assert b.authority == Authority.DIRECTOR
    with pytest.raises(DomainError, match="全程陪同"):
        services.borrowing_approve(actor=org.director, borrowing=b)
    handler = fb.archivist(org.coop_a, "K010", roles=(Role.ARCHIVIST, Role.TELLER))
    with pytest.raises(DomainError, match="不能担任陪同人"):
        services.borrowing_approve(actor=org.director, borrowing=b, accompanied_by=handler)
    other_coop = fb.archivist(org.coop_b, "K110")
    with pytest.raises(DomainError, match="不能担任陪同人"):
        services.borrowing_approve(actor=org.director, borrowing=b, accompanied_by=other_coop)
    assert Borrowing.objects.get(pk=b.pk).status == Status.REQUESTED
    services.borrowing_approve(actor=org.director, borrowing=b, accompanied_by=org.archivist)
    b.refresh_from_db()
    assert b.accompanied_by == org.archivist and b.status == Status.APPROVED


def test_external_take_out_needs_a_further_approval_by_another_union_person(org, room):
    b = fb.external(org.archivist, org.coop_a, [room["b1"]], method=Method.TAKE_OUT)
    assert b.authority == Authority.UNION
    with pytest.raises(DomainError, match="加批"):
        services.borrowing_take_out_approve(actor=org.union_risk, borrowing=b)
    services.borrowing_approve(actor=org.union_risk, borrowing=b, accompanied_by=org.archivist)
    with pytest.raises(DomainError, match="尚未加批"):
        services.borrowing_issue(actor=org.archivist, borrowing=b, signed_name="马法官")
    assert ArchiveFile.objects.get(pk=room["b1"].pk).status == FileStatus.IN_ROOM
    with pytest.raises(DomainError, match="审批人以外的另一人"):
        services.borrowing_take_out_approve(actor=org.union_risk, borrowing=b)
    with pytest.raises(DomainError, match="联社风险管理部"):
        services.borrowing_take_out_approve(actor=org.director, borrowing=b)
    second = f.StaffFactory(
        username="U020", cooperative=None, union=org.union, roles=[Role.UNION_RISK]
    )
    services.borrowing_take_out_approve(actor=second, borrowing=b, note="同意带出")
    assert AuditLog.objects.filter(
        action="archives.borrowing_take_out_approve", actor=second
    ).exists()
    b = services.borrowing_issue(actor=org.archivist, borrowing=b, signed_name="马法官")
    assert b.status == Status.ISSUED and b.take_out_approved_by == second
    # The clock is the accompanying archivist's.
    assert _deadline(b).responsible == org.archivist


# ------------------------------------------------------------------------- issue


def _approved(org, files, **kw):
    b = fb.staff_request(org.officer1, org.coop_a, files, **kw)
    return services.borrowing_approve(actor=org.archivist, borrowing=b)


def test_issue_records_the_signature_lends_the_files_and_starts_the_clock(org, room):
    ArchiveSettings.objects.all().delete()
    ArchiveSettings.objects.create(borrow_days=10)
    b = _approved(org, [room["b1"], room["b2"]])
    with pytest.raises(DomainError, match="不一致"):
        services.borrowing_issue(actor=org.archivist, borrowing=b, signed_name="王信贷")
    monday = date(2026, 3, 2)
    b = services.borrowing_issue(
        actor=org.archivist, borrowing=b, signed_name=" 郑 信贷 ", today=monday
    )
    assert b.status == Status.ISSUED and b.signed_name == "郑 信贷"
    assert b.due_date == date(2026, 3, 12)  # ArchiveSettings.borrow_days, not a constant
    assert set(BorrowingLine.objects.filter(borrowing=b).values_list("out", flat=True)) == {True}
    assert set(
        ArchiveFile.objects.filter(pk__in=[room["b1"].pk, room["b2"].pk]).values_list(
            "status", flat=True
        )
    ) == {FileStatus.LENT}
    d = _deadline(b)
    assert d.kind == "archive_loan" and d.responsible == org.officer1
    assert d.started_on == monday and d.due_on == date(2026, 3, 12)
    assert AuditLog.objects.filter(action="archives.borrowing_issued", object_id=b.pk).exists()
    assert AuditLog.objects.filter(action="archives.archivefile_lent").count() == 2


def test_bulk_and_reading_due_dates(org, room):
    bulk = _approved(org, [room["b1"]], is_bulk=True, purpose="不良贷款尽职调查")
    bulk = services.borrowing_issue(actor=org.archivist, borrowing=bulk, signed_name="郑信贷")
    assert bulk.due_date == bulk.issued_at.date() + timedelta(days=30)
    read = _approved(org, [room["b2"]], method=Method.READ)
    friday = date(2026, 3, 6)
    read = services.borrowing_issue(
        actor=org.archivist, borrowing=read, signed_name="郑信贷", today=friday
    )
    assert read.due_date == friday
    d = _deadline(read)
    assert d.due_on == friday and d.started_on == workdays.add_working_days(friday, -1)


def test_a_lent_file_cannot_be_lent_again(org, room):
    first = _approved(org, [room["b1"]])
    second = _approved(org, [room["b1"], room["b2"]])
    services.borrowing_issue(actor=org.archivist, borrowing=first, signed_name="郑信贷")
    with pytest.raises(DomainError) as exc:
        services.borrowing_issue(actor=org.archivist, borrowing=second, signed_name="郑信贷")
    assert room["b1"].archive_number in str(exc.value)
    second.refresh_from_db()
    assert second.status == Status.APPROVED
    assert ArchiveFile.objects.get(pk=room["b2"].pk).status == FileStatus.IN_ROOM
    # A new request for it is refused too, naming the file.
    with pytest.raises(DomainError, match=room["b1"].archive_number):
        fb.staff_request(org.officer2, org.coop_a, [room["b1"]])


def test_the_database_refuses_a_second_loan_of_a_file_as_a_clear_message(org, room):
    """Even when the file's state says it is on the shelf (a concurrent issue that checked
    before the other committed), the partial unique index refuses the second loan."""
    first = _approved(org, [room["b1"]])
    second = _approved(org, [room["b1"]])
    services.borrowing_issue(actor=org.archivist, borrowing=first, signed_name="郑信贷")
    ArchiveFile.objects.filter(pk=room["b1"].pk).update(status=FileStatus.IN_ROOM)
    with pytest.raises(DomainError, match="已借出未还，不能重复借出"):
        services.borrowing_issue(actor=org.archivist, borrowing=second, signed_name="郑信贷")
    assert BorrowingLine.objects.filter(file=room["b1"], out=True).count() == 1


# ------------------------------------------------------------------------- return


def test_return_with_an_item_missing_is_recorded(org, room):
    b = _approved(org, [room["b1"], room["b2"]])
    b = services.borrowing_issue(actor=org.archivist, borrowing=b, signed_name="郑信贷")
    iou = room["b1"].items.get(name="借据")
    with pytest.raises(DomainError, match="归还验收情况"):
        services.borrowing_return(
            actor=org.archivist, borrowing=b, missing={room["b1"].pk: [iou.pk]}
        )
    foreign = room["e"].items.get()
    with pytest.raises(DomainError, match="不属于本次借阅"):
        services.borrowing_return(
            actor=org.archivist, borrowing=b, missing={room["b1"].pk: [foreign.pk]}, note="x"
        )
    b = services.borrowing_return(
        actor=org.archivist,
        borrowing=b,
        missing={room["b1"].pk: [iou.pk]},
        note="借据原件未归还，已责成借阅人三日内交回",
    )
    assert b.status == Status.RETURNED and b.returned_to == org.archivist
    line1 = BorrowingLine.objects.get(borrowing=b, file=room["b1"])
    line2 = BorrowingLine.objects.get(borrowing=b, file=room["b2"])
    assert (line1.out, line1.returned_complete) == (False, False)
    assert line1.missing == [{"item": iou.pk, "name": "借据"}]
    assert (line2.out, line2.returned_complete, line2.missing) == (False, True, [])
    assert set(
        ArchiveFile.objects.filter(pk__in=[room["b1"].pk, room["b2"].pk]).values_list(
            "status", flat=True
        )
    ) == {FileStatus.IN_ROOM}
    d = _deadline(b)
    assert d.stopped_at is not None and "资料不齐" in d.stop_reason
    # The file may be lent again.
    again = _approved(org, [room["b1"]])
    services.borrowing_issue(actor=org.archivist, borrowing=again, signed_name="郑信贷")


def test_only_the_archivist_takes_files_back(org, room):
    b = _approved(org, [room["b1"]])
    b = services.borrowing_issue(actor=org.archivist, borrowing=b, signed_name="郑信贷")
    with pytest.raises(DomainError, match="只有档案管理员"):
        services.borrowing_return(actor=org.director, borrowing=b)
    assert Borrowing.objects.get(pk=b.pk).status == Status.ISSUED


# ------------------------------------------------------------------------- overdue


def test_a_borrowing_past_due_is_overdue_in_the_deadline_engine(org, room):
    b = _approved(org, [room["b1"]])
    monday = date(2026, 3, 2)
    b = services.borrowing_issue(
        actor=org.archivist, borrowing=b, signed_name="郑信贷", today=monday
    )
    assert b.due_date == date(2026, 3, 9)  # 7 days by default
    deadline_sweep(today=date(2026, 3, 6))  # the working day before the due day
    d = _deadline(b)
    assert d.reminded_at is not None and d.overdue_notified_at is None
    assert Notification.objects.filter(recipient=org.officer1, text__contains="限时办结提醒")
    deadline_sweep(today=date(2026, 3, 13))
    d.refresh_from_db()
    assert d.overdue_notified_at is not None and d.late_days == 4
    assert Notification.objects.filter(recipient=org.director, text__contains="已超期").exists()
    assert d.accountabilities.filter(person=org.officer1).exists()
    # Returned late: the clock stops, the final lateness stays with the borrower.
    services.borrowing_return(actor=org.archivist, borrowing=b, today=date(2026, 3, 13))
    d.refresh_from_db()
    assert d.stopped_on == date(2026, 3, 13) and d.stop_reason == "已归还"


# ------------------------------------------------------------------------- cancel


def test_cancel_by_the_requester_or_the_archivist_only(org, room):
    b = fb.staff_request(org.officer1, org.coop_a, [room["b1"]])
    with pytest.raises(DomainError, match="只有申请人"):
        services.borrowing_cancel(actor=org.officer2, borrowing=b)
    services.borrowing_cancel(actor=org.officer1, borrowing=b, note="不需要了")
    b.refresh_from_db()
    assert b.status == Status.CANCELLED
    assert AuditLog.objects.filter(action="archives.borrowing_cancelled").exists()
    with pytest.raises(DomainError):
        services.borrowing_cancel(actor=org.archivist, borrowing=b)


def test_union_staff_borrow_as_union(org, room):
    b = fb.staff_request(
        org.union_asset, org.coop_a, [room["b1"]], borrower_type=BorrowerType.UNION
    )
    assert b.borrower == org.union_asset and b.authority == Authority.DIRECTOR
    with pytest.raises(DomainError, match="不是本社员工"):
        fb.staff_request(org.union_asset, org.coop_a, [room["b2"]])
