"""Login by staff number, throttled by account and address together.

Wrong passwords are counted twice: for the account *from this address* and for the address
alone. An account is locked only from the address the wrong passwords came from, so nobody
can lock a teller out of her own counter from elsewhere; an address that fails too often
(guessing one password across many accounts) is paused for every account.

The client address is REMOTE_ADDR, or — behind a reverse proxy — the entry the proxy added
to CLIENT_ADDRESS_HEADER (see README); the public objection form counts by the same address.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache


def client_address(request) -> str:
    """The address the request came from. Behind a proxy that appends to a header such as
    X-Forwarded-For, the entry the nearest trusted proxy wrote (counted from the right, so a
    client cannot choose it); otherwise the socket's peer."""
    header = getattr(settings, "CLIENT_ADDRESS_HEADER", "")
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        hops = [hop.strip() for hop in value.split(",") if hop.strip()]
        proxies = max(1, getattr(settings, "CLIENT_ADDRESS_PROXIES", 1))
        if len(hops) >= proxies:
            return hops[-proxies][:64]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _account(username: str) -> str:
    return "".join(ch for ch in (username or "").strip().lower() if ch.isprintable())[:64]


def _pair_key(username: str, address: str) -> str:
    return f"login-fail:{_account(username)}:{address}"


def _address_key(address: str) -> str:
    return f"login-fail-from:{address}"


def _failures(key: str) -> int:
    return cache.get(key, 0)


def _locked_for(key: str, limit: int) -> int:
    if _failures(key) >= limit:
        ttl = cache.ttl(key) if hasattr(cache, "ttl") else None
        return int(ttl or settings.LOGIN_LOCK_SECONDS)
    return 0


def login_locked_seconds(username: str, address: str = "unknown") -> int:
    """Seconds this account stays locked from this address (0: not locked)."""
    return _locked_for(_pair_key(username, address), settings.LOGIN_FAILURE_LIMIT)


def address_paused_seconds(address: str) -> int:
    """Seconds every login from this address stays paused (0: not paused)."""
    return _locked_for(_address_key(address), settings.LOGIN_ADDRESS_LIMIT)


def _count(key: str) -> int:
    cache.add(key, 0, timeout=settings.LOGIN_LOCK_SECONDS)
    failures = cache.incr(key)
    cache.touch(key, settings.LOGIN_LOCK_SECONDS)
    return failures


def login_failed(username: str, address: str = "unknown") -> int:
    """Counts one wrong password; the tries left before either limit is reached."""
    pair = _count(_pair_key(username, address))
    from_address = _count(_address_key(address))
    return min(settings.LOGIN_FAILURE_LIMIT - pair, settings.LOGIN_ADDRESS_LIMIT - from_address)


def login_succeeded(username: str, address: str = "unknown") -> None:
    cache.delete(_pair_key(username, address))


def _minutes(seconds: int) -> int:
    return max(1, (seconds + 59) // 60)


class StaffLoginForm(AuthenticationForm):
    username = forms.CharField(
        label="工号", max_length=30, widget=forms.TextInput(attrs={"autofocus": True})
    )
    password = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput)

    error_messages = {
        "invalid_login": "工号或密码不正确。",
        "inactive": "该账号已停用，请联系管理员。",
    }

    def clean(self):
        username = self.data.get("username", "")
        address = client_address(self.request) if self.request is not None else "unknown"
        paused = address_paused_seconds(address)
        if paused:
            raise forms.ValidationError(
                f"本机登录失败次数过多，登录已暂停，请 {_minutes(paused)} 分钟后再试。",
                code="throttled",
            )
        locked = login_locked_seconds(username, address)
        if locked:
            raise forms.ValidationError(
                f"登录失败次数过多，账号已暂时锁定，请 {_minutes(locked)} 分钟后再试。",
                code="locked",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            left = login_failed(username, address)
            if left <= 0:
                raise forms.ValidationError(
                    "登录失败次数过多，账号已暂时锁定，请 "
                    f"{_minutes(settings.LOGIN_LOCK_SECONDS)} 分钟后再试。",
                    code="locked",
                )
            raise forms.ValidationError(
                f"工号或密码不正确，还可尝试 {left} 次。", code="invalid_login"
            )
        login_succeeded(username, address)
        return cleaned
