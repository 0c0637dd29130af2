"""Objections under the deadline engine (限时办结): due working day across Spring Festival
2026, hand-over to another investigator, the clock stopped by the decision, reminders and
accountability from the engine's sweep, and one overdue notice to the director."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from creditcoop.deadlines.models import Accountability, Tier
from creditcoop.deadlines.sweep import deadline_sweep
from creditcoop.models import CalendarDay, Notification
from creditcoop.money import to_fen
from creditcoop.servicehall.models import LoanType
from ratings.notices import services
from ratings.notices.models import Objection

pytestmark = pytest.mark.django_db

OUT = Objection.Outcome
FEB = 2


def d(month, day):
    return date(2026, month, day)


def at(day: date):
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10, 0))


@pytest.fixture(autouse=True)
def spring_festival_2026(db):
    """The official 2026 schedule: 16–23 February off, Saturdays 14 and 28 February worked."""
    from creditcoop import workdays

    for day in range(16, 24):
        CalendarDay.objects.update_or_create(
            date=d(FEB, day), defaults={"is_workday": False, "note": "春节"}
        )
    for day in (14, 28):
        CalendarDay.objects.update_or_create(
            date=d(FEB, day), defaults={"is_workday": True, "note": "春节调休上班"}
        )
    workdays.invalidate()


@pytest.fixture
def reference_rate(db):
    """The published loan types (a flush by another app's browser test removes them)."""
    if not LoanType.objects.filter(is_active=True).exists():
        from importlib import import_module

        from django.apps import apps

        import_module("creditcoop.servicehall.migrations.0002_default_loan_types").add_defaults(
            apps, None
        )
    return LoanType.objects.filter(is_active=True).order_by("sort_order", "id").first().annual_rate


@pytest.fixture
def notice(org, line_set):
    """A notice of village A1 published on 10 February 2026, running over the holiday."""
    app = line_set()
    batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1, period_days=30)
    batch = services.batch_publish(batch=batch, actor=org.officer1, today=d(FEB, 10))
    batch.app = app
    batch.entry = batch.entries.get()
    return batch


def file_on(notice, day, **kw):
    kw.setdefault("entry", notice.entry)
    return services.objection_file(batch=notice, text="该户常年外出务工", now=at(day), **kw)


def deadline_of(obj):
    return services.objection_deadlines(obj.pk).get()


@pytest.mark.parametrize(
    "filed, due",
    [
        (d(FEB, 12), d(FEB, 24)),  # Fri 13, make-up Sat 14, then Tue 24 after the holiday
        (d(FEB, 13), d(FEB, 25)),  # make-up Sat 14, Tue 24, Wed 25
        (d(FEB, 18), d(FEB, 26)),  # filed during the holiday: 24, 25, 26
        (d(FEB, 27), d(3, 3)),  # make-up Sat 28, Mon 2 March, Tue 3 March
    ],
)
def test_registering_opens_the_deadline_in_working_days(org, notice, reference_rate, filed, due):
    obj = file_on(notice, filed)
    deadline = deadline_of(obj)
    assert (deadline.kind, deadline.started_on, deadline.working_days) == ("objection", filed, 3)
    assert deadline.due_on == due == obj.due_on
    assert deadline.responsible == obj.assigned_to == org.officer2
    assert deadline.cooperative == org.coop_a
    assert deadline.amount == notice.entry.line and deadline.annual_rate == reference_rate
    assert obj.reference in deadline.title and deadline.link == obj.get_absolute_url()
    assert deadline.is_open


def test_staff_registration_and_general_objection_open_a_deadline(org, notice, reference_rate):
    obj = file_on(notice, d(FEB, 12), entry=None, channel="phone", recorded_by=org.teller)
    deadline = deadline_of(obj)
    assert deadline.due_on == d(FEB, 24) and deadline.responsible == org.officer2
    assert deadline.amount is None  # about the notice in general: no household's line


def test_reminder_day_is_the_make_up_saturday(org, notice, reference_rate):
    deadline = deadline_of(file_on(notice, d(FEB, 12)))
    assert deadline.remind_on == d(FEB, 14)
    assert deadline.late_on == d(FEB, 25)


def test_reassigning_hands_the_deadline_over(
    org, notice, reference_rate, django_capture_on_commit_callbacks
):
    obj = file_on(notice, d(FEB, 12))
    with django_capture_on_commit_callbacks(execute=True):
        services.objection_assign(
            objection=obj, actor=org.director, investigator=org.deputy, today=d(FEB, 13)
        )
    deadline = deadline_of(obj)
    assert deadline.responsible == org.deputy and deadline.due_on == d(FEB, 24)
    assert Notification.objects.filter(recipient=org.deputy, text__contains=obj.reference)
    assert not Accountability.objects.exists()  # handed over in time: nobody is late
    # Handed over again after the due day: the lateness so far stays with the deputy.
    services.objection_assign(
        objection=obj, actor=org.director, investigator=org.officer2, today=d(FEB, 26)
    )
    deadline.refresh_from_db()
    assert deadline.responsible == org.officer2
    record = Accountability.objects.get()
    assert (record.person, record.late_days, record.tier) == (org.deputy, 2, Tier.ADMONITION)


