"""Display formats: dd/mm/yyyy, times in Asia/Ho_Chi_Minh, VND with thousands separators."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
INVALID_DATE = "Ngày không hợp lệ, nhập theo dạng ngày/tháng/năm, ví dụ 31/12/2021"


def to_local(value: datetime) -> datetime:
    """A naive UTC datetime (as stored) in Vietnam time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(VN_TZ)


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%d/%m/%Y %H:%M")


def format_int(value: int | None) -> str:
    """200000 -> "200.000" (Vietnamese thousands separator); only the number, never the sentence around it."""
    if value is None:
        return ""
    return f"{int(value):,}".replace(",", ".")


def format_vnd(value: int | float | None) -> str:
    if value is None:
        return ""
    return f"{int(round(value)):,}".replace(",", ".") + " đ"


def parse_vn_date(value: str | None) -> date | None:
    """dd/mm/yyyy (or ISO yyyy-mm-dd) typed by a user; None when empty or not a date."""
    text = (value or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
