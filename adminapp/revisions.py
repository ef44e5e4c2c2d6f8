"""Revisions: every change of an editable record kept, with before/after values, history and restore (issue 12).

Why our own and not SQLAlchemy-Continuum / sqlalchemy-history: those keep a shadow table per model plus a
transaction row (two INSERTs per change and twice the schema), see only ORM flushes (our bulk approvals are
set-based Core UPDATEs, which they would miss), and restore by copying rows back, around the rules a restore
must pass here (scope, permission, state, quota, lost update). One generic table, written in the same
transaction as the change, one multi-row INSERT per commit, serves both databases and bulk actions.

How a revision is written. The unit of history is an aggregate ("root") and its child rows: a campaign with
its participating units, attachments and links; a participant list (registration) with its rows; a unit, a
user (roles included, never the password hash), a role, a programme, a quota line, a dossier. Each root
model registers a *snapshot* function (the root's state as plain JSON, children included). When the session
is about to flush a change of a root or of one of its children, the root's state is read as it stands in the
database (the "before" snapshot, read once per transaction through a second session on the same
connection); at commit the "after" snapshot is read the same way, the two are compared field by field, and
one revision row per changed root is inserted (multi-row INSERT). Set-based changes that bypass the ORM
(registration moves) call `watch_ids()` before their UPDATE. Who, from which unit and IP, come from the
audit event recorded in the same transaction (audit.record), so the service layer that audits also
attributes the revision. Revisions are never updated or deleted (ORM guard; a trigger on PostgreSQL).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, insert, orm, select

from models import Revision, utcnow

# --------------------------------------------------------------------------- registry


@dataclass
class Spec:
    model: type
    object_type: str
    label: str  # Vietnamese name of the kind of record
    snapshots: Callable[[orm.Session, list[int]], dict[int, dict]]  # batch: ids -> snapshot
    fields: dict[str, tuple[str, str]]  # key -> (Vietnamese label, display kind)
    unit_of: Callable[[dict], int | None]  # the unit whose scope the record follows (for deleted records)
    restore: Callable | None = None  # restore(actor, obj, snapshot, expected_version) through the services
    children: dict[type, str] = field(default_factory=dict)  # child model -> attribute holding the root id
    can_restore: Callable[[Any, Any], bool] = lambda user, obj: False  # shows the "Khôi phục" buttons
    # the root's own columns only, for set-based changes that never touch its children (a registration's
    # review moves): a revision then stores those keys, and the rest is read from earlier revisions
    light_snapshots: Callable[[orm.Session, list[int]], dict[int, dict]] | None = None
    light_keys: tuple[str, ...] = ()


SPECS: dict[type, Spec] = {}
BY_TYPE: dict[str, Spec] = {}
CHILD_ROOT: dict[type, tuple[type, str]] = {}


def register(spec: Spec) -> Spec:
    SPECS[spec.model] = spec
    BY_TYPE[spec.object_type] = spec
    for child, attr in spec.children.items():
        CHILD_ROOT[child] = (spec.model, attr)
    return spec


def spec_for(object_type: str) -> Spec | None:
    _load_specs()
    return BY_TYPE.get(object_type)


def _load_specs() -> None:
    if not SPECS:
        from adminapp import revision_specs  # noqa: F401  (registers every tracked model)


# --------------------------------------------------------------------------- JSON values


_PLAIN = (str, int, float, bool, type(None))


def jsonable(value):
    if type(value) in _PLAIN:  # the common case first: snapshots of hundreds of rows per bulk action
        return value
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return {"sha256": hashlib.sha256(value).hexdigest(), "size": len(value)}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def diff(before: dict | None, after: dict | None) -> dict[str, list]:
    """{field: [before, after]} of the fields that differ."""
    before, after = before or {}, after or {}
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)}


# --------------------------------------------------------------------------- watching a transaction

_SIDE = "revisions_side"


def _side_session(session: orm.Session) -> orm.Session:
    """A session on the same connection and transaction, with its own identity map: it reads what the
    database holds now (this transaction's flushed changes included, pending ones not)."""
    side = orm.Session(bind=session.connection(), autoflush=False, expire_on_commit=False)
    side.info[_SIDE] = True
    return side


def _state(session: orm.Session) -> dict:
    return session.info.setdefault("revisions", {"watched": {}, "new": [], "created": set(), "restored": {},
                                                 "actor": None, "light": set()})


def watch_loaded(session: orm.Session, objects: list) -> None:
    """Before a set-based change of the root's own columns (bulk review moves): their state as just loaded
    (with populate_existing, by the caller), without reading them again."""
    _load_specs()
    if not objects:
        return
    spec = SPECS[type(objects[0])]
    state = _state(session)
    for obj in objects:
        key = (type(obj), obj.id)
        if key not in state["watched"] and key not in state["created"]:
            state["watched"][key] = {k: jsonable(getattr(obj, k)) for k in spec.light_keys}
            state["light"].add(key)


def watch_ids(session: orm.Session, model: type, ids: list[int], *, light: bool = False) -> None:
    """Before a change of these roots: read their current state once per transaction. `light` (set-based
    changes of the root's own columns, e.g. bulk approvals) reads only the root's columns."""
    _load_specs()
    spec = SPECS[model]
    light = light and spec.light_snapshots is not None
    state = _state(session)
    todo, upgrade = [], []
    for i in dict.fromkeys(ids):
        key = (model, i)
        if key in state["created"]:
            continue
        if key not in state["watched"]:
            todo.append(i)
        elif not light and key in state["light"]:
            upgrade.append(i)  # watched light, now changed through the ORM too: read the children as they are
    if not todo and not upgrade:
        return
    side = _side_session(session)
    try:
        snaps = (spec.light_snapshots if light else spec.snapshots)(side, todo) if todo else {}
        full = spec.snapshots(side, upgrade) if upgrade else {}
    finally:
        side.close()
    for i in todo:
        state["watched"][(model, i)] = snaps.get(i)
        if light:
            state["light"].add((model, i))
    for i in upgrade:
        before = state["watched"][(model, i)]
        state["watched"][(model, i)] = {**(full.get(i) or {}), **(before or {})}
        state["light"].discard((model, i))


def set_actor(session: orm.Session, actor) -> None:
    """Who makes this transaction's changes (audit.record calls this with the event's actor)."""
    _state(session)["actor"] = actor


def mark_restore(session: orm.Session, model: type, object_id: int, revision_id: int) -> None:
    _state(session)["restored"][(model, object_id)] = revision_id


@event.listens_for(orm.Session, "before_flush")
def _before_flush(session, flush_context, instances):  # noqa: ARG001
    if session.info.get(_SIDE):
        return
    _load_specs()
    state = session.info.get("revisions")
    if state is not None:  # roots created earlier in this transaction: their "before" is nothing
        state["created"].update((type(o), o.id) for o in state["new"] if o.id is not None)
    roots: dict[type, set[int]] = {}
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        model = type(obj)
        if model in SPECS:
            root_model, root_id = model, obj.id
        elif model in CHILD_ROOT:
            root_model, attr = CHILD_ROOT[model]
            root_id = getattr(obj, attr, None)
            if root_id is None:  # a child of a new root, or attached through the relationship only
                parent = getattr(obj, SPECS[root_model].children[model].removesuffix("_id"), None)
                root_id = getattr(parent, "id", None)
        else:
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=True):
            continue
        state = state or _state(session)
        if root_id is None:
            if model in SPECS and obj not in state["new"]:
                state["new"].append(obj)  # its id exists after this flush
            continue
        if (root_model, root_id) not in state["watched"] and (root_model, root_id) not in state["created"]:
            roots.setdefault(root_model, set()).add(root_id)
    for root_model, ids in roots.items():
        watch_ids(session, root_model, sorted(ids))


