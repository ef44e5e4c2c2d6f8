"""The level-1 unit (province or national sector) of each initiative and each registration (a unit's participant
list), kept as `area_unit_id` on both (AREA_MODELS).

A province officer sees the initiatives of the units in the province's subtree. Written as
"unit_id IN (the subtree's units)" no index can return them in the order of a sort column, so every
sorted page (and every deep page) sorted the province's rows first. Stored as one column, the same
scope is the equality `area_unit_id = the province`, and the (area_unit_id, sort column, id) indexes
return a sorted page directly (adminapp.access, migration 0016).

The column is derived data: set when an initiative is inserted (or its unit changes), and rewritten
for a whole subtree when directory.move_unit moves units under another level-1 unit.

A merge of level-1 units into another level-1 unit (the 2025 reform: 63 provinces into 34) rewrites no
initiative: the predecessors' areas become aliases of the successor (`AreaAlias`), and the successor's
scope is "area_unit_id IN (its own, its predecessors')", one ordered index walk per area merged into one
sorted page (views/base.py). The invariant: every initiative's area is among `scope_areas` of the
level-1 unit above its unit.
"""
from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import String, cast, delete, event, func, insert, or_, select, update

from models import AreaAlias, Initiative, Registration, Unit

AREA_MODELS = (Initiative, Registration)  # the records that keep their unit's level-1 unit


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


def scope_areas(connection, unit_id: int) -> list[int]:
    """The areas whose initiatives count under the level-1 unit `unit_id`: its own first, then those of
    the level-1 units merged into it (transitively: a merge hands the sources' aliases on)."""
    aliases = connection.execute(select(AreaAlias.area_unit_id).where(AreaAlias.unit_id == unit_id)
                                 .order_by(AreaAlias.area_unit_id)).scalars().all()
    return [unit_id, *aliases]


def aliases_subquery(unit_id):
    """The area ids merged into `unit_id` (a value or a column), as one "3,17" string: the user loader reads a
    province officer's aliases with the user (parse_aliases), not by a statement of its own."""
    return (select(func.aggregate_strings(cast(AreaAlias.area_unit_id, String), ","))
            .where(AreaAlias.unit_id == unit_id).scalar_subquery())


def parse_aliases(value: str | None) -> list[int]:
    """aliases_subquery's string as scope_areas orders the aliases."""
    return sorted(int(v) for v in value.split(",")) if value else []


def merge(connection, source_ids: list[int], target_id: int) -> None:
    """Level-1 units `source_ids` merge into the level-1 unit `target_id`: their initiatives (and those already
    counted under them) count under the target from now on, without rewriting a row."""
    sources = [s for s in source_ids if s != target_id]
    if not sources:
        return
    if has_request_context():  # what this request read of the aliases (with the user, access's cache) is stale
        g.areas_changed = True
        g.pop("initiative_areas", None)
    connection.execute(update(AreaAlias).where(AreaAlias.unit_id.in_(sources)).values(unit_id=target_id))
    connection.execute(delete(AreaAlias).where(AreaAlias.area_unit_id.in_([*sources, target_id])))
    connection.execute(insert(AreaAlias), [{"area_unit_id": s, "unit_id": target_id} for s in sources])


def outside(connection, area: int | None, model=Initiative):
    """Rows of `model` (one of AREA_MODELS) whose area is not counted under `area` (the level-1 unit they now
    lie under): the rows a move must rewrite."""
    if area is None:
        return model.area_unit_id.is_not(None)
    return or_(model.area_unit_id.is_(None), model.area_unit_id.not_in(scope_areas(connection, area)))


def area_of_unit(connection, unit_id: int | None) -> int | None:
    if unit_id is None:
        return None
    path = connection.execute(select(Unit.path).where(Unit.id == unit_id)).scalar()
    return area_for_path(connection, path) if path else None


def _set_area_on_insert(mapper, connection, target):  # noqa: ARG001
    if target.area_unit_id is None:
        target.area_unit_id = area_of_unit(connection, target.unit_id)


def _set_area_on_update(mapper, connection, target):  # noqa: ARG001
    from sqlalchemy import inspect

    if inspect(target).attrs.unit_id.history.has_changes():
        target.area_unit_id = area_of_unit(connection, target.unit_id)


for _model in AREA_MODELS:
    event.listen(_model, "before_insert", _set_area_on_insert)
    event.listen(_model, "before_update", _set_area_on_update)


def refresh_subtree(session, path: str) -> None:
    """Rewrite area_unit_id of the initiatives and registrations of every unit under `path` (after a move): one UPDATE per
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
        for model in AREA_MODELS:
            session.execute(update(model).where(model.unit_id.in_(units), outside(conn, area, model))
                            .values(area_unit_id=area).execution_options(synchronize_session=False))
