"""Objections to a public notice (docs/rules.md §3): registering one, the investigation and
the decision.

Objections run under the deadline engine (限时办结, ``creditcoop.deadlines.engine``):
registering one opens a deadline of kind ``objection`` (the cooperative's objection limit in
working days, the investigator responsible), assigning another investigator hands it over,
and the decision stops its clock. Reminders, the director's overdue notice and the
accountability records come from the engine's sweep; see ``objection_flag_overdue``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record_many, audit_row
from creditcoop.deadlines.accountability import reference_rate
from creditcoop.deadlines.engine import (
    deadline_open,
    deadline_reassign,
    deadline_stop,
)
from creditcoop.deadlines.models import Deadline
from creditcoop.models import Role, Staff
from creditcoop.notify import directors_of
from creditcoop.permissions import (
    directs_cooperative,
    may_write,
    officer_or_director,
    require_may_write,
    works_at,
)
from creditcoop.workflow import Move, record

from .. import deadline_kinds, publiccache
from ..models import NoticeBatch, NoticeEntry, Objection, ObjectionEvent
from ._common import NoticeError, entry_from, lock_batch, policy_for
from .batches import batch_repost_today

TEXT_MAX = 1000
CONTACT_NAME_MAX = 30
CONTACT_PHONE_MAX = 20
REPLY_MAX = 300
# Anything that looks like a phone or an ID number must never reach a public page.
PRIVATE_PATTERN = re.compile(r"\d{7,}|\d{6}(19|20)\d{2}\d{4}\d{3}[\dXx]")
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def may_register_objection(actor, village) -> bool:
    """Any writing staff member of the village's cooperative (hall duty, officers, directors)."""
    if actor is None or not may_write(actor):
        return False
    return works_at(actor, village.cooperative_id) or officer_or_director(actor, village)


def may_handle_objection(actor, objection) -> bool:
    """The assigned investigator, or the cooperative's director/deputy."""
    if actor is None or not may_write(actor):
        return False
    return objection.assigned_to_id == actor.pk or directs_cooperative(
        actor, objection.batch.village.cooperative_id
    )


def _new_reference(today: date) -> str:
    suffix = "".join(secrets.choice(REFERENCE_ALPHABET) for _i in range(6))
    return f"YY{today:%y%m%d}-{suffix}"


def source_hash(address: str) -> str:
    return hashlib.sha256(f"notice-objection:{address}".encode()).hexdigest()[:16]


def _pick_investigator(village, household_officer_id):
    """An officer of the cooperative who may investigate, other than the household's own
    responsible officer where possible; the least busy first."""
    officers = (
        Staff.objects.filter(
            cooperative_id=village.cooperative_id,
            is_active=True,
            roles__contains=[Role.OFFICER],
            officer_grade__in=[1, 2],
        )
        .annotate(
            open_count=Count(
                "notice_objections",
                filter=Q(notice_objections__status__in=Objection.OPEN),
            )
        )
        .order_by("open_count", "id")
    )
    others = [o for o in officers if o.pk != household_officer_id]
    if others:
        return others[0]
    return next(iter(officers), None) or village.officer


def _event(objection, *, action, actor, from_status="", note=""):
    record(
        Move(
            objection,
            from_status,
            objection.status,
            actor,
            reason=note,
            changes={"from": from_status, "to": objection.status, "note": note[:300]},
            action=f"notices.objection_{action}",
        ),
        cooperative=objection.batch.village.cooperative,
    )


