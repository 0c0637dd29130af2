from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from ratings.notices import services
from ratings.notices.gate import NoticeGateError, assert_grantable, grant_blocker
from ratings.notices.models import NoticeBatch, NoticeEntry, Objection
from ratings.notices.tests.helpers import notice_passed_for

pytestmark = pytest.mark.django_db


def _published(org, apps, *, start, period=7):
    batch = services.batch_create_draft(
        village=org.village_a1, actor=org.officer1, period_days=period, applications=apps
    )
    return services.batch_publish(batch=batch, actor=org.officer1, today=start)


def test_not_posted_blocks(org, line_set):
    app = line_set()
    assert "尚未张榜公示" in grant_blocker(application=app)
    with pytest.raises(NoticeGateError):
        assert_grantable(application=app)


def test_passes_only_after_full_period(org, line_set):
    app = line_set()
    start = timezone.localdate()
    batch = _published(org, [app], start=start)
    assert batch.end_date == start + timedelta(days=6)
    # Day 1 to day 7: still running.
    for day in range(7):
        reason = grant_blocker(application=app, today=start + timedelta(days=day))
        assert reason and f"第 {day + 1} 天" in reason
    # Day 8: passed even before the periodic job ended it.
    assert grant_blocker(application=app, today=start + timedelta(days=7)) is None


def test_objection_filed_on_last_day_blocks_until_closed(org, line_set):
    app = line_set()
    today = timezone.localdate()
    batch = _published(org, [app], start=today - timedelta(days=6))  # today is day 7
    entry = batch.entries.get()
    objection = services.objection_file(batch=batch, entry=entry, text="此户常年在外务工")
    tomorrow = today + timedelta(days=1)
    services.notice_end_expired(today=tomorrow)
    reason = grant_blocker(application=app, today=tomorrow)
    assert objection.reference in reason
    services.objection_investigate(objection=objection, actor=objection.assigned_to)
    services.objection_decide(
        objection=objection,
        actor=objection.assigned_to,
        outcome=Objection.Outcome.REJECTED,
        findings="经走访，该户在本村经营养殖",
        reply="经核实该户在本村经营养殖，反映情况不属实。",
    )
    assert grant_blocker(application=app, today=tomorrow) is None


def test_general_objection_on_batch_blocks(org, line_set):
    app = line_set()
    today = timezone.localdate()
    batch = _published(org, [app], start=today)
    services.objection_file(batch=batch, text="名单不全")
    reason = grant_blocker(application=app, today=today + timedelta(days=30))
    assert "尚未办结" in reason


def test_removed_household_blocked(org, line_set):
    app = line_set()
    today = timezone.localdate()
    batch = _published(org, [app], start=today)
    obj = services.objection_file(batch=batch, entry=batch.entries.get(), text="虚报收入")
    services.objection_investigate(objection=obj, actor=org.director, findings="收入虚报属实")
    services.objection_decide(
        objection=obj, actor=org.director, outcome=Objection.Outcome.UPHELD_REMOVED
    )
    assert "撤下" in grant_blocker(application=app, today=today + timedelta(days=30))


def test_revised_line_restarts_full_period(org, line_set):
    app = line_set()
    today = timezone.localdate()
    batch = _published(org, [app], start=today - timedelta(days=3))
    obj = services.objection_file(batch=batch, entry=batch.entries.get(), text="额度偏高")
    services.objection_investigate(objection=obj, actor=org.director, findings="负债未计入")
    services.objection_decide(
        objection=obj,
        actor=org.director,
        outcome=Objection.Outcome.UPHELD_REVISED,
        new_line="8000",
        today=today,
    )
    old = NoticeEntry.objects.get(batch=batch)
    assert old.status == NoticeEntry.Status.SUPERSEDED
    new = NoticeEntry.objects.get(application=app, status=NoticeEntry.Status.LISTED)
    assert new.batch.continues == batch and new.line == 8000
    assert new.batch.start_date == today and new.batch.end_date == today + timedelta(days=6)
    # The original period would have ended after day 7 of the old batch; the new one counts.
    assert grant_blocker(application=app, today=batch.end_date + timedelta(days=1))
    assert grant_blocker(application=app, today=today + timedelta(days=7)) is None


def test_line_changed_after_notice_needs_new_notice(org, line_set):
    from ratings.services import application_line_revise

    app = line_set()
    notice_passed_for(application=app, actor=org.officer1)
    assert grant_blocker(application=app) is None
    application_line_revise(application=app, actor=org.director, reason="复核", new_line="5000")
    assert "须重新公示" in grant_blocker(application=app)


def test_testing_helper_gives_ended_notice(org, line_set):
    app = line_set()
    batch = notice_passed_for(application=app, actor=org.officer1)
    assert batch.status == NoticeBatch.Status.ENDED
    assert list(batch.entries.values_list("application_id", flat=True)) == [app.pk]
    with transaction.atomic():
        assert_grantable(application=app)
    running = line_set()
    notice_passed_for(application=running, actor=org.director, days_ago=2)
    assert "第 3 天" in grant_blocker(application=running)


def test_general_objection_on_the_original_notice_blocks_the_reposted_household(
    org, line_set, reposted
):
    """docs/rules.md §3: every objection on the household must be closed. An objection about the
    whole of a notice the household was posted on is about it too, even after the household
    moved to a follow-up notice."""
    app, first, second = reposted.app, reposted.first, reposted.second
    assert second.continues == first and grant_blocker(application=app) is None
    general = services.objection_file(
        batch=first,
        text="电话反映：第一期名单整体有问题",
        channel=Objection.Channel.PHONE,
        recorded_by=org.teller,
    )
    reason = grant_blocker(application=app)
    assert reason and general.reference in reason and "尚未办结" in reason
    with pytest.raises(NoticeGateError):
        with transaction.atomic():
            assert_grantable(application=app)
    services.objection_investigate(objection=general, actor=org.director, findings="名单核对无误")
    services.objection_decide(
        objection=general,
        actor=org.director,
        outcome=Objection.Outcome.REJECTED,
        reply="经核对，名单无误。",
    )
    assert grant_blocker(application=app) is None
    # A general objection on a notice this household was never on does not concern it.
    other = _published(org, [line_set()], start=timezone.localdate())
    services.objection_file(batch=other, text="名单不全")
    assert grant_blocker(application=app) is None
