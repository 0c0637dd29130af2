from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from ratings.models import CreditApplication
from ratings.notices import services
from ratings.notices.models import NoticeEntry, Objection
from ratings.tests import factories as rf
from villages.models import Member


@pytest.fixture
def line_set(org):
    """A function building a line_set application of village A1 (or `group`'s village)."""

    def _make(**kwargs):
        return rf.application(org, status=CreditApplication.Status.LINE_SET, **kwargs)

    return _make


@pytest.fixture
def village_notice(org, line_set, django_capture_on_commit_callbacks):
    """Village A1 with a running notice of two households, a past notice of one, a closed
    (replied) and an open objection. Every household has a phone number and a spouse besides
    the head (factories); every member has an ID number and, here, a mobile number."""
    with django_capture_on_commit_callbacks(execute=True):
        old = line_set()
        past = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
        past = services.batch_publish(
            batch=past, actor=org.officer1, today=timezone.localdate() - timedelta(days=20)
        )
        services.notice_end_expired()
        a, b = line_set(), line_set()
        batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
        batch = services.batch_publish(batch=batch, actor=org.officer1)
        for i, m in enumerate(Member.objects.filter(household__village=org.village_a1)):
            if not m.phone:
                m.phone = f"1501234{i:04d}"
                m.save()
        closed = services.objection_file(
            batch=batch,
            entry=batch.entries.get(application=a),
            text="x",
            contact_phone="13311112222",
        )
        services.objection_investigate(objection=closed, actor=org.director, findings="核实")
        services.objection_decide(
            objection=closed,
            actor=org.director,
            outcome=Objection.Outcome.REJECTED,
            reply="经入户核实，情况不属实",
        )
        opened = services.objection_file(
            batch=batch,
            entry=batch.entries.get(application=b),
            text="y",
            contact_phone="13344445555",
        )
    return {"past": past, "batch": batch, "closed": closed, "open": opened, "apps": [old, a, b]}


@pytest.fixture
def reposted(org, line_set):
    """A household of village A1 whose line was revised after an objection on its first
    notice and re-posted on a follow-up notice; both notices are over, nothing is open."""
    app = line_set()
    today = timezone.localdate()
    first = services.batch_create_draft(
        village=org.village_a1, actor=org.officer1, period_days=7, applications=[app]
    )
    first = services.batch_publish(batch=first, actor=org.officer1, today=today - timedelta(20))
    obj = services.objection_file(
        batch=first,
        entry=first.entries.get(),
        text="该户另有外债，额度偏高",
        now=timezone.now() - timedelta(days=19),
    )
    services.objection_investigate(objection=obj, actor=org.director, findings="外债属实")
    services.objection_decide(
        objection=obj,
        actor=org.director,
        outcome=Objection.Outcome.UPHELD_REVISED,
        new_line="8000",
        today=today - timedelta(days=17),
    )
    services.notice_end_expired(today=today)
    second = NoticeEntry.objects.get(application=app, status=NoticeEntry.Status.LISTED).batch
    return SimpleNamespace(app=app, first=first, second=second)
