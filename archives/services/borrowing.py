"""Borrowing and consultation of archive files (借阅 / 查阅), docs/rules.md §6.5.

Request → approval by the authority the matrix (borrower type × method × section) asks →
for an external body taking files out, a further approval by another union person → issue
against the borrower's signature, with a due date watched by the deadline engine
(``archive_loan``) → return checked item by item.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop import workdays
from creditcoop.audit import audit_record
from creditcoop.deadlines.engine import DeadlineSpec, deadline_open_many, deadline_stop_many
from creditcoop.models import LOAN_HANDLING_ROLES, Role
from creditcoop.permissions import directs_cooperative, require_may_write
from creditcoop.workflow import transition, transition_many

from ..deadline_kinds import ARCHIVE_LOAN
from ..models import (
    ApprovalRule,
    ArchiveFile,
    ArchiveSettings,
    Authority,
    BorrowerType,
    Borrowing,
    BorrowingLine,
    FileItem,
    FileStatus,
    Method,
    Section,
)
from ._common import ArchiveError, next_number, require_archivist, today_or

Status = Borrowing.Status

# Who approves, lowest first: a higher authority may approve what a lower one may.
AUTHORITY_RANK = {Authority.ARCHIVIST: 0, Authority.DIRECTOR: 1, Authority.UNION: 2}
STAFF_TYPES = {BorrowerType.STAFF, BorrowerType.UNION}


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


# ----------------------------------------------------------------------------- the matrix


def required_authority(borrower_type: str, method: str, sections) -> str:
    """The authority that must approve: per section, the section's own rule beats the general
    one; over all sections, the highest. A section with no rule at all refuses the request."""
    sections = set(sections)
    if not sections:
        raise ArchiveError(_("请至少选择一份档案。"), field="archive_numbers")
    rules = dict(
        ApprovalRule.objects.filter(
            borrower_type=borrower_type, method=method, section__in=[*sections, ""]
        ).values_list("section", "authority")
    )
    general = rules.get("")
    refused = sorted(s for s in sections if rules.get(s, general) is None)
    if refused:
        names = {
            "type": _label(BorrowerType, borrower_type),
            "method": _label(Method, method),
        }
        if general is None and len(rules) == 0:
            raise ArchiveError(
                _("该类借阅人不允许以该方式借阅：%(type)s不能“%(method)s”档案。") % names
            )
        raise ArchiveError(
            _("该类借阅人不允许以该方式借阅：%(type)s不能“%(method)s”%(sections)s的档案。")
            % {**names, "sections": "、".join(_label(Section, s) for s in refused)}
        )
    return max((rules.get(s, general) for s in sections), key=lambda a: AUTHORITY_RANK[a])


def is_plain_archivist(person, cooperative_id) -> bool:
    """An archivist of the cooperative who handles no loans (docs/rules.md §6.2)."""
    return bool(
        person is not None
        and person.is_active
        and person.has_role(Role.ARCHIVIST)
        and not person.has_role(*LOAN_HANDLING_ROLES)
        and person.cooperative_id == cooperative_id
    )


def authority_of(actor, borrowing) -> str | None:
    """The highest approval authority ``actor`` holds over this borrowing's cooperative."""
    coop_id = borrowing.cooperative_id
    if actor.has_role(Role.UNION_RISK) and actor.union_id == borrowing.cooperative.union_id:
        return Authority.UNION
    if directs_cooperative(actor, coop_id):
        return Authority.DIRECTOR
    if is_plain_archivist(actor, coop_id):
        return Authority.ARCHIVIST
    return None


def may_approve(actor, borrowing) -> bool:
    held = authority_of(actor, borrowing)
    return (
        held is not None
        and AUTHORITY_RANK[held] >= AUTHORITY_RANK[borrowing.authority]
        and actor.pk != borrowing.borrower_id
    )


def needs_take_out_approval(borrowing) -> bool:
    return borrowing.is_external and borrowing.method == Method.TAKE_OUT


# ----------------------------------------------------------------------------- request


