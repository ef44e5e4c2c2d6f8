"""The one clock: every deadline rule reads `now()` (UTC, aware), so tests freeze it with freezegun."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    return datetime.now(timezone.utc)


def today_vn(at: datetime | None = None) -> date:
    """The calendar date in Vietnam at `at` (default now)."""
    return (at or now()).astimezone(VN_TZ).date()


def vn_midnight(day: date) -> datetime:
    """00:00 Vietnam time of `day`, as an aware UTC datetime."""
    return datetime.combine(day, time(0, 0), tzinfo=VN_TZ).astimezone(timezone.utc)


def end_of_vn_day(day: date) -> datetime:
    """The instant after 24:00 of `day` in Vietnam (00:00 of the next day), aware UTC."""
    return vn_midnight(day + timedelta(days=1))


def naive_utc(at: datetime | None = None) -> datetime:
    """`at` (default now) as naive UTC, the form stored in the database."""
    return (at or now()).astimezone(timezone.utc).replace(tzinfo=None)
