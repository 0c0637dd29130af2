"""The blacklist (黑名单, docs/rules.md §7.4) on the one credit-history model,
``villages.BadCreditRecord``: rating, granting and the counter refuse an active entry through
``villages.credit.family_credit_problem``; these services put people on it and take them off.

Exit rules: a no-fault default exits on full repayment (``blacklist_exit``); any other
entry lapses ``RecoveryPolicy.blacklist_lapse_years`` after the default ended (征信业管理条例
art. 16), which the nightly ``blacklist_lapse`` applies.
"""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record, audit_record_many, audit_row
from creditcoop.jobs import job_lock
from creditcoop.models import Union
from villages.idcard import id_number_error, normalize_id
from villages.models import BadCreditRecord, BlacklistExit, BlacklistReason, BlacklistSource

from ..models import NplRecord, RecoveryPolicy
from ._common import RecoveryError, _today, may_manage

KIND = BadCreditRecord.Kind.BLACKLIST


def lapse_years(cooperative_or_union_id) -> int:
    return RecoveryPolicy.current(cooperative_or_union_id).blacklist_lapse_years


@transaction.atomic
def blacklist_add(
    *,
    actor,
    reason: str,
    record: NplRecord | None = None,
    cooperative=None,
    id_number: str = "",
    name: str = "",
    listed_on: date | None = None,
    no_fault: bool = False,
    default_ended_on: date | None = None,
    note: str = "",
    today=None,
) -> BadCreditRecord:
    """Put a person on the blacklist, from a register record (its borrower) or by hand."""
    today = _today(today)
    listed_on = listed_on or today
    if record is not None:
        record = NplRecord.objects.select_related("cooperative").get(pk=record.pk)
        cooperative = record.cooperative
        id_number = id_number or record.borrower_id_number
        name = name or record.borrower_name
    if cooperative is None:
        raise RecoveryError(_("请选择信用社。"), field="cooperative")
    if not may_manage(actor, cooperative):
        raise RecoveryError(_("只有信用社主任、副主任或联社资产保全部可以列入黑名单。"))
    if reason not in BlacklistReason.values:
        raise RecoveryError(_("请选择列入原因。"), field="reason")
    id_number = normalize_id(id_number or "")
    if not id_number:
        raise RecoveryError(
            _("缺少身份证号码，不能列入黑名单（请先在登记簿补充）。"), field="id_number"
        )
    problem = id_number_error(id_number)
    if problem:
        raise RecoveryError(problem, field="id_number")
    name = (name or "").strip()
    if not name:
        raise RecoveryError(_("请填写姓名。"), field="name")
    if listed_on > today:
        raise RecoveryError(_("列入日期不能晚于今天。"), field="listed_on")
    if default_ended_on is not None and (default_ended_on > today):
        raise RecoveryError(_("违约行为终止日不能晚于今天。"), field="default_ended_on")
    if no_fault and default_ended_on is not None:
        raise RecoveryError(
            _("非本人原因的违约在还清本息时退出，不填违约终止日。"), field="default_ended_on"
        )
    same = BadCreditRecord.objects.filter(id_number=id_number, kind=KIND, active=True)
    if record is not None:
        same = same.filter(source_record_id=record.pk)
    if same.exists():
        raise RecoveryError(_("此人已因这笔贷款列入黑名单。"), field="id_number")
    entry = BadCreditRecord.objects.create(
        id_number=id_number,
        name=name[:50],
        kind=KIND,
        note=(note or "").strip()[:300],
        active=True,
        recorded_by=actor,
        reason=reason,
        source=BlacklistSource.NPL_RECORD if record else BlacklistSource.MANUAL,
        source_reference=record.loan_number if record else "",
        source_record_id=record.pk if record else None,
        cooperative=cooperative,
        listed_on=listed_on,
        no_fault=no_fault,
        default_ended_on=default_ended_on,
    )
    audit_record(
        actor=actor,
        action="recovery.blacklist_add",
        obj=entry,
        cooperative=cooperative,
        changes={
            "reason": entry.get_reason_display(),
            "source": entry.source_reference or entry.get_source_display(),
            "listed_on": listed_on,
            "no_fault": no_fault,
        },
    )
    return entry


def _lock(entry) -> BadCreditRecord:
    return (
        BadCreditRecord.objects.select_for_update(of=("self",))
        .select_related("cooperative")
        .get(pk=entry.pk, kind=KIND)
    )


