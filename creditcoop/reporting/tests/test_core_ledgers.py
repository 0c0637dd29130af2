"""The core's ledgers (audit trail, deadlines, accountability) exported and read back."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from creditcoop.audit import audit_record
from creditcoop.deadlines.engine import deadline_open
from creditcoop.deadlines.models import Accountability, Deadline
from creditcoop.errors import DomainError
from creditcoop.models import AuditLog, ExportJob, Staff
from creditcoop.reporting import services
from tests import factories as f

from .helpers import INJECTIONS, assert_never_formulas, body_and_totals, export_sheet, layout

pytestmark = pytest.mark.django_db


def _rename(user, name):
    Staff.objects.filter(pk=user.pk).update(name=name)
    user.refresh_from_db()


def test_audit_trail_ledger_rows_in_readable_words(org):
    household = f.HouseholdFactory(village=org.village_a1, head_name="张三")
    audit_record(
        actor=org.officer1,
        action="villages.household_update",
        obj=household,
        changes={"head_name": ["张三", "张叁"]},
    )
    audit_record(actor=org.officer_b, action="villages.household_update", obj=org.village_b1)
    job, ws = export_sheet(
        org.director, "creditcoop.audit", {"action": "villages.household_update"}
    )
    rows = layout(ws, title="审计记录", who=org.director, scope=org.coop_a.name)
    header, body, totals = body_and_totals(rows)
    assert header[:4] == ("时间", "操作人", "工号", "操作")
    mine = [r for r in body if r[5] == str(household.pk)]
    assert len(body) == 1 and len(mine) == 1  # cooperative B's row is not in A's trail
    at, actor, username, action, otype, oid, _repr, changes, coop = mine[0]
    assert isinstance(at, datetime)
    assert (actor, username, action, otype, coop) == (
        org.officer1.name,
        org.officer1.username,
        "修改农户",
        "农户",
        org.coop_a.name,
    )
    assert "张三 → 张叁" in changes
    assert totals is None  # no column of the trail adds up
    assert job.rows_total == job.rows_done == 1
    started = AuditLog.objects.get(action="reporting.export_start", object_id=str(job.pk))
    assert started.actor == org.director and started.changes["ledger"] == "审计记录"


def test_audit_trail_never_starts_a_formula(org):
    for i, name in enumerate(INJECTIONS):
        actor = f.StaffFactory(
            username=f"Z{i:03d}",
            name=name,
            roles=["director"],
            cooperative=org.coop_a,
            union=org.union,
        )
        audit_record(actor=actor, action="villages.household_update", obj=org.village_a1)
    _job, ws = export_sheet(org.auditor, "creditcoop.audit", {"actor": ""})
    assert_never_formulas(ws)
    # ID-like columns stay text: the staff number keeps its leading letters and zeros
    usernames = [c.value for c in ws["C"][2:] if c.value]
    assert "Z000" in usernames and all(c.data_type == "s" for c in ws["C"][2:] if c.value)


def test_audit_ledger_refused_to_an_officer_and_outside_the_scope(org):
    with pytest.raises(DomainError, match="您不能导出该台账"):
        services.export_start(user=org.officer1, ledger_code="creditcoop.audit", data={})
    with pytest.raises(DomainError) as refused:
        services.export_start(
            user=org.director, ledger_code="creditcoop.audit", data={"cooperative": org.coop_b.pk}
        )
    assert "所选单位不在您的查看范围内" in refused.value.errors["cooperative"][0]
    assert not ExportJob.objects.exists()


def _deadline(org, number, *, responsible, start=date(2026, 3, 2), days=2):
    group = f.VillageGroupFactory(village=org.village_a1, number=number, name=f"组{number}")
    return deadline_open(
        target=group,
        kind="rating",
        responsible=responsible,
        cooperative=org.coop_a,
        working_days=days,
        start=start,
    )


def test_deadline_and_accountability_ledgers(org):
    from creditcoop.deadlines.sweep import deadline_sweep

    late_one = f.StaffFactory(
        username="O009", name="-1", roles=["officer"], cooperative=org.coop_a, union=org.union
    )
    on_time = _deadline(org, 21, responsible=org.officer1)
    late = _deadline(org, 22, responsible=late_one)
    Deadline.objects.filter(pk=on_time.pk).update(
        stopped_at=datetime(2026, 3, 3, 9, tzinfo=datetime.now().astimezone().tzinfo),
        stopped_on=date(2026, 3, 3),
        stop_reason="已办结",
    )
    # The late one runs 5 working days past its due day and is swept: 诫勉/批评.
    deadline_sweep(today=date(2026, 3, 11))
    late.refresh_from_db()
    assert late.late_days > 0

    _job, ws = export_sheet(org.director, "creditcoop.deadlines", {"date_from": "2026-03-01"})
    header, body, totals = body_and_totals(
        layout(ws, title="限时办结台账", who=org.director, scope="2026-03-01 起")
    )
    assert header[:4] == ("信用社", "事项", "办理对象", "责任人")
    by_person = {r[3]: r for r in body}
    assert set(by_person) == {org.officer1.name, "-1"}
    done = by_person[org.officer1.name]
    assert done[4] == datetime(2026, 3, 2) and done[5] == 2 and done[7] == datetime(2026, 3, 3)
    assert done[10] == "按期办结"
    running = by_person["-1"]
    assert running[9] == late.late_days and running[10] == "已超期"
    assert totals[9] == late.late_days
    assert_never_formulas(ws, ["-1"])

    record = Accountability.objects.get(deadline=late)
    _job, ws = export_sheet(org.auditor, "creditcoop.accountability")
    header, body, totals = body_and_totals(layout(ws, title="超期问责台账", who=org.auditor))
    assert len(body) == 1
    row = body[0]
    assert row[3] == "-1" and row[5] == record.late_days and row[6] == record.get_tier_display()
    assert Decimal(str(row[7])) == record.lost_interest
    assert row[8] == "待主任确认"
    assert Decimal(str(totals[7])) == record.lost_interest
    assert_never_formulas(ws, ["-1"])


def test_deadline_ledger_is_not_an_officers(org):
    with pytest.raises(DomainError):
        services.export_start(user=org.officer1, ledger_code="creditcoop.deadlines", data={})


def test_audit_page_sends_its_filters_to_the_export(org, login):
    client = login(org.director)
    page = client.get("/audit/", {"actor": "周", "date_from": "2026-01-01"}).content.decode()
    link = "/exports/new/?ledger=creditcoop.audit&amp;actor=%E5%91%A8&amp;date_from=2026-01-01"
    assert link in page
    start = client.get(
        "/exports/new/", {"ledger": "creditcoop.audit", "actor": "周", "date_from": "2026-01-01"}
    ).content.decode()
    assert 'value="周"' in start and 'value="2026-01-01"' in start
