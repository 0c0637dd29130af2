"""The deadline engine: working-day due days, the sweep, tiers, idempotency."""

from datetime import date
from decimal import Decimal

import pytest

from creditcoop import workdays
from creditcoop.deadlines import accountability, engine
from creditcoop.deadlines import sweep as deadline_sweeper
from creditcoop.deadlines.kinds import kind_choices, registered_kinds
from creditcoop.deadlines.models import (
    Accountability,
    AccountabilityEvent,
    AccountabilityStatus,
    Deadline,
    Tier,
    tier_for,
)
from creditcoop.models import Notification
from creditcoop.money import to_fen

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 3, 2)  # March 2026 has no holidays


def sweep(today):
    return deadline_sweeper.deadline_sweep(today=today)


def inbox(user):
    return list(Notification.objects.filter(recipient=user).values_list("text", flat=True))


# ---------------------------------------------------------------- due days


def test_due_day_jumps_spring_festival_and_counts_make_up_saturday(open_deadline):
    # Thu 12 Feb + 2: Fri 13, make-up Sat 14.
    d = open_deadline(start=date(2026, 2, 12), days=2)
    assert d.due_on == date(2026, 2, 14)
    assert d.remind_on == date(2026, 2, 13)
    assert d.late_on == date(2026, 2, 24)  # 15–23 are holidays
    # Fri 13 Feb + 2: Sat 14, then Tue 24 after the holiday.
    d = open_deadline(start=date(2026, 2, 13), days=2)
    assert d.due_on == date(2026, 2, 24)
    assert d.remind_on == date(2026, 2, 14)
    # Tue 24 Feb + 4: 25, 26, 27 and the make-up Saturday 28.
    d = open_deadline(start=date(2026, 2, 24), days=4)
    assert d.due_on == date(2026, 2, 28)


def test_a_second_open_deadline_of_the_same_kind_is_refused(open_deadline, org):
    d = open_deadline()
    with pytest.raises(engine.DeadlineError):
        engine.deadline_open(
            target=d.target,
            kind=d.kind,
            responsible=org.officer1,
            cooperative=org.coop_a,
            working_days=2,
        )
    assert engine.deadline_stop(target=d.target, reason="完成", on=MONDAY) == 1
    assert engine.deadline_stop(target=d.target, reason="完成", on=MONDAY) == 0


# ---------------------------------------------------------------- reminders and overdue


def test_reminder_the_working_day_before_and_only_once(open_deadline, org):
    d = open_deadline(start=MONDAY, days=2)  # due Wed 4 March
    sweep(date(2026, 3, 2))
    assert inbox(org.officer1) == []
    sweep(date(2026, 3, 3))
    sweep(date(2026, 3, 3))
    texts = inbox(org.officer1)
    assert len(texts) == 1 and "限时办结提醒" in texts[0] and "2026-03-04" in texts[0]
    d.refresh_from_db()
    assert d.reminded_at is not None


def test_reminder_after_downtime_is_still_sent_on_the_due_day(open_deadline, org):
    open_deadline(start=MONDAY, days=2)
    sweep(date(2026, 3, 4))  # the sweep did not run on the 3rd
    assert len(inbox(org.officer1)) == 1


def test_spring_festival_holidays_are_not_late(open_deadline, org):
    d = open_deadline(start=date(2026, 2, 12), days=2)  # due make-up Saturday 14 Feb
    for day in (date(2026, 2, 15), date(2026, 2, 18), date(2026, 2, 23)):
        sweep(day)
    d.refresh_from_db()
    assert d.overdue_notified_at is None and d.late_days == 0
    assert not Accountability.objects.exists()
    assert not any("已超期" in t for t in inbox(org.director))

    sweep(date(2026, 2, 24))  # first working day after the festival
    d.refresh_from_db()
    assert d.late_days == 1
    assert any("已超期" in t for t in inbox(org.director))
    assert any("已超期" in t for t in inbox(org.officer1))
    assert not any("已超期" in t for t in inbox(org.director_b))
    record = Accountability.objects.get()
    assert (record.person, record.tier, record.late_days) == (org.officer1, Tier.ADMONITION, 1)


def test_make_up_saturday_counts_as_a_late_day(open_deadline):
    d = open_deadline(start=date(2026, 2, 24), days=2)  # due Thu 26 Feb
    sweep(date(2026, 2, 28))  # Fri 27 and make-up Sat 28
    d.refresh_from_db()
    assert d.late_days == 2
    sweep(date(2026, 3, 1))  # Sunday adds nothing
    d.refresh_from_db()
    assert d.late_days == 2


# ---------------------------------------------------------------- tiers


