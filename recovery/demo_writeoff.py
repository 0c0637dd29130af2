"""Demo data for write-off and debt-for-asset: in each demo cooperative, 钱有田's replaced loan
written off after the court ended enforcement (director → union risk → union head) with a
recovery after it, and 孙桂兰's pledged tractor taken in settlement eleven months ago, its
one-year disposal deadline a month away (warned). Re-runnable: a second run adds nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from creditcoop.models import Staff

from . import services
from .models import DebtAsset, NplRecord, WriteOffCondition, WriteOffDossier, WriteOffLevel


def _staff(role, **kw):
    return Staff.objects.filter(is_active=True, roles__contains=[role], **kw).order_by("username")


def _approver(level: WriteOffLevel, record: NplRecord, preparer):
    qs = _staff(level.role).exclude(pk=preparer.pk)
    if level.cooperative_level:
        return qs.filter(cooperative_id=record.cooperative_id).first()
    return qs.filter(union_id=record.cooperative.union_id).first()


def _write_off(record: NplRecord, today: date) -> bool:
    if record.writeoffs.exists() or record.collector is None:
        return False
    preparer = record.collector
    approvers = [(lv, _approver(lv, record, preparer)) for lv in services.writeoff.levels()]
    if any(a is None for _lv, a in approvers) or len({a.pk for _lv, a in approvers}) < len(
        approvers
    ):
        return False
    cond = WriteOffCondition.objects.get(code="enforcement_ended")
    d = services.writeoff_save(
        actor=preparer,
        record=record,
        condition=cond,
        principal=record.principal_owed,
        interest_off=record.interest_owed,
        reason="2016年起诉，判决后经强制执行借款人无可供执行财产，法院裁定终结本次执行；"
        "保证人已死亡，无遗产。",
        ticks={e.pk: f"{record.loan_number}-卷{e.position}" for e in cond.evidence.all()},
    )
    services.writeoff_submit(actor=preparer, dossier=d)
    for level, approver in approvers:
        services.writeoff_approve(
            actor=approver,
            dossier=d,
            level=level,
            decision="approve",
            opinion="经审核，符合核销条件，同意核销。",
            today=today,
        )
    d.refresh_from_db()
    services.writeoff_recovery_record(
        actor=preparer,
        dossier=d,
        on=today,
        principal=min(d.principal, Decimal("1500.00")),
        note="借款人之子代为偿还部分欠款",
        today=today,
    )
    return True


def _asset(record: NplRecord, today: date) -> bool:
    if record.debt_assets.exists() or record.collector is None:
        return False
    acquired = today - timedelta(days=365 - 30)
    if record.entered_on > acquired:
        # The demo's off-balance stock is imported "today"; its history goes back further.
        NplRecord.objects.filter(pk=record.pk).update(entered_on=acquired)
        record.refresh_from_db()
    services.debt_asset_create(
        actor=record.collector,
        settles=[services.Settles(record, min(record.principal_owed, Decimal("3000.00")))],
        description=f"{record.borrower_name}名下东方红拖拉机一台（抵押物，协议抵债）",
        kind="movable",
        valuation=Decimal("3500.00"),
        valuer="县正信资产评估事务所",
        acquired_on=acquired,
        custodian=record.collector,
        custody_place="信用社院内车棚",
        today=today,
    )
    return True


def seed_writeoff(*, today: date) -> dict:
    if not WriteOffLevel.objects.exists():  # migration data removed (a test database's flush)
        from django.apps import apps

        from .writeoff_defaults import seed

        seed(apps)
    written = assets = 0
    for record in NplRecord.objects.filter(
        loan_number__startswith="DEMO-", loan_number__endswith="-02", status="pursuing"
    ).select_related("cooperative", "collector"):
        written += _write_off(record, today)
    for record in NplRecord.objects.filter(
        loan_number__startswith="DEMO-", loan_number__endswith="-03", status="pursuing"
    ).select_related("cooperative", "collector"):
        assets += _asset(record, today)
    warned = services.debt_asset_warn(today=today)["warnings"]
    return {
        "written_off": written,
        "debt_assets": assets,
        "asset_warnings": warned,
        "dossiers": WriteOffDossier.objects.count(),
        "assets": DebtAsset.objects.count(),
    }
