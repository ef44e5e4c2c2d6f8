"""The unit directory through time: versions of each unit's name, short name, parent, level and official code.

Every rename or move writes a new unit_version row from the day it takes effect (`effective(day)`, default
today in Asia/Ho_Chi_Minh) and closes the previous one the day before, so records print the unit as it was on
their date (`names_as_of`) and the directory of any day is one indexed range query (`directory_at`).
Versions are written by mapper events on Unit (every path: services, admin forms, revision restores) and, for
set-based moves of whole subtrees, by `snapshot` over a select of ids.
"""
from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from itertools import islice

from sqlalchemy import and_, event, inspect, or_, select
from sqlalchemy.orm import aliased

from adminapp import clock
from adminapp.extensions import db
from models import Unit, UnitLink, UnitVersion

SINCE_EVER = date(1900, 1, 1)  # a version's valid_from when the unit's start is unknown (the 2021 directory)
TRACKED = ("name", "short_name", "parent_id", "level", "official_code")
INFO_KEY = "unit_effective_date"


class HistoryError(ValueError):
    """A change dated behind a unit's later version (Vietnamese message)."""


def today() -> date:
    return clock.today_vn()


def effective_date(session=None) -> date:
    session = session or db.session
    return session.info.get(INFO_KEY) or today()


@contextmanager
def effective(day: date | None):
    """Renames and moves inside the block take effect on `day` (None: today)."""
    info = db.session.info
    previous = info.get(INFO_KEY)
    info[INFO_KEY] = day
    try:
        yield
    finally:
        if previous is None:
            info.pop(INFO_KEY, None)
        else:
            info[INFO_KEY] = previous


# --------------------------------------------------------------------------- writing versions


def latest_start(connection, unit_ids) -> date | None:
    """The latest valid_from among the units' versions (a change may not be dated before it)."""
    t = UnitVersion.__table__
    value = connection.execute(select(db.func.max(t.c.valid_from)).where(t.c.unit_id.in_(unit_ids))).scalar()
    if isinstance(value, str):  # SQLite without type info on an aggregate
        value = date.fromisoformat(value)
    return value


def check_effective(unit_ids, day: date, connection=None) -> None:
    """Refuse a change of these units effective before one of their versions already starts."""
    connection = connection or db.session.connection()
    last = latest_start(connection, unit_ids)
    if last is not None and last > day:
        raise HistoryError(
            f"Ngày hiệu lực {day:%d/%m/%Y} trùng thời kỳ hiệu lực đã có: đơn vị đã có thay đổi từ ngày "
            f"{last:%d/%m/%Y}."
        )


def snapshot(connection, unit_ids, day: date) -> None:
    """New versions from `day` for the (still valid) units `unit_ids` (ids or a select of ids), read from their
    current rows; the versions they had close the day before. A second change on the same day replaces it."""
    t = UnitVersion.__table__
    u = Unit.__table__
    check_effective(unit_ids, day, connection)
    connection.execute(t.delete().where(t.c.unit_id.in_(unit_ids), t.c.valid_from == day))
    connection.execute(
        t.update().where(t.c.unit_id.in_(unit_ids), t.c.valid_to.is_(None), t.c.valid_from < day)
        .values(valid_to=day - timedelta(days=1))
    )
    connection.execute(t.insert().from_select(
        ["unit_id", "valid_from", "name", "short_name", "parent_id", "level", "official_code"],
        select(u.c.id, db.literal(day, db.Date), u.c.name, u.c.short_name, u.c.parent_id, u.c.level,
               u.c.official_code)
        .where(u.c.id.in_(unit_ids), or_(u.c.valid_to.is_(None), u.c.valid_to >= day)),
    ))


def close(connection, unit_ids, last_day: date) -> None:
    """The units end on `last_day`: their open versions close then."""
    t = UnitVersion.__table__
    connection.execute(t.update().where(t.c.unit_id.in_(unit_ids), t.c.valid_to.is_(None),
                                        t.c.valid_from <= last_day).values(valid_to=last_day))


@event.listens_for(Unit, "after_insert")
def _unit_created(mapper, connection, target):  # noqa: ARG001
    connection.execute(UnitVersion.__table__.insert().values(
        unit_id=target.id, valid_from=target.valid_from or SINCE_EVER, valid_to=target.valid_to, name=target.name,
        short_name=target.short_name, parent_id=target.parent_id, level=target.level,
        official_code=target.official_code,
    ))


@event.listens_for(Unit, "after_update")
def _unit_changed(mapper, connection, target):  # noqa: ARG001
    state = inspect(target)
    session = state.session
    day = effective_date(session) if session is not None else today()
    ended = state.attrs.valid_to.history
    if ended.has_changes() and target.valid_to is not None:
        close(connection, [target.id], target.valid_to)
    if target.valid_to is not None and target.valid_to < day:
        return  # an ended unit (moved under its successor) keeps its history as it was
    if any(state.attrs[key].history.has_changes() for key in TRACKED):
        snapshot(connection, [target.id], day)