@pytest.mark.parametrize(
    ("late", "tier"),
    [
        (0, None),
        (1, Tier.ADMONITION),
        (3, Tier.ADMONITION),
        (4, Tier.CRITICISM),
        (10, Tier.CRITICISM),
        (11, Tier.REMOVAL),
    ],
)
def test_tier_boundaries(open_deadline, late, tier):
    d = open_deadline(start=MONDAY, days=2, amount=Decimal("100000"), annual_rate=Decimal("0.0720"))
    today = workdays.add_working_days(d.due_on, late)
    sweep(today)
    record = Accountability.objects.filter(deadline=d).first()
    if tier is None:
        assert record is None
        return
    assert record.tier == tier
    assert record.late_days == late
    assert record.lost_interest == to_fen(Decimal("100000") * Decimal("0.0720") * late / 360)


@pytest.mark.parametrize(
    ("late", "tier"),
    [
        (0, None),
        (1, Tier.ADMONITION),
        (2, Tier.ADMONITION),
        (3, Tier.ADMONITION),
        (4, Tier.CRITICISM),
        (5, Tier.CRITICISM),
        (10, Tier.CRITICISM),
        (11, Tier.REMOVAL),
    ],
)
def test_tier_for_matches_the_sweep(late, tier):
    # The single-row twin used on reassignment must draw the lines where the sweep does.
    assert tier_for(late) == tier


@pytest.mark.parametrize(
    ("late", "tier"),
    [(3, Tier.ADMONITION), (4, Tier.CRITICISM), (10, Tier.CRITICISM), (11, Tier.REMOVAL)],
)
def test_reassigning_a_late_deadline_holds_the_previous_person_to_their_tier(
    open_deadline, org, late, tier, django_capture_on_commit_callbacks
):
    d = open_deadline(start=MONDAY, days=2, amount=Decimal("60000"), annual_rate=Decimal("0.0600"))
    handover = workdays.add_working_days(d.due_on, late)
    with django_capture_on_commit_callbacks(execute=True):
        engine.deadline_reassign(
            target=d.target, kind=d.kind, responsible=org.officer2, on=handover, reason="调岗"
        )
    first = Accountability.objects.get(deadline=d, person=org.officer1)
    assert (first.late_days, first.tier) == (late, tier)
    assert first.lost_interest == to_fen(Decimal("60000") * Decimal("0.0600") * late / 360)
    assert list(first.events.values_list("action", "tier", "late_days")) == [
        ("reached", tier, late)
    ]
    assert any(str(Tier(tier).label) in t for t in inbox(org.director))
    # The new person is late only from the handover on.
    assert not Accountability.objects.filter(deadline=d, person=org.officer2).exists()
    sweep(workdays.next_workday(handover))
    second = Accountability.objects.get(deadline=d, person=org.officer2)
    assert (second.late_days, second.tier) == (1, Tier.ADMONITION)
    first.refresh_from_db()
    assert first.late_days == late


def test_lost_interest_is_rounded_half_up_to_the_fen(open_deadline):
    d = open_deadline(
        start=MONDAY, days=2, amount=Decimal("33333.33"), annual_rate=Decimal("0.0435")
    )
    sweep(workdays.add_working_days(d.due_on, 7))
    record = Accountability.objects.get(deadline=d)
    expected = to_fen(Decimal("33333.33") * Decimal("0.0435") * 7 / Decimal(360))
    assert record.lost_interest == expected == Decimal("28.19")


def test_daily_sweeps_upgrade_one_record_with_history(open_deadline, org):
    d = open_deadline(start=MONDAY, days=2)
    day = d.due_on
    for _ in range(13):
        day = workdays.next_workday(day)
        sweep(day)
        sweep(day)  # hourly runs on the same day change nothing
    record = Accountability.objects.get(deadline=d)
    assert record.tier == Tier.REMOVAL and record.late_days == 13
    reached = list(record.events.values_list("tier", "late_days"))
    assert reached == [(1, 1), (2, 4), (3, 11)]
    escalations = [t for t in inbox(org.director) if "超期问责" in t]
    assert len(escalations) == 3
    assert any("调离信贷岗位" in t for t in escalations)


def test_after_downtime_nothing_is_missed_and_nothing_doubled(open_deadline, org):
    d = open_deadline(start=MONDAY, days=2)
    sweep(workdays.add_working_days(d.due_on, 5))  # the first run in a week
    counts = (Notification.objects.count(), AccountabilityEvent.objects.count())
    sweep(workdays.add_working_days(d.due_on, 5))
    assert (Notification.objects.count(), AccountabilityEvent.objects.count()) == counts
    record = Accountability.objects.get(deadline=d)
    assert (record.tier, record.late_days) == (Tier.CRITICISM, 5)
    assert len([t for t in inbox(org.director) if t.startswith("【已超期】")]) == 1


# ---------------------------------------------------------------- stopping and reassigning


def test_stopping_late_freezes_lateness_for_the_next_sweep(open_deadline):
    d = open_deadline(start=MONDAY, days=2)
    engine.deadline_stop(
        target=d.target, reason="已答复", on=workdays.add_working_days(d.due_on, 2)
    )
    sweep(workdays.add_working_days(d.due_on, 12))
    d.refresh_from_db()
    assert d.settled and d.late_days == 2
    assert Accountability.objects.get(deadline=d).tier == Tier.ADMONITION
    sweep(workdays.add_working_days(d.due_on, 13))
    assert Accountability.objects.get(deadline=d).late_days == 2