def files_by_numbers(*, cooperative, numbers) -> list[ArchiveFile]:
    """The cooperative's files with these archive numbers (one per line as typed); a number
    that names no file is refused by name."""
    wanted = []
    for n in numbers:
        n = n.strip()
        if n and n not in wanted:
            wanted.append(n)
    if not wanted:
        raise ArchiveError(_("请至少填写一个档案号。"), field="archive_numbers")
    found = {
        f.archive_number: f
        for f in ArchiveFile.objects.filter(cooperative=cooperative, archive_number__in=wanted)
    }
    unknown = [n for n in wanted if n not in found]
    if unknown:
        raise ArchiveError(
            _("本社档案室没有以下档案号：%(numbers)s，请核对。") % {"numbers": "、".join(unknown)},
            field="archive_numbers",
        )
    return [found[n] for n in wanted]


def _check_lendable(files, cooperative_id) -> None:
    for f in files:
        if f.cooperative_id != cooperative_id:
            raise ArchiveError(
                _("档案 %(file)s 不属于本社档案室，不能借阅。") % {"file": f},
                field="archive_numbers",
            )
        if f.status != FileStatus.IN_ROOM:
            raise ArchiveError(
                _("档案 %(file)s 当前为“%(status)s”，不在库，不能借阅。")
                % {"file": f, "status": f.get_status_display()},
                field="archive_numbers",
            )


@transaction.atomic
def borrowing_request(
    *,
    actor,
    cooperative,
    borrower_type: str,
    method: str,
    purpose: str,
    file_ids,
    borrower=None,
    borrower_name: str = "",
    organisation: str = "",
    credential_type: str = "",
    credential_number: str = "",
    credential_issuer: str = "",
    letter_number: str = "",
    is_bulk: bool = False,
) -> Borrowing:
    """Register a borrowing: by the archivist for anyone, or by a staff member for themself."""
    require_may_write(actor)
    if borrower_type not in BorrowerType.values:
        raise ArchiveError(_("请选择借阅人类型。"), field="borrower_type")
    if method not in Method.values:
        raise ArchiveError(_("请选择借阅方式。"), field="method")
    external = borrower_type not in STAFF_TYPES
    if actor.has_role(Role.ARCHIVIST):
        require_archivist(actor, cooperative.pk)
    elif external:
        raise ArchiveError(_("外部单位查阅、借阅档案须由档案管理员登记。"))
    else:
        if borrower is not None and borrower.pk != actor.pk:
            raise ArchiveError(_("只能为本人申请借阅；代他人登记请找档案管理员。"))
        borrower = actor
    purpose = (purpose or "").strip()
    if not purpose:
        raise ArchiveError(_("请填写借阅事由。"), field="purpose")

    if external:
        borrower = None
        borrower_name = (borrower_name or "").strip()
        organisation = (organisation or "").strip()
        creds = {
            "credential_type": (credential_type or "").strip(),
            "credential_number": (credential_number or "").strip(),
            "credential_issuer": (credential_issuer or "").strip(),
        }
        if not borrower_name:
            raise ArchiveError(_("请填写来人姓名。"), field="borrower_name")
        if not organisation:
            raise ArchiveError(_("请填写来访单位。"), field="organisation")
        missing = [k for k, v in creds.items() if not v]
        if missing:
            raise ArchiveError(
                _(
                    "%(type)s来人查阅档案须出示并登记证件：证件类型、证件号码和发证机关"
                    "三项缺一不可。"
                )
                % {"type": _label(BorrowerType, borrower_type)},
                errors={k: [_("外部单位必须登记此项。")] for k in missing},
            )
    else:
        if borrower is None:
            raise ArchiveError(_("请选择借阅员工。"), field="borrower")
        if borrower_type == BorrowerType.STAFF and borrower.cooperative_id != cooperative.pk:
            raise ArchiveError(
                _("%(name)s 不是本社员工，请选择“联社员工”或核对借阅人。")
                % {"name": borrower.name},
                field="borrower",
            )
        if borrower_type == BorrowerType.UNION and not (
            borrower.is_union_wide and borrower.union_id == cooperative.union_id
        ):
            raise ArchiveError(
                _("%(name)s 不是联社员工。") % {"name": borrower.name}, field="borrower"
            )
        borrower_name = borrower.name
        organisation = str(borrower.cooperative or borrower.union)
        creds = {"credential_type": "", "credential_number": "", "credential_issuer": ""}
        letter_number = ""

    files = list(
        ArchiveFile.objects.filter(pk__in=set(file_ids or [])).order_by("archive_number", "pk")
    )
    if len(files) != len(set(file_ids or [])):
        raise ArchiveError(_("所选档案不存在。"), field="archive_numbers")
    _check_lendable(files, cooperative.pk)
    authority = required_authority(borrower_type, method, {f.section for f in files})

    year = timezone.localdate().year
    borrowing = Borrowing.objects.create(
        number=f"JY{cooperative.code}{year}{next_number('archives_borrowing_seq'):05d}",
        cooperative=cooperative,
        borrower_type=borrower_type,
        method=method,
        borrower=borrower,
        borrower_name=borrower_name,
        organisation=organisation,
        letter_number=(letter_number or "").strip(),
        purpose=purpose,
        is_bulk=bool(is_bulk),
        authority=authority,
        requested_by=actor,
        **creds,
    )
    BorrowingLine.objects.bulk_create(BorrowingLine(borrowing=borrowing, file=f) for f in files)
    audit_record(
        actor=actor,
        action="archives.borrowing_request",
        obj=borrowing,
        changes={
            "borrower": borrower_name,
            "borrower_type": borrower_type,
            "method": method,
            "files": [f.archive_number for f in files],
            "authority": authority,
            "is_bulk": bool(is_bulk),
        },
    )
    return borrowing


