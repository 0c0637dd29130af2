"""Helpers for other apps' tests: a realistic notice that has run its course."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ratings.notices.models import NoticeBatch, NoticeEntry
from ratings.notices.services import batch_create_draft, batch_publish, notice_end_expired


def notice_passed_for(*, application, actor, days_ago: int = 10) -> NoticeBatch:
    """Post `application` on a 7-day notice of its village published `days_ago` days ago and
    end it, through the real services. `actor` must be the village's loan officer or a
    director/deputy of its cooperative. With days_ago < 7 the notice is still running."""
    today = timezone.localdate()
    batch = batch_create_draft(
        village=application.village,
        actor=actor,
        period_days=7,
        applications=[application],
    )
    batch = batch_publish(batch=batch, actor=actor, today=today - timedelta(days=days_ago))
    notice_end_expired(today=today)
    batch.refresh_from_db()
    assert NoticeEntry.objects.filter(batch=batch, application=application).exists()
    return batch
