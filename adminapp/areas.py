"""The level-1 unit (province or national sector) of each initiative, kept as `Initiative.area_unit_id`.

A province officer sees the initiatives of the units in the province's subtree. Written as
"unit_id IN (the subtree's units)" no index can return them in the order of a sort column, so every
sorted page (and every deep page) sorted the province's rows first. Stored as one column, the same
scope is the equality `area_unit_id = the province`, and the (area_unit_id, sort column, id) indexes
return a sorted page directly (adminapp.access, migration 0016).

The column is derived data: set when an initiative is inserted (or its unit changes), and rewritten
for a whole subtree when directory.move_unit moves units under another level-1 unit.
"""
from __future__ import annotations

from sqlalchemy import event, select, update

from models import Initiative, Unit


def _codes(path: str) -> list[str]:
    return [c for c in path.strip("/").split("/") if c]


def level1_code(path: str) -> str | None:
    """The code of the level-1 unit on `path` (the initiatives' area), None at the root."""
    codes = _codes(path)
    return codes[1] if len(codes) >= 2 else None


def area_for_path(connection, path: str) -> int | None:
    """The id of the level-1 unit on `path` ("/ROOT/01/01-002/" -> the unit coded "01"); None at the root."""
    codes = _codes(path)
    if len(codes) < 2:
        return None
    return connection.execute(select(Unit.id).where(Unit.code == codes[1])).scalar()


def area_of_unit(connection, unit_id: int | None) -> int | None:
    if unit_id is None:
        return None
    path = connection.execute(select(Unit.path).where(Unit.id == unit_id)).scalar()
    return area_for_path(connection, path) if path else None


@event.listens_for(Initiative, "before_insert")
def _set_area_on_insert(mapper, connection, target):  # noqa: ARG001
    if target.area_unit_id is None:
        target.area_unit_id = area_of_unit(connection, target.unit_id)


@event.listens_for(Initiative, "before_update")
def _set_area_on_update(mapper, connection, target):  # noqa: ARG001
    from sqlalchemy import inspect

    if inspect(target).attrs.unit_id.history.has_changes():
        target.area_unit_id = area_of_unit(connection, target.unit_id)


def refresh_subtree(session, path: str) -> None:
    """Rewrite area_unit_id of the initiatives of every unit under `path` (after a move): one UPDATE per
    level-1 unit the subtree now lies under (one, unless the subtree's top became a root)."""
    from adminapp.access import subtree_condition

    conn = session.connection()
    top_codes = _codes(path)
    if len(top_codes) >= 2:
        areas = [(path, area_for_path(conn, path))]
    else:  # the moved unit is a root now: its children are the level-1 units
        children = conn.execute(select(Unit.id, Unit.path).where(subtree_condition(Unit.path, path),
                                                                  Unit.path != path)).all()
        areas = [(p, uid) for uid, p in children if len(_codes(p)) == 2] + [(path, None)]
    for prefix, area in areas:
        units = select(Unit.id).where(subtree_condition(Unit.path, prefix))
        if area is None:  # the root itself: only its own initiatives
            units = select(Unit.id).where(Unit.path == prefix)
        session.execute(update(Initiative).where(Initiative.unit_id.in_(units),
                                                 Initiative.area_unit_id.is_distinct_from(area))
                        .values(area_unit_id=area).execution_options(synchronize_session=False))