def _clean_text(value, *, label, max_length, required=False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise NoticeError(_("请填写%(label)s。") % {"label": label})
    if len(value) > max_length:
        raise NoticeError(
            _("%(label)s不能超过 %(max)s 个字（现在 %(n)s 个）。")
            % {"label": label, "max": max_length, "n": len(value)}
        )
    return value


# ---------------------------------------------------------------------------
# Objection deadlines (the core deadline engine, creditcoop.deadlines)
# ---------------------------------------------------------------------------

OBJECTION_DEADLINE = deadline_kinds.OBJECTION


def objection_deadlines(objection_pk=None):
    """The objection deadlines of one objection (or, with an OuterRef, of the outer row)."""
    ct = ContentType.objects.get_for_model(Objection, for_concrete_model=False)
    return Deadline.objects.filter(content_type=ct, object_id=objection_pk, kind=OBJECTION_DEADLINE)


def _objection_deadline_open(objection, *, village, investigator, working_days, start, actor):
    # Without an investigator (no officer at all) the director answers for the time limit.
    responsible = investigator or next(iter(directors_of(village.cooperative)), None)
    if responsible is None:
        return None
    return deadline_open(
        target=objection,
        kind=OBJECTION_DEADLINE,
        responsible=responsible,
        cooperative=village.cooperative,
        working_days=working_days,
        start=start,
        amount=objection.entry.line if objection.entry_id else None,
        annual_rate=reference_rate(),
        title=f"{objection.reference}（{village}）",
        link=objection.get_absolute_url(),
        actor=actor,
    )


@transaction.atomic
def objection_file(
    *,
    batch,
    text: str,
    entry=None,
    contact_name: str = "",
    contact_phone: str = "",
    channel: str = Objection.Channel.WEB,
    recorded_by=None,
    source: str = "",
    now=None,
) -> Objection:
    """Register an objection about one household of the notice or the notice in general.

    From the public page only while the notice runs; staff may also register one that came
    by telephone, letter or in person after the period (it then blocks granting likewise).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    text, contact_name, contact_phone = _objection_text_clean(
        text=text, contact_name=contact_name, contact_phone=contact_phone
    )
    if channel not in Objection.Channel.values:
        raise NoticeError(_("请选择异议来源。"))
    # Lock the batch: the grant gate locks it too, so a grant and an objection never cross.
    batch = lock_batch(batch)
    village = batch.village
    channel = _objection_channel(batch, recorded_by=recorded_by, channel=channel, today=today)
    entry = _objection_entry(batch, entry)
    already_open = Objection.objects.filter(
        batch=batch, entry=entry, status__in=Objection.OPEN
    ).exists()
    investigator = _pick_investigator(village, village.officer_id)
    objection = _objection_create(
        batch=batch,
        entry=entry,
        household_id=entry.household_id if entry is not None else None,
        channel=channel,
        text=text,
        contact_name=contact_name,
        contact_phone=contact_phone,
        now=now,
        today=today,
        recorded_by=recorded_by,
        investigator=investigator,
        source=source,
    )
    deadline = _objection_deadline_open(
        objection,
        village=village,
        investigator=investigator,
        working_days=policy_for(village.cooperative).objection_working_days,
        start=today,
        actor=recorded_by,
    )
    if deadline is not None:
        objection.due_on = deadline.due_on  # read by the caller's confirmation page
    _objection_filed_tell(objection, village=village, investigator=investigator, actor=recorded_by)
    # The page marks households under objection; a second objection on the same one
    # changes nothing visible, so a flood of them does not keep re-rendering the page.
    if not already_open:
        publiccache.bump(village.pk)
    return objection


def _objection_text_clean(*, text, contact_name, contact_phone) -> tuple[str, str, str]:
    text = _clean_text(text, label=_("异议内容"), max_length=TEXT_MAX, required=True)
    contact_name = _clean_text(contact_name, label=_("联系人"), max_length=CONTACT_NAME_MAX)
    contact_phone = _clean_text(contact_phone, label=_("联系电话"), max_length=CONTACT_PHONE_MAX)
    if contact_phone and not re.fullmatch(r"[0-9\-+ ]{5,20}", contact_phone):
        raise NoticeError(_("联系电话只能包含数字和“-”。"))
    return text, contact_name, contact_phone


def _objection_channel(batch, *, recorded_by, channel, today) -> str:
    """Staff register any channel once the notice is out; the public page only while it runs."""
    if recorded_by is not None:
        require_may_write(recorded_by)
        if not may_register_objection(recorded_by, batch.village):
            raise NoticeError(_("只有本社工作人员可以登记异议。"))
        if batch.status == NoticeBatch.Status.DRAFT:
            raise NoticeError(_("公示尚未发布，不能登记异议。"))
        return channel
    if not batch.is_running(today):
        raise NoticeError(_("本期公示已结束，如有问题请拨打监督电话。"))
    return Objection.Channel.WEB


def _objection_entry(batch, entry) -> NoticeEntry | None:
    """The listed household of this batch the objection is about (None: the whole notice)."""
    if entry is None:
        return None
    entry = NoticeEntry.objects.filter(pk=getattr(entry, "pk", entry), batch=batch).first()
    if entry is None or entry.status != NoticeEntry.Status.LISTED:
        raise NoticeError(_("所选农户不在本期公示名单中，请重新选择。"))
    return entry


def _objection_create(*, source, now, today, investigator, **fields) -> Objection:
    """Insert the objection under a fresh reference number (a clash is tried again)."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Objection.objects.create(
                    reference=_new_reference(today),
                    filed_at=now,
                    filed_on=today,
                    assigned_to=investigator,
                    source_hash=source_hash(source) if source else "",
                    **fields,
                )
        except IntegrityError:
            continue
    raise NoticeError(_("系统繁忙，请稍后再试。"))


