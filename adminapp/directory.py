"""The unit directory: create, update, move and deactivate units of the tree.

Paths are materialized ("/TLD/01/01-002/") so a subtree is one indexed range
query (access.subtree_condition). Moving a unit rewrites the paths and levels
of its whole subtree in one UPDATE. Codes are stable identifiers: they never
change once created (records filed under a unit keep pointing at it).
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, literal, select, update

from adminapp import access, areas, audit, unit_history
from adminapp.extensions import db
from models import Unit, User

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

# Kinds of unit (Vietnamese labels in adminapp.labels.UNIT_KINDS).
KINDS = (
    "confederation",
    "province_federation",
    "sector_union",
    "corporation_union",
    "district_union",
    "grassroots",
    "government_body",
    "other",
)


class DirectoryError(ValueError):
    """A Vietnamese message for the user about an invalid directory change."""


def path_for(parent: Unit | None, code: str) -> str:
    return (parent.path if parent else "/") + code + "/"


def validate_code(code: str) -> str:
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise DirectoryError(
            "Mã đơn vị chỉ gồm chữ không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới (tối đa 64 ký tự)."
        )
    return code


def _check_manage(actor: User | None, parent: Unit | None) -> None:
    """Officers manage units strictly below their own unit; only a global admin touches the rest."""
    if actor is None:
        return
    if not access.has_permission(actor, "unit.manage"):
        raise access.PermissionDenied()
    if access.is_global(actor):
        return
    if parent is None or not access.unit_in_subtree(actor, parent):
        raise access.PermissionDenied("Bạn chỉ quản lý được các đơn vị trực thuộc đơn vị mình.")


def create_unit(
    *,
    actor: User | None,
    code: str,
    name: str,
    parent: Unit | None,
    kind: str,
    short_name: str | None = None,
    sort_order: int = 0,
    default_quota: int | None = None,
    active: bool = True,
    official_code: str | None = None,
    valid_from: date | None = None,
) -> Unit:
    _check_manage(actor, parent)
    code = validate_code(code)
    if kind not in KINDS:
        raise DirectoryError("Loại đơn vị không hợp lệ.")
    if db.session.execute(db.select(Unit.id).where(Unit.code == code)).first():
        raise DirectoryError(f"Mã đơn vị “{code}” đã tồn tại.")
    unit = Unit(
        code=code,
        name=name.strip(),
        short_name=short_name,
        parent=parent,
        kind=kind,
        level=0 if parent is None else parent.level + 1,
        path=path_for(parent, code),
        sort_order=sort_order or 0,
        default_quota=default_quota,
        active=active,
        official_code=official_code,
        valid_from=valid_from,
    )
    db.session.add(unit)
    db.session.flush()
    audit.record(actor, unit, "unit.create", details={"path": unit.path})
    return unit


def prepare_new_unit(actor: User | None, unit: Unit) -> None:
    """Complete a unit built by a form (Flask-Admin create): check rights, derive level and path. An officer
    creates no unit below a grassroots union, the lowest level (access.may_hold_units)."""
    _check_manage(actor, unit.parent)
    if actor is not None and not access.is_global(actor) and not access.may_hold_units(unit.parent):
        raise access.PermissionDenied("Công đoàn cơ sở là cấp thấp nhất: không tạo được đơn vị trực thuộc.")
    unit.code = validate_code(unit.code)
    if unit.kind not in KINDS:
        raise DirectoryError("Loại đơn vị không hợp lệ.")
    if db.session.execute(db.select(Unit.id).where(Unit.code == unit.code, Unit.id != unit.id)).first():
        raise DirectoryError(f"Mã đơn vị “{unit.code}” đã tồn tại.")
    unit.level = 0 if unit.parent is None else unit.parent.level + 1
    unit.path = path_for(unit.parent, unit.code)


def move_unit(*, actor: User | None, unit: Unit, new_parent: Unit | None) -> None:
    """Move `unit` and its whole subtree under `new_parent` (effective today, or inside
    unit_history.effective(day))."""
    old_parent_id = unit.parent_id
    old_path = unit.path
    if new_parent is not None and new_parent.path.startswith(old_path):
        raise DirectoryError("Không thể chuyển một đơn vị vào chính nó hoặc đơn vị cấp dưới của nó.")
    _check_manage(actor, unit.parent)
    _check_manage(actor, new_parent)
    if not _move(unit, new_parent, unit_history.effective_date()):
        return
    audit.record(
        actor, unit, "unit.move",
        details={"from_parent_id": old_parent_id, "to_parent_id": getattr(new_parent, "id", None),
                 "from_path": old_path, "to_path": unit.path},
    )


def _move(unit: Unit, new_parent: Unit | None, day: date) -> bool:
    """Rewrite the paths and levels of `unit`'s subtree for its new parent and version what changed from
    `day` (no rights check, no audit: move_unit and reorganisations do those). False if nothing moves."""
    old_path = unit.path
    if new_parent is not None and new_parent.path.startswith(old_path):
        raise DirectoryError("Không thể chuyển một đơn vị vào chính nó hoặc đơn vị cấp dưới của nó.")
    new_path = path_for(new_parent, unit.code)
    if new_path == old_path:
        return False
    delta = (0 if new_parent is None else new_parent.level + 1) - unit.level
    db.session.flush()
    subtree_ids = db.select(Unit.id).where(access.subtree_condition(Unit.path, old_path))
    try:
        unit_history.check_effective(subtree_ids, day)
    except unit_history.HistoryError as e:
        raise DirectoryError(str(e)) from None
    db.session.execute(
        update(Unit)
        .where(access.subtree_condition(Unit.path, old_path))
        .values(
            path=literal(new_path) + func.substr(Unit.path, len(old_path) + 1),
            level=Unit.level + delta,
        )
        .execution_options(synchronize_session=False)
    )
    areas.refresh_subtree(db.session, new_path)  # the initiatives' level-1 unit follows the move
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Unit):
            db.session.expire(obj, ["path", "level"])
        elif isinstance(obj, areas.AREA_MODELS):
            db.session.expire(obj, ["area_unit_id"])
    with unit_history.effective(day):
        unit.parent = new_parent
        db.session.flush()  # the unit's own new version (parent, level) is written by unit_history's mapper event
    if delta:
        # the levels of the whole subtree changed: each still-valid unit below gets a version from `day`
        below = db.select(Unit.id).where(access.subtree_condition(Unit.path, new_path), Unit.id != unit.id)
        unit_history.snapshot(db.session.connection(), below, day)
    return True


def move_many(units: list[Unit], new_parent: Unit, day: date) -> list[Unit]:
    """Move several units, each with its subtree, under `new_parent` from `day`: the result of `_move` on each,
    set-based (one path rewrite per unit; parents, versions, the initiatives' areas and the session once for
    all), so a reorganisation ending a whole level (thousands of units) stays within seconds. Returns the units
    that moved."""
    moving = [u for u in units if path_for(new_parent, u.code) != u.path]
    if not moving:
        return []
    for u in moving:
        if new_parent.path.startswith(u.path):
            raise DirectoryError("Không thể chuyển một đơn vị vào chính nó hoặc đơn vị cấp dưới của nó.")
    paths = sorted(u.path for u in moving)
    if any(b.startswith(a) for a, b in zip(paths, paths[1:], strict=False)):
        # one moving unit lies below another: one by one, each reading the paths the previous move wrote
        return [u for u in sorted(moving, key=lambda x: x.path) if _move(u, new_parent, day)]
    db.session.flush()
    conn = db.session.connection()
    moved_ids: list[int] = []
    versioned: list[int] = []
    new_paths = [path_for(new_parent, u.code) for u in moving]
    # units leaving the same parent together: when they are all of its children, one rewrite of the parent's
    # subtree (below the parent) moves them all; else one rewrite per unit
    groups: dict[int | None, list[Unit]] = {}
    for u in moving:
        groups.setdefault(u.parent_id, []).append(u)
    sizes = dict(conn.execute(select(Unit.parent_id, func.count()).where(
        Unit.parent_id.in_([k for k in groups if k is not None])).group_by(Unit.parent_id)).all())
    batches = []  # (old prefix, new prefix, level delta, condition)
    for parent_id, members in groups.items():
        delta = new_parent.level + 1 - members[0].level
        same_level = all(m.level == members[0].level for m in members)
        if parent_id is not None and same_level and sizes.get(parent_id) == len(members):
            old_prefix = members[0].path[:-(len(members[0].code) + 1)]
            cond = access.subtree_condition(Unit.path, old_prefix) & (Unit.path != old_prefix)
            batches.append((old_prefix, new_parent.path, delta, cond, [m.id for m in members]))
        else:
            batches += [(m.path, path_for(new_parent, m.code), new_parent.level + 1 - m.level,
                         access.subtree_condition(Unit.path, m.path), [m.id]) for m in members]
    for old_prefix, new_prefix, delta, cond, tops in batches:
        ids = conn.execute(
            update(Unit).where(cond)
            .values(path=literal(new_prefix) + func.substr(Unit.path, len(old_prefix) + 1), level=Unit.level + delta)
            .returning(Unit.id)
        ).scalars().all()
        moved_ids += ids
        versioned += ids if delta else tops  # a level change versions the whole subtree, else its tops
    try:
        unit_history.check_effective(moved_ids, day, conn)
    except unit_history.HistoryError as e:
        raise DirectoryError(str(e)) from None
    top_ids = [u.id for u in moving]
    for i in range(0, len(top_ids), 5000):
        conn.execute(update(Unit).where(Unit.id.in_(top_ids[i:i + 5000]))
                     .values(parent_id=new_parent.id, version=Unit.version + 1))
    for i in range(0, len(versioned), 5000):
        unit_history.snapshot(conn, versioned[i:i + 5000], day)
    if new_parent.level == 0:  # each moved unit is a level-1 unit now: its own area
        for path in new_paths:
            areas.refresh_subtree(db.session, path)
    elif any(areas.level1_code(u.path) != areas.level1_code(new_parent.path) for u in moving):
        # the initiatives of the moved units only (by their ids, on the initiatives' unit index), not the whole
        # new parent's subtree; ending a level inside a province changes none, and neither does a merge of
        # provinces (their areas count under the successor: areas.merge, before the move)
        area = areas.area_for_path(conn, new_parent.path)
        counted = set(areas.scope_areas(conn, area)) if area is not None else set()
        before = {areas.level1_code(u.path) for u in moving}  # u.path: the path before the move
        if not set(conn.execute(select(Unit.id).where(Unit.code.in_(before))).scalars()) <= counted:
            for model in areas.AREA_MODELS:
                for i in range(0, len(moved_ids), 5000):
                    db.session.execute(update(model).where(model.unit_id.in_(moved_ids[i:i + 5000]),
                                                           areas.outside(conn, area, model))
                                       .values(area_unit_id=area).execution_options(synchronize_session=False))
    moved = set(moved_ids)
    for key, obj in list(db.session.identity_map.items()):
        if isinstance(obj, Unit):
            if key[1][0] in moved:
                db.session.expire(obj, ["path", "level", "parent_id", "parent", "version"])
        elif isinstance(obj, areas.AREA_MODELS):
            db.session.expire(obj, ["area_unit_id"])
    return moving


def rename_unit(*, actor: User | None, unit: Unit, name: str, short_name: str | None = None,
                effective: date | None = None) -> None:
    """Rename `unit` from `effective` (default today): records dated before keep the former name."""
    _check_manage(actor, unit.parent)
    name = (name or "").strip()
    if not name:
        raise DirectoryError("Tên đơn vị không được để trống.")
    day = effective or unit_history.today()
    try:
        unit_history.check_effective([unit.id], day)
    except unit_history.HistoryError as e:
        raise DirectoryError(str(e)) from None
    old = {"name": unit.name, "short_name": unit.short_name}
    with unit_history.effective(day):
        unit.name = name
        if short_name is not None:
            unit.short_name = short_name.strip() or None
        db.session.flush()
    audit.record(actor, unit, "unit.rename", details={"from": old, "to": {"name": unit.name,
                                                                         "short_name": unit.short_name},
                                                      "effective_date": day.isoformat()})


def check_unit_edit(actor: User | None, parent: Unit | None) -> None:
    """Editing a unit needs unit.manage over its parent: officers edit the units below their own."""
    _check_manage(actor, parent)
