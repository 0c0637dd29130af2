"""The workflow kit: one checked call per transition, one event row, one audit row."""

from datetime import date
from importlib import import_module

import pytest
from django.db import connection
from django.template import Context, Template

from creditcoop.audit import audit_record
from creditcoop.errors import DomainError
from creditcoop.models import AuditLog, WorkflowEvent
from creditcoop.servicehall.models import Walkin, WalkinStatus
from creditcoop.workflow import transition, transition_many
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def walkin(org, status=WalkinStatus.INVESTIGATING, name="王五"):
    return Walkin.objects.create(
        cooperative=org.coop_a,
        kind="enquiry",
        status=status,
        customer_name=name,
        phone="13800138000",
        village=org.village_a1,
        need="咨询贷款",
        registered_by=org.officer1,
        registered_on=date(2026, 2, 12),
    )


def test_transition_writes_the_state_one_event_and_one_audit_row(org):
    w = walkin(org)
    w.refusal_reason = "不符合条件"
    transition(
        w,
        WalkinStatus.REFUSED,
        actor=org.officer1,
        reason="不符合条件",
        fields=["refusal_reason"],
        action="servicehall.walkin_answer",
    )
    w.refresh_from_db()
    assert w.status == WalkinStatus.REFUSED
    event = WorkflowEvent.objects.get(object_type="servicehall.walkin", object_id=str(w.pk))
    assert (event.from_state, event.to_state, event.actor, event.reason) == (
        "investigating",
        "refused",
        org.officer1,
        "不符合条件",
    )
    assert event.cooperative == org.coop_a and event.at is not None
    log = AuditLog.objects.get(action="servicehall.walkin_answer", object_id=str(w.pk))
    assert log.changes["status"] == ["investigating", "refused"]
    assert log.changes["reason"] == "不符合条件"


def test_a_move_the_workflow_does_not_allow_is_refused_in_chinese_and_writes_nothing(org):
    w = walkin(org, status=WalkinStatus.RECORDED)
    with pytest.raises(DomainError) as exc:
        transition(w, WalkinStatus.APPROVED, actor=org.director)
    assert "已登记（咨询）" in str(exc.value) and "审批同意" in str(exc.value)
    w.refresh_from_db()
    assert w.status == WalkinStatus.RECORDED
    assert not WorkflowEvent.objects.exists() and not AuditLog.objects.exists()


def test_transition_many_is_set_based(org, django_assert_num_queries):
    for i in range(5):
        walkin(org, status=WalkinStatus.IN_APPROVAL, name=f"客户{i}")
    objs = list(Walkin.objects.select_related("cooperative"))
    # one UPDATE, one insert of events, one insert of audit rows: whatever the count
    with django_assert_num_queries(3):
        transition_many(objs, WalkinStatus.APPROVED, actor=org.director, action="x.approve")
    assert set(Walkin.objects.values_list("status", flat=True)) == {"approved"}
    assert WorkflowEvent.objects.filter(to_state="approved").count() == 5
    assert AuditLog.objects.filter(action="x.approve", cooperative=org.coop_a).count() == 5


def test_a_workflow_with_its_own_history_writes_its_event_there_only(org):
    from villages import services
    from villages.models import PromotionEvent

    survey = services.promotion_survey_record(
        actor=org.officer1,
        village=org.village_a1,
        resident_households=420,
        local_households=380,
        certificate_count=35,
        certificate_amount=100,
        npl_count=0,
        npl_amount=0,
    )
    services.promotion_propose(actor=org.director, survey=survey, reason="条件成熟")
    moves = PromotionEvent.objects.filter(survey=survey).values_list("from_status", "to_status")
    assert list(moves) == [("", "surveyed"), ("surveyed", "proposed")]
    assert not WorkflowEvent.objects.exists()


def test_templates_ask_can_and_colour_badges_by_one_rule(org):
    w = walkin(org)
    html = Template(
        "{% load workflow %}{% if w|can:'in_approval' %}可审批{% endif %}"
        "{% if w|can:'approved' %}可办结{% endif %}"
        '<span class="badge {{ w.status|status_badge }}">'
        "<i class=\"{{ 'rejected'|status_badge }}\"></i><b class=\"{{ 'draft'|status_badge }}\">"
    ).render(Context({"w": w}))
    assert "可审批" in html and "可办结" not in html
    assert 'badge bg-warning text-dark"' in html
    assert '<i class="bg-danger">' in html and '<b class="bg-secondary">' in html


def test_migration_renames_old_action_names(org):
    migration = import_module("creditcoop.migrations.0006_audit_action_names")
    household = HouseholdFactory(group=org.group_a1)
    old = audit_record(actor=org.officer1, action="修改农户", obj=household)
    other = audit_record(actor=org.officer1, action="loan_draw", obj=household)
    with connection.cursor() as cursor:
        # The migration runs in its own transaction; here the rows above are still pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:
        migration.forwards(None, editor)
    assert AuditLog.objects.get(pk=old.pk).action == "villages.household_update"
    assert AuditLog.objects.get(pk=other.pk).action == "loans.loan_draw"
    # and the trail is append-only again afterwards
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=old.pk).update(action="篡改")


def test_every_action_the_code_writes_has_a_chinese_name():
    import pathlib
    import re

    from creditcoop.audit_labels import ACTIONS

    root = pathlib.Path(__file__).resolve().parents[2]
    pattern = re.compile(r'action="([a-z_]+\.[a-z_]+)"')
    written = set()
    for path in root.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        written |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert written, "no action names found"
    assert written - set(ACTIONS) == set()
