import pytest

from creditcoop import sms
from creditcoop.models import SmsMessage

pytestmark = pytest.mark.django_db(transaction=True)


class FlakyBackend(sms.SmsBackend):
    def __init__(self, fail_times):
        self.fail_times, self.sent = fail_times, []

    def send(self, phone, text):
        if self.fail_times:
            self.fail_times -= 1
            raise sms.SmsSendError("网关超时")
        self.sent.append((phone, text))


def test_same_key_is_queued_once():
    assert sms.sms_queue(phone="13800000000", text="提醒", dedupe_key="k1")
    assert sms.sms_queue(phone="13800000000", text="提醒", dedupe_key="k1") is None
    assert SmsMessage.objects.count() == 1


def test_failed_message_is_retried_and_never_sent_twice():
    msg = SmsMessage.objects.create(phone="13800000000", text="提醒", dedupe_key="k2")
    backend = FlakyBackend(fail_times=1)
    assert not sms.sms_send_one(message_id=msg.pk, backend=backend)
    msg.refresh_from_db()
    assert msg.status == "failed" and "网关超时" in msg.last_error
    assert sms.sms_send_one(message_id=msg.pk, backend=backend)
    assert not sms.sms_send_one(message_id=msg.pk, backend=backend)
    assert backend.sent == [("13800000000", "提醒")]
    msg.refresh_from_db()
    assert msg.status == "sent" and msg.attempts == 2