@event.listens_for(orm.Session, "before_commit")
def _before_commit(session):
    if session.info.get(_SIDE) or "revisions" not in session.info:
        return
    state = session.info["revisions"]
    if not state["watched"] and not state["new"]:
        session.info.pop("revisions", None)
        return
    session.flush()
    for obj in state["new"]:
        if obj.id is not None:
            state["watched"][(type(obj), obj.id)] = None  # created in this transaction
    rows = _rows(session, state)
    session.info.pop("revisions", None)
    if rows:
        # Core executemany on the session's connection: the ORM bulk path compiles one huge multi-VALUES
        # statement whose parameters it rebuilds per row (quadratic at 500 rows)
        session.connection().execute(insert(Revision.__table__), rows)


@event.listens_for(orm.Session, "after_transaction_end")
def _after_transaction_end(session, transaction):
    # only the outermost transaction: a savepoint rolled back (a skipped row of a bulk action) keeps what the
    # rest of the transaction watched; the watched roots it changed read back unchanged, so no revision
    if transaction.parent is None:
        session.info.pop("revisions", None)


def _rows(session: orm.Session, state: dict) -> list[dict]:
    from adminapp import audit

    by_model: dict[type, list[int]] = {}
    for model, object_id in state["watched"]:
        by_model.setdefault(model, []).append(object_id)
    actor = state["actor"]
    now = utcnow()
    rows = []
    side = _side_session(session)
    try:
        for model, ids in by_model.items():
            spec = SPECS[model]
            light = [i for i in ids if (model, i) in state["light"]]
            after = spec.snapshots(side, [i for i in ids if (model, i) not in state["light"]])
            if light:
                after.update(spec.light_snapshots(side, light))
            for object_id in ids:
                before, now_state = state["watched"][(model, object_id)], after.get(object_id)
                changes = diff(before, now_state)
                if not changes:
                    continue
                restored = state["restored"].get((model, object_id))
                action = ("restore" if restored else "create" if before is None
                          else "delete" if now_state is None else "update")
                snapshot = now_state if now_state is not None else before
                rows.append({
                    "object_type": spec.object_type, "object_id": object_id, "action": action,
                    "created_at": now, "actor_id": getattr(actor, "id", None),
                    "actor_unit_id": getattr(actor, "unit_id", None), "ip": audit.current_ip.get(),
                    "unit_id": spec.unit_of(snapshot), "version": (now_state or {}).get("version"),
                    "changes": changes, "snapshot": snapshot, "restored_from_id": restored,
                })
    finally:
        side.close()
    return rows


