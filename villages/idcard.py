"""Resident ID numbers (GB 11643-1999) and mobile numbers."""

from __future__ import annotations

import re
from datetime import date

from creditcoop.money import ascii_digits

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CODES = "10X98765432"
_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def check_digit(first17: str) -> str:
    return CHECK_CODES[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def id_number_error(value: str) -> str | None:
    """A Chinese message saying what is wrong with the ID number, or None when valid."""
    value = normalize_id(value)
    if not _ID_RE.match(value):
        return "身份证号码应为18位：前17位数字，最后一位为数字或X。"
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号码中的出生日期不存在。"
    if birth.year < 1900 or birth > _today():
        return "身份证号码中的出生日期不合理。"
    if check_digit(value[:17]) != value[17]:
        return "身份证号码校验位错误，请核对。"
    return None


def _today() -> date:
    from django.utils import timezone

    return timezone.localdate()  # the date in 上海, whatever the server's clock zone


def normalize_id(value: str) -> str:
    """An ID number as stored: ASCII digits and an upper-case X (see `ascii_digits`)."""
    return ascii_digits(value).strip().upper()


def birth_date(value: str) -> date:
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def phone_error(value: str) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if _PHONE_RE.match(value) or _LANDLINE_RE.match(value):
        return None
    return "电话号码格式不正确：手机号为以1开头的11位数字，固定电话如 0371-12345678。"


def mask_name(name: str) -> str:
    """张三丰 → 张**; the public sees only the first character."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_id(value: str) -> str:
    return f"{value[:3]}***********{value[-4:]}" if value else ""


def mask_phone(value: str) -> str:
    return f"{value[:3]}****{value[-4:]}" if value and len(value) >= 7 else ""
