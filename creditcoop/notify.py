"""Staff inbox (站内通知)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from .models import Notification, Role, Staff


def notify(*, recipient: Staff, text: str, link: str = "", dedupe_key: str | None = None):
    """Put a message in a staff member's inbox; a repeated dedupe_key adds nothing."""
    if dedupe_key is not None:
        try:
            with transaction.atomic():
                return Notification.objects.create(
                    recipient=recipient, text=text[:500], link=link, dedupe_key=dedupe_key
                )
        except IntegrityError:
            return None
    return Notification.objects.create(recipient=recipient, text=text[:500], link=link)


def directors_of(cooperative) -> list[Staff]:
    return list(
        Staff.objects.filter(
            cooperative=cooperative, is_active=True, roles__contains=[Role.DIRECTOR]
        )
    )


def notify_directors(*, cooperative, text: str, link: str = "", dedupe_key: str | None = None):
    for director in directors_of(cooperative):
        key = f"{dedupe_key}:{director.pk}" if dedupe_key else None
        notify(recipient=director, text=text, link=link, dedupe_key=key)