# ----------------------------------------------------------------------------- approval


def _locked(borrowing) -> Borrowing:
    return (
        Borrowing.objects.select_for_update(of=("self",))
        .select_related("cooperative")
        .get(pk=borrowing.pk)
    )


def _require_approver(actor, borrowing) -> None:
    require_may_write(actor)
    if actor.pk == borrowing.borrower_id:
        raise ArchiveError(_("借阅人不能审批本人的借阅申请。"))
    held = authority_of(actor, borrowing)
    if held is None or AUTHORITY_RANK[held] < AUTHORITY_RANK[borrowing.authority]:
        raise ArchiveError(
            _("此项借阅须由%(authority)s审批，您没有该审批权限。")
            % {"authority": borrowing.get_authority_display()}
        )


@transaction.atomic
def borrowing_approve(*, actor, borrowing, note: str = "", accompanied_by=None) -> Borrowing:
    """Approve; for an external body also name the archivist who accompanies the whole visit."""
    b = _locked(borrowing)
    b.workflow.check_action(b, "approve")
    _require_approver(actor, b)
    fields = ["approved_by", "approved_at", "decision_note"]
    if b.is_external:
        if accompanied_by is None:
            raise ArchiveError(
                _("外部单位查阅档案须指定全程陪同的档案管理员。"), field="accompanied_by"
            )
        if not is_plain_archivist(accompanied_by, b.cooperative_id):
            raise ArchiveError(
                _("%(name)s 不是本社专职档案管理员（不得兼任信贷业务），不能担任陪同人。")
                % {"name": accompanied_by.name},
                field="accompanied_by",
            )
        b.accompanied_by = accompanied_by
        fields.append("accompanied_by")
    b.approved_by, b.approved_at = actor, timezone.now()
    b.decision_note = (note or "").strip()
    transition(
        b,
        Status.APPROVED,
        actor=actor,
        reason=b.decision_note,
        fields=fields,
        changes={"accompanied_by": accompanied_by.name} if b.is_external else None,
    )
    return b


@transaction.atomic
def borrowing_refuse(*, actor, borrowing, note: str) -> Borrowing:
    b = _locked(borrowing)
    b.workflow.check_action(b, "refuse")
    _require_approver(actor, b)
    note = (note or "").strip()
    if not note:
        raise ArchiveError(_("不予借阅须填写理由。"), field="note")
    b.approved_by, b.approved_at, b.decision_note = actor, timezone.now(), note
    transition(
        b,
        Status.REFUSED,
        actor=actor,
        reason=note,
        fields=["approved_by", "approved_at", "decision_note"],
    )
    return b