def _objection_filed_tell(objection, *, village, investigator, actor) -> None:
    """The history row of the registration, and the investigator's inbox after commit."""
    note = _("来源：%(channel)s") % {"channel": objection.get_channel_display()}
    if investigator is not None:
        note += _("；调查人：%(name)s") % {"name": investigator.name}
        if investigator.pk == village.officer_id:
            note += _("（本社无其他可调查的信贷员，由包村信贷员调查）")
    _event(objection, action="file", actor=actor, note=note)
    if investigator is None:
        return
    from creditcoop.notify import notify

    link = objection.get_absolute_url()
    ref = objection.reference
    transaction.on_commit(
        lambda: notify(
            recipient=investigator,
            text=f"请调查公示异议 {ref}（{village}）",
            link=link,
            dedupe_key=f"notice-objection-assigned:{ref}:{investigator.pk}",
        )
    )


def _lock_objection(objection) -> Objection:
    return (
        Objection.objects.select_for_update(of=("self",))
        .select_related("batch__village__cooperative", "entry__application", "assigned_to")
        .get(pk=objection.pk)
    )


def _require_objection(objection, action):
    if not objection.can(action):
        raise NoticeError(
            _("该异议当前为“%(status)s”，不能执行此操作。")
            % {"status": objection.get_status_display()}
        )


@transaction.atomic
def objection_assign(*, objection, actor, investigator, today: date | None = None) -> Objection:
    """Give the investigation to another officer; the time limit goes with it (lateness
    already incurred stays with the previous investigator)."""
    require_may_write(actor)
    obj = _lock_objection(objection)
    village = obj.batch.village
    if not directs_cooperative(actor, village.cooperative_id):
        raise NoticeError(_("只有本社主任（副主任）可以指定调查人。"))
    if obj.status not in Objection.OPEN:
        raise NoticeError(_("该异议已办结。"))
    if not (
        investigator.cooperative_id == village.cooperative_id
        and investigator.has_role(Role.OFFICER, Role.DIRECTOR, Role.DEPUTY)
        and not investigator.is_read_only
    ):
        raise NoticeError(_("调查人须为本社信贷员或主任（副主任）。"))
    if investigator.has_role(Role.OFFICER) and investigator.officer_grade == 3:
        raise NoticeError(_("三级信贷员不得从事调查。"))
    before = obj.assigned_to.name if obj.assigned_to else ""
    obj.assigned_to = investigator
    obj.save(update_fields=["assigned_to"])
    note = _("%(old)s → %(new)s") % {"old": before or "—", "new": investigator.name}
    if village.officer_id == investigator.pk:
        note += _("（该户包村信贷员）")
    _event(obj, action="assign", actor=actor, from_status=obj.status, note=note)
    # An objection nobody could be made responsible for has no clock to hand over.
    if objection_deadlines(obj.pk).filter(stopped_at__isnull=True).exists():
        deadline_reassign(
            target=obj,
            kind=OBJECTION_DEADLINE,
            responsible=investigator,
            actor=actor,
            reason=_("改派异议调查人：%(note)s") % {"note": note},
            on=today,
        )
    return obj


