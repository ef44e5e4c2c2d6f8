"""Audit trail: every state change writes exactly one event, in the same transaction.

Append-only: models.AuditEvent refuses UPDATE and DELETE at the ORM level and
no view offers edit or delete.
"""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from adminapp import revisions
from adminapp.extensions import db
from models import AuditEvent, utcnow

# Set per request by the app (the service layer never reads Flask's request).
current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


def record(
    actor,
    obj: Any,
    action: str,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    *,
    object_type: str | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """Add one audit event for `obj` to the current session (the caller commits)."""
    event = AuditEvent(**_values(actor, obj, action, from_state, to_state, reason, details, object_type))
    db.session.add(event)
    revisions.set_actor(db.session, actor)  # the revision of this change is attributed to the same person
    return event


def record_many(actor, events: list[tuple[Any, str, str | None, str | None, str | None, dict | None]]) -> int:
    """One audit event per (obj, action, from_state, to_state, reason, details), written by one multi-row
    INSERT (a bulk action over 500 rows stays one statement). Returns how many were written."""
    if not events:
        return 0
    now = utcnow()
    rows = [dict(_values(actor, *event), created_at=now) for event in events]
    revisions.set_actor(db.session, actor)
    db.session.connection().execute(db.insert(AuditEvent.__table__), rows)  # plain executemany (see revisions)
    return len(rows)


def _values(actor, obj, action, from_state, to_state, reason, details, object_type=None) -> dict:
    object_id = getattr(obj, "id", None)
    return {"actor_id": getattr(actor, "id", None), "actor_unit_id": getattr(actor, "unit_id", None),
            "object_type": object_type or getattr(obj, "__tablename__", type(obj).__name__.lower()),
            "object_id": None if object_id is None else str(object_id), "action": action,
            "from_state": from_state, "to_state": to_state, "reason": reason, "ip": current_ip.get(),
            "details": details}
