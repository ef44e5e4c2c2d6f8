"""The public results page of a programme (issue 15): honoured initiatives (technology secrets masked by the
one rule of adminapp.access), counts per province / sector union, and a bar chart drawn as SVG on the server.

Cached as a snapshot row in the database (ResultsSnapshot), so every app instance serves the same page
without local state; a snapshot older than RESULTS_TTL seconds is rebuilt by the request that finds it, from
one index-only aggregate (ix_initiative_programme_level1_status) and the honoured rows (few, read through
ix_initiative_programme_status). Two instances rebuilding at once: the second insert loses the race and
reads the winner's row.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from adminapp import access, clock, labels
from adminapp.extensions import db
from models import Initiative, Programme, ResultsSnapshot, Unit

DEFAULT_TTL = 300
NOT_COUNTED = ("awaiting", "not_passed")  # not (yet) passed by the organising committee
CHART_TOP = 15


def counts_query(programme_id: int):
    """The one aggregate of the rebuild: per level-1 unit and state (an index-only scan)."""
    return (select(Initiative.level1_unit_id, Initiative.status, func.count())
            .where(Initiative.programme_id == programme_id)
            .group_by(Initiative.level1_unit_id, Initiative.status))


def build(programme: Programme) -> dict:
    units = {u.id: u for u in db.session.execute(select(Unit).where(Unit.parent_id == programme.owner_unit_id))
             .scalars()}
    per_unit: dict[int, dict] = {}
    awaiting = 0
    for unit_id, status, n in db.session.execute(counts_query(programme.id)):
        row = per_unit.setdefault(unit_id, {"submitted": 0, "honoured": 0})
        if status in NOT_COUNTED:
            awaiting += n if status == "awaiting" else 0
            continue
        row["submitted"] += n
        if status == "honoured":
            row["honoured"] += n
    groups: dict[str, list] = {}
    for unit_id, row in per_unit.items():
        unit = units.get(unit_id)
        if unit is None:
            continue
        groups.setdefault(unit.kind, []).append([unit.name, row["submitted"], row["honoured"]])
    for rows in groups.values():
        rows.sort(key=lambda r: (-r[1], r[0]))
    honoured = []
    # ordered by id only: ordering by unit too makes SQLite walk the unit index over every row
    stmt = (select(Initiative).where(Initiative.programme_id == programme.id, Initiative.status == "honoured")
            .order_by(Initiative.id))
    for ini in db.session.execute(stmt).scalars():
        def shown(field, value, ini=ini):
            return access.initiative_value(None, ini, field, value)  # the public: the one masking rule
        honoured.append({
            "title": ini.title, "effectiveness": ini.effectiveness or "",
            "award": labels.INITIATIVE_STATUSES["honoured"], "unit": ini.level1_unit.name,
            "author": shown("author_name", ini.author_name), "field": shown("field", ini.field),
            "secret": bool(ini.is_secret),
        })
    honoured.sort(key=lambda h: h["unit"])  # grouped by unit, in order of honour within it (stable sort)
    total = sum(r["submitted"] for r in per_unit.values())
    return {"total": total, "honoured_total": len(honoured), "awaiting": awaiting,
            "groups": [[labels.UNIT_KINDS.get(kind, kind), rows] for kind, rows in sorted(groups.items())],
            "honoured": honoured}


def ttl() -> int:
    return int(current_app.config.get("RESULTS_TTL", DEFAULT_TTL))


def get(programme: Programme, now: datetime | None = None) -> tuple[dict, datetime]:
    """(data, built_at) from the snapshot, rebuilt and stored when missing or older than the TTL."""
    at = clock.naive_utc(now)
    snap = db.session.get(ResultsSnapshot, programme.id)
    if snap is not None and snap.built_at > at - timedelta(seconds=ttl()):
        return snap.data, snap.built_at
    data = build(programme)
    try:
        if snap is None:
            db.session.add(ResultsSnapshot(programme_id=programme.id, built_at=at, data=data))
        else:
            snap.built_at, snap.data = at, data
        db.session.commit()
    except IntegrityError:  # another instance stored it first: serve what we built
        db.session.rollback()
    return data, at


def chart_svg(data: dict, top: int = CHART_TOP) -> dict:
    """Bars of the units with the most submissions, as geometry for an inline SVG (no script, no style)."""
    rows = sorted((r for _, rows in data["groups"] for r in rows), key=lambda r: (-r[1], r[0]))[:top]
    peak = max((r[1] for r in rows), default=0) or 1
    bar_h, gap, label_w, width = 18, 6, 230, 640
    bars = []
    for i, (name, submitted, honoured) in enumerate(rows):
        y = i * (bar_h + gap)
        w = round((width - label_w - 60) * submitted / peak)
        hw = round((width - label_w - 60) * honoured / peak)
        bars.append({"y": y, "w": max(w, 1), "hw": hw, "name": name, "n": submitted, "h": honoured,
                     "ty": y + bar_h - 5})
    return {"bars": bars, "height": max(len(rows) * (bar_h + gap), bar_h), "label_w": label_w, "width": width,
            "bar_h": bar_h}
