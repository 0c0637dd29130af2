"""Writes for villages and households. Each service is one transaction with an audit row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record, diff, snapshot
from creditcoop.errors import DomainError
from creditcoop.models import Role, Staff
from creditcoop.workflow import transition

from .idcard import id_number_error, normalize_id, phone_error
from .models import (
    CommitteeMember,
    Household,
    HouseholdImport,
    Member,
    PromotionEvent,
    PromotionSurvey,
    Village,
    VillageGroup,
    WorkSchedule,
)
from .pinyin import name_initials
from .selectors import promotion_may_decide, promotion_may_propose, village_writable


class VillageError(DomainError):
    """A rule the user broke, in Chinese.

    `errors` maps a place to messages: a field name ("phone"), or (row index, field) for
    one family member, or None for the whole form.
    """


def _require_village_write(actor, village: Village) -> None:
    if not village_writable(actor, village):
        raise PermissionDenied(_("您不能修改该村的数据。"))


# --- households ---------------------------------------------------------------------------


@dataclass
class MemberInput:
    name: str
    relation: str
    id_number: str
    phone: str = ""
    pk: int | None = None
    errors: dict = field(default_factory=dict)


HOUSEHOLD_FIELDS = ["group_id", "head_name", "address", "phone", "main_business"]


def _members_check(members: list[MemberInput], *, household: Household | None) -> dict:
    """Per-row and whole-household errors; an empty dict means the family is fine."""
    errors: dict = {}

    def add(key, msg):
        errors.setdefault(key, []).append(msg)

    if not members:
        add(None, "至少登记一名家庭成员（户主）。")
    heads = [m for m in members if m.relation == Member.Relation.HEAD]
    if members and len(heads) != 1:
        add(None, "每户必须有且只有一名户主。")
    seen: dict[str, int] = {}
    for i, m in enumerate(members):
        m.name = (m.name or "").strip()
        m.id_number = normalize_id(m.id_number)
        m.phone = (m.phone or "").strip()
        if not m.name:
            add((i, "name"), "请填写姓名。")
        if m.relation not in Member.Relation.values:
            add((i, "relation"), "与户主关系不正确。")
        msg = id_number_error(m.id_number)
        if msg:
            add((i, "id_number"), msg)
        elif m.id_number in seen:
            add((i, "id_number"), f"与第 {seen[m.id_number] + 1} 名成员的身份证号码重复。")
        else:
            seen[m.id_number] = i
        msg = phone_error(m.phone)
        if msg:
            add((i, "phone"), msg)
    own = [m.pk for m in members if m.pk]
    taken = Member.objects.filter(id_number__in=list(seen)).exclude(pk__in=own)
    if household is not None:
        # Members left out are deleted before the new rows are written.
        taken = taken.exclude(household=household)
    for other in taken.select_related("household__village"):
        i = seen[other.id_number]
        add(
            (i, "id_number"),
            f"该身份证号码已登记在{other.household.village}（{other.household}），"
            "同一人不能重复登记。",
        )
    return errors


def _household_check(*, village, group, phone) -> dict:
    errors: dict = {}
    if group is None or group.village_id != village.pk:
        errors["group"] = [_("请选择本村的村民小组。")]
    msg = phone_error(phone)
    if msg:
        errors["phone"] = [msg]
    return errors


def _member_row(m: MemberInput) -> dict:
    return {"name": m.name, "relation": m.relation, "id_number": m.id_number, "phone": m.phone}


def _raise_duplicate(exc: IntegrityError):
    if "id_number" in str(exc):
        raise VillageError(_("身份证号码刚被他人登记，请核对后重新提交。"))
    raise exc


def household_create(
    *,
    actor,
    village: Village,
    group: VillageGroup | None,
    members: list[MemberInput],
    address: str = "",
    phone: str = "",
    main_business: str = "",
) -> Household:
    _require_village_write(actor, village)
    errors = _household_check(village=village, group=group, phone=phone)
    errors.update(_members_check(members, household=None))
    if errors:
        raise VillageError(errors=errors)
    head = next(m for m in members if m.relation == Member.Relation.HEAD)
    try:
        with transaction.atomic():
            household = Household.objects.create(
                village=village,
                group=group,
                head_name=head.name,
                address=address.strip(),
                phone=phone.strip(),
                main_business=main_business.strip(),
            )
            for m in members:
                Member.objects.create(household=household, **_member_row(m))
            audit_record(
                actor=actor,
                action="villages.household_create",
                obj=household,
                changes={
                    **snapshot(household, HOUSEHOLD_FIELDS),
                    "members": [_member_row(m) for m in members],
                },
                cooperative=village.cooperative,
            )
    except IntegrityError as exc:
        _raise_duplicate(exc)
    return household


def household_update(
    *,
    actor,
    household: Household,
    group: VillageGroup | None,
    members: list[MemberInput],
    address: str = "",
    phone: str = "",
    main_business: str = "",
    removed: list[int] | tuple = (),
) -> Household:
    """Replace the household's details and family: members with a pk are updated, without
    one are added, and the members in `removed` are deleted. Every existing member must be
    either kept or removed by name: one missing from both is never deleted silently."""
    village = household.village
    _require_village_write(actor, village)
    errors = _household_check(village=village, group=group, phone=phone)
    try:
        with transaction.atomic():
            household = Household.objects.select_for_update().get(pk=household.pk)
            existing = {m.pk: m for m in household.members.select_for_update()}
            for i, m in enumerate(members):
                if m.pk and m.pk not in existing:
                    errors.setdefault((i, "name"), []).append("该成员不属于本户。")
            kept = {m.pk for m in members if m.pk}
            removed = {pk for pk in removed if pk in existing and pk not in kept}
            missing = [m.name for pk, m in existing.items() if pk not in kept | removed]
            if missing:
                errors.setdefault(None, []).append(
                    f"本户家庭成员已被他人修改（{'、'.join(missing)}），请重新打开修改页面再保存。"
                )
            errors.update(_members_check(members, household=household))
            if errors:
                raise VillageError(errors=errors)
            before = snapshot(household, HOUSEHOLD_FIELDS)
            before_members = [_as_input(m) for m in existing.values()]
            head = next(m for m in members if m.relation == Member.Relation.HEAD)
            household.group = group
            household.head_name = head.name
            household.address = address.strip()
            household.phone = phone.strip()
            household.main_business = main_business.strip()
            household.save()
            # Removed members go first (their ID may be re-entered on a new row) and the head
            # is written last, so the unique-ID and one-head constraints never see two rows.
            for pk in sorted(removed):
                _member_delete(existing[pk])
            for m in sorted(members, key=lambda m: m.relation == Member.Relation.HEAD):
                if m.pk:
                    row = existing[m.pk]
                    row.name, row.relation = m.name, m.relation
                    row.id_number, row.phone = m.id_number, m.phone
                    row.save()
                else:
                    Member.objects.create(household=household, **_member_row(m))
            changes = diff(before, snapshot(household, HOUSEHOLD_FIELDS))
            after_members = [_member_row(m) for m in members]
            if after_members != before_members:
                changes["members"] = [before_members, after_members]
            audit_record(
                actor=actor,
                action="villages.household_update",
                obj=household,
                changes=changes,
                cooperative=village.cooperative,
            )
    except IntegrityError as exc:
        _raise_duplicate(exc)
    return household


def _member_delete(member: Member) -> None:
    """Delete one family member, or say in words which records still name them."""
    try:
        member.delete()
    except ProtectedError as exc:
        kinds = sorted({str(obj._meta.verbose_name) for obj in exc.protected_objects})
        raise VillageError(f"{member.name}已有{'、'.join(kinds)}，不能从本户删除。") from None


def _as_input(m: Member) -> dict:
    return {"name": m.name, "relation": m.relation, "id_number": m.id_number, "phone": m.phone}


# --- village groups -----------------------------------------------------------------------


def village_group_create(*, actor, village: Village, number: int, name: str) -> VillageGroup:
    _require_village_write(actor, village)
    name = (name or "").strip()
    if not name:
        raise VillageError(errors={"name": [_("请填写村民小组名称。")]})
    if village.groups.filter(Q(number=number) | Q(name=name)).exists():
        raise VillageError(_("本村已有相同组号或名称的村民小组。"))
    try:
        with transaction.atomic():
            group = VillageGroup.objects.create(village=village, number=number, name=name)
            audit_record(
                actor=actor,
                action="villages.group_create",
                obj=group,
                changes={"number": number, "name": name},
                cooperative=village.cooperative,
            )
    except IntegrityError:
        raise VillageError(_("本村已有相同组号或名称的村民小组。"))
    return group


# --- village credit review committee -------------------------------------------------------

COMMITTEE_FIELDS = ["post", "name", "phone", "staff_id", "term_start", "term_end"]


def committee_member_save(
    *,
    actor,
    village: Village,
    post: str,
    name: str,
    phone: str,
    term_start,
    term_end=None,
    staff: Staff | None = None,
    member: CommitteeMember | None = None,
) -> CommitteeMember:
    """Add a committee member, or change one (`member`) of this village."""
    _require_village_write(actor, village)
    errors: dict = {}
    name, phone = (name or "").strip(), (phone or "").strip()
    if not name:
        errors["name"] = [_("请填写姓名。")]
    if not phone:
        errors["phone"] = [_("评审小组成员的联系电话要公示，请填写。")]
    elif msg := phone_error(phone):
        errors["phone"] = [msg]
    if post not in CommitteeMember.Post.values:
        errors["post"] = [_("请选择职务。")]
    if term_end and term_start and term_end < term_start:
        errors["term_end"] = [_("任期结束日期不能早于开始日期。")]
    if staff is not None and (
        not staff.has_role(Role.COMMITTEE) or staff.union_id != village.cooperative.union_id
    ):
        errors["staff"] = [_("只能关联本联社具有“村信用评审小组成员”角色的账号。")]
    if post == CommitteeMember.Post.CHAIR and term_start and not errors:
        far = term_start.replace(year=9999)
        chairs = village.committee.filter(post=CommitteeMember.Post.CHAIR).exclude(
            pk=getattr(member, "pk", None)
        )
        for other in chairs:
            if other.term_start <= (term_end or far) and term_start <= (other.term_end or far):
                errors["term_start"] = [
                    _("任期与组长 %(name)s 的任期重叠，请先结束其任期。") % {"name": other.name}
                ]
                break
    if errors:
        raise VillageError(errors=errors)
    with transaction.atomic():
        if member is None:
            before = {}
            member = CommitteeMember(village=village)
            action = "villages.committee_member_add"
        else:
            member = CommitteeMember.objects.select_for_update().get(pk=member.pk, village=village)
            before = snapshot(member, COMMITTEE_FIELDS)
            action = "villages.committee_member_update"
        member.post, member.name, member.phone, member.staff = post, name, phone, staff
        member.term_start, member.term_end = term_start, term_end
        member.save()
        audit_record(
            actor=actor,
            action=action,
            obj=member,
            changes=diff(before, snapshot(member, COMMITTEE_FIELDS)),
            cooperative=village.cooperative,
        )
    return member


def committee_member_end_term(*, actor, member: CommitteeMember, end_date=None) -> CommitteeMember:
    """The member leaves the committee; the row stays as history."""
    village = member.village
    _require_village_write(actor, village)
    end_date = end_date or timezone.localdate()
    with transaction.atomic():
        member = CommitteeMember.objects.select_for_update().get(pk=member.pk)
        if member.term_end and member.term_end <= end_date:
            raise VillageError(_("该成员的任期已结束。"))
        if end_date < member.term_start:
            end_date = member.term_start
        before = snapshot(member, ["term_end"])
        member.term_end = end_date
        member.save(update_fields=["term_end"])
        audit_record(
            actor=actor,
            action="villages.committee_member_end",
            obj=member,
            changes=diff(before, snapshot(member, ["term_end"])),
            cooperative=village.cooperative,
        )
    return member


# --- work schedule (工作配档表) ------------------------------------------------------------

SCHEDULE_FIELDS = ["rating_date", "credit_date", "certificate_date", "officer_id", "note"]


def work_schedule_save(
    *,
    actor,
    village: Village,
    officer: Staff | None,
    rating_date=None,
    credit_date=None,
    certificate_date=None,
    note: str = "",
) -> WorkSchedule:
    _require_village_write(actor, village)
    errors: dict = {}
    if officer is None:
        errors["officer"] = [_("请选择责任信贷员。")]
    elif not officer.has_role(Role.OFFICER) or officer.cooperative_id != village.cooperative_id:
        errors["officer"] = [_("责任信贷员须是本信用社的信贷员。")]
    if rating_date and credit_date and credit_date < rating_date:
        errors["credit_date"] = [_("集中授信日期不能早于集中信用等级评定日期。")]
    if credit_date and certificate_date and certificate_date < credit_date:
        errors["certificate_date"] = [_("集中办理贷款证日期不能早于集中授信日期。")]
    if not (rating_date or credit_date or certificate_date):
        errors[None] = [_("请至少填写一个日期。")]
    if errors:
        raise VillageError(errors=errors)
    with transaction.atomic():
        schedule = WorkSchedule.objects.select_for_update().filter(village=village).first()
        before = snapshot(schedule, SCHEDULE_FIELDS) if schedule else {}
        schedule = schedule or WorkSchedule(village=village)
        schedule.officer = officer
        schedule.rating_date, schedule.credit_date = rating_date, credit_date
        schedule.certificate_date, schedule.note = certificate_date, (note or "").strip()
        schedule.save()
        audit_record(
            actor=actor,
            action="villages.schedule_save",
            obj=schedule,
            changes=diff(before, snapshot(schedule, SCHEDULE_FIELDS)),
            cooperative=village.cooperative,
        )
    return schedule


# --- promotion village selection (确定推广村) ------------------------------------------------

SURVEY_FIELDS = [
    "resident_households",
    "local_households",
    "certificate_count",
    "certificate_amount",
    "npl_count",
    "npl_amount",
    "note",
]


def _survey_event(survey, *, actor, from_status, reason=""):
    PromotionEvent.objects.create(
        survey=survey, from_status=from_status, to_status=survey.status, actor=actor, reason=reason
    )


def promotion_survey_record(
    *,
    actor,
    village: Village,
    resident_households: int,
    local_households: int,
    certificate_count: int,
    certificate_amount: Decimal,
    npl_count: int,
    npl_amount: Decimal,
    note: str = "",
) -> PromotionSurvey:
    """Record the officer's survey figures: a new survey, or a correction of the open one
    while the cooperative has not proposed it yet."""
    _require_village_write(actor, village)
    errors: dict = {}
    if local_households > resident_households:
        errors["local_households"] = [_("长期在本地经营的农户数不能多于常住农户数。")]
    if npl_count > 0 and npl_amount <= 0:
        errors["npl_amount"] = [_("有不良贷款户时请填写不良贷款金额。")]
    if certificate_count > 0 and certificate_amount <= 0:
        errors["certificate_amount"] = [_("已发放贷款证时请填写授信金额。")]
    if village.is_promotion:
        errors[None] = [_("该村已是阳光信贷推广村。")]
    if errors:
        raise VillageError(errors=errors)
    figures = {
        "resident_households": resident_households,
        "local_households": local_households,
        "certificate_count": certificate_count,
        "certificate_amount": certificate_amount,
        "npl_count": npl_count,
        "npl_amount": npl_amount,
        "note": (note or "").strip(),
    }
    with transaction.atomic():
        Village.objects.select_for_update().get(pk=village.pk)
        survey = (
            PromotionSurvey.objects.select_for_update()
            .filter(village=village, status__in=PromotionSurvey.OPEN)
            .first()
        )
        if survey is not None and not survey.can("edit"):
            raise VillageError(_("信用社已推荐该村，调查数据不能再修改。"))
        if survey is None:
            survey = PromotionSurvey.objects.create(village=village, surveyed_by=actor, **figures)
            _survey_event(survey, actor=actor, from_status="")
            audit_record(
                actor=actor,
                action="villages.survey_create",
                obj=survey,
                changes=snapshot(survey, SURVEY_FIELDS),
                cooperative=village.cooperative,
            )
        else:
            before = snapshot(survey, SURVEY_FIELDS)
            for k, v in figures.items():
                setattr(survey, k, v)
            survey.surveyed_by = actor
            survey.save()
            audit_record(
                actor=actor,
                action="villages.survey_update",
                obj=survey,
                changes=diff(before, snapshot(survey, SURVEY_FIELDS)),
                cooperative=village.cooperative,
            )
    return survey


def promotion_propose(*, actor, survey: PromotionSurvey, reason: str = "") -> PromotionSurvey:
    """The cooperative's leadership proposes the surveyed village to the union."""
    if not promotion_may_propose(actor, survey.village):
        raise PermissionDenied(_("只有本信用社主任、副主任可以推荐推广村。"))
    with transaction.atomic():
        survey = PromotionSurvey.objects.select_for_update().get(pk=survey.pk)
        if not survey.can("propose"):
            raise VillageError(
                _("当前状态为“%(s)s”，不能推荐。") % {"s": survey.get_status_display()}
            )
        survey.proposed_by, survey.proposed_at = actor, timezone.now()
        transition(
            survey,
            PromotionSurvey.Status.PROPOSED,
            actor=actor,
            reason=reason,
            fields=["proposed_by", "proposed_at"],
            action="villages.survey_propose",
            changes={"reason": reason},
            cooperative=survey.village.cooperative,
        )
    return survey


