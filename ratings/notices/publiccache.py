"""Rendered public pages live in the shared cache under a per-village version.

Every write that changes what a village's public page shows bumps the version after
commit, so the next request renders afresh and nobody ever sees a stale notice. The date
is part of the key too: a notice that ends at midnight moves to "past" without any write.

Each worker process also keeps the pages it served last, tagged with the version: a hit
then costs one small read of the version from the shared cache and no page transfer.
"""

from __future__ import annotations

import time

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


# (village id, page name) → (version, date, encoded page), per worker process.
_local: dict = {}
LOCAL_MAX = 2000


def get_or_render(village_id, name: str, today, render) -> bytes:
    """The page as UTF-8 bytes: from this process, else the shared cache, else rendered."""
    current = version(village_id)
    hit = _local.get((village_id, name))
    if hit is not None and hit[0] == current and hit[1] == today:
        return hit[2]
    key = f"notices:page:{village_id}:{current}:{today:%Y%m%d}:{name}"
    page = cache.get(key)
    if page is None:
        page = render().encode()
        cache.set(key, page, PAGE_SECONDS)
    if len(_local) >= LOCAL_MAX:
        _local.clear()
    _local[(village_id, name)] = (current, today, page)
    return page


# Village code → id, per worker process (codes practically never change).
_codes: dict = {}
CODE_SECONDS = 300


def village_id_for(code: str, lookup) -> int:
    hit = _codes.get(code)
    now = time.monotonic()
    if hit is not None and hit[1] > now:
        return hit[0]
    village_id = lookup(code)
    if len(_codes) >= LOCAL_MAX:
        _codes.clear()
    _codes[code] = (village_id, now + CODE_SECONDS)
    return village_id
