"""SMS outbox with pluggable backends.

A message is queued once per dedupe key (so a reminder is never queued twice) and sent
by `sms_outbox_send`, which claims each row with a guarded UPDATE so two workers never
send the same message. A real provider implements `SmsBackend.send`.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import SmsMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


class SmsSendError(Exception):
    """A temporary failure; the message is retried."""


class SmsBackend:
    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class DatabaseBackend(SmsBackend):
    """Keeps the message in the outbox only (development and tests)."""

    def send(self, phone: str, text: str) -> None:
        return None


class ConsoleBackend(SmsBackend):
    def send(self, phone: str, text: str) -> None:
        print(f"[短信] {phone}: {text}", flush=True)


def get_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


def sms_queue(*, phone: str, text: str, dedupe_key: str) -> SmsMessage | None:
    """Queue a message; returns None when this key was queued before."""
    if not phone:
        return None
    msg, created = SmsMessage.objects.get_or_create(
        dedupe_key=dedupe_key, defaults={"phone": phone, "text": text[:500]}
    )
    if created:
        from .tasks import sms_outbox_send

        transaction.on_commit(lambda: sms_outbox_send.delay(msg.pk))
    return msg if created else None


def sms_send_one(*, message_id: int, backend: SmsBackend | None = None) -> bool:
    """Send one message if it is still unsent; True when this call sent it."""
    claimed = SmsMessage.objects.filter(
        pk=message_id,
        status__in=[SmsMessage.Status.QUEUED, SmsMessage.Status.FAILED],
        attempts__lt=MAX_ATTEMPTS,
    ).update(status=SmsMessage.Status.SENDING, attempts=F("attempts") + 1)
    if claimed != 1:
        return False
    msg = SmsMessage.objects.get(pk=message_id)
    try:
        (backend or get_backend()).send(msg.phone, msg.text)
    except Exception as exc:  # any provider failure is retried later
        log.warning("sms %s failed: %s", message_id, exc)
        SmsMessage.objects.filter(pk=message_id).update(
            status=SmsMessage.Status.FAILED, last_error=str(exc)[:300]
        )
        return False
    SmsMessage.objects.filter(pk=message_id).update(
        status=SmsMessage.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def sms_pending_ids(limit: int = 500) -> list[int]:
    return list(
        SmsMessage.objects.filter(
            status__in=[SmsMessage.Status.QUEUED, SmsMessage.Status.FAILED],
            attempts__lt=MAX_ATTEMPTS,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
