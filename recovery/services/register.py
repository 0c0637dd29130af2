"""The register: the nightly entry of non-performing loans, corrections, guarantors and the
yearly recoverability assessment."""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditcoop.audit import audit_record, audit_row, diff, snapshot
from creditcoop.jobs import job_lock
from creditcoop.models import Role, Staff
from creditcoop.workflow import Move, record_many

from .. import limitation as L
from ..models import NplGuarantor, NplRecord, RecoverabilityAssessment
from ._common import RecoveryError, _today, may_manage, may_pursue, refuse_outsider
from .limitation import _lock, limitation_store


def expiry_sql(due: str) -> str:
    """The borrower's expiry of a debt due on `due` with no events, in SQL: the rule of
    `limitation.period_end` (a test compares the two on the edge dates)."""
    cut = L.THREE_YEAR_RULE_FROM.isoformat()
    old = f"({due} + interval '2 years')::date"
    return f"CASE WHEN {old} < DATE '{cut}' THEN {old} ELSE ({due} + interval '3 years')::date END"


ENTER_SQL = """
INSERT INTO recovery_nplrecord (
    cooperative_id, village_id, household_id, loan_id, source, entered_on,
    borrower_name, borrower_id_number, borrower_phone, loan_number, contract_number,
    ledger_subject, original_amount, principal_owed, interest_owed, penalty_owed,
    drawn_on, due_on, risk_class, book_status, collector_id, actual_user, actual_user_name,
    cause, insider_related, civil_servant, employer, heirs, whereabouts, collateral,
    collateral_state, last_payment_on, difficulty, status, limitation_expires_on,
    limitation_revived, limitation_stale, note, created_at, updated_at)
SELECT c.cooperative_id, c.village_id, c.household_id, l.id, 'sync', %(today)s,
       m.name, m.id_number, COALESCE(NULLIF(m.phone, ''), h.phone, ''), l.number, c.number,
       '', l.amount, l.principal, l.interest_due, l.penalty_due,
       l.drawn_on, l.due_date, l.risk_class, 'on_balance', v.officer_id, 'borrower', '',
       'other', FALSE, FALSE, '', '', h.address, c.collateral,
       CASE WHEN c.collateral = '' THEN 'none' ELSE 'valid' END,
       (SELECT max(p.paid_on) FROM loans_repayment p
         WHERE p.loan_id = l.id AND p.reversed_at IS NULL),
       'potential', 'pursuing', {expiry},
       FALSE, FALSE,
       CASE WHEN c.guarantors <> '' THEN %(guarantors)s || c.guarantors ELSE '' END,
       %(now)s, %(now)s
FROM loans_loan l
JOIN loans_creditcontract c ON c.id = l.contract_id
JOIN villages_member m ON m.id = c.borrower_id
JOIN villages_household h ON h.id = c.household_id
JOIN villages_village v ON v.id = c.village_id
WHERE l.status = 'open' AND l.risk_class >= 2
  AND NOT EXISTS (SELECT 1 FROM recovery_nplrecord r WHERE r.loan_id = l.id)
ON CONFLICT DO NOTHING
RETURNING id, cooperative_id, borrower_name, loan_number
""".replace("{expiry}", expiry_sql("l.due_date"))

REFRESH_SQL = """
UPDATE recovery_nplrecord r
SET risk_class = l.risk_class,
    principal_owed = l.principal,
    interest_owed = l.interest_due,
    penalty_owed = l.penalty_due,
    last_payment_on = GREATEST(r.last_payment_on,
        (SELECT max(p.paid_on) FROM loans_repayment p
          WHERE p.loan_id = l.id AND p.reversed_at IS NULL)),
    status = CASE WHEN l.status = 'closed' AND r.status = 'pursuing' THEN 'recovered'
                  ELSE r.status END,
    updated_at = %(now)s
FROM loans_loan l
WHERE r.loan_id = l.id
  AND ((r.risk_class, r.principal_owed, r.interest_owed, r.penalty_owed)
        IS DISTINCT FROM (l.risk_class, l.principal, l.interest_due, l.penalty_due)
       OR (l.status = 'closed' AND r.status = 'pursuing'))
RETURNING r.id, r.cooperative_id, r.borrower_name, r.loan_number, r.status
"""


