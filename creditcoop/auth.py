"""Login by staff number with a lock after repeated failures."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache


def _key(username: str) -> str:
    return f"login-fail:{(username or '').strip().lower()}"


def login_locked_seconds(username: str) -> int:
    ttl = cache.ttl(_key(username)) if hasattr(cache, "ttl") else None
    failures = cache.get(_key(username), 0)
    if failures >= settings.LOGIN_FAILURE_LIMIT:
        return int(ttl or settings.LOGIN_LOCK_SECONDS)
    return 0


def login_failed(username: str) -> int:
    key = _key(username)
    cache.add(key, 0, timeout=settings.LOGIN_LOCK_SECONDS)
    failures = cache.incr(key)
    cache.touch(key, settings.LOGIN_LOCK_SECONDS)
    return failures


def login_succeeded(username: str) -> None:
    cache.delete(_key(username))


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
        locked = login_locked_seconds(username)
        if locked:
            minutes = max(1, (locked + 59) // 60)
            raise forms.ValidationError(
                f"登录失败次数过多，账号已暂时锁定，请 {minutes} 分钟后再试。", code="locked"
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            failures = login_failed(username)
            left = settings.LOGIN_FAILURE_LIMIT - failures
            if left <= 0:
                raise forms.ValidationError(
                    "登录失败次数过多，账号已暂时锁定，请 "
                    f"{settings.LOGIN_LOCK_SECONDS // 60} 分钟后再试。",
                    code="locked",
                )
            raise forms.ValidationError(
                f"工号或密码不正确，还可尝试 {left} 次。", code="invalid_login"
            )
        login_succeeded(username)
        return cleaned