@transaction.atomic
def borrowing_take_out_approve(*, actor, borrowing, note: str = "") -> Borrowing:
    """An external body takes files out of the room only with a further approval by another
    person holding the union's authority (docs/rules.md §6.5)."""
    require_may_write(actor)
    b = _locked(borrowing)
    if not needs_take_out_approval(b):
        raise ArchiveError(_("只有外部单位借出档案需要加批。"))
    if b.status != Status.APPROVED:
        raise ArchiveError(_("借阅申请批准后才能加批借出。"))
    if b.take_out_approved_by_id:
        raise ArchiveError(_("该借阅已经加批。"))
    if authority_of(actor, b) != Authority.UNION:
        raise ArchiveError(_("外部单位借出档案须由联社风险管理部加批。"))
    if actor.pk == b.approved_by_id:
        raise ArchiveError(_("加批须由审批人以外的另一人办理。"))
    b.take_out_approved_by = actor
    b.save(update_fields=["take_out_approved_by"])
    audit_record(
        actor=actor,
        action="archives.borrowing_take_out_approve",
        obj=b,
        changes={"take_out_approved_by": actor.name, "note": (note or "").strip()},
    )
    return b


# ----------------------------------------------------------------------------- issue


def default_due_date(borrowing, today: date) -> date:
    if borrowing.method == Method.READ:
        return today
    s = ArchiveSettings.current()
    return today + timedelta(days=s.bulk_borrow_days if borrowing.is_bulk else s.borrow_days)


def deadline_clock(today: date, due: date) -> tuple[date, int]:
    """(start, working days) for the engine so that its due day is ``due``, or the first
    working day after it when ``due`` is a holiday; the engine counts at least one day, so a
    file read in the room today starts its clock on the working day before."""
    days = workdays.working_days_between(today, due)
    if not workdays.is_workday(due):
        days += 1
    if days >= 1:
        return today, days
    return workdays.add_working_days(workdays.add_working_days(due, 0), -1), 1


