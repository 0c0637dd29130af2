"""Request and response rules that hold for every page.

- A NUL byte in the path or the query string is a bad request (400) before any view runs:
  PostgreSQL cannot store or compare it, so a search or a lookup would otherwise fail with a
  server error.
- Every HTML response carries a Content-Security-Policy; inline scripts run only with the
  per-request nonce (`{{ request.csp_nonce }}`), the print buttons' `onclick` by its hash.
- Pages shown to a signed-in user are never kept in a browser's or a proxy's cache.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import BadRequest


class RejectNulBytes:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _query_has_nul(request):
            raise BadRequest("NUL byte in the request")
        return self.get_response(request)


def _query_has_nul(request) -> bool:
    query = request.META.get("QUERY_STRING", "")
    if "%00" not in query and "\x00" not in query:
        return False
    return any("\x00" in key or "\x00" in "".join(values) for key, values in request.GET.lists())


def _inline_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


# Inline event handlers the templates use, allowed by their hash ('unsafe-hashes').
INLINE_HANDLERS = ["window.print()"]


def content_security_policy(nonce: str) -> str:
    scripts = " ".join(
        ["'self'", f"'nonce-{nonce}'", "'unsafe-hashes'", *map(_inline_hash, INLINE_HANDLERS)]
    )
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            # Bootstrap and htmx set style attributes; styles cannot run code.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            policy = content_security_policy(request.csp_nonce)
            response.setdefault("Content-Security-Policy", policy)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(settings.STATIC_URL)
        ):
            response["Cache-Control"] = "no-store, private"
        return response
