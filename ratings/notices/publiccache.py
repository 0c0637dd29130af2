"""Rendered public pages live in the shared cache under a per-village version.

Every write that changes what a village's public page shows bumps the version after
commit, so the next request renders afresh and nobody ever sees a stale notice. The date
is part of the key too: a notice that ends at midnight moves to "past" without any write.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

PAGE_SECONDS = 24 * 3600


def _version_key(village_id) -> str:
    return f"notices:ver:{village_id}"


def version(village_id) -> int:
    v = cache.get(_version_key(village_id))
    if v is None:
        # A fresh cache (restart, eviction) starts at a new number, never at an old one.
        v = int(timezone.now().timestamp() * 1000)
        cache.add(_version_key(village_id), v, timeout=None)
        v = cache.get(_version_key(village_id), v)
    return v


def bump(village_id) -> None:
    """Invalidate the village's public pages once the current transaction commits."""

    def _bump():
        key = _version_key(village_id)
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, int(timezone.now().timestamp() * 1000), timeout=None)

    transaction.on_commit(_bump)


def page_key(village_id, name: str, today) -> str:
    return f"notices:page:{village_id}:{version(village_id)}:{today:%Y%m%d}:{name}"


def get_or_render(village_id, name: str, today, render) -> str:
    key = page_key(village_id, name, today)
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, PAGE_SECONDS)
    return html