@transaction.atomic
def objection_investigate(*, objection, actor, findings: str = "") -> Objection:
    """Start the investigation (received → under investigation)."""
    require_may_write(actor)
    obj = _lock_objection(objection)
    if not may_handle_objection(actor, obj):
        raise NoticeError(_("只有指定的调查人或本社主任可以办理此异议。"))
    _require_objection(obj, "investigate")
    findings = _clean_text(findings, label=_("调查情况"), max_length=4000)
    from_status = obj.status
    obj.status = Objection.Status.INVESTIGATING
    if findings:
        obj.findings = findings
    obj.save(update_fields=["status", "findings"])
    _event(obj, action="investigate", actor=actor, from_status=from_status, note=findings)
    publiccache.bump(obj.batch.village_id)
    return obj


@transaction.atomic
def objection_record_findings(*, objection, actor, findings: str) -> Objection:
    require_may_write(actor)
    obj = _lock_objection(objection)
    if not may_handle_objection(actor, obj):
        raise NoticeError(_("只有指定的调查人或本社主任可以办理此异议。"))
    _require_objection(obj, "findings")
    findings = _clean_text(findings, label=_("调查情况"), max_length=4000, required=True)
    obj.findings = findings
    obj.save(update_fields=["findings"])
    _event(obj, action="findings", actor=actor, from_status=obj.status, note=findings)
    return obj


def _check_reply(reply: str) -> str:
    reply = _clean_text(reply, label=_("答复"), max_length=REPLY_MAX)
    if PRIVATE_PATTERN.search(reply):
        raise NoticeError(_("答复会公开显示，不能包含电话号码、身份证号码等个人信息。"))
    return reply


@transaction.atomic
def objection_decide(
    *,
    objection,
    actor,
    outcome: str,
    findings: str = "",
    reply: str = "",
    new_line=None,
    new_grade=None,
    today: date | None = None,
) -> Objection:
    """Close an objection.

    upheld_revised: the grade/line is revised through the ratings service and the household
    is posted again with a new full period; upheld_removed: the household comes off the
    notice and gets no credit from it; rejected: needs a reason, told to the objector.
    """
    require_may_write(actor)
    today = today or timezone.localdate()
    obj = _lock_objection(objection)
    if not may_handle_objection(actor, obj):
        raise NoticeError(_("只有指定的调查人或本社主任可以办理此异议。"))
    findings, reply = _decision_check(obj, outcome=outcome, findings=findings, reply=reply)
    revised = None
    if outcome == Objection.Outcome.UPHELD_REVISED:
        revised = _entry_repost_revised(
            obj,
            _entry_under_objection(obj),
            actor=actor,
            findings=findings,
            new_line=new_line,
            new_grade=new_grade,
            today=today,
        )
    elif outcome == Objection.Outcome.UPHELD_REMOVED:
        _entry_take_down(obj, _entry_under_objection(obj))
    from_status = obj.status
    obj.status = Objection.Status.CLOSED
    obj.outcome = outcome
    obj.findings = findings
    obj.reply = reply
    obj.closed_at = timezone.now()
    obj.closed_by = actor
    obj.save(update_fields=["status", "outcome", "findings", "reply", "closed_at", "closed_by"])
    note = findings if not reply else f"{findings}\n{_('答复')}：{reply}"
    if revised is not None:
        # The revised application, not the one the entry loaded before revising.
        note += "\n" + _("调整后：%(grade)s，%(line)s 元") % {
            "grade": revised.grade,
            "line": revised.final_line,
        }
    _event(obj, action=outcome, actor=actor, from_status=from_status, note=note)
    deadline_stop(
        target=obj,
        kind=OBJECTION_DEADLINE,
        reason=_("异议已办结：%(outcome)s") % {"outcome": obj.get_outcome_display()},
        on=today,
        actor=actor,
    )
    publiccache.bump(obj.batch.village_id)
    return obj


def _decision_check(obj, *, outcome, findings, reply) -> tuple[str, str]:
    """The objection may be decided this way; returns the findings and the reply as kept."""
    if obj.status == Objection.Status.RECEIVED:
        raise NoticeError(_("请先开始调查并记录调查情况，再作出处理决定。"))
    _require_objection(obj, "decide")
    if outcome not in Objection.Outcome.values:
        raise NoticeError(_("请选择处理结果。"))
    findings = _clean_text(
        findings or obj.findings, label=_("调查情况"), max_length=4000, required=True
    )
    reply = _check_reply(reply)
    if outcome == Objection.Outcome.REJECTED and not reply:
        raise NoticeError(_("异议不成立时须写明理由（将答复异议人）。"))
    return findings, reply


