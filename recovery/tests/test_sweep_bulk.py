"""The sweep's set-based recomputation of stale records gives exactly the per-record engine's
answer (limitation_compute + limitation_store), on records of every shape, across chunks."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recovery import limitation as L
from recovery import services
from recovery.models import LimitationEvent, NplGuarantor, NplRecord, RecoveryPolicy
from recovery.services import limitation as limitation_services

from .helpers import npl

pytestmark = pytest.mark.django_db

KINDS = [
    (L.DEMAND_RECEIPT, {"signer_relation": L.SIGNER_SELF, "signer_name": "本人"}),
    (L.DEMAND_RECEIPT, {"signer_relation": L.SIGNER_RELATIVE, "signer_name": "妻"}),
    (L.DEMAND_RECEIPT, {"signer_relation": L.SIGNER_OTHER, "signer_name": "邻居"}),
    (L.DEMAND_POSTAL, {"receipt_number": "EMS1"}),
    (L.ACKNOWLEDGEMENT, {}),
    (L.PARTIAL_PAYMENT, {"amount": Decimal("100")}),
    (L.AGREEMENT, {}),
    (L.LAWSUIT, {}),
    (L.DEDUCTION, {"amount": Decimal("50")}),
    (L.MEDIA_NOTICE, {"media_level": L.MEDIA_PROVINCIAL, "media_name": "省报"}),
    (L.MEDIA_NOTICE, {"media_level": L.MEDIA_POSTER, "media_name": "村公告栏"}),
    (L.SUSPENSION, {"note": "不可抗力"}),
    (L.ENFORCEMENT_ENDED, {}),
]


def varied_records(org, n=40, seed=13):
    """Records due between 1995 and 2024 with instalments, guarantors of each type and
    contract style, and events of every kind before, inside and after the period — stored
    with wrong expiries and marked stale, as after an import."""
    rnd = random.Random(seed)
    records = []
    for i in range(n):
        due = date(1995, 1, 1) + timedelta(days=rnd.randrange(0, 30 * 365))
        record = npl(
            org.village_a1, number=f"BULK-{i:04d}", due_on=due, drawn_on=due - timedelta(days=365)
        )
        if rnd.random() < 0.25:
            for k in range(rnd.randrange(1, 4)):
                record.instalments.create(
                    due_on=due - timedelta(days=180 * k), amount=Decimal("1000")
                )
        guarantors = []
        for k in range(rnd.randrange(0, 3)):
            guarantors.append(
                NplGuarantor.objects.create(
                    record=record,
                    name=f"保证人{i}-{k}",
                    contract_signed_on=rnd.choice(
                        [None, due - timedelta(days=400), date(2021, 6, 1)]
                    ),
                    stated_type=rnd.choice(["", "general", "joint"]),
                    agreed_period_end=rnd.choice([None, due + timedelta(days=700)]),
                    until_repaid=rnd.random() < 0.2,
                )
            )
        for _k in range(rnd.randrange(0, 5)):
            kind, extra = rnd.choice(KINDS)
            on = due + timedelta(days=rnd.randrange(-30, 5 * 365))
            party = rnd.choice([None, *guarantors])
            if kind == L.ENFORCEMENT_ENDED:
                party = None
            ends_on = None
            if kind in (L.SUSPENSION, L.LAWSUIT) and rnd.random() < 0.7:
                ends_on = on + timedelta(days=rnd.randrange(0, 400))
            LimitationEvent.objects.create(
                record=record,
                guarantor=party,
                kind=kind,
                occurred_on=on,
                ends_on=ends_on,
                recorded_by=org.officer1,
                **extra,
            )
        records.append(record)
    ids = [r.pk for r in records]
    # Wrong stored answers: some records and guarantors already right, most not.
    NplRecord.objects.filter(pk__in=ids[::2]).update(
        limitation_expires_on=date(2000, 1, 1), limitation_revived=True
    )
    NplGuarantor.objects.filter(record_id__in=ids[::3]).update(
        limitation_expires_on=None, period_ends_on=date(1999, 1, 1)
    )
    NplRecord.objects.filter(pk__in=ids).update(limitation_stale=True)
    return ids


def engine_answers(ids):
    out = {}
    for record in NplRecord.objects.filter(pk__in=ids):
        c = services.limitation_compute(record)
        out[record.pk] = (
            c.borrower.result.expires_on,
            c.borrower.result.revived_after_expiry,
            [
                (p.guarantor.pk, p.result.expires_on, p.result.guarantee_period_ends_on)
                for p in c.guarantors
            ],
        )
    return out


def stored(ids):
    out = {}
    for record in NplRecord.objects.filter(pk__in=ids).prefetch_related("guarantors"):
        assert not record.limitation_stale
        out[record.pk] = (
            record.limitation_expires_on,
            record.limitation_revived,
            [(g.pk, g.limitation_expires_on, g.period_ends_on) for g in record.guarantors.all()],
        )
    return out


def test_bulk_recompute_equals_the_engine_record_by_record(org, monkeypatch):
    monkeypatch.setattr(limitation_services, "RECOMPUTE_CHUNK", 7)  # several chunks
    ids = varied_records(org)
    expected = engine_answers(ids)
    # The data exercises what matters: revived, open-ended and guarantor answers.
    assert any(rev for _e, rev, _g in expected.values())
    assert any(e is None for e, _rev, _g in expected.values())
    assert sum(len(g) for _e, _r, g in expected.values()) > 20
    assert services.limitation_recompute_stale() == len(ids)
    assert stored(ids) == expected
    # Nothing left to do: a second run reads the stale list and writes nothing.
    with CaptureQueriesContext(connection) as ctx:
        assert services.limitation_recompute_stale() == 0
    assert not [q for q in ctx.captured_queries if "UPDATE" in q["sql"]]


def test_bulk_recompute_writes_only_what_changed(org):
    ids = varied_records(org, n=12, seed=7)
    services.limitation_recompute_stale()
    right = stored(ids)
    # Marked stale again with every stored answer right: only the flags are written, no
    # guarantor row is touched.
    NplRecord.objects.filter(pk__in=ids).update(limitation_stale=True)
    with CaptureQueriesContext(connection) as ctx:
        assert services.limitation_recompute_stale() == len(ids)
    updates = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().startswith("UPDATE")]
    assert len(updates) == 1 and "recovery_nplrecord" in updates[0]
    assert stored(ids) == right


def test_the_sweep_after_an_import_warns_as_the_record_by_record_engine(org):
    """The same warnings whichever way the stale records were recomputed."""
    ids = varied_records(org, n=30, seed=21)
    expected = engine_answers(ids)
    RecoveryPolicy.current(org.union.pk)
    today = date(2025, 6, 1)
    result = services.limitation_sweep(today=today)
    assert result["recomputed"] == len(ids)
    horizon = today + timedelta(days=90)
    due = {
        (pk, None, e)
        for pk, (e, _r, _g) in expected.items()
        if e is not None and today <= e <= horizon
    } | {
        (pk, gid, ge)
        for pk, (_e, _r, gs) in expected.items()
        for gid, ge, _p in gs
        if ge is not None and today <= ge <= horizon
    }
    from recovery.models import LimitationWarning

    warned = set(LimitationWarning.objects.values_list("record_id", "guarantor_id", "expires_on"))
    assert warned == due
    assert services.limitation_sweep(today=today) == {
        "recomputed": 0,
        "warnings": 0,
        "inbox": 0,
        "sms": 0,
    }