def test_stopped_on_time_creates_nothing(open_deadline, org):
    d = open_deadline(start=MONDAY, days=2)
    engine.deadline_stop(target=d.target, reason="已答复", on=d.due_on)
    sweep(workdays.add_working_days(d.due_on, 5))
    d.refresh_from_db()
    assert d.settled and d.late_days == 0
    assert not Accountability.objects.exists()
    assert not any("超期" in t for t in inbox(org.director))


def test_reassign_before_due_reminds_the_new_person(open_deadline, org):
    d = open_deadline(start=MONDAY, days=2)
    sweep(d.remind_on)
    engine.deadline_reassign(target=d.target, kind=d.kind, responsible=org.officer2, on=d.remind_on)
    sweep(d.remind_on)
    assert any("限时办结提醒" in t for t in inbox(org.officer2))


def test_reassign_when_late_splits_the_lateness(open_deadline, org, monkeypatch):
    d = open_deadline(start=MONDAY, days=2)
    handover = workdays.add_working_days(d.due_on, 2)
    engine.deadline_reassign(target=d.target, kind=d.kind, responsible=org.officer2, on=handover)
    sweep(workdays.add_working_days(d.due_on, 7))
    first = Accountability.objects.get(deadline=d, person=org.officer1)
    second = Accountability.objects.get(deadline=d, person=org.officer2)
    assert (first.late_days, first.tier) == (2, Tier.ADMONITION)
    assert (second.late_days, second.tier) == (5, Tier.CRITICISM)
    d.refresh_from_db()
    assert d.late_days == 7


def test_escalation_reopens_a_decided_record(open_deadline, org):
    d = open_deadline(start=MONDAY, days=2)
    sweep(workdays.add_working_days(d.due_on, 2))
    record = Accountability.objects.get(deadline=d)
    accountability.accountability_decide(
        record_id=record.pk, actor=org.director, confirm=False, reason="客户补件"
    )
    sweep(workdays.add_working_days(d.due_on, 3))
    record.refresh_from_db()
    assert record.status == AccountabilityStatus.WAIVED and record.late_days == 3
    sweep(workdays.add_working_days(d.due_on, 4))
    record.refresh_from_db()
    assert record.status == AccountabilityStatus.PENDING and record.tier == Tier.CRITICISM
    assert record.decided_by is None
    actions = list(record.events.values_list("action", flat=True))
    assert actions == ["reached", "waived", "reached"]


def test_periodic_task_uses_today(open_deadline, org):
    from django.utils import timezone

    from creditcoop.servicehall.tasks import deadline_sweep

    today = timezone.localdate()
    d = open_deadline(start=workdays.add_working_days(today, -30), days=2)
    deadline_sweep.delay()
    d.refresh_from_db()
    assert d.late_days == workdays.working_days_between(d.due_on, today)
    assert Accountability.objects.filter(deadline=d).exists()
    assert Deadline.objects.count() == 1


def test_every_rating_step_clock_has_a_chinese_label():
    from creditcoop.deadlines.kinds import kind_label
    from ratings.models import CreditApplication

    for status in CreditApplication.NEXT:
        label = kind_label(f"rating_{status}")
        assert label != f"rating_{status}"
        assert label.startswith(("评级：", "授信："))


def test_every_kind_declares_what_stops_its_clock(open_deadline):
    # Each app registers its own kinds when it loads; the engine lists none of them.
    codes = {code for code, _label in kind_choices()}
    assert codes >= {"walkin_answer", "walkin_approval", "rating", "objection", "archive_loan"}
    assert codes >= {f"rating_{status}" for status in ("draft", "initial", "line_director")}
    assert all(str(k.stop_condition) and str(k.label) for k in registered_kinds())
    assert open_deadline(kind="objection").stop_condition == "作出异议处理决定并答复"
    assert open_deadline(kind="archive_loan").stop_condition == "归还档案"
    assert open_deadline(kind="rating_line_director").stop_condition.startswith("主任核定授信额度")
    assert open_deadline(kind="some_new_workflow").stop_condition == "该事项办结"


def test_deadline_sweep_is_on_the_beat_schedule_under_its_registered_name():
    from django.conf import settings

    from creditcoop.celery import app
    from creditcoop.servicehall.tasks import deadline_sweep

    entry = settings.CELERY_BEAT_SCHEDULE["deadline-sweep"]
    assert entry["task"] == deadline_sweep.name
    assert app.tasks[entry["task"]] is deadline_sweep._get_current_object()
    # Hourly: a reminder or an escalation is never more than an hour late.
    assert entry["schedule"].minute == {0} and len(entry["schedule"].hour) == 24
