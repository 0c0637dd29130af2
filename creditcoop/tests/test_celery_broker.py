"""One round trip through the real Redis broker and a real worker thread."""

import pytest
from celery.contrib.testing.worker import start_worker

from creditcoop.celery import app
from creditcoop.models import SmsMessage

pytestmark = pytest.mark.django_db(transaction=True)


def test_task_runs_on_a_real_worker_through_redis(settings):
    from creditcoop.tasks import sms_outbox_send

    msg = SmsMessage.objects.create(phone="13800000001", text="到期提醒", dedupe_key="broker-1")
    app.conf.task_always_eager = False
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            sms_outbox_send.delay(msg.pk).get  # noqa: B018 - results are ignored; poll below
            import time

            for _ in range(100):
                msg.refresh_from_db()
                if msg.status == "sent":
                    break
                time.sleep(0.1)
    finally:
        app.conf.task_always_eager = True
    assert msg.status == "sent"
