"""SQLAlchemy models, nothing else.

Domain rules live in adminapp/ services; this module only describes tables.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask_login import UserMixin
from sqlalchemy import event, orm
from sqlalchemy.types import String

from adminapp.extensions import db
from adminapp.text import fold


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


# Materialized paths compare byte-wise on PostgreSQL whatever the database locale.
PathString = String(512).with_variant(String(512, collation="C"), "postgresql")


class SearchableMixin:
    """Keeps `search_text` (folded, diacritic-free) in sync with `__search_fields__`."""

    __search_fields__: tuple[str, ...] = ()

    def refresh_search_text(self) -> None:
        self.search_text = " ".join(fold(getattr(self, f, None)) for f in self.__search_fields__).strip()


@event.listens_for(orm.Session, "before_flush")
def _sync_search_text(session, flush_context, instances):  # noqa: ARG001
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, SearchableMixin):
            obj.refresh_search_text()


# --------------------------------------------------------------------------- foundation


class Unit(SearchableMixin, db.Model):
    """A node of the unit tree (đơn vị). Levels are data: 0 is the root."""

    __tablename__ = "unit"
    __search_fields__ = ("code", "name", "short_name")

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(64), nullable=False, unique=True)
    name = db.Column(db.String(255), nullable=False)
    short_name = db.Column(db.String(120))
    level = db.Column(db.Integer, nullable=False, index=True)
    kind = db.Column(db.String(32), nullable=False, index=True)
    parent_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    # "/TLD/01/01-002/": codes of the ancestors and the unit; a subtree is one prefix range.
    path = db.Column(PathString, nullable=False, unique=True)
    active = db.Column(db.Boolean, nullable=False, default=True)
    sort_order = db.Column(db.Integer, nullable=False, default=0)
    default_quota = db.Column(db.Integer)
    valid_from = db.Column(db.Date)
    valid_to = db.Column(db.Date)
    search_text = db.Column(db.String(700), nullable=False, default="", index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    version = db.Column(db.Integer, nullable=False, default=1)

    parent = db.relationship("Unit", remote_side=[id], back_populates="children")
    children = db.relationship("Unit", back_populates="parent", order_by="Unit.sort_order, Unit.name")

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.name


user_role = db.Table(
    "user_role",
    db.Column("user_id", db.Integer, db.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    db.Column("role_id", db.Integer, db.ForeignKey("role.id", ondelete="RESTRICT"), primary_key=True),
)


class Role(db.Model):
    """A named set of permissions (adminapp.access.PERMISSIONS), editable by the administrator."""

    __tablename__ = "role"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(64), nullable=False, unique=True)
    title = db.Column(db.String(120), nullable=False)
    description = db.Column(db.Text)
    permissions = db.Column(db.JSON, nullable=False, default=list)
    is_system = db.Column(db.Boolean, nullable=False, default=False)
    version = db.Column(db.Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.title


class User(UserMixin, SearchableMixin, db.Model):
    __tablename__ = "user_account"
    __search_fields__ = ("username", "full_name", "email", "phone")

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64), nullable=False, unique=True)
    full_name = db.Column(db.String(160), nullable=False)
    email = db.Column(db.String(254))
    phone = db.Column(db.String(20))
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    password_hash = db.Column(db.String(255), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    last_login_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    search_text = db.Column(db.String(700), nullable=False, default="", index=True)
    version = db.Column(db.Integer, nullable=False, default=1)

    unit = db.relationship("Unit")
    roles = db.relationship("Role", secondary=user_role, lazy="selectin", order_by="Role.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_active(self) -> bool:  # Flask-Login
        return bool(self.active)

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})"


class AuditEvent(db.Model):
    """One state change: who, when, which unit, from which state to which, why. Append-only."""

    __tablename__ = "audit_event"

    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)  # UTC
    actor_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    actor_unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    object_type = db.Column(db.String(64), nullable=False)
    object_id = db.Column(db.String(64))
    action = db.Column(db.String(64), nullable=False, index=True)
    from_state = db.Column(db.String(64))
    to_state = db.Column(db.String(64))
    reason = db.Column(db.Text)
    ip = db.Column(db.String(64))
    details = db.Column(db.JSON)

    actor = db.relationship("User")
    actor_unit = db.relationship("Unit")

    __table_args__ = (db.Index("ix_audit_event_object", "object_type", "object_id"),)


@event.listens_for(AuditEvent, "before_update")
def _audit_no_update(mapper, connection, target):  # noqa: ARG001
    raise PermissionError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _audit_no_delete(mapper, connection, target):  # noqa: ARG001
    raise PermissionError("audit events are append-only")


# --------------------------------------------------------------------------- campaigns (issue 3)
# (models of the campaigns workflow go here)


























# --------------------------------------------------------------------------- initiatives (issue 4)
# (models of the initiatives programme go here)
