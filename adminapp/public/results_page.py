"""The public results page of a programme (issue 15): honoured initiatives (technology secrets masked by the
one rule of adminapp.access), counts per province / sector union, and a bar chart drawn as SVG on the server.

Cached as a snapshot row in the database (ResultsSnapshot), so every app instance serves the same page
without local state; a snapshot older than RESULTS_TTL seconds is rebuilt by the request that finds it, from
one statement: the index-only aggregate (ix_initiative_programme_level1_status) UNION ALL the honoured
rows (few, read through ix_initiative_programme_status). Two instances rebuilding at once: the second insert loses the race and
reads the winner's row.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
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
    """The aggregate of the rebuild: per level-1 unit and state (an index-only scan)."""
    return (select(Initiative.level1_unit_id, Initiative.status, func.count().label("n"))
            .where(Initiative.programme_id == programme_id)
            .group_by(Initiative.level1_unit_id, Initiative.status))


def rebuild_query(programme: Programme):
    """The one statement of a rebuild: the aggregate joined to its level-1 units, UNION ALL the honoured rows
    (few: at most a quota per level-1 unit, read through ix_initiative_programme_status), their hidden fields
    masked in SQL by the one rule of adminapp.access (the public sees a secret's name, effectiveness and
    award only)."""
    counts = counts_query(programme.id).subquery()
    text, flag, number = sa.String(), sa.Boolean(), sa.Integer()
    aggregate = (select(sa.literal("count").label("row"), Unit.name, Unit.kind, counts.c.status, counts.c.n,
                        sa.null().cast(number).label("id"), sa.null().cast(text).label("title"),
                        sa.null().cast(text).label("effectiveness"), sa.null().cast(text).label("author"),
                        sa.null().cast(text).label("field"), sa.null().cast(flag).label("secret"))
                 .join_from(counts, Unit, Unit.id == counts.c.level1_unit_id)
                 .where(Unit.parent_id == programme.owner_unit_id))
    honoured = (select(sa.literal("honoured"), Unit.name, Unit.kind, Initiative.status, sa.literal(1),
                       Initiative.id, Initiative.title, Initiative.effectiveness,
                       access.initiative_value_sql(None, "author_name", Initiative.author_name),
                       access.initiative_value_sql(None, "field", Initiative.field), Initiative.is_secret)
                .join(Unit, Unit.id == Initiative.level1_unit_id)
                .where(Initiative.programme_id == programme.id, Initiative.status == "honoured"))
    return sa.union_all(aggregate, honoured)


def build(programme: Programme) -> dict:
    per_unit: dict[tuple[str, str], dict] = {}
    awaiting = 0
    honoured = []
    for row in db.session.execute(rebuild_query(programme)):
        if row.row == "honoured":
            honoured.append((row.name, row.id, {
                "title": row.title, "effectiveness": row.effectiveness or "",
                "award": labels.INITIATIVE_STATUSES["honoured"], "unit": row.name,
                "author": row.author, "field": row.field, "secret": bool(row.secret)}))
            continue
        if row.status in NOT_COUNTED:
            awaiting += row.n if row.status == "awaiting" else 0
            continue
        counted = per_unit.setdefault((row.kind, row.name), {"submitted": 0, "honoured": 0})
        counted["submitted"] += row.n
        if row.status == "honoured":
            counted["honoured"] += row.n
    groups: dict[str, list] = {}
    for (kind, name), counted in per_unit.items():
        groups.setdefault(kind, []).append([name, counted["submitted"], counted["honoured"]])
    for rows in groups.values():
        rows.sort(key=lambda r: (-r[1], r[0]))
    honoured.sort(key=lambda h: (h[0], h[1]))  # grouped by unit, in order of honour within it
    total = sum(r["submitted"] for r in per_unit.values())
    return {"total": total, "honoured_total": len(honoured), "awaiting": awaiting,
            "groups": [[labels.UNIT_KINDS.get(kind, kind), rows] for kind, rows in sorted(groups.items())],
            "honoured": [h for _, _, h in honoured]}


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