def _names_match(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


@transaction.atomic
def borrowing_issue(
    *, actor, borrowing, signed_name: str, due_date: date | None = None, today=None
) -> Borrowing:
    """Hand the files over against the borrower's signature; the due date's clock starts."""
    require_may_write(actor)
    b = _locked(borrowing)
    require_archivist(actor, b.cooperative_id)
    b.workflow.check_action(b, "issue")
    if needs_take_out_approval(b) and not b.take_out_approved_by_id:
        raise ArchiveError(
            _("外部单位借出档案须经联社另一人加批，尚未加批，不能借出（可在档案室内查阅）。")
        )
    signed_name = (signed_name or "").strip()
    if not signed_name:
        raise ArchiveError(_("请借阅人在借阅登记簿上签字，并录入签字姓名。"), field="signed_name")
    if not _names_match(signed_name, b.borrower_name):
        raise ArchiveError(
            _("签字姓名“%(signed)s”与借阅人“%(name)s”不一致，须由借阅人本人签字。")
            % {"signed": signed_name, "name": b.borrower_name},
            field="signed_name",
        )
    today = today_or(today)
    due = due_date or default_due_date(b, today)
    if due < today:
        raise ArchiveError(_("应还日期不能早于今天。"), field="due_date")

    lines = list(b.lines.select_for_update(of=("self",)).order_by("pk"))
    files = list(
        ArchiveFile.objects.select_for_update()
        .filter(pk__in=[line.file_id for line in lines])
        .order_by("pk")
    )
    _check_lendable(files, b.cooperative_id)
    try:
        with transaction.atomic():
            BorrowingLine.objects.filter(pk__in=[line.pk for line in lines]).update(out=True)
    except IntegrityError as e:
        # Lent since the check above by a borrowing that did not lock the same files first.
        taken = BorrowingLine.objects.filter(file__in=files, out=True).exclude(borrowing=b)
        names = "、".join(sorted({str(line.file) for line in taken.select_related("file")}))
        raise ArchiveError(
            _("档案 %(files)s 已借出未还，不能重复借出。") % {"files": names or "—"}
        ) from e
    transition_many(files, FileStatus.LENT, actor=actor, reason=b.number)

    responsible = b.borrower if b.borrower_id else (b.accompanied_by or actor)
    start, days = deadline_clock(today, due)
    deadline_open_many(
        items=[
            DeadlineSpec(
                target=b,
                kind=ARCHIVE_LOAN,
                responsible=responsible,
                cooperative=b.cooperative_id,
                working_days=days,
                start=start,
                title=f"{b.number} {b.borrower_name}",
                link=reverse("archives:borrowing_detail", args=[b.pk]),
            )
        ],
        actor=actor,
    )
    b.issued_by, b.issued_at = actor, timezone.now()
    b.signed_name, b.due_date = signed_name, due
    transition(
        b,
        Status.ISSUED,
        actor=actor,
        fields=["issued_by", "issued_at", "signed_name", "due_date"],
        changes={"signed_name": signed_name, "due_date": due.isoformat()},
    )
    return b


# ----------------------------------------------------------------------------- return


@transaction.atomic
def borrowing_return(*, actor, borrowing, missing=None, note: str = "", today=None) -> Borrowing:
    """Take the files back, checked item by item: ``missing`` maps a file id to the ids of its
    items not returned. A return with items missing needs a note and stays on record as
    returned incomplete."""
    require_may_write(actor)
    b = _locked(borrowing)
    require_archivist(actor, b.cooperative_id)
    b.workflow.check_action(b, "return")
    missing = {int(k): {int(i) for i in v} for k, v in (missing or {}).items() if v}
    lines = list(b.lines.select_for_update(of=("self",)).select_related("file").order_by("pk"))
    by_file = {line.file_id: line for line in lines}
    stray = set(missing) - set(by_file)
    if stray:
        raise ArchiveError(_("所列缺失资料不属于本次借阅的档案。"))
    items = {
        i.pk: i
        for i in FileItem.objects.filter(
            file_id__in=list(missing), pk__in={i for ids in missing.values() for i in ids}
        )
    }
    for file_id, ids in missing.items():
        if any(i not in items or items[i].file_id != file_id for i in ids):
            raise ArchiveError(_("所列缺失资料不属于本次借阅的档案。"))
    note = (note or "").strip()
    if missing and not note:
        raise ArchiveError(
            _("归还资料不齐，请在“归还验收情况”中写明缺失情况和处理办法。"), field="note"
        )

    for line in lines:
        gone = sorted(missing.get(line.file_id, ()))
        line.out = False
        line.returned_complete = not gone
        line.missing = [{"item": i, "name": items[i].name} for i in gone]
    BorrowingLine.objects.bulk_update(lines, ["out", "returned_complete", "missing"])
    files = list(
        ArchiveFile.objects.select_for_update().filter(pk__in=list(by_file)).order_by("pk")
    )
    transition_many(
        [f for f in files if f.status == FileStatus.LENT],
        FileStatus.IN_ROOM,
        actor=actor,
        reason=_("借阅归还 %(number)s") % {"number": b.number},
    )
    on = today_or(today)
    deadline_stop_many(
        targets=[b],
        kind=ARCHIVE_LOAN,
        reason=_("已归还（资料不齐）") if missing else _("已归还"),
        on=on,
        actor=actor,
    )
    b.returned_at, b.returned_to, b.return_note = timezone.now(), actor, note
    transition(
        b,
        Status.RETURNED,
        actor=actor,
        reason=note,
        fields=["returned_at", "returned_to", "return_note"],
        changes={
            "complete": not missing,
            "missing": {
                str(by_file[fid].file): [items[i].name for i in sorted(ids)]
                for fid, ids in missing.items()
            },
        },
    )
    return b


# ----------------------------------------------------------------------------- cancel


def may_cancel(actor, borrowing) -> bool:
    return borrowing.status in (Status.REQUESTED, Status.APPROVED) and (
        actor.pk in (borrowing.requested_by_id, borrowing.borrower_id)
        or is_plain_archivist(actor, borrowing.cooperative_id)
    )


@transaction.atomic
def borrowing_cancel(*, actor, borrowing, note: str = "") -> Borrowing:
    """Withdraw a request not yet issued: the requester, the borrower or the archivist."""
    require_may_write(actor)
    b = _locked(borrowing)
    if b.status not in (Status.REQUESTED, Status.APPROVED):
        b.workflow.check(b.status, Status.CANCELLED)
    if not may_cancel(actor, b):
        raise ArchiveError(_("只有申请人、借阅人或本社档案管理员可以撤销借阅。"))
    transition(b, Status.CANCELLED, actor=actor, reason=(note or "").strip())
    return b
