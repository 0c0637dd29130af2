"""Per-address rate limits for the public objection form, counted in the shared cache."""

from __future__ import annotations

from django.core.cache import cache

# (window in seconds, most submissions allowed in it)
OBJECTION_LIMITS = [(600, 5), (86400, 20)]


def client_address(request) -> str:
    # Behind the reverse proxy the address is what the proxy saw; it sets REMOTE_ADDR via
    # the WSGI server (gunicorn --forwarded-allow-ips), never a client-supplied header.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(scope: str, address: str, limits=OBJECTION_LIMITS) -> bool:
    """Count one attempt; False when any window is already full (the attempt is refused)."""
    allowed = True
    for window, most in limits:
        key = f"notices:rl:{scope}:{window}:{address}"
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            count = 1
        if count > most:
            allowed = False
    return allowed
