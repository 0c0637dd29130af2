"""Per-address rate limits for the public objection form, counted in the shared cache."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from creditcoop import auth

# (window in seconds, most submissions allowed in it)
OBJECTION_LIMITS = [(600, 5), (86400, 20)]


def client_address(request) -> str:
    # The same address the login throttle counts by: REMOTE_ADDR, or behind a reverse
    # proxy the entry it wrote in CLIENT_ADDRESS_HEADER (settings, README).
    return auth.client_address(request)


_redis = None


def _client():
    """The shared Redis the cache lives in, spoken to directly so that one attempt is one
    round trip (a pipeline) rather than two per window: a flood of refused posts must cost
    far less than the page it must not slow down."""
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(settings.REDIS_URL)
    return _redis


def allow(scope: str, address: str, limits=OBJECTION_LIMITS) -> bool:
    """Count one attempt; False when any window is already full (the attempt is refused).
    Each window is a counter that starts at the first attempt and expires with the window."""
    pipe = _client().pipeline(transaction=False)
    for window, _most in limits:
        key = cache.make_key(f"notices:rl:{scope}:{window}:{address}")
        pipe.set(key, 0, ex=window, nx=True)
        pipe.incr(key)
    counts = pipe.execute()[1::2]
    return all(count <= most for count, (_window, most) in zip(counts, limits, strict=True))
