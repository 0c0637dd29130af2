"""Writes for the service hall: the duty roster and the walk-in register.

Their promised times run on the core deadline engine (``creditcoop.deadlines``).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop import hooks, workdays
from creditcoop.audit import audit_record, snapshot
from creditcoop.deadlines.engine import deadline_open, deadline_stop
from creditcoop.deadlines.models import Deadline
from creditcoop.errors import DomainError
from creditcoop.models import Role, Staff
from creditcoop.money import yuan
from creditcoop.notify import notify
from creditcoop.permissions import cooperative_director, directs_cooperative
from creditcoop.workflow import transition

from . import selectors
from .deadline_kinds import WALKIN_ANSWER, WALKIN_APPROVAL
from .models import (
    DutyPost,
    DutyRoster,
    DutyShift,
    Walkin,
    WalkinKind,
    WalkinStatus,
)
from .walkin_steps import STEPS

# ================================================================ duty roster


def month_start(value: date) -> date:
    return value.replace(day=1)


def month_days(month: date) -> list[date]:
    last = calendar.monthrange(month.year, month.month)[1]
    return [month.replace(day=d) for d in range(1, last + 1)]


def roster_get_or_create(*, cooperative, month: date) -> DutyRoster:
    roster, _created = DutyRoster.objects.get_or_create(
        cooperative=cooperative, month=month_start(month)
    )
    return roster


def roster_problems(roster: DutyRoster) -> list[str]:
    """What breaks the hall rules: working days with no officer, weeks with no director."""
    problems = []
    days = month_days(roster.month)
    officer_days = set(roster.shifts.filter(post=DutyPost.OFFICER).values_list("date", flat=True))
    for day in days:
        if workdays.is_workday(day) and day not in officer_days:
            problems.append(
                _("%(day)s（工作日）没有安排值班信贷员。") % {"day": day.strftime("%m月%d日")}
            )
    for monday in _week_starts(roster.month):
        sunday = monday + timedelta(days=6)
        in_month = [d for d in days if monday <= d <= sunday and workdays.is_workday(d)]
        if not in_month:
            continue
        # A director day in the neighbouring month's roster counts for a shared week.
        has_director = DutyShift.objects.filter(
            roster__cooperative_id=roster.cooperative_id,
            post=DutyPost.DIRECTOR,
            date__range=(monday, sunday),
        ).exists()
        if not has_director:
            problems.append(
                _("%(a)s至%(b)s这一周没有安排主任坐班。")
                % {"a": monday.strftime("%m月%d日"), "b": sunday.strftime("%m月%d日")}
            )
    return problems


def _week_starts(month: date) -> list[date]:
    days = month_days(month)
    first_monday = days[0] - timedelta(days=days[0].weekday())
    weeks = []
    monday = first_monday
    while monday <= days[-1]:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def _roster_for_update(roster_id: int) -> DutyRoster:
    roster = DutyRoster.objects.select_for_update().select_related("cooperative").get(pk=roster_id)
    if roster.is_published:
        raise DomainError(_("值班表已发布，不能修改。如需调整请先撤回发布。"))
    return roster


def _check_roster_editor(actor: Staff, roster: DutyRoster) -> None:
    if not directs_cooperative(actor, roster.cooperative_id):
        raise DomainError(_("只有本社主任、副主任可以编排值班表。"))


def shift_add(*, roster_id: int, actor: Staff, day: date, post: str, staff: Staff) -> DutyShift:
    with transaction.atomic():
        roster = _roster_for_update(roster_id)
        _check_roster_editor(actor, roster)
        if month_start(day) != roster.month:
            raise DomainError(_("日期不在本月值班表范围内。"))
        if not workdays.is_workday(day):
            raise DomainError(_("%(day)s 不是工作日，无需排班。") % {"day": day.isoformat()})
        if staff.cooperative_id != roster.cooperative_id or not staff.is_active:
            raise DomainError(_("值班人必须是本社在岗员工。"))
        if post == DutyPost.OFFICER and not staff.has_role(Role.OFFICER):
            raise DomainError(_("值班信贷员岗位只能安排信贷员。"))
        if post == DutyPost.DIRECTOR and not staff.has_role(Role.DIRECTOR):
            raise DomainError(_("主任坐班岗位只能安排信用社主任。"))
        if roster.shifts.filter(date=day, post=post, staff=staff).exists():
            raise DomainError(_("该员工当天已在此岗位值班。"))
        shift = DutyShift.objects.create(roster=roster, date=day, post=post, staff=staff)
        audit_record(
            actor=actor,
            action="servicehall.duty_shift_add",
            obj=roster,
            changes={"date": day.isoformat(), "post": post, "staff": staff.name},
        )
    return shift


def shift_remove(*, shift_id: int, actor: Staff) -> None:
    with transaction.atomic():
        shift = DutyShift.objects.select_related("staff").get(pk=shift_id)
        roster = _roster_for_update(shift.roster_id)
        _check_roster_editor(actor, roster)
        audit_record(
            actor=actor,
            action="servicehall.duty_shift_remove",
            obj=roster,
            changes={"date": shift.date.isoformat(), "post": shift.post, "staff": shift.staff.name},
        )
        shift.delete()


def roster_autofill(*, roster_id: int, actor: Staff | None) -> int:
    """Fill the gaps: officers in turn on uncovered working days, a director each week."""
    with transaction.atomic():
        roster = _roster_for_update(roster_id)
        if actor is not None:
            _check_roster_editor(actor, roster)
        coop_staff = Staff.objects.filter(cooperative_id=roster.cooperative_id, is_active=True)
        officers = list(
            coop_staff.filter(roles__contains=[Role.OFFICER], officer_grade__in=[1, 2]).order_by(
                "username"
            )
        ) or list(coop_staff.filter(roles__contains=[Role.OFFICER]).order_by("username"))
        directors = list(coop_staff.filter(roles__contains=[Role.DIRECTOR]).order_by("username"))
        days = [d for d in month_days(roster.month) if workdays.is_workday(d)]
        covered = set(roster.shifts.filter(post=DutyPost.OFFICER).values_list("date", flat=True))
        new = []
        for i, day in enumerate(days):
            if officers and day not in covered:
                new.append(
                    DutyShift(
                        roster=roster,
                        date=day,
                        post=DutyPost.OFFICER,
                        staff=officers[i % len(officers)],
                    )
                )
        if directors:
            for monday in _week_starts(roster.month):
                week = [d for d in days if monday <= d <= monday + timedelta(days=6)]
                if (
                    week
                    and not DutyShift.objects.filter(
                        roster__cooperative_id=roster.cooperative_id,
                        post=DutyPost.DIRECTOR,
                        date__range=(monday, monday + timedelta(days=6)),
                    ).exists()
                ):
                    new.append(
                        DutyShift(
                            roster=roster, date=week[0], post=DutyPost.DIRECTOR, staff=directors[0]
                        )
                    )
        DutyShift.objects.bulk_create(new)
        if new:
            audit_record(
                actor=actor,
                action="servicehall.duty_roster_autofill",
                obj=roster,
                changes={"shifts": len(new)},
            )
    return len(new)


def roster_publish(*, roster_id: int, actor: Staff) -> DutyRoster:
    with transaction.atomic():
        roster = _roster_for_update(roster_id)
        _check_roster_editor(actor, roster)
        problems = roster_problems(roster)
        if problems:
            raise DomainError(_("值班表不符合要求，不能发布：") + "；".join(problems))
        roster.published_at = timezone.now()
        roster.published_by = actor
        roster.save(update_fields=["published_at", "published_by"])
        audit_record(actor=actor, action="servicehall.duty_roster_publish", obj=roster)
    return roster


def roster_withdraw(*, roster_id: int, actor: Staff) -> DutyRoster:
    with transaction.atomic():
        roster = DutyRoster.objects.select_for_update().get(pk=roster_id)
        _check_roster_editor(actor, roster)
        if not roster.is_published:
            raise DomainError(_("值班表尚未发布。"))
        roster.published_at = None
        roster.published_by = None
        roster.save(update_fields=["published_at", "published_by"])
        audit_record(actor=actor, action="servicehall.duty_roster_withdraw", obj=roster)
    return roster


# ================================================================ walk-in register


def walkin_register(
    *,
    actor: Staff,
    kind: str,
    customer_name: str,
    phone: str,
    village,
    need: str,
    id_number: str = "",
    loan_type=None,
    amount: Decimal | None = None,
    today: date | None = None,
) -> Walkin:
    today = today or timezone.localdate()
    is_application = kind == WalkinKind.APPLICATION
    _check_may_register(
        actor, village, is_application=is_application, loan_type=loan_type, amount=amount
    )
    # Whoever is in the hall registers (a customer is never turned away), but a
    # registration by someone off the published roster is marked for the director.
    on_duty = selectors.staff_on_duty(actor, today)
    officer = walkin_investigator(village, amount, today=today) if is_application else None
    with transaction.atomic():
        walkin = Walkin.objects.create(
            cooperative_id=actor.cooperative_id,
            kind=kind,
            status=WalkinStatus.INVESTIGATING if is_application else WalkinStatus.RECORDED,
            customer_name=customer_name,
            phone=phone,
            id_number=id_number,
            village=village,
            loan_type=loan_type,
            amount=amount,
            need=need,
            registered_by=actor,
            registered_on=today,
            registrar_on_duty=on_duty,
            officer=officer,
            household=household_with_id_number(id_number, village.cooperative_id),
        )
        audit_record(
            actor=actor,
            action="servicehall.walkin_register",
            obj=walkin,
            changes=snapshot(
                walkin,
                ["kind", "customer_name", "village", "loan_type", "amount", "registrar_on_duty"],
            ),
        )
        if is_application:
            deadline = _open_walkin_deadline(
                walkin, WALKIN_ANSWER, officer, loan_type.answer_days, start=today, actor=actor
            )
            _tell_investigator(walkin, due=deadline.due_on)
    return walkin


def _check_may_register(actor: Staff, village, *, is_application, loan_type, amount) -> None:
    if not actor.has_role(Role.OFFICER, Role.DIRECTOR, Role.DEPUTY) or not actor.cooperative_id:
        raise DomainError(_("只有信用社的值班人员可以登记来访。"))
    if village.cooperative_id != actor.cooperative_id:
        raise DomainError(_("只能登记本社辖内村的客户。"))
    if is_application:
        if loan_type is None or not amount or amount <= 0:
            raise DomainError(_("贷款申请必须填写贷款种类和申请金额。"))
        if village.officer_id is None:
            raise DomainError(_("该村尚未指定包村信贷员，请先在村信息中指定。"))


def _open_walkin_deadline(
    walkin: Walkin, kind: str, responsible: Staff, working_days: int, *, start: date, actor
) -> Deadline:
    """The promised time of one step of an application, titled for the deadline list."""
    loan_type = walkin.loan_type
    return deadline_open(
        target=walkin,
        kind=kind,
        responsible=responsible,
        cooperative=walkin.cooperative,
        working_days=working_days,
        start=start,
        amount=walkin.amount,
        annual_rate=loan_type.annual_rate,
        title=_("%(name)s %(type)s %(amount)s元")
        % {"name": walkin.customer_name, "type": loan_type.name, "amount": yuan(walkin.amount)},
        loan_type=loan_type,
        actor=actor,
    )


def _tell_investigator(walkin: Walkin, *, due: date) -> None:
    """The investigating officer hears of the application (once the registration commits)."""
    officer = walkin.officer
    text = _(
        "大厅受理了%(village)s %(name)s 的%(type)s申请（%(amount)s元），"
        "请在 %(due)s 前完成调查并答复客户。"
    ) % {
        "village": walkin.village.name,
        "name": walkin.customer_name,
        "type": walkin.loan_type.name,
        "amount": walkin.amount,
        "due": due.isoformat(),
    }
    link = walkin.get_absolute_url()
    key = f"hall-walkin:{walkin.pk}:{officer.pk}"
    transaction.on_commit(lambda: notify(recipient=officer, text=text, link=link, dedupe_key=key))


def walkin_investigator(village, amount, *, today: date) -> Staff:
    """Who investigates a walk-in's application: the village's officer when his grade lets
    him investigate this amount (grade 3 never, grade 2 small loans only); otherwise an
    officer of the cooperative who may — one on duty in the hall today first — and the
    director when there is none."""
    officer = village.officer
    cooperative = village.cooperative
    if officer.is_active and officer.officer_may_investigate(amount, cooperative):
        return officer
    others = Staff.objects.filter(
        cooperative_id=cooperative.pk,
        is_active=True,
        roles__contains=[Role.OFFICER],
        officer_grade__in=[1, 2],
    ).order_by("officer_grade", "username")
    able = [s for s in others if s.officer_may_investigate(amount, cooperative)]
    on_duty = [s for s in able if selectors.staff_on_duty(s, today)]
    chosen = (on_duty or able or [None])[0]
    return chosen or cooperative_director(cooperative.pk) or officer


def household_with_id_number(id_number: str, cooperative_id: int):
    """The household of the cooperative whose member carries this ID number, if any."""
    # The villages layer's model, reached through the walk-in's own link to it.
    Household = Walkin._meta.get_field("household").related_model

    id_number = hooks.normalize_id(id_number or "")
    if not id_number:
        return None
    return (
        Household.objects.filter(
            village__cooperative_id=cooperative_id, members__id_number=id_number
        )
        .order_by("id")
        .first()
    )


def walkin_deadline(walkin: Walkin, kind: str) -> Deadline | None:
    ct = ContentType.objects.get_for_model(Walkin)
    return (
        Deadline.objects.filter(content_type=ct, object_id=walkin.pk, kind=kind)
        .order_by("-id")
        .first()
    )


def walkin_deadlines(walkin: Walkin):
    ct = ContentType.objects.get_for_model(Walkin)
    return (
        Deadline.objects.filter(content_type=ct, object_id=walkin.pk)
        .select_related("responsible")
        .order_by("id")
    )


@transaction.atomic
def walkin_settle(
    *, walkin_id: int, actor: Staff, step: str, outcome: str, note: str = "", today=None
) -> Walkin:
    """Take one step of an application (``walkin_steps.STEPS``): the officer answers the
    customer (``answer``: ``approve`` enters approval, ``refuse`` tells the customer why
    not), the director decides the approval (``decide``: ``approve`` or ``decline``). The
    step's deadline stops; an answer that enters approval opens the approval's."""
    today = today or timezone.localdate()
    settle = STEPS[step]
    result = settle.outcome(outcome)
    note = (note or "").strip()
    walkin = (
        Walkin.objects.select_for_update(of=("self",))
        .select_related("loan_type", "cooperative")
        .get(pk=walkin_id)
    )
    Walkin.workflow.check(walkin.status, result.to)
    if not settle.may_act(actor, walkin):
        raise DomainError(settle.not_allowed)
    if result.is_no and not note:
        raise DomainError(settle.note_required, field=settle.note_key)
    kept = note if (result.is_no or settle.note_kept_on_yes) else ""
    max_length = Walkin._meta.get_field(settle.note_field).max_length
    setattr(walkin, settle.date_field, today)
    setattr(walkin, settle.note_field, kept[:max_length] if max_length else kept)
    transition(
        walkin,
        result.to,
        actor=actor,
        reason=note,
        fields=[settle.date_field, settle.note_field],
        action=settle.action,
        changes={settle.note_key: note},
    )
    deadline_stop(
        target=walkin, kind=settle.deadline, reason=str(result.stop_reason), on=today, actor=actor
    )
    if result.to == WalkinStatus.IN_APPROVAL:
        approver = cooperative_director(walkin.cooperative_id) or walkin.officer
        _open_walkin_deadline(
            walkin,
            WALKIN_APPROVAL,
            approver,
            walkin.loan_type.approval_days,
            start=today,
            actor=actor,
        )
    return walkin