@transaction.atomic
def npl_register_sync(*, today: date | None = None) -> dict:
    """Enter every open loan classed 次级 or worse that is not in the register yet, and
    bring the class, amounts and last payment of linked records up to date (a loan repaid
    in full marks its record recovered). Set-based, after the nightly classification; a
    second run writes nothing. Catching up needs nothing special: it reads the loans as
    they are now."""
    job_lock("recovery.npl_register_sync")
    today = _today(today)
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute(ENTER_SQL, {"today": today, "now": now, "guarantors": _("合同保证人：")})
        entered = cur.fetchall()
        cur.execute(REFRESH_SQL, {"now": now})
        refreshed = cur.fetchall()
    from creditcoop.audit import audit_record_many

    audit_record_many(
        audit_row(
            actor=None,
            action="recovery.record_enter",
            obj=NplRecord(pk=pk, borrower_name=name, loan_number=number),
            cooperative_id=coop,
            changes={"source": NplRecord.Source.SYNC},
        )
        for pk, coop, name, number in entered
    )
    recovered = [row for row in refreshed if row[4] == NplRecord.Status.RECOVERED]
    record_many(
        [
            Move(
                NplRecord(pk=pk, borrower_name=name, loan_number=number),
                NplRecord.Status.PURSUING,
                NplRecord.Status.RECOVERED,
                None,
                _("借据已结清"),
                action="recovery.record_recovered",
                cooperative=coop,
            )
            for pk, coop, name, number, _status in recovered
        ]
    )
    return {"entered": len(entered), "refreshed": len(refreshed), "recovered": len(recovered)}


# --- corrections by people -----------------------------------------------------------------

EDITABLE = [
    "collector_id",
    "borrower_phone",
    "actual_user",
    "actual_user_name",
    "cause",
    "insider_related",
    "civil_servant",
    "employer",
    "heirs",
    "borrower_kind",
    "enterprise_status",
    "successor",
    "whereabouts",
    "collateral",
    "collateral_state",
    "collateral_expires_on",
    "difficulty",
    "ledger_subject",
    "note",
]


@transaction.atomic
def npl_record_update(*, actor, record: NplRecord, **values) -> NplRecord:
    """Correct the facts a collector finds (whereabouts, heirs, flags, difficulty …) and
    assign the collector. Amounts and dates follow the loan or the import, not this form."""
    record = _lock(record)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise RecoveryError(_("不能修改这些项目：%(f)s。") % {"f": "、".join(sorted(unknown))})
    refuse_outsider(actor, _("您无权修改该笔不良贷款登记。"))
    if not may_pursue(actor, record):
        raise RecoveryError(_("您无权修改该笔不良贷款登记。"))
    if "collector_id" in values and values["collector_id"] != record.collector_id:
        if not may_manage(actor, record.cooperative):
            raise RecoveryError(_("只有主任、副主任或联社资产保全部可以指定清收责任人。"))
        collector = Staff.objects.filter(pk=values["collector_id"], is_active=True).first()
        if (
            collector is None
            or collector.cooperative_id != record.cooperative_id
            or not (collector.has_role(Role.OFFICER, Role.DIRECTOR, Role.DEPUTY))
        ):
            raise RecoveryError(
                _("清收责任人须是本社在岗的信贷员或主任、副主任。"), field="collector"
            )
    if values.get("civil_servant") and not (values.get("employer") or record.employer).strip():
        raise RecoveryError(_("公职人员须填写工作单位。"), field="employer")
    kind = values.get("borrower_kind", record.borrower_kind)
    if kind != NplRecord.BorrowerKind.ENTERPRISE and values.get("enterprise_status"):
        raise RecoveryError(_("只有企业借款人才填写企业状态。"), field="enterprise_status")
    if kind != NplRecord.BorrowerKind.ENTERPRISE and "borrower_kind" in values:
        values["enterprise_status"] = ""
    before = snapshot(record, list(values))
    for name, value in values.items():
        setattr(record, name, value)
    changes = diff(before, snapshot(record, list(values)))
    if changes:
        record.save(update_fields=[*values, "updated_at"])
        audit_record(
            actor=actor,
            action="recovery.record_update",
            obj=record,
            cooperative=record.cooperative,
            changes=changes,
        )
    return record