def _entry_under_objection(obj) -> NoticeEntry:
    """The household's entry an upheld objection changes, locked; it must still be listed."""
    if obj.entry is None:
        raise NoticeError(
            _("针对整期公示的异议不能直接调整某一户；请选择“异议不成立”或针对具体农户登记异议。")
        )
    entry = NoticeEntry.objects.select_for_update().get(pk=obj.entry.pk)
    if entry.status != NoticeEntry.Status.LISTED:
        raise NoticeError(_("该户已被撤下或已调整后重新公示，请先查看最新的公示记录。"))
    return entry


def _entry_repost_revised(obj, entry, *, actor, findings, new_line, new_grade, today):
    """Revise the household's grade or line and post it again for a full period; returns the
    revised application."""
    from ratings.services import application_line_revise

    if new_line in (None, "") and not new_grade:
        raise NoticeError(_("请给出调整后的等级或额度。"))
    app = application_line_revise(
        application=entry.application,
        actor=actor,
        reason=_("公示异议 %(ref)s 成立：%(f)s") % {"ref": obj.reference, "f": findings},
        new_line=None if new_line in (None, "") else new_line,
        new_grade=new_grade or None,
    )
    batch = batch_repost_today(obj.batch, actor=actor, today=today)
    entry.status = NoticeEntry.Status.SUPERSEDED
    entry.status_reason = _("异议 %(ref)s 成立，调整后重新公示") % {"ref": obj.reference}
    entry.changed_at = timezone.now()
    entry.save(update_fields=["status", "status_reason", "changed_at"])
    app.refresh_from_db()
    fresh = entry_from(app, batch)
    fresh.replaces = entry
    fresh.save()
    publiccache.bump(batch.village_id)
    return app


def _entry_take_down(obj, entry) -> None:
    """The household comes off the notice; it gets no credit from it."""
    entry.status = NoticeEntry.Status.REMOVED
    entry.status_reason = _("异议 %(ref)s 成立，撤下公示") % {"ref": obj.reference}
    entry.changed_at = timezone.now()
    entry.save(update_fields=["status", "status_reason", "changed_at"])


def objection_flag_overdue(*, today: date | None = None) -> int:
    """Mark on each objection's record that it is still open past its time limit.

    An objection is late from the first working day after the due working day of its
    deadline; the engine's sweep (``creditcoop.deadlines.sweep.deadline_sweep``, hourly)
    tells the directors and the investigator then and records the accountability. This job
    only writes the "overdue" mark and history row on the objection, and sends nothing.

    One set-based claim (UPDATE … WHERE overdue_flagged_at IS NULL), so running twice or
    late flags nothing twice; the inbox dedupe key guards the message as well.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    deadlines = objection_deadlines(OuterRef("pk"))
    with transaction.atomic():
        due = list(
            Objection.objects.select_for_update(of=("self",), skip_locked=True)
            .annotate(
                engine_late=Exists(deadlines.filter(stopped_at__isnull=True, late_on__lte=today)),
                deadline_due=Subquery(deadlines.order_by("-id").values("due_on")[:1]),
            )
            .filter(status__in=Objection.OPEN, overdue_flagged_at__isnull=True, engine_late=True)
            .select_related("batch__village__cooperative")
        )
        if not due:
            return 0
        claimed = Objection.objects.filter(
            pk__in=[o.pk for o in due], overdue_flagged_at__isnull=True
        ).update(overdue_flagged_at=now)
        events = []
        for obj in due:
            note = _("应于 %(due)s 办结，已超时") % {"due": obj.deadline_due}
            note += _("；由限时办结督办通知主任和调查人")
            events.append(ObjectionEvent(objection=obj, action="overdue", actor=None, note=note))
        ObjectionEvent.objects.bulk_create(events)
        audit_record_many(
            audit_row(
                actor=None,
                action="notices.objection_overdue",
                obj=o,
                changes={"due_on": o.deadline_due, "today": today},
                cooperative_id=o.batch.village.cooperative_id,
            )
            for o in due
        )
    return claimed
