from datetime import timedelta

import pytest
from django.utils import timezone

from creditcoop import sms
from creditcoop.models import SmsMessage
from creditcoop.tasks import sms_outbox_send

pytestmark = pytest.mark.django_db(transaction=True)


class FlakyBackend(sms.SmsBackend):
    def __init__(self, fail_times=0):
        self.fail_times, self.sent = fail_times, []

    def send(self, phone, text, *, key=""):
        if self.fail_times:
            self.fail_times -= 1
            raise sms.SmsSendError("网关超时")
        self.sent.append((phone, text, key))


class WorkerCrash(BaseException):
    """The worker process dies mid-send (not an error the sender can record)."""


class CrashingBackend(sms.SmsBackend):
    def send(self, phone, text, *, key=""):
        raise WorkerCrash


def test_same_key_is_queued_once():
    assert sms.sms_queue(phone="13800000000", text="提醒", dedupe_key="k1")
    assert sms.sms_queue(phone="13800000000", text="提醒", dedupe_key="k1") is None
    assert SmsMessage.objects.count() == 1


def test_failed_message_is_retried_and_never_sent_twice():
    msg = SmsMessage.objects.create(phone="13800000000", text="提醒", dedupe_key="k2")
    backend = FlakyBackend(fail_times=1)
    assert not sms.sms_send_one(message_id=msg.pk, backend=backend)
    msg.refresh_from_db()
    assert msg.status == "failed" and "网关超时" in msg.last_error and msg.sent_at is None
    assert msg.claimed_at is not None
    assert sms.sms_send_one(message_id=msg.pk, backend=backend)
    assert not sms.sms_send_one(message_id=msg.pk, backend=backend)
    assert backend.sent == [("13800000000", "提醒", "k2")]
    msg.refresh_from_db()
    assert msg.status == "sent" and msg.attempts == 2


def _age(msg, minutes):
    """Pretend the current claim was made `minutes` ago."""
    SmsMessage.objects.filter(pk=msg.pk).update(
        claimed_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_message_lost_in_a_worker_crash_is_sent_after_the_timeout(settings):
    settings.SMS_BACKEND = "creditcoop.sms.DatabaseBackend"
    msg = SmsMessage.objects.create(phone="13800000001", text="到期提醒", dedupe_key="k3")
    with pytest.raises(WorkerCrash):
        sms.sms_send_one(message_id=msg.pk, backend=CrashingBackend())
    msg.refresh_from_db()
    assert msg.status == "sending" and msg.attempts == 1

    backend = FlakyBackend()
    # Still within the timeout: another worker may be sending it right now.
    _age(msg, 5)
    assert sms.sms_pending_ids() == []
    assert not sms.sms_send_one(message_id=msg.pk, backend=backend)
    # Stuck for longer than the timeout: the periodic sweep picks it up again.
    _age(msg, 11)
    assert sms.sms_pending_ids() == [msg.pk]
    assert sms.sms_send_one(message_id=msg.pk, backend=backend)
    assert backend.sent == [("13800000001", "到期提醒", "k3")]
    msg.refresh_from_db()
    assert msg.status == "sent" and msg.attempts == 2
    # … and once sent, never again, however old.
    _age(msg, 60 * 24)
    assert sms.sms_pending_ids() == []
    assert not sms.sms_send_one(message_id=msg.pk, backend=backend)
    assert sms_outbox_send() == 0
    assert len(backend.sent) == 1


def test_the_periodic_task_resends_a_stuck_message(settings):
    settings.SMS_BACKEND = "creditcoop.sms.DatabaseBackend"
    stuck = SmsMessage.objects.create(
        phone="13800000002", text="提醒", dedupe_key="k4", status="sending", attempts=1
    )
    _age(stuck, 30)
    busy = SmsMessage.objects.create(
        phone="13800000003", text="提醒", dedupe_key="k5", status="sending", attempts=1
    )
    _age(busy, 1)
    assert sms_outbox_send() == 1
    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert stuck.status == "sent" and busy.status == "sending"


def test_a_late_worker_does_not_overwrite_the_takeover():
    """The crashed-looking worker comes back after its message was taken over: its outcome
    is not recorded over the new claim."""
    msg = SmsMessage.objects.create(phone="13800000004", text="提醒", dedupe_key="k6")

    class SlowBackend(sms.SmsBackend):
        def send(self, phone, text, *, key=""):
            # While this call hangs, the claim times out and another worker takes over.
            _age(msg, 11)
            assert sms.sms_send_one(message_id=msg.pk, backend=FlakyBackend())
            raise sms.SmsSendError("迟到的超时")

    assert not sms.sms_send_one(message_id=msg.pk, backend=SlowBackend())
    msg.refresh_from_db()
    assert msg.status == "sent" and msg.last_error == ""