def _check(actor, entry):
    if entry.cooperative is None or not may_manage(actor, entry.cooperative):
        raise RecoveryError(_("您无权办理该黑名单记录。"))
    if not entry.active:
        raise RecoveryError(_("该记录已退出黑名单。"))


@transaction.atomic
def blacklist_exit(*, actor, entry, repaid_on: date, note: str = "", today=None):
    """A no-fault default repaid in full (principal and interest): off the blacklist now,
    kept as history. Any other entry only lapses, and the refusal says when."""
    today = _today(today)
    entry = _lock(entry)
    _check(actor, entry)
    if not entry.no_fault:
        when = entry.lapses_on(lapse_years(entry.cooperative.union_id))
        raise RecoveryError(
            _("非“非本人原因违约”的黑名单不能因还款退出，自违约终止日起满期后自动失效%(when)s。")
            % {"when": _("（%(d)s）") % {"d": when} if when else ""}
        )
    if repaid_on is None or repaid_on > today:
        raise RecoveryError(_("还清日期不能为空，也不能晚于今天。"), field="repaid_on")
    if entry.listed_on and repaid_on < entry.listed_on:
        raise RecoveryError(_("还清日期不能早于列入日期。"), field="repaid_on")
    entry.active = False
    entry.exited_on = repaid_on
    entry.exit_reason = BlacklistExit.REPAID
    entry.default_ended_on = repaid_on
    entry.save(update_fields=["active", "exited_on", "exit_reason", "default_ended_on"])
    audit_record(
        actor=actor,
        action="recovery.blacklist_exit",
        obj=entry,
        cooperative=entry.cooperative,
        changes={"exited_on": repaid_on, "note": (note or "").strip()[:300]},
    )
    return entry


@transaction.atomic
def blacklist_default_end(*, actor, entry, ended_on: date, today=None):
    """Record the day a fault default ended (repaid, settled): the lapse clock starts."""
    today = _today(today)
    entry = _lock(entry)
    _check(actor, entry)
    if entry.no_fault:
        raise RecoveryError(_("非本人原因违约的，请办理还清退出。"))
    if ended_on is None or ended_on > today:
        raise RecoveryError(_("违约行为终止日不能为空，也不能晚于今天。"), field="repaid_on")
    before = entry.default_ended_on
    entry.default_ended_on = ended_on
    entry.save(update_fields=["default_ended_on"])
    audit_record(
        actor=actor,
        action="recovery.blacklist_default_end",
        obj=entry,
        cooperative=entry.cooperative,
        changes={"default_ended_on": [before, ended_on]},
    )
    return entry


# Every active blacklist entry whose lapse day (the default's end + the union's years) has
# come, exited in one statement. 29 February + years is 28 February, as `lapses_on` says.
LAPSE_SQL = """
UPDATE recovery_badcreditrecord b
SET active = false, exited_on = %(today)s, exit_reason = %(lapsed)s
FROM creditcoop_cooperative c
JOIN recovery_recoverypolicy p ON p.union_id = c.union_id
WHERE b.cooperative_id = c.id
  AND b.kind = %(kind)s AND b.active AND NOT b.no_fault
  AND b.default_ended_on IS NOT NULL
  AND (b.default_ended_on + make_interval(years => p.blacklist_lapse_years))::date
      <= %(today)s
RETURNING b.id, b.cooperative_id, b.name
"""


@transaction.atomic
def blacklist_lapse(*, today=None) -> dict:
    """The nightly lapse: exit every entry whose lapse day has come (set-based; a second run
    the same day finds nothing)."""
    today = _today(today)
    job_lock("recovery.blacklist_lapse")
    for union_id in Union.objects.values_list("pk", flat=True):
        RecoveryPolicy.current(union_id)
    with connection.cursor() as cur:
        cur.execute(LAPSE_SQL, {"today": today, "lapsed": BlacklistExit.LAPSED, "kind": KIND})
        rows = cur.fetchall()
    audit_record_many(
        audit_row(
            actor=None,
            action="recovery.blacklist_lapse",
            obj=BadCreditRecord(pk=pk, name=name, kind=KIND),
            cooperative_id=coop_id,
            changes={"exited_on": today},
        )
        for pk, coop_id, name in rows
    )
    return {"lapsed": len(rows)}
