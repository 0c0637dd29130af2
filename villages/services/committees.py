"""The village credit review committee (村信用评审小组) and the work schedule (工作配档表).
Each service is one transaction with an audit row."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record, diff, snapshot
from creditcoop.models import Role, Staff

from ..idcard import phone_error
from ..models import CommitteeMember, Village, WorkSchedule
from ._common import VillageError, require_village_write

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
    require_village_write(actor, village)
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
    require_village_write(actor, village)
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
    require_village_write(actor, village)
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
