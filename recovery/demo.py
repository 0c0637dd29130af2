"""Demo NPL book: the loans the nightly classification made non-performing, and a little
off-balance stock per cooperative — 1990s written-off loans, a replaced loan kept alive by
receipts for twenty years, one whose limitation warning falls due this week — entered through
the real import, guarantor and event services. Idempotent: a second run adds nothing."""

from __future__ import annotations

import io
from datetime import date, timedelta

from django.utils import timezone
from openpyxl import Workbook

from creditcoop.models import Cooperative, Role, Staff

from . import limitation as L
from . import services
from .demo_agree import seed_agree
from .demo_collect import seed_collect
from .imports import COLUMNS
from .models import NplRecord

# (suffix, name, book status, drawn, due, amount, principal, interest, cause, guarantor)
STOCK = [
    (
        "01",
        "赵德旺",
        "已核销",
        date(1994, 3, 1),
        date(1995, 6, 30),
        "3000",
        "3000",
        "2150.40",
        "走死逃亡",
        "赵德福",
    ),
    (
        "02",
        "钱有田",
        "已置换",
        date(2002, 5, 1),
        date(2007, 5, 1),
        "20000",
        "16500",
        "9800.00",
        "经营失败",
        "",
    ),
    (
        "03",
        "孙桂兰",
        "其他表外",
        date(2005, 4, 1),
        None,
        "8000",
        "6200",
        "1350.00",
        "赖债",
        "孙建国",
    ),
    (
        "04",
        "李长顺",
        "已核销",
        date(1997, 9, 1),
        date(1998, 9, 1),
        "5000",
        "4300",
        "3900.00",
        "政府干预",
        "",
    ),
]

# Receipts, acknowledgements and payments that kept 钱有田's replaced loan alive.
KEPT_ALIVE = [
    (L.DEMAND_RECEIPT, date(2009, 3, 1)),
    (L.ACKNOWLEDGEMENT, date(2010, 12, 1)),
    (L.PARTIAL_PAYMENT, date(2012, 10, 1)),
    (L.DEMAND_RECEIPT, date(2014, 8, 1)),
    (L.AGREEMENT, date(2016, 5, 1)),
    (L.DEMAND_RECEIPT, date(2019, 3, 1)),
    (L.DEMAND_RECEIPT, date(2021, 12, 1)),
    (L.PARTIAL_PAYMENT, date(2024, 10, 1)),
]


def _sheet(rows: list[dict]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append([label for _k, label in COLUMNS])
    for row in rows:
        ws.append([row.get(k, "") for k, _label in COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "演示表外不良贷款.xlsx"
    return buf


def _director(coop):
    return (
        Staff.objects.filter(cooperative=coop, is_active=True, roles__contains=[Role.DIRECTOR])
        .order_by("username")
        .first()
    )


def seed(*, cooperatives: int = 2, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    counts = services.npl_register_sync(today=today)
    imported = events = 0
    # The loan whose limitation ends 33 days from now: its 30-day warning falls this week.
    soon_due = L.add_years(today + timedelta(days=33), -3)
    for coop in Cooperative.objects.order_by("code")[:cooperatives]:
        director = _director(coop)
        village = coop.villages.exclude(officer=None).order_by("code").first()
        if director is None or village is None:
            continue
        rows = []
        for suffix, name, book, drawn, due, amount, principal, interest, cause, guarantor in STOCK:
            number = f"DEMO-{coop.code}-{suffix}"
            if NplRecord.objects.filter(cooperative=coop, loan_number=number).exists():
                continue
            rows.append(
                {
                    "loan_number": number,
                    "name": name,
                    "village": village.name,
                    "book_status": book,
                    "subject": "110" if book == "已核销" else "108",
                    "amount": amount,
                    "principal": principal,
                    "interest": interest,
                    "drawn_on": drawn.isoformat(),
                    "due_on": (due or soon_due).isoformat(),
                    "cause": cause,
                    "guarantor": guarantor,
                    "guarantee_signed_on": drawn.isoformat() if guarantor else "",
                }
            )
        if rows:
            batch = services.npl_import_preview(
                actor=director, cooperative=coop, upload=_sheet(rows), today=today
            )
            imported += services.npl_import_confirm(
                actor=director, cooperative=coop, token=batch.token, today=today
            )
        records = {
            r.loan_number[-2:]: r
            for r in NplRecord.objects.filter(cooperative=coop, loan_number__startswith="DEMO-")
        }
        alive = records.get("02")
        if alive is not None and not alive.events.exists():
            for kind, on in KEPT_ALIVE:
                services.limitation_event_add(
                    actor=director,
                    record=alive,
                    kind=kind,
                    occurred_on=on,
                    signer_name=alive.borrower_name if kind == L.DEMAND_RECEIPT else "",
                    signer_relation=L.SIGNER_SELF if kind == L.DEMAND_RECEIPT else "",
                    receipt_number=f"CS{on:%Y%m}" if kind == L.DEMAND_RECEIPT else "",
                    amount=500 if kind == L.PARTIAL_PAYMENT else None,
                    today=today,
                )
                events += 1
        old = records.get("01")
        if old is not None and not old.events.exists():
            g = old.guarantors.first()
            if g is not None:
                # The guarantor signed long after the guarantee period: kept, revives nothing.
                services.limitation_event_add(
                    actor=director,
                    record=old,
                    guarantor=g,
                    kind=L.DEMAND_RECEIPT,
                    occurred_on=date(1999, 4, 20),
                    signer_name=g.name,
                    signer_relation=L.SIGNER_SELF,
                    today=today,
                )
                events += 1
        soon = records.get("03")
        if soon is not None and not soon.assessments.exists():
            services.assessment_save(
                actor=director,
                record=soon,
                year=today.year,
                likelihood="partial",
                evidence=["visit", "income"],
                income="在县城做零工，月收入约三千元",
                willingness="愿意分期偿还",
                measures="签订还款计划，每月还款五百元",
                today=today,
            )
    seed_collect(today=today)
    warned = services.limitation_sweep(today=today)
    from .demo_board import seed_board
    from .demo_roll import seed_roll

    roll = seed_roll(today=today)
    seed_board(today=today)  # board
    seed_agree(cooperatives=cooperatives, today=today)
    from .demo_responsibility import seed_responsibility

    seed_responsibility(cooperatives=cooperatives, today=today)
    from .demo_incentive import seed_incentive

    seed_incentive(today=today)  # incentive
    from .demo_agency import seed_agency

    seed_agency(today=today)  # agency (托管清收)
    from .demo_writeoff import seed_writeoff

    seed_writeoff(today=today)  # write-off and debt-for-asset
    from .demo_contract import seed_contract

    seed_contract(today=today)  # contract
    return {
        **counts,
        "imported": imported,
        "events": events,
        "warnings": warned["warnings"],
        **roll,
    }
