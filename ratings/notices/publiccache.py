"""Rendered public pages live in the shared cache under a per-village version (the
village's own counter and one counter for changes shown on every village's page).

Every write that changes what a village's public page shows bumps the version after
commit, so the next request renders afresh and nobody ever sees a stale notice: the notice
services do it themselves, and `signals` does it for the rest of the page (committee,
officer board, telephones, service promises, loan types), whoever edits those rows. The
date is part of the key too: a notice that ends at midnight moves to "past" without any
write, and a committee member whose term ends leaves the roster the next day.

Each worker process also keeps the pages it served last, tagged with the version: a hit
then costs one read of the two counters from the shared cache (one round trip) and no
page transfer.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

PAGE_SECONDS = 24 * 3600
ALL_KEY = "notices:ver:all"


def _version_key(village_id) -> str:
    return f"notices:ver:{village_id}"


def _fresh() -> int:
    # A fresh cache (restart, eviction) starts at a new number, never at an old one.
    return int(timezone.now().timestamp() * 1000)


def version(village_id) -> str:
    """The village's own counter and the counter of changes shown on every village's page
    (a loan type, a union's complaint telephone), read together in one round trip."""
    keys = [_version_key(village_id), ALL_KEY]
    got = cache.get_many(keys)
    for key in keys:
        if key not in got:
            fresh = _fresh()
            cache.add(key, fresh, timeout=None)
            got[key] = cache.get(key, fresh)
    return f"{got[ALL_KEY]}.{got[keys[0]]}"


def _incr(key) -> None:
    try:
        cache.incr(key)
    except ValueError:
        cache.add(key, _fresh(), timeout=None)


def bump(village_id) -> None:
    """Invalidate the village's public pages once the current transaction commits."""
    bump_many([village_id])


def bump_many(village_ids) -> None:
    """Invalidate these villages' public pages once the current transaction commits."""
    ids = sorted({v for v in village_ids if v is not None})

    def _bump():
        for village_id in ids:
            _incr(_version_key(village_id))

    if ids:
        transaction.on_commit(_bump)


def bump_all() -> None:
    """Invalidate every village's public pages once the current transaction commits."""
    transaction.on_commit(lambda: _incr(ALL_KEY))


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