@transaction.atomic
def npl_guarantor_add(
    *,
    actor,
    record: NplRecord,
    name: str,
    id_number: str = "",
    phone: str = "",
    contract_signed_on: date | None = None,
    stated_type: str = "",
    agreed_period_end: date | None = None,
    until_repaid: bool = False,
) -> NplGuarantor:
    """Add a guarantor; the guarantee period and its limitation are computed at once."""
    from creditcoop.hooks import id_number_error, normalize_id

    record = _lock(record)
    refuse_outsider(actor, _("您无权为该笔不良贷款登记保证人。"))
    if not may_pursue(actor, record):
        raise RecoveryError(_("您无权为该笔不良贷款登记保证人。"))
    name = (name or "").strip()
    if not name:
        raise RecoveryError(_("请填写保证人姓名。"), field="name")
    id_number = normalize_id(id_number or "")
    if id_number and (msg := id_number_error(id_number)):
        raise RecoveryError(msg, field="id_number")
    if stated_type not in NplGuarantor.GuaranteeType.values:
        raise RecoveryError(_("请选择保证方式。"), field="stated_type")
    guarantor = NplGuarantor.objects.create(
        record=record,
        name=name[:50],
        id_number=id_number,
        phone=(phone or "").strip()[:20],
        contract_signed_on=contract_signed_on,
        stated_type=stated_type,
        agreed_period_end=agreed_period_end,
        until_repaid=until_repaid,
    )
    limitation_store(record)
    guarantor.refresh_from_db()
    audit_record(
        actor=actor,
        action="recovery.guarantor_add",
        obj=guarantor,
        cooperative=record.cooperative,
        changes={"name": name, "period_ends_on": guarantor.period_ends_on},
    )
    return guarantor


@transaction.atomic
def assessment_save(
    *,
    actor,
    record: NplRecord,
    year: int,
    likelihood: str,
    evidence: list[str],
    income: str = "",
    guarantor_capacity: str = "",
    willingness: str = "",
    measures: str = "",
    reasons: str = "",
    today: date | None = None,
) -> RecoverabilityAssessment:
    """The year's recoverability assessment (one per year; saving again corrects it). A
    debt judged not recoverable needs its reasons and at least one proof on file."""
    today = _today(today)
    record = _lock(record)
    refuse_outsider(actor, _("您无权认定该笔贷款的偿还可能性。"))
    if not may_pursue(actor, record):
        raise RecoveryError(_("您无权认定该笔贷款的偿还可能性。"))
    if year > today.year or year < 1950:
        raise RecoveryError(_("年度不正确。"), field="year")
    if likelihood not in RecoverabilityAssessment.Likelihood.values:
        raise RecoveryError(_("请选择偿还可能性。"), field="likelihood")
    known = {code for code, _label in RecoverabilityAssessment.EVIDENCE}
    evidence = [code for code in dict.fromkeys(evidence or []) if code in known]
    hopeless = {
        RecoverabilityAssessment.Likelihood.UNLIKELY,
        RecoverabilityAssessment.Likelihood.NONE,
    }
    if likelihood in hopeless:
        if len((reasons or "").strip()) < 4:
            raise RecoveryError(_("认定难以收回或无法收回的，须写明原因。"), field="reasons")
        if not evidence:
            raise RecoveryError(
                _("认定难以收回或无法收回的，须勾选已取得的证明材料。"), field="evidence"
            )
    values = {
        "likelihood": likelihood,
        "evidence": evidence,
        "income": (income or "").strip()[:300],
        "guarantor_capacity": (guarantor_capacity or "").strip()[:300],
        "willingness": (willingness or "").strip()[:300],
        "measures": (measures or "").strip()[:300],
        "reasons": (reasons or "").strip()[:300],
        "assessed_on": today,
        "assessed_by": actor,
    }
    assessment, created = RecoverabilityAssessment.objects.update_or_create(
        record=record, year=year, defaults=values
    )
    audit_record(
        actor=actor,
        action="recovery.assessment_save",
        obj=assessment,
        cooperative=record.cooperative,
        changes={"year": year, "likelihood": likelihood, "evidence": evidence},
    )
    return assessment
