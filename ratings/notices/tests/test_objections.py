"""Objections: filing, assignment, investigation, outcomes, overdue flags."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from creditcoop import workdays
from creditcoop.errors import DomainError
from creditcoop.models import AuditLog, Notification
from ratings.models import CreditApplication
from ratings.notices import services, tasks
from ratings.notices.models import NoticeBatch, NoticeEntry, Objection, ObjectionEvent
from ratings.notices.services import NoticeError

pytestmark = pytest.mark.django_db

OUT = Objection.Outcome


@pytest.fixture
def running(org, line_set):
    app = line_set()
    batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
    batch = services.batch_publish(batch=batch, actor=org.officer1)
    batch.app = app
    batch.entry = batch.entries.get()
    return batch


def test_public_filing_gets_reference_and_other_officer(
    org, running, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        obj = services.objection_file(
            batch=running, entry=running.entry, text="该户有赌博恶习", contact_phone="13900001111"
        )
    assert obj.reference.startswith("YY") and len(obj.reference) == 15
    assert obj.status == Objection.Status.RECEIVED and obj.channel == Objection.Channel.WEB
    # Officer1 is responsible for the household's village; officer3 (grade 3) may not
    # investigate: the investigation goes to officer2.
    assert obj.assigned_to == org.officer2
    assert obj.due_on == workdays.add_working_days(timezone.localdate(), 3)
    assert obj.household_id == running.entry.household_id
    assert Notification.objects.filter(recipient=org.officer2).exists()
    assert ObjectionEvent.objects.filter(objection=obj, action="file").exists()
    assert AuditLog.objects.filter(action="notices.objection_file").exists()


def test_falls_back_to_village_officer_when_nobody_else(org, running):
    from creditcoop.models import Staff

    Staff.objects.filter(pk=org.officer2.pk).update(is_active=False)
    obj = services.objection_file(batch=running, text="名单有误")
    assert obj.assigned_to == org.officer1
    assert "无其他可调查的信贷员" in obj.events.get().note


def test_length_limits_and_required_text(org, running):
    with pytest.raises(NoticeError, match="请填写异议内容"):
        services.objection_file(batch=running, text="   ")
    with pytest.raises(NoticeError, match="不能超过 1000 个字"):
        services.objection_file(batch=running, text="字" * 1001)
    with pytest.raises(NoticeError, match="联系电话"):
        services.objection_file(batch=running, text="x", contact_phone="abc<script>")
    assert not Objection.objects.exists()


def test_public_cannot_object_after_period_but_staff_can_register(org, running):
    later = timezone.now() + timedelta(days=8)
    with pytest.raises(NoticeError, match="已结束"):
        services.objection_file(batch=running, text="晚了", now=later)
    obj = services.objection_file(
        batch=running,
        entry=running.entry,
        text="电话反映：该户外出多年",
        channel=Objection.Channel.PHONE,
        recorded_by=org.teller,
        now=later,
    )
    assert obj.channel == Objection.Channel.PHONE and obj.recorded_by == org.teller
    with pytest.raises(NoticeError, match="本社工作人员"):
        services.objection_file(batch=running, text="x", channel="phone", recorded_by=org.officer_b)


def test_entry_must_be_on_this_notice(org, running, line_set):
    other = line_set(group=org.group_a2)
    b2 = services.batch_create_draft(village=org.village_a2, actor=org.officer2)
    with pytest.raises(NoticeError, match="不在本期公示名单"):
        services.objection_file(batch=running, entry=b2.entries.get(), text="x")
    assert other


def _investigate(obj, actor, findings="已入户走访核实"):
    return services.objection_investigate(objection=obj, actor=actor, findings=findings)


def test_flow_rejected_with_reason(org, running):
    obj = services.objection_file(batch=running, entry=running.entry, text="收入虚高")
    with pytest.raises(NoticeError, match="只有指定的调查人"):
        _investigate(obj, org.officer1)
    with pytest.raises(NoticeError, match="请先开始调查"):
        services.objection_decide(objection=obj, actor=org.officer2, outcome=OUT.REJECTED)
    obj = _investigate(obj, org.officer2)
    assert obj.status == Objection.Status.INVESTIGATING
    with pytest.raises(NoticeError, match="须写明理由"):
        services.objection_decide(objection=obj, actor=org.officer2, outcome=OUT.REJECTED)
    with pytest.raises(NoticeError, match="个人信息"):
        services.objection_decide(
            objection=obj, actor=org.officer2, outcome=OUT.REJECTED, reply="请打13812345678"
        )
    obj = services.objection_decide(
        objection=obj, actor=org.officer2, outcome=OUT.REJECTED, reply="收入有账可查。"
    )
    assert obj.status == Objection.Status.CLOSED and obj.closed_by == org.officer2
    assert "不属实" in obj.public_outcome()
    assert list(obj.events.values_list("action", flat=True)) == ["file", "investigate", "rejected"]
    with pytest.raises(NoticeError, match="已办结"):
        services.objection_decide(objection=obj, actor=org.director, outcome=OUT.REJECTED)


def test_upheld_revision_needs_director_then_restarts_notice(org, running):
    obj = services.objection_file(batch=running, entry=running.entry, text="额度过高")
    _investigate(obj, org.officer2, "该户另有外债 3 万")
    with pytest.raises(DomainError, match="主任"):
        services.objection_decide(
            objection=obj, actor=org.officer2, outcome=OUT.UPHELD_REVISED, new_line="5000"
        )
    obj.refresh_from_db()
    assert obj.status == Objection.Status.INVESTIGATING
    obj = services.objection_decide(
        objection=obj,
        actor=org.director,
        outcome=OUT.UPHELD_REVISED,
        new_line="5000",
        new_grade="A",
    )
    app = CreditApplication.objects.get(pk=running.app.pk)
    assert (app.grade, app.final_line) == ("A", 5000)
    assert app.events.filter(action="revise", reason__contains=obj.reference).exists()
    new = NoticeEntry.objects.get(application=app, status=NoticeEntry.Status.LISTED)
    assert new.batch != running and new.batch.continues == running
    assert new.batch.status == NoticeBatch.Status.PUBLISHED
    assert new.batch.start_date == timezone.localdate() and new.replaces.batch == running
    assert "属实" in obj.public_outcome()


def test_second_revision_same_day_joins_the_restart_batch(org, line_set):
    a, b = line_set(), line_set()
    batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
    batch = services.batch_publish(batch=batch, actor=org.officer1)
    for app in (a, b):
        entry = batch.entries.get(application=app)
        obj = services.objection_file(batch=batch, entry=entry, text="额度过高")
        _investigate(obj, org.director)
        services.objection_decide(
            objection=obj, actor=org.director, outcome=OUT.UPHELD_REVISED, new_line="4000"
        )
    assert NoticeBatch.objects.filter(continues=batch).count() == 1


def test_upheld_needs_a_household(org, running):
    obj = services.objection_file(batch=running, text="名单整体有问题")
    _investigate(obj, org.director)
    with pytest.raises(NoticeError, match="整期公示"):
        services.objection_decide(objection=obj, actor=org.director, outcome=OUT.UPHELD_REMOVED)


def test_assign_by_director_only(org, running):
    obj = services.objection_file(batch=running, text="x")
    with pytest.raises(NoticeError, match="主任"):
        services.objection_assign(objection=obj, actor=org.officer2, investigator=org.officer1)
    with pytest.raises(NoticeError, match="三级"):
        services.objection_assign(objection=obj, actor=org.director, investigator=org.officer3)
    with pytest.raises(NoticeError, match="本社"):
        services.objection_assign(objection=obj, actor=org.director, investigator=org.officer_b)
    obj = services.objection_assign(objection=obj, actor=org.director, investigator=org.deputy)
    assert obj.assigned_to == org.deputy


def test_overdue_flagged_once_and_director_told_once(
    org, running, django_capture_on_commit_callbacks
):
    """The director's overdue notice comes from the deadline sweep only; this job marks the
    objection's own record, once, from the first working day after the due day."""
    from creditcoop.deadlines.sweep import deadline_sweep

    obj = services.objection_file(batch=running, text="x")
    late_on = services.objection_deadlines(obj.pk).get().late_on
    with django_capture_on_commit_callbacks(execute=True):
        assert services.objection_flag_overdue(today=obj.due_on) == 0
        deadline_sweep(today=obj.due_on)
        assert services.objection_flag_overdue(today=late_on) == 1
        for _run in range(2):
            deadline_sweep(today=late_on)
            assert services.objection_flag_overdue(today=late_on) == 0
        assert services.objection_flag_overdue(today=late_on + timedelta(days=5)) == 0
    notes = Notification.objects.filter(recipient=org.director, text__contains=obj.reference)
    assert notes.filter(text__startswith="【已超期】").count() == 1
    assert not notes.filter(dedupe_key__startswith="notice-overdue:").exists()
    assert not Notification.objects.filter(recipient=org.director_b).exists()
    obj.refresh_from_db()
    assert obj.overdue_flagged_at and obj.events.filter(action="overdue").count() == 1
    assert tasks.objection_flag_overdue.delay().get() == 0