# --------------------------------------------------------------------------- reading "as of" a date


def version_condition(day: date):
    """Versions valid on `day` (served by uq_unit_version_unit_from per unit, ix_unit_version_period overall)."""
    return and_(UnitVersion.valid_from <= day, or_(UnitVersion.valid_to.is_(None), UnitVersion.valid_to >= day))


def valid_on(day: date | None = None, model=Unit):
    """Units valid on `day` (default today): pickers, new records, the public form."""
    day = today() if day is None else day  # a date or a bind parameter
    return and_(or_(model.valid_from.is_(None), model.valid_from <= day),
                or_(model.valid_to.is_(None), model.valid_to >= day))


def is_valid(unit: Unit, day: date | None = None) -> bool:
    day = day or today()
    return (unit.valid_from is None or unit.valid_from <= day) and (unit.valid_to is None or unit.valid_to >= day)


def versions_as_of(unit_ids: Iterable[int], day: date) -> dict[int, UnitVersion]:
    """{unit id: its version on `day`} in one indexed query; units without one on that day are left out."""
    ids = {i for i in unit_ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(UnitVersion).where(UnitVersion.unit_id.in_(ids), version_condition(day)))
    return {v.unit_id: v for v in rows.scalars()}


def names_on_days(pairs: Iterable[tuple[int | None, date | None]], *, short: bool = False
                  ) -> dict[tuple[int, date], str]:
    """{(unit id, day): the unit's name on that day} for many records at once, in one indexed statement
    (the versions of these units overlapping the days' range, matched here). Pairs without a unit, a day or
    a version on that day are left out: callers keep today's name. Exports call it once per batch of rows."""
    wanted = {(u, d) for u, d in pairs if u is not None and d is not None}
    if not wanted:
        return {}
    ids = {u for u, _ in wanted}
    days = [d for _, d in wanted]
    t = UnitVersion.__table__
    rows = db.session.execute(
        select(t.c.unit_id, t.c.valid_from, t.c.valid_to, t.c.name, t.c.short_name)
        .where(t.c.unit_id.in_(ids), t.c.valid_from <= max(days),
               or_(t.c.valid_to.is_(None), t.c.valid_to >= min(days)))
    ).all()
    periods: dict[int, list] = {}
    for unit_id, start, end, name, short_name in rows:
        periods.setdefault(unit_id, []).append((start, end, (short_name or name) if short else name))
    out = {}
    for unit_id, day in wanted:
        for start, end, name in periods.get(unit_id, ()):
            if start <= day and (end is None or end >= day):
                out[(unit_id, day)] = name
                break
    return out


def names_as_of(unit_ids: Iterable[int], day: date | None, *, short: bool = False) -> dict[int, str]:
    """{unit id: its name on `day`}; a unit with no version that day (or no day) reads today's name."""
    ids = {i for i in unit_ids if i is not None}
    if not ids:
        return {}
    names = {u: name for (u, _), name in names_on_days(((i, day) for i in ids), short=short).items()}
    missing = ids - names.keys()
    if missing:
        col = db.func.coalesce(Unit.short_name, Unit.name) if short else Unit.name
        names.update(db.session.execute(select(Unit.id, col).where(Unit.id.in_(missing))).all())
    return names


def name_as_of(unit: Unit | None, day: date | None) -> str:
    if unit is None:
        return ""
    return names_as_of([unit.id], day).get(unit.id, unit.name)


def successors(unit_ids: Iterable[int]) -> dict[int, Unit]:
    """{unit id: the unit it merged into} for ended units."""
    ids = set(unit_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(UnitLink.unit_id, Unit).join(Unit, Unit.id == UnitLink.other_id)
                              .where(UnitLink.unit_id.in_(ids), UnitLink.kind == "merged_into"))
    return {uid: unit for uid, unit in rows.all()}


def directory_at(day: date, level: int | None = None):
    """The directory valid on `day`: one statement (versions in range joined to their units, parents and
    successors). Rows: (version, code, kind, unit valid_from, unit valid_to, parent code, successor code)."""
    parent = aliased(Unit)
    successor = aliased(Unit)
    link = aliased(UnitLink)
    stmt = (
        select(UnitVersion, Unit.code, Unit.kind, Unit.valid_from, Unit.valid_to, parent.code, successor.code)
        .join(Unit, Unit.id == UnitVersion.unit_id)
        .outerjoin(parent, parent.id == UnitVersion.parent_id)
        .outerjoin(link, and_(link.unit_id == Unit.id, link.kind == "merged_into"))
        .outerjoin(successor, successor.id == link.other_id)
        .where(version_condition(day))
        .order_by(UnitVersion.level, Unit.sort_order, Unit.code)
    )
    if level is not None:
        stmt = stmt.where(UnitVersion.level == level)
    return stmt