def test_a_refused_reassignment_leaves_the_deadline_alone(org, notice, reference_rate):
    obj = file_on(notice, d(FEB, 12))
    with pytest.raises(services.NoticeError, match="三级"):
        services.objection_assign(objection=obj, actor=org.director, investigator=org.officer3)
    assert deadline_of(obj).responsible == org.officer2


@pytest.mark.parametrize("outcome", [OUT.REJECTED, OUT.UPHELD_REMOVED, OUT.UPHELD_REVISED])
def test_closing_stops_the_clock(org, notice, reference_rate, outcome):
    obj = file_on(notice, d(FEB, 12))
    services.objection_investigate(objection=obj, actor=org.director, findings="已入户核实")
    services.objection_decide(
        objection=obj,
        actor=org.director,
        outcome=outcome,
        reply="经核实，该户在家经营养殖。",
        new_line="5000",
        today=d(FEB, 24),
    )
    deadline = deadline_of(obj)
    assert not deadline.is_open and deadline.stopped_on == d(FEB, 24)
    assert str(Objection.Outcome(outcome).label) in deadline.stop_reason
    # Closed on its due day: no reminder gap, no lateness, nothing for the sweep to chase.
    deadline_sweep(today=d(3, 20))
    deadline.refresh_from_db()
    assert deadline.settled and deadline.late_days == 0
    assert not Accountability.objects.exists()
    assert not Notification.objects.filter(text__startswith="【已超期】").exists()
    assert services.objection_flag_overdue(today=d(3, 20)) == 0


def test_a_refused_decision_keeps_the_clock_running(org, notice, reference_rate):
    obj = file_on(notice, d(FEB, 12))
    services.objection_investigate(objection=obj, actor=org.officer2, findings="核实中")
    with pytest.raises(services.NoticeError, match="须写明理由"):
        services.objection_decide(objection=obj, actor=org.officer2, outcome=OUT.REJECTED)
    assert deadline_of(obj).is_open


def test_left_open_it_is_reminded_escalated_and_held_accountable(
    org, notice, reference_rate, django_capture_on_commit_callbacks
):
    obj = file_on(notice, d(FEB, 12))
    line = notice.entry.line

    def director_notes(prefix):
        return Notification.objects.filter(
            recipient=org.director, text__startswith=prefix, text__contains=obj.reference
        )

    deadline_sweep(today=d(FEB, 13))
    assert not Notification.objects.filter(text__startswith="【限时办结提醒】").exists()
    deadline_sweep(today=d(FEB, 14))  # the make-up Saturday is the working day before
    reminder = Notification.objects.get(text__startswith="【限时办结提醒】")
    assert reminder.recipient == org.officer2 and obj.reference in reminder.text
    assert "2026-02-24" in reminder.text

    deadline_sweep(today=d(FEB, 24))
    assert not Accountability.objects.exists() and not director_notes("【已超期】").exists()

    with django_capture_on_commit_callbacks(execute=True):
        for _run in range(2):  # the sweep and the objection job, each twice
            deadline_sweep(today=d(FEB, 25))
            services.objection_flag_overdue(today=d(FEB, 25))
    assert director_notes("【已超期】").count() == 1
    assert not Notification.objects.filter(dedupe_key__startswith="notice-overdue:").exists()
    obj.refresh_from_db()
    assert obj.overdue_flagged_at and obj.events.filter(action="overdue").count() == 1
    record = Accountability.objects.get()
    assert (record.person, record.tier, record.late_days) == (org.officer2, Tier.ADMONITION, 1)
    assert record.lost_interest == to_fen(line * reference_rate / Decimal(360))
    assert director_notes("【超期问责】").count() == 1

    deadline_sweep(today=d(FEB, 28))  # 25, 26, 27 and the make-up Saturday: 4 days late
    record.refresh_from_db()
    assert (record.tier, record.late_days) == (Tier.CRITICISM, 4)

    services.objection_investigate(objection=obj, actor=org.officer2, findings="已核实")
    services.objection_decide(
        objection=obj, actor=org.officer2, outcome=OUT.REJECTED, reply="情况不属实。", today=d(3, 2)
    )
    deadline_sweep(today=d(3, 10))
    record.refresh_from_db()
    deadline = deadline_of(obj)
    assert deadline.settled and deadline.late_days == 5 and record.late_days == 5


def test_staff_pages_show_the_due_working_day(login, org, notice, reference_rate):
    obj = file_on(notice, d(FEB, 12))
    deadline_sweep(today=d(FEB, 25))
    client = login(org.director)
    html = client.get(obj.get_absolute_url()).content.decode()
    assert "限时办结" in html and "2026-02-24（星期二）" in html
    assert "已超期" in html and org.officer2.name in html
    assert Accountability.objects.get().get_absolute_url() in html
    rows = client.get(reverse("notices:objection_list")).content.decode()
    assert "应办结（工作日）" in rows and "2026-02-24" in rows
