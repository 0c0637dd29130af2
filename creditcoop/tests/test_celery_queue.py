"""Tests and a running app share the embedded Redis: the tests' tasks must not land on the
queue the app's worker listens to."""

import pytest
import redis
from django.conf import settings

from creditcoop.celery import app

pytestmark = pytest.mark.django_db


def test_tests_publish_to_a_queue_the_running_app_does_not_consume():
    from creditcoop.tasks import sms_outbox_send

    queue = app.conf.task_default_queue
    assert queue != "celery"  # the running app's worker consumes "celery"
    r = redis.Redis.from_url(settings.REDIS_URL)
    r.delete(queue)
    before = r.llen("celery")
    app.conf.task_always_eager = False
    try:
        sms_outbox_send.delay(0)
    finally:
        app.conf.task_always_eager = True
    try:
        assert r.llen(queue) == 1
        assert r.llen("celery") == before
    finally:
        r.delete(queue)