def promotion_decide(
    *, actor, survey: PromotionSurvey, approve: bool, reason: str = ""
) -> PromotionSurvey:
    """The union approves (the village becomes a promotion village) or rejects with a reason.
    Whoever proposed may not decide."""
    if not promotion_may_decide(actor):
        raise PermissionDenied(_("只有联社风险管理部或系统管理员可以审批推广村。"))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise VillageError(errors={"reason": [_("不批准时请填写理由。")]})
    with transaction.atomic():
        survey = PromotionSurvey.objects.select_for_update().get(pk=survey.pk)
        action = "approve" if approve else "reject"
        if not survey.can(action):
            raise VillageError(
                _("当前状态为“%(s)s”，不能审批。") % {"s": survey.get_status_display()}
            )
        if survey.proposed_by_id == actor.pk:
            raise VillageError(_("推荐人不能审批自己推荐的推广村。"))
        village = Village.objects.select_for_update().get(pk=survey.village_id)
        survey.decided_by, survey.decided_at = actor, timezone.now()
        survey.decision_reason = reason
        transition(
            survey,
            survey.workflow.target(action),
            actor=actor,
            reason=reason,
            fields=["decided_by", "decided_at", "decision_reason"],
            action=f"villages.survey_{action}",
            changes={"reason": reason},
            cooperative=village.cooperative,
        )
        if approve:
            village.is_promotion = True
            village.save(update_fields=["is_promotion"])
    return survey


