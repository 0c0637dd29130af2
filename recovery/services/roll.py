"""The village public collection roll (清收公告, docs/rules.md §7.3): build it from the
register, tick every line against the IOU, the committee's witness, posting, the receipts
collected house by house, the consent to publish a name, the print log."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record
from creditcoop.permissions import manages_village, may_write
from creditcoop.workflow import transition
from loans.selectors import loan_quote
from villages.idcard import mask_name, normalize_id
from villages.models import CommitteeMember

from .. import limitation as L
from ..models import (
    CollectionRoll,
    CollectionRollLine,
    LimitationEvent,
    NplGuarantor,
    NplRecord,
    PublicationConsent,
    RecoveryPolicy,
    RollReceipt,
)
from ._common import RecoveryError, _today, may_manage
from .limitation import limitation_event_add

# Who may sign a receipt so that it is a served demand (SPC limitation rules art. 8, L5).
VALID_SIGNERS = {L.SIGNER_SELF, L.SIGNER_RELATIVE, L.SIGNER_AUTHORISED}


def may_keep_roll(actor, village) -> bool:
    """The village's officer and whoever manages the cooperative's book."""
    return may_write(actor) and (
        manages_village(actor, village) or may_manage(actor, village.cooperative)
    )


def record_amounts(record: NplRecord, as_of: date):
    """Principal, interest and penalty interest owed on `as_of`: a linked loan by its own
    interest rules (`loans.selectors.loan_quote`), off-balance stock as registered."""
    if record.loan_id is not None:
        q = loan_quote(record.loan, on=as_of)
        return q.principal, q.interest, q.penalty
    return record.principal_owed, record.interest_owed, record.penalty_owed


def consented_ids(id_numbers) -> set[str]:
    """The ID numbers among these with a separate consent to publication in force (one
    query)."""
    ids = {normalize_id(i) for i in id_numbers if i}
    if not ids:
        return set()
    return set(
        PublicationConsent.objects.filter(id_number__in=ids, withdrawn_on__isnull=True).values_list(
            "id_number", flat=True
        )
    )


def shown_name(name: str, id_number: str, consented: set[str]) -> str:
    """The name as the roll prints it: in full only with consent, else masked exactly as
    the credit notice masks it."""
    if id_number and normalize_id(id_number) in consented:
        return name
    return mask_name(name)


def _lock(roll) -> CollectionRoll:
    return (
        CollectionRoll.objects.select_for_update(of=("self",))
        .select_related("village__cooperative", "cooperative")
        .get(pk=roll.pk)
    )


@transaction.atomic
def roll_create(*, actor, village, as_of: date | None = None, today=None) -> CollectionRoll:
    """A draft roll of every debt of the village still pursued, amounts to `as_of`."""
    today = _today(today)
    as_of = as_of or today
    if not may_keep_roll(actor, village):
        raise RecoveryError(_("您无权编制该村的清收公告。"))
    records = list(
        NplRecord.objects.filter(village=village, status=NplRecord.Status.PURSUING)
        .select_related("loan")
        .order_by("borrower_name", "id")
    )
    if not records:
        raise RecoveryError(_("该村没有清收中的不良贷款，无需编制公告。"), field="village")
    roll = CollectionRoll.objects.create(
        cooperative=village.cooperative, village=village, as_of=as_of, created_by=actor
    )
    lines = []
    for n, record in enumerate(records, start=1):
        principal, interest, penalty = record_amounts(record, as_of)
        lines.append(
            CollectionRollLine(
                roll=roll,
                record=record,
                position=n,
                principal=principal,
                interest=interest,
                penalty=penalty,
            )
        )
    CollectionRollLine.objects.bulk_create(lines)
    audit_record(
        actor=actor,
        action="recovery.roll_create",
        obj=roll,
        cooperative=roll.cooperative,
        changes={"as_of": as_of, "records": len(lines)},
    )
    return roll


@transaction.atomic
def roll_line_check(*, actor, line, checked: bool = True) -> CollectionRollLine:
    """The officer's tick: this line agrees with the IOU (name, amount, address). The roll
    becomes "checked" with its last tick and goes back to draft if one is taken off."""
    roll = _lock(line.roll)
    if not may_keep_roll(actor, roll.village):
        raise RecoveryError(_("您无权核对该村的清收公告。"))
    if roll.status == CollectionRoll.Status.POSTED:
        raise RecoveryError(_("公告已张贴，不能再修改核对结果。"))
    line = CollectionRollLine.objects.select_for_update().get(pk=line.pk, roll=roll)
    if line.checked == checked:
        return line
    line.checked = checked
    line.checked_by = actor if checked else None
    line.checked_at = timezone.now() if checked else None
    line.save(update_fields=["checked", "checked_by", "checked_at"])
    audit_record(
        actor=actor,
        action="recovery.roll_line_check",
        obj=roll,
        cooperative=roll.cooperative,
        changes={"line": line.position, "checked": checked},
    )
    all_checked = not roll.lines.filter(checked=False).exists()
    if all_checked and roll.status == CollectionRoll.Status.DRAFT:
        transition(roll, CollectionRoll.Status.CHECKED, actor=actor, action="recovery.roll_checked")
    elif not all_checked and roll.status == CollectionRoll.Status.CHECKED:
        transition(roll, CollectionRoll.Status.DRAFT, actor=actor, action="recovery.roll_reopen")
    return line


@transaction.atomic
def roll_witness(*, actor, roll, member: CommitteeMember, witnessed_on: date, today=None):
    """The village committee's witness (村委会证明人): a member of this village's committee."""
    today = _today(today)
    roll = _lock(roll)
    if not may_keep_roll(actor, roll.village):
        raise RecoveryError(_("您无权办理该村的清收公告。"))
    if roll.status == CollectionRoll.Status.POSTED:
        raise RecoveryError(_("公告已张贴，不能更换证明人。"))
    if member is None or member.village_id != roll.village_id:
        raise RecoveryError(_("证明人须是本村村委会（信用评审小组）成员。"), field="member")
    if witnessed_on is None or witnessed_on > today:
        raise RecoveryError(_("证明日期不能为空，也不能晚于今天。"), field="witnessed_on")
    roll.witness, roll.witnessed_on = member, witnessed_on
    roll.save(update_fields=["witness", "witnessed_on"])
    audit_record(
        actor=actor,
        action="recovery.roll_witness",
        obj=roll,
        cooperative=roll.cooperative,
        changes={"witness": member.name, "witnessed_on": witnessed_on},
    )
    return roll


def _post_problems(roll, places, minimum) -> list[str]:
    problems = []
    unticked = roll.lines.filter(checked=False).count()
    if unticked:
        problems.append(_("还有 %(n)d 笔未与借据逐笔核对") % {"n": unticked})
    if roll.witness_id is None:
        problems.append(_("未登记村委会证明人"))
    if len(places) < minimum:
        problems.append(
            _("张贴份数 %(n)d 份，少于规定的 %(m)d 份") % {"n": len(places), "m": minimum}
        )
    return problems


@transaction.atomic
def roll_post(*, actor, roll, places: list[str], posted_on: date | None = None, today=None):
    """Post the roll: every line ticked, the witness recorded, at least the policy's number
    of copies (each with where it was posted). Posting is not a limitation interruption
    (a village poster is not a served demand nor a media notice): no event is written."""
    today = _today(today)
    posted_on = posted_on or today
    roll = _lock(roll)
    if not may_keep_roll(actor, roll.village):
        raise RecoveryError(_("您无权张贴该村的清收公告。"))
    if roll.status == CollectionRoll.Status.POSTED:
        raise RecoveryError(_("公告已张贴。"))
    if posted_on > today:
        raise RecoveryError(_("张贴日期不能晚于今天。"), field="posted_on")
    places = [p.strip()[:100] for p in places if p and p.strip()]
    minimum = RecoveryPolicy.current(roll.cooperative.union_id).roll_min_copies
    problems = _post_problems(roll, places, minimum)
    if problems:
        raise RecoveryError(_("不能张贴：") + "；".join(problems) + "。")
    lines = list(roll.lines.select_related("record"))
    consented = consented_ids(line.record.borrower_id_number for line in lines)
    for line in lines:
        line.posted_name = shown_name(
            line.record.borrower_name, line.record.borrower_id_number, consented
        )
    CollectionRollLine.objects.bulk_update(lines, ["posted_name"])
    roll.copy_places, roll.posted_on, roll.posted_by = places, posted_on, actor
    transition(
        roll,
        CollectionRoll.Status.POSTED,
        actor=actor,
        action="recovery.roll_post",
        fields=["copy_places", "posted_on", "posted_by"],
        changes={"copies": len(places), "places": "、".join(places), "posted_on": posted_on},
    )
    return roll


@transaction.atomic
def roll_receipt_add(
    *,
    actor,
    line,
    guarantor: NplGuarantor | None = None,
    signed_on: date,
    signer_name: str,
    signer_relation: str,
    today=None,
) -> RollReceipt:
    """A receipt stub collected at the door for the borrower or one guarantor. Signed by the
    debtor, a co-resident adult relative or an authorised person it is a served demand: the
    limitation event is recorded in this transaction (`limitation_event_add`), so the expiry
    moves; signed by anyone else it is kept on the roll and interrupts nothing."""
    today = _today(today)
    roll = _lock(line.roll)
    if not may_keep_roll(actor, roll.village):
        raise RecoveryError(_("您无权登记该村清收公告的回执。"))
    if roll.status != CollectionRoll.Status.POSTED:
        raise RecoveryError(_("公告张贴后才能入户收取回执。"))
    line = CollectionRollLine.objects.select_related("record").get(pk=line.pk, roll=roll)
    if guarantor is not None and guarantor.record_id != line.record_id:
        raise RecoveryError(_("该保证人不属于这笔贷款。"), field="guarantor")
    signer_name = (signer_name or "").strip()
    if (
        not signer_name
        or signer_relation not in LimitationEvent.Signer.values
        or not (signer_relation)
    ):
        raise RecoveryError(_("请填写签收人姓名及其身份。"), field="signer_name")
    if signed_on is None or signed_on > today:
        raise RecoveryError(_("签收日期不能为空，也不能晚于今天。"), field="signed_on")
    if signed_on < roll.posted_on:
        raise RecoveryError(_("签收日期不能早于公告张贴日期。"), field="signed_on")
    if RollReceipt.objects.filter(line=line, guarantor=guarantor).exists():
        raise RecoveryError(_("该当事人的回执已登记。"), field="guarantor")
    event = None
    if signer_relation in VALID_SIGNERS:
        event, _step = limitation_event_add(
            actor=actor,
            record=line.record,
            guarantor=guarantor,
            kind=L.DEMAND_RECEIPT,
            occurred_on=signed_on,
            signer_name=signer_name,
            signer_relation=signer_relation,
            receipt_number=f"QS{roll.pk}-{line.position}",
            note=_("清收公告入户签收回执"),
            today=today,
        )
    receipt = RollReceipt.objects.create(
        line=line,
        guarantor=guarantor,
        signed_on=signed_on,
        signer_name=signer_name[:50],
        signer_relation=signer_relation,
        limitation_event=event,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="recovery.roll_receipt",
        obj=roll,
        cooperative=roll.cooperative,
        changes={
            "line": line.position,
            "party": guarantor.name if guarantor else line.record.borrower_name,
            "signer": signer_name,
            "interrupts": event is not None,
        },
    )
    return receipt


@transaction.atomic
def consent_record(
    *, actor, roll, id_number: str, name: str, given_on: date, evidence: str, today=None
) -> PublicationConsent:
    """Record a person's separate consent to publication of their name (PIPL art. 25). Asked
    from a roll: the person must be a borrower or guarantor on it."""
    today = _today(today)
    roll = _lock(roll)
    if not may_keep_roll(actor, roll.village):
        raise RecoveryError(_("您无权为该村办理公布同意。"))
    id_number = normalize_id(id_number or "")
    parties = {
        normalize_id(i)
        for i in roll.lines.values_list("record__borrower_id_number", flat=True)
        if i
    } | {
        normalize_id(i)
        for i in NplGuarantor.objects.filter(record__roll_lines__roll=roll).values_list(
            "id_number", flat=True
        )
        if i
    }
    if not id_number or id_number not in parties:
        raise RecoveryError(_("该身份证号码不是本公告所列的借款人或保证人。"), field="id_number")
    evidence = (evidence or "").strip()
    if len(evidence) < 2:
        raise RecoveryError(_("请填写单独同意书的编号或存放位置。"), field="evidence")
    if given_on is None or given_on > today:
        raise RecoveryError(_("同意日期不能为空，也不能晚于今天。"), field="given_on")
    if PublicationConsent.objects.filter(id_number=id_number, withdrawn_on__isnull=True).exists():
        raise RecoveryError(_("此人已有有效的公布同意。"), field="id_number")
    consent = PublicationConsent.objects.create(
        id_number=id_number,
        name=(name or "").strip()[:50],
        given_on=given_on,
        evidence=evidence[:200],
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="recovery.consent_record",
        obj=consent,
        cooperative=roll.cooperative,
        changes={"given_on": given_on, "evidence": evidence},
    )
    return consent


def roll_print_log(*, actor, roll) -> None:
    """Who printed the roll and when (L19): one audit row per print."""
    audit_record(
        actor=actor,
        action="recovery.roll_print",
        obj=roll,
        cooperative=roll.cooperative,
        changes={"status": roll.status},
    )
