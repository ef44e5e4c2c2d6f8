"""Untrusted numbers from the request (URL parts, query and form values) parsed and range-checked in one place.

Every id, page, offset, page size and integer filter value passes through here before it reaches SQL:
PostgreSQL refuses 2147483648 for an INTEGER ("integer out of range") and a negative OFFSET, which
answered 500 where SQLite answered 404 (issue 16, outside attack). Out of range is simply "no such row".
"""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
MAX_ID = INT32_MAX
MAX_OFFSET = 10_000_000  # far beyond any real list


def parse_int(value, default: int | None = None, *, lo: int = -INT32_MAX - 1, hi: int = INT32_MAX) -> int | None:
    """An integer in [lo, hi] from untrusted input, else `default`."""
    if value is None or isinstance(value, bool):
        return default
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return number if lo <= number <= hi else default


def parse_id(value, *, bits: int = 32) -> int | None:
    """A positive database id from untrusted input, else None (never overflows the key's column)."""
    return parse_int(value, None, lo=1, hi=INT64_MAX if bits == 64 else INT32_MAX)


def parse_ids(values) -> list[int]:
    """Distinct valid ids of a list of untrusted values, in their order (garbage and duplicates dropped)."""
    return [i for i in dict.fromkeys(map(parse_id, values or [])) if i is not None]


def arg_id(value) -> int:
    """`type=` for request.args.get / request.form.get: a valid id, else the default (ValueError)."""
    number = parse_id(value)
    if number is None:
        raise ValueError("not an id")
    return number


def clamp(value, default: int, lo: int, hi: int) -> int:
    """An integer clamped into [lo, hi]; garbage gives `default` (page numbers, offsets, limits)."""
    number = parse_int(value, None, lo=-INT64_MAX, hi=INT64_MAX)
    if number is None:
        return default
    return min(max(number, lo), hi)


class IdConverter(IntegerConverter):
    """The app's `<int:…>` URL converter: only ids that fit an INTEGER column match (else 404)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - Werkzeug's signature
        kwargs.setdefault("max", INT32_MAX)
        super().__init__(map, *args, **kwargs)
