"""Vietnamese mobile phone numbers: "0912 345 678", "+84 912345678" -> "0912345678"."""
from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s.\-()]")
_MOBILE = re.compile(r"^0[35789]\d{8}$")

INVALID_MESSAGE = "Số điện thoại không hợp lệ: cần 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09 (ví dụ 0912 345 678)."


class InvalidPhone(ValueError):
    def __init__(self, message: str = INVALID_MESSAGE):
        super().__init__(message)


def normalise(raw: str | None) -> str:
    """The canonical 10-digit form of a Vietnamese mobile number, or InvalidPhone."""
    value = _SEPARATORS.sub("", (raw or "").strip())
    if value.startswith("+84"):
        value = "0" + value[3:]
    elif value.startswith("0084"):
        value = "0" + value[4:]
    elif value.startswith("84") and len(value) == 11:
        value = "0" + value[2:]
    if not _MOBILE.match(value):
        raise InvalidPhone()
    return value


def is_valid(raw: str | None) -> bool:
    try:
        normalise(raw)
    except InvalidPhone:
        return False
    return True