# --------------------------------------------------------------------------- reading


def history(object_type: str, object_id: int, *, page: int = 0, per_page: int = 50):
    """Revisions of one record, newest first (one indexed statement)."""
    from adminapp.extensions import db

    stmt = (select(Revision).where(Revision.object_type == object_type, Revision.object_id == object_id)
            .order_by(Revision.id.desc()).limit(per_page + 1).offset(page * per_page))
    rows = list(db.session.execute(stmt.options(orm.joinedload(Revision.actor), orm.joinedload(Revision.actor_unit)))
                .scalars())
    return rows[:per_page], len(rows) > per_page


def field_label(spec: Spec, key: str) -> str:
    return spec.fields.get(key, (key, "text"))[0]


def visible_fields(spec: Spec, keys) -> list[str]:
    """Keys shown to people: registered fields in their order (internal keys such as the version aside)."""
    return [k for k in spec.fields if k in set(keys)]


def restore(actor, revision: Revision, expected_version: int | None = None):
    """Bring the record back to `revision`'s state as a new revision, through the same services and checks
    as an edit (scope, permission, state rules, quotas, lost update). Returns the record."""
    from adminapp import access
    from adminapp.extensions import db

    spec = spec_for(revision.object_type)
    if spec is None or spec.restore is None:
        raise RestoreError("Loại bản ghi này không khôi phục được.")
    obj = db.session.get(spec.model, revision.object_id)
    if obj is None:
        raise RestoreError("Bản ghi đã bị xóa; không khôi phục được từ lịch sử.")
    if not access.in_scope(actor, obj):
        raise access.PermissionDenied()
    if revision.snapshot is None:
        raise RestoreError("Phiên bản này không có dữ liệu để khôi phục.")
    mark_restore(db.session, spec.model, obj.id, revision.id)
    spec.restore(actor, obj, state_at(revision), expected_version)
    return obj


def state_at(revision: Revision) -> dict:
    """The record's whole state as of `revision`: its snapshot, with the keys a light revision left out
    taken from the revisions before it."""
    from adminapp.extensions import db

    spec = spec_for(revision.object_type)
    state = dict(revision.snapshot or {})
    missing = set(spec.fields) - set(state) if spec is not None else set()
    if not missing:
        return state
    older = db.session.execute(
        select(Revision.snapshot).where(Revision.object_type == revision.object_type,
                                        Revision.object_id == revision.object_id, Revision.id < revision.id)
        .order_by(Revision.id.desc()).limit(1000)).scalars()
    for snap in older:
        for key in list(missing):
            if snap and key in snap:
                state[key] = snap[key]
                missing.discard(key)
        if not missing:
            break
    return state


class RestoreError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def display(kind: str, value: Any, lookups: dict) -> str:
    """A snapshot value as people read it: unit names, dd/mm/yyyy, Vietnamese states, never raw ids."""
    from adminapp import formatting

    if value is None or value == "" or value == []:
        return "(trống)"
    if kind == "bool":
        return "Có" if value else "Không"
    if kind == "date":
        return formatting.format_date(date.fromisoformat(value)) if isinstance(value, str) else str(value)
    if kind == "datetime":
        return formatting.format_datetime(datetime.fromisoformat(value)) if isinstance(value, str) else str(value)
    if kind.startswith("map:"):
        mapping = lookups.get(kind, {})
        if isinstance(value, list):
            return ", ".join(str(mapping.get(v, v)) for v in value)
        return str(mapping.get(value, value))
    if kind.startswith("ref:"):
        names = lookups.get(kind, {})
        if isinstance(value, list):
            return ", ".join(names.get(v, f"#{v}") for v in value)
        return names.get(value, f"#{value}")
    if kind == "money":
        return formatting.format_vnd(value)
    if kind == "secret":
        return "(đã đặt)"
    if kind == "file":
        return f"tệp {value.get('size', 0):,} byte".replace(",", ".") if isinstance(value, dict) else str(value)
    if kind.startswith("rows:"):
        render = lookups.get(kind)
        return render(value) if render else str(len(value))
    return str(value)