# --- Excel import ---------------------------------------------------------------------------

IMPORT_TTL = timedelta(hours=24)


def household_import_preview(*, actor, village: Village, upload) -> HouseholdImport:
    """Parse and check an uploaded sheet; nothing is registered yet. Raises SheetError (a
    DomainError) when the file cannot be read at all."""
    from .imports import sheet_check, sheet_read

    _require_village_write(actor, village)
    rows = sheet_read(upload)
    error_count = sheet_check(rows, village=village)
    with transaction.atomic():
        # Sheets never confirmed hold personal data for nothing; drop the stale ones.
        HouseholdImport.objects.filter(
            status=HouseholdImport.Status.PENDING, created_at__lt=timezone.now() - IMPORT_TTL
        ).delete()
        batch = HouseholdImport.objects.create(
            village=village,
            uploaded_by=actor,
            file_name=(getattr(upload, "name", "") or "")[:200],
            rows=rows,
            error_count=error_count,
        )
    return batch


def household_import_confirm(*, actor, village: Village, token) -> int:
    """Register every household of a clean sheet in one transaction; returns how many.

    The rows are checked again (someone may have registered an ID since the preview)."""
    from .imports import sheet_check, sheet_households

    _require_village_write(actor, village)
    with transaction.atomic():
        batch = (
            HouseholdImport.objects.select_for_update()
            .filter(token=token, village=village, uploaded_by=actor)
            .first()
        )
        if batch is None or batch.created_at < timezone.now() - IMPORT_TTL:
            raise VillageError(_("导入批次不存在或已过期，请重新上传。"))
        if batch.status != HouseholdImport.Status.PENDING:
            raise VillageError(_("该批次已经导入过了。"))
        error_count = sheet_check(batch.rows, village=village)
        if not error_count:
            families = sheet_households(batch.rows, village=village)
            count = _households_bulk_create(village=village, families=families)
            # The members are registered now; the copy of the sheet is not needed any more.
            batch.status, batch.rows = HouseholdImport.Status.DONE, []
            batch.save(update_fields=["status", "rows"])
            audit_record(
                actor=actor,
                action="villages.household_import",
                obj=village,
                changes={
                    "file": batch.file_name,
                    "households": count,
                    "members": sum(len(family["members"]) for family in families),
                },
                cooperative=village.cooperative,
            )
            return count
        # Keep the re-check's findings for the preview; nothing else is written.
        batch.error_count = error_count
        batch.save(update_fields=["rows", "error_count"])
    raise VillageError(_("表格中有 %(n)s 处错误，请修改后重新上传。") % {"n": error_count})


def _households_bulk_create(*, village: Village, families: list[dict]) -> int:
    households = Household.objects.bulk_create(
        [
            Household(
                village=village,
                group_id=f["group_id"],
                head_name=f["head_name"],
                address=f["address"],
                phone=f["phone"],
                main_business=f["main_business"],
            )
            for f in families
        ],
        batch_size=500,
    )
    members = []
    for household, family in zip(households, families, strict=True):
        for m in family["members"]:
            # bulk_create skips Member.save(), so the search keys and village are filled in here.
            members.append(
                Member(
                    household=household,
                    village=village,
                    name=m["name"],
                    relation=m["relation"],
                    id_number=m["id_number"],
                    id_reversed=m["id_number"][::-1],
                    initials=name_initials(m["name"]),
                    phone=m["phone"],
                )
            )
    try:
        Member.objects.bulk_create(members, batch_size=1000)
    except IntegrityError:
        raise VillageError(_("表格中的身份证号码刚被他人登记，请重新上传核对。"))
    return len(households)
