"""The unit directory: create, update, move and deactivate units of the tree.

Paths are materialized ("/TLD/01/01-002/") so a subtree is one indexed range
query (access.subtree_condition). Moving a unit rewrites the paths and levels
of its whole subtree in one UPDATE. Codes are stable identifiers: they never
change once created (records filed under a unit keep pointing at it).
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, literal, update

from adminapp import access, areas, audit, unit_history
from adminapp.extensions import db
from models import Initiative, Unit, User

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
        elif isinstance(obj, Initiative):
            db.session.expire(obj, ["area_unit_id"])
    with unit_history.effective(day):
        unit.parent = new_parent
        db.session.flush()  # the unit's own new version (parent, level) is written by unit_history's mapper event
    if delta:
        # the levels of the whole subtree changed: each still-valid unit below gets a version from `day`
        below = db.select(Unit.id).where(access.subtree_condition(Unit.path, new_path), Unit.id != unit.id)
        unit_history.snapshot(db.session.connection(), below, day)
    return True


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