def directory_rows(day: date, level: int | None = None) -> list[dict]:
    rows = []
    for v, code, kind, vf, vt, parent_code, successor_code in db.session.execute(directory_at(day, level)).all():
        rows.append({
            "code": code, "official_code": v.official_code, "name": v.name, "short_name": v.short_name,
            "level": v.level, "kind": kind, "parent_code": parent_code,
            "valid_from": vf.isoformat() if vf else None, "valid_to": vt.isoformat() if vt else None,
            "successor_code": successor_code,
        })
    return rows


def record_day(when) -> date | None:
    """The calendar date (Asia/Ho_Chi_Minh) of a record's timestamp: a date as is, a naive-UTC datetime
    converted."""
    if when is None:
        return None
    if isinstance(when, datetime):
        return clock.today_vn(when if when.tzinfo else when.replace(tzinfo=timezone.utc))
    return when


def name_at(unit_id: int | None, when, *, cache: dict | None = None) -> str:
    """The unit's name on the date of `when` (date or naive-UTC datetime), memoised in `cache` (or the
    request's `g`) so a page of rows asks once per unit and day."""
    if unit_id is None:
        return ""
    day = record_day(when)
    if cache is None:
        cache = _request_cache()
    key = (unit_id, day)
    if key not in cache:
        cache[key] = names_as_of([unit_id], day).get(unit_id, "")
    return cache[key]


def rows_with_names(rows: Iterable, pairs, *, batch: int = 1000, short: bool = False):
    """Stream `rows` as (row, names): `pairs(row)` gives the row's [(unit id, record date or timestamp), …] and
    `names` their names on those dates (None where the unit had no version then: keep today's name). One
    statement per batch of rows (names_on_days), so an export of any size keeps constant memory."""
    it = iter(rows)
    while chunk := list(islice(it, batch)):
        keys = [[(u, record_day(w)) for u, w in pairs(r)] for r in chunk]
        found = names_on_days((k for ks in keys for k in ks), short=short)
        for r, ks in zip(chunk, keys, strict=True):
            yield r, [found.get(k) for k in ks]


def _request_cache() -> dict:
    from flask import g, has_app_context

    if not has_app_context():
        return {}
    if "unit_names_at" not in g:
        g.unit_names_at = {}
    return g.unit_names_at


def former_names(unit_ids: Iterable[int]) -> dict[int, list[UnitVersion]]:
    """{unit id: its closed versions, oldest first} (one query): the names shown on hover on current pages."""
    ids = set(unit_ids)
    if not ids:
        return {}
    out: dict[int, list[UnitVersion]] = {}
    for v in db.session.execute(select(UnitVersion).where(UnitVersion.unit_id.in_(ids),
                                                          UnitVersion.valid_to.is_not(None))
                                .order_by(UnitVersion.unit_id, UnitVersion.valid_from)).scalars():
        out.setdefault(v.unit_id, []).append(v)
    return out


def names_and_former(codes: Iterable[str], unit_ids: Iterable[int], label) -> tuple[dict[str, str], dict]:
    """({code: `label` of that unit} for `codes`, former_names(unit_ids)) in one statement: a unit list shows
    its rows' ancestors by name and its rows' former names on hover."""
    codes, ids = set(codes), set(unit_ids)
    if not codes:
        return {}, former_names(ids)
    closed = and_(UnitVersion.unit_id == Unit.id, UnitVersion.valid_to.is_not(None), Unit.id.in_(ids or [-1]))
    names: dict[str, str] = {}
    former: dict[int, list[UnitVersion]] = {}
    for code, name, version in db.session.execute(
            select(Unit.code, label, UnitVersion).outerjoin(UnitVersion, closed).where(Unit.code.in_(codes))
            .order_by(UnitVersion.unit_id, UnitVersion.valid_from)).all():
        names[code] = name
        if version is not None:
            former.setdefault(version.unit_id, []).append(version)
    return names, former


def former_title(unit: Unit, former: list[UnitVersion]) -> str:
    """"Name (từ … đến …); …" of the unit's former names that differ from today's (the hover text)."""
    return "; ".join(f"{v.name} ({period_label(v)})" for v in former if v.name != unit.name)


def period_label(v: UnitVersion) -> str:
    start = "" if v.valid_from == SINCE_EVER else f"từ {v.valid_from:%d/%m/%Y} "
    end = f"đến {v.valid_to:%d/%m/%Y}" if v.valid_to else "đến nay"
    return (start + end).strip()
