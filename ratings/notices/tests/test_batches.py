"""Period rules, the batch state machine and the periodic end job."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from creditcoop.errors import DomainError
from creditcoop.models import AuditLog
from ratings.models import CreditApplication
from ratings.notices import services, tasks
from ratings.notices.models import NoticeBatch, NoticePolicy
from ratings.notices.services import NoticeError

pytestmark = pytest.mark.django_db


def test_default_period_is_seven_days_and_day_one_is_publication_day(org, line_set):
    line_set()
    batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
    assert batch.period_days == 7
    assert batch.supervision_phone == org.coop_a.supervision_phone
    batch = services.batch_publish(batch=batch, actor=org.officer1, today=date(2025, 3, 1))
    assert (batch.start_date, batch.end_date) == (date(2025, 3, 1), date(2025, 3, 7))
    assert batch.day_number(date(2025, 3, 1)) == 1
    assert batch.is_running(date(2025, 3, 7)) and not batch.is_running(date(2025, 3, 8))


@pytest.mark.parametrize("days", [4, 0, -1])
def test_period_below_five_days_refused_with_message(org, line_set, days):
    line_set()
    with pytest.raises(NoticeError, match="不得少于 5 天"):
        services.batch_create_draft(village=org.village_a1, actor=org.officer1, period_days=days)
    assert not NoticeBatch.objects.exists()


def test_five_days_allowed_and_cooperative_default_used(org, line_set):
    line_set()
    NoticePolicy.objects.create(cooperative=org.coop_a, period_days=10)
    assert services.batch_create_draft(village=org.village_a1, actor=org.officer1).period_days == 10
    batch = NoticeBatch.objects.get()
    with pytest.raises(NoticeError, match="不得少于 5 天"):
        services.batch_update_draft(
            batch=batch, actor=org.officer1, period_days=4, supervision_phone="0371-1"
        )
    services.batch_update_draft(
        batch=batch, actor=org.officer1, period_days=5, supervision_phone="0371-5555"
    )
    batch.refresh_from_db()
    assert (batch.period_days, batch.supervision_phone) == (5, "0371-5555")


def test_database_refuses_short_period(org):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        NoticePolicy.objects.create(cooperative=org.coop_a, period_days=4)


def test_state_machine(org, line_set):
    line_set()
    batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
    assert batch.can("publish") and batch.can("edit") and not batch.can("end")
    batch = services.batch_publish(batch=batch, actor=org.director, today=date(2025, 3, 1))
    with pytest.raises(NoticeError, match="公示中"):
        services.batch_publish(batch=batch, actor=org.director)
    with pytest.raises(NoticeError):
        services.batch_update_draft(
            batch=batch, actor=org.director, period_days=9, supervision_phone="0371-1"
        )
    assert services.notice_end_expired(today=date(2025, 3, 7)) == 0
    assert services.notice_end_expired(today=date(2025, 3, 8)) == 1
    batch.refresh_from_db()
    assert batch.status == NoticeBatch.Status.ENDED and batch.ended_at
    with pytest.raises(NoticeError):
        services.batch_publish(batch=batch, actor=org.director)


def test_end_job_is_idempotent_and_late_safe(org, line_set):
    line_set()
    line_set(group=org.group_a2)
    a1 = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
    a2 = services.batch_create_draft(village=org.village_a2, actor=org.officer2)
    services.batch_publish(batch=a1, actor=org.officer1, today=date(2025, 3, 1))
    services.batch_publish(batch=a2, actor=org.officer2, today=date(2025, 3, 5))
    # Run a month late: both end in one go, then nothing more happens.
    assert services.notice_end_expired(today=date(2025, 4, 1)) == 2
    assert services.notice_end_expired(today=date(2025, 4, 1)) == 0
    assert services.notice_end_expired(today=date(2025, 4, 2)) == 0
    assert AuditLog.objects.filter(action="notices.batch_end").count() == 2
    # The beat task runs with today's date.
    assert tasks.notice_end_expired.delay().get() == 0


def test_only_households_with_consent_are_listed(org, line_set):
    yes = line_set()
    no = line_set()
    CreditApplication.objects.filter(pk=no.pk).update(publish_consent=False)
    listable, refused = services.listable_applications(village=org.village_a1)
    assert [a.pk for a in listable] == [yes.pk]
    assert refused[0][0].pk == no.pk and "公示同意书" in str(refused[0][1])
    batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
    assert list(batch.entries.values_list("application_id", flat=True)) == [yes.pk]
    assert batch.entries.get().masked_name.endswith("*")


def test_nothing_to_list_refused(org, line_set):
    with pytest.raises(NoticeError, match="没有可公示的农户"):
        services.batch_create_draft(village=org.village_a1, actor=org.officer1)


def test_posted_household_not_listed_again(org, line_set):
    line_set()
    batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
    services.batch_publish(batch=batch, actor=org.officer1)
    with pytest.raises(NoticeError, match="没有可公示"):
        services.batch_create_draft(village=org.village_a1, actor=org.officer1)


def test_publish_takes_current_line_and_drops_withdrawn(org, line_set):
    from ratings.services import application_line_revise

    keep, gone = line_set(), line_set()
    batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
    application_line_revise(application=keep, actor=org.director, reason="复核", new_line="6000")
    CreditApplication.objects.filter(pk=gone.pk).update(status=CreditApplication.Status.REJECTED)
    services.batch_publish(batch=batch, actor=org.officer1)
    entry = batch.entries.get()
    assert entry.application_id == keep.pk and entry.line == 6000


def test_who_may_manage(org, line_set):
    line_set()
    for user in (org.officer2, org.reviewer, org.officer_b, org.director_b):
        with pytest.raises(NoticeError, match="只有该村包村信贷员"):
            services.batch_create_draft(village=org.village_a1, actor=user)
    with pytest.raises(DomainError, match="稽核"):
        services.batch_create_draft(village=org.village_a1, actor=org.auditor)
    assert services.batch_create_draft(village=org.village_a1, actor=org.deputy)


def test_draft_entry_drop_needs_reason_and_is_audited(org, line_set):
    line_set()
    line_set()
    batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
    entry = batch.entries.first()
    with pytest.raises(NoticeError, match="原因"):
        services.entry_drop_from_draft(entry=entry, actor=org.officer1, reason=" ")
    services.entry_drop_from_draft(entry=entry, actor=org.officer1, reason="户主外出未签字")
    assert batch.entries.count() == 1
    assert AuditLog.objects.filter(action="notices.entry_drop").exists()


def test_shanghai_date_decides_the_last_day(org, line_set):
    """Objections close at midnight Beijing time, not UTC."""
    from datetime import UTC, datetime

    line_set()
    batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
    batch = services.batch_publish(batch=batch, actor=org.officer1, today=date(2025, 3, 1))
    entry = batch.entries.get()
    # 2025-03-07 15:30 UTC = 23:30 on the 7th in Shanghai: still day 7.
    services.objection_file(
        batch=batch, entry=entry, text="最后一天", now=datetime(2025, 3, 7, 15, 30, tzinfo=UTC)
    )
    # 16:30 UTC = 00:30 on the 8th in Shanghai: the notice has ended.
    with pytest.raises(NoticeError, match="已结束"):
        services.objection_file(
            batch=batch, entry=entry, text="太晚", now=datetime(2025, 3, 7, 16, 30, tzinfo=UTC)
        )
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"


def test_publish_today_is_local_date(org, line_set):
    line_set()
    batch = services.batch_create_draft(village=org.village_a1, actor=org.officer1)
    batch = services.batch_publish(batch=batch, actor=org.officer1)
    assert batch.start_date == timezone.localdate()
    assert batch.end_date == timezone.localdate() + timedelta(days=6)