def test_closed_objection_not_flagged(org, running):
    obj = services.objection_file(batch=running, text="x")
    _investigate(obj, org.officer2)
    services.objection_decide(
        objection=obj, actor=org.officer2, outcome=OUT.REJECTED, reply="不属实"
    )
    assert services.objection_flag_overdue(today=date(2099, 1, 1)) == 0


def test_working_days_skip_holidays(org, running):
    from creditcoop.models import CalendarDay

    filed = date(2025, 9, 30)  # Tuesday before the National Day week (Oct 1-8 off)
    for d in range(1, 9):
        CalendarDay.objects.update_or_create(
            date=date(2025, 10, d), defaults={"is_workday": False, "note": "国庆节"}
        )
    CalendarDay.objects.update_or_create(
        date=date(2025, 10, 11), defaults={"is_workday": True, "note": "国庆节调休"}
    )
    workdays.invalidate()
    obj = services.objection_file(
        batch=running,
        text="节前提出",
        channel="phone",
        recorded_by=org.officer1,
        now=timezone.make_aware(timezone.datetime(2025, 9, 30, 10, 0)),
    )
    assert obj.filed_on == filed
    assert obj.due_on == date(2025, 10, 11)  # 9th, 10th and the make-up Saturday 11th


def test_assign_and_decide_leave_audit_rows_naming_the_actor(org, running):
    obj = services.objection_file(batch=running, entry=running.entry, text="该户有外债")
    services.objection_assign(objection=obj, actor=org.director, investigator=org.deputy)
    assign = AuditLog.objects.get(action="notices.objection_assign", object_id=str(obj.pk))
    assert assign.actor == org.director and assign.cooperative == org.coop_a
    assert assign.object_type == "notices.objection" and org.deputy.name in assign.changes["note"]
    _investigate(obj, org.deputy, "外债已结清")
    services.objection_decide(
        objection=obj, actor=org.deputy, outcome=OUT.REJECTED, reply="外债已结清，情况不属实。"
    )
    decide = AuditLog.objects.get(action="notices.objection_rejected", object_id=str(obj.pk))
    assert decide.actor == org.deputy and decide.cooperative == org.coop_a
    assert decide.changes["from"] == Objection.Status.INVESTIGATING
    assert decide.changes["to"] == Objection.Status.CLOSED
    assert "外债已结清" in decide.changes["note"]


def test_upheld_objection_history_line_shows_the_new_grade_and_line(org, reposted, login):
    """The history says what the household was changed to, not what it had before."""
    event = ObjectionEvent.objects.get(action=OUT.UPHELD_REVISED)
    reposted.app.refresh_from_db()
    assert reposted.app.final_line == 8000
    assert f"调整后：{reposted.app.grade}，8000.00 元" in event.note
    objection = event.objection
    html = login(org.director).get(f"/notices/objections/{objection.pk}/").content.decode()
    assert "调整后：" in html and "8000.00 元" in html
