"""SMS outbox with pluggable backends.

A message is queued once per dedupe key (so a reminder is never queued twice) and sent
by `sms_outbox_send`, which claims each row with a guarded UPDATE so two workers never
send the same message. A real provider implements `SmsBackend.send`.

A worker that dies between claiming a message and recording the outcome leaves it in
"sending". Such a message is claimed again once it has been sending for longer than
`SENDING_TIMEOUT` (far longer than any provider call), by the same guarded UPDATE, so it
is not lost; a message recorded as sent is never claimed again. `claimed_at` holds when
the current attempt began, and the outcome is recorded only by the worker whose claim it
still is.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import SmsMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
SENDING_TIMEOUT = timedelta(minutes=10)


class SmsSendError(Exception):
    """A temporary failure; the message is retried."""


class SmsBackend:
    def send(self, phone: str, text: str, *, key: str = "") -> None:  # pragma: no cover
        """Hand the message to the provider; raise on failure (it is retried). `key` is the
        message's unique key: a provider that accepts a client message id should pass it, so
        a message re-claimed after a crash is not delivered twice by the gateway."""
        raise NotImplementedError


class DatabaseBackend(SmsBackend):
    """Keeps the message in the outbox only (development and tests)."""

    def send(self, phone: str, text: str, *, key: str = "") -> None:
        return None


class ConsoleBackend(SmsBackend):
    def send(self, phone: str, text: str, *, key: str = "") -> None:
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


def _claimable(now) -> Q:
    """Unsent and not being sent by a live worker: queued, failed, or stuck in sending
    (claimed longer ago than the timeout, or by a worker that never recorded the time)."""
    S = SmsMessage.Status
    stuck = Q(status=S.SENDING) & (
        Q(claimed_at__lt=now - SENDING_TIMEOUT) | Q(claimed_at__isnull=True)
    )
    return (Q(status__in=[S.QUEUED, S.FAILED]) | stuck) & Q(attempts__lt=MAX_ATTEMPTS)


def sms_send_one(*, message_id: int, backend: SmsBackend | None = None) -> bool:
    """Send one message if it is still unsent; True when this call sent it."""
    now = timezone.now()
    claimed = SmsMessage.objects.filter(_claimable(now), pk=message_id).update(
        status=SmsMessage.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    if claimed != 1:
        return False
    # Our claim: still sending and stamped with our time (a takeover re-stamps it).
    ours = SmsMessage.objects.filter(
        pk=message_id, status=SmsMessage.Status.SENDING, claimed_at=now
    )
    msg = SmsMessage.objects.get(pk=message_id)
    try:
        (backend or get_backend()).send(msg.phone, msg.text, key=msg.dedupe_key)
    except Exception as exc:  # any provider failure is retried later
        log.warning("sms %s failed: %s", message_id, exc)
        ours.update(status=SmsMessage.Status.FAILED, last_error=str(exc)[:300])
        return False
    ours.update(status=SmsMessage.Status.SENT, sent_at=timezone.now(), last_error="")
    return True


def sms_pending_ids(limit: int = 500) -> list[int]:
    return list(
        SmsMessage.objects.filter(_claimable(timezone.now()))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
