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
    level = db.Column(db.Integer, nullable=False)  # indexed with id (ix_unit_level_id)
    kind = db.Column(db.String(32), nullable=False, index=True)
    parent_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    # "/TLD/01/01-002/": codes of the ancestors and the unit; a subtree is one prefix range.
    path = db.Column(PathString, nullable=False, unique=True)
    active = db.Column(db.Boolean, nullable=False, default=True)
    sort_order = db.Column(db.Integer, nullable=False, default=0)
    default_quota = db.Column(db.Integer)
    # validity (inclusive dates; NULL valid_from: since ever, NULL valid_to: still valid). An ended unit stays
    # in the tree under its successor (so the successor's scope covers its records); its history is unit_version.
    valid_from = db.Column(db.Date)
    valid_to = db.Column(db.Date, index=True)
    # the official code of the province while this unit is its federation (codes were reused in 2025)
    official_code = db.Column(db.String(16))
    search_text = db.Column(db.String(700), nullable=False, default="", index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    version = db.Column(db.Integer, nullable=False, default=1)

    parent = db.relationship("Unit", remote_side=[id], back_populates="children")
    children = db.relationship("Unit", back_populates="parent", order_by="Unit.sort_order, Unit.name")

    __mapper_args__ = {"version_id_col": version}
    # every offered sort of the units list is an index walk (sort column, then the id tiebreaker), see
    # views/base.py ScopedModelView._apply_sorting and tests/test_sort_indexes.py; code and path are unique
    __table_args__ = (
        db.Index("ix_unit_name_id", "name", "id"),
        db.Index("ix_unit_level_id", "level", "id"),
    )

    __str_column__ = "name"  # str(row) is this column (exports select it instead of loading rows)

    def __str__(self) -> str:
        return self.name


class UnitVersion(db.Model):
    """A unit's name, short name, parent, level and official code over one period (inclusive dates;
    valid_to NULL: the current version). Written by adminapp/unit_history.py on every rename or move, so a
    record prints the unit as it was on the record's date. "As of D" is one indexed range query."""

    __tablename__ = "unit_version"

    id = db.Column(db.Integer, primary_key=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="CASCADE"), nullable=False)
    valid_from = db.Column(db.Date, nullable=False)  # 1900-01-01: since ever (the unit's first known state)
    valid_to = db.Column(db.Date)
    name = db.Column(db.String(255), nullable=False)
    short_name = db.Column(db.String(120))
    parent_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"))
    level = db.Column(db.Integer, nullable=False)
    official_code = db.Column(db.String(16))

    unit = db.relationship("Unit", foreign_keys=[unit_id])
    parent = db.relationship("Unit", foreign_keys=[parent_id])

    __table_args__ = (
        db.UniqueConstraint("unit_id", "valid_from", name="uq_unit_version_unit_from"),
        db.Index("ix_unit_version_period", "valid_from", "valid_to"),
        db.Index("ix_unit_version_level_from", "level", "valid_from"),  # one level's directory as of a date
        db.Index("ix_unit_version_parent", "parent_id"),
    )


class UnitLink(db.Model):
    """A predecessor/successor link: `unit` merged_into | split_from | moved_from `other` on `effective_date`."""

    __tablename__ = "unit_link"

    id = db.Column(db.Integer, primary_key=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="CASCADE"), nullable=False, index=True)
    other_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = db.Column(db.String(16), nullable=False)
    effective_date = db.Column(db.Date, nullable=False)
    reorganisation_id = db.Column(db.Integer, db.ForeignKey("reorganisation.id", ondelete="RESTRICT"))

    unit = db.relationship("Unit", foreign_keys=[unit_id])
    other = db.relationship("Unit", foreign_keys=[other_id])

    __table_args__ = (db.UniqueConstraint("unit_id", "other_id", "kind", name="uq_unit_link"),)


class AreaAlias(db.Model):
    """Initiatives whose `area_unit_id` is `area_unit` count under the level-1 unit `unit` (adminapp/areas.py).

    When level-1 units merge into another level-1 unit, their initiatives keep the area they were filed
    under and the successor's scope reads the predecessors' areas too, each arm on its own
    (area_unit_id, sort column, id) index: a national reform rewrites no initiative row."""

    __tablename__ = "area_alias"

    area_unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="CASCADE"), nullable=False, index=True)


class Reorganisation(db.Model):
    """A planned or applied reorganisation of the directory (adminapp/reorganisation.py): its operations,
    effective date (Asia/Ho_Chi_Minh), preview and per-table counts before/after."""

    __tablename__ = "reorganisation"

    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(255), nullable=False)
    effective_date = db.Column(db.Date, nullable=False, index=True)
    status = db.Column(db.String(16), nullable=False, default="planned", index=True)  # planned|applied|cancelled|failed
    operations = db.Column(db.JSON, nullable=False, default=list)
    preview = db.Column(db.JSON)
    counts_before = db.Column(db.JSON)
    counts_after = db.Column(db.JSON)
    error = db.Column(db.Text)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    applied_at = db.Column(db.DateTime)
    version = db.Column(db.Integer, nullable=False, default=1)

    created_by = db.relationship("User")

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.title


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
    # {"initiative": {"phone": "hidden"}, …}: fields hidden or read-only for this role (adminapp/field_rules.py)
    field_rules = db.Column(db.JSON, nullable=False, default=dict)
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
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    search_text = db.Column(db.String(700), nullable=False, default="", index=True)
    version = db.Column(db.Integer, nullable=False, default=1)
    # notices also by e-mail (the person's own switch, on the notifications page)
    email_notifications = db.Column(db.Boolean, nullable=False, default=True, server_default=db.true())

    unit = db.relationship("Unit")
    roles = db.relationship("Role", secondary=user_role, lazy="selectin", order_by="Role.id")

    __table_args__ = (db.Index("ix_user_account_full_name_id", "full_name", "id"),)  # the list's sort

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_active(self) -> bool:  # Flask-Login
        return bool(self.active)

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})"


class UserSession(db.Model):
    """One login: the signed session cookie carries its token, and every request checks the row here, so
    logout, "log out everywhere", a password change or reset, deactivation and role changes end sessions on
    every app instance. Written at login and logout only: bookkeeping never touches the versioned user row
    (two logins at once, or a login during an administrator's edit of the account, never conflict)."""

    __tablename__ = "user_session"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)  # sha256 of the cookie's token
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)  # UTC; the login time
    ip = db.Column(db.String(64))
    user_agent = db.Column(db.String(255))
    ended_at = db.Column(db.DateTime)
    end_reason = db.Column(db.String(32))  # logout | logout_all | password | deactivated | roles | expired

    __table_args__ = (db.Index("ix_user_session_user_created", "user_id", "created_at"),)


# The last login, read from the sessions (no bookkeeping column on the versioned user row).
User.last_login_at = orm.column_property(
    db.select(db.func.max(UserSession.created_at)).where(UserSession.user_id == User.id)
    .correlate_except(UserSession).scalar_subquery(),
    deferred=False,
)


class AuditEvent(db.Model):
    """One state change: who, when, which unit, from which state to which, why. Append-only."""

    __tablename__ = "audit_event"

    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)  # UTC; indexed with id
    actor_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    actor_unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    object_type = db.Column(db.String(64), nullable=False)
    object_id = db.Column(db.String(64))
    action = db.Column(db.String(64), nullable=False)  # indexed with id
    from_state = db.Column(db.String(64))
    to_state = db.Column(db.String(64))
    reason = db.Column(db.Text)
    ip = db.Column(db.String(64))
    details = db.Column(db.JSON)

    actor = db.relationship("User")
    actor_unit = db.relationship("Unit")

    __table_args__ = (
        db.Index("ix_audit_event_object", "object_type", "object_id"),
        db.Index("ix_audit_event_created_id", "created_at", "id"),  # the log's sorts
        db.Index("ix_audit_event_action_id", "action", "id"),
    )


@event.listens_for(AuditEvent, "before_update")
def _audit_no_update(mapper, connection, target):  # noqa: ARG001
    raise PermissionError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _audit_no_delete(mapper, connection, target):  # noqa: ARG001
    raise PermissionError("audit events are append-only")


class Revision(db.Model):
    """One change of an editable record: who, when, from which unit and IP, the before/after value of each
    changed field, and the record's whole state after it (adminapp/revisions.py). Append-only."""

    __tablename__ = "revision"

    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)  # UTC
    actor_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="RESTRICT"))
    actor_unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"))
    ip = db.Column(db.String(64))
    object_type = db.Column(db.String(64), nullable=False)
    object_id = db.Column(db.Integer, nullable=False)
    action = db.Column(db.String(16), nullable=False)  # create | update | delete | restore
    unit_id = db.Column(db.Integer)  # the unit whose scope the record follows (kept for deleted records)
    version = db.Column(db.Integer)  # the record's version after the change
    changes = db.Column(db.JSON, nullable=False)  # {field: [before, after]}
    snapshot = db.Column(db.JSON)  # the whole state after the change (before it, for a deletion)
    restored_from_id = db.Column(db.Integer, db.ForeignKey("revision.id", ondelete="RESTRICT"))

    actor = db.relationship("User")
    actor_unit = db.relationship("Unit")

    __table_args__ = (db.Index("ix_revision_object", "object_type", "object_id", "id"),)


@event.listens_for(Revision, "before_update")
def _revision_no_update(mapper, connection, target):  # noqa: ARG001
    raise PermissionError("revisions are append-only")


@event.listens_for(Revision, "before_delete")
def _revision_no_delete(mapper, connection, target):  # noqa: ARG001
    raise PermissionError("revisions are append-only")


# --------------------------------------------------------------------------- campaigns (issue 3)


class CampaignRole(db.Model):
    """Role of a participating unit in one campaign (Chủ trì, Trưởng cụm/khối, ...): data, editable."""

    __tablename__ = "campaign_role"

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(32), nullable=False, unique=True)
    name = db.Column(db.String(120), nullable=False)
    sort_order = db.Column(db.Integer, nullable=False, default=0)
    active = db.Column(db.Boolean, nullable=False, default=True)

    __str_column__ = "name"  # str(row) is this column (exports select it instead of loading rows)

    def __str__(self) -> str:
        return self.name


class Campaign(SearchableMixin, db.Model):
    """Phong trào thi đua, owned by the unit that launches it (DOMAIN.md, workflow 1)."""

    __tablename__ = "campaign"
    __search_fields__ = ("name", "launch_level_label", "owner_name")

    id = db.Column(db.Integer, primary_key=True)
    owner_unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    name = db.Column(db.String(500), nullable=False)
    launch_level = db.Column(db.String(32), nullable=False)
    kind = db.Column(db.String(16), nullable=False, index=True)  # regular | thematic
    start_date = db.Column(db.Date, nullable=False)
    end_date = db.Column(db.Date, nullable=False)
    description = db.Column(db.Text)
    registration_deadline = db.Column(db.Date, index=True)
    dossier_deadline = db.Column(db.Date, index=True)
    # after the registration deadline: "refuse" (a list is no longer sent) or "late" (sent, marked Nộp muộn)
    registration_deadline_policy = db.Column(db.String(16), nullable=False, default="late", server_default="late")
    for_individuals = db.Column(db.Boolean, nullable=False, default=True)
    for_collectives = db.Column(db.Boolean, nullable=False, default=False)
    status = db.Column(db.String(16), nullable=False, default="draft", index=True)  # draft | launched | archived
    created_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    launched_at = db.Column(db.DateTime)
    archived_at = db.Column(db.DateTime)
    search_text = db.Column(db.String(1500), nullable=False, default="", index=True)
    version = db.Column(db.Integer, nullable=False, default=1)

    owner_unit = db.relationship("Unit")
    created_by = db.relationship("User")
    __table_args__ = tuple(  # every sort of "Phát động" (my unit's campaigns), with the id tiebreaker
        db.Index(f"ix_campaign_owner_{column}_id", "owner_unit_id", column, "id")
        for column in ("name", "start_date", "end_date", "registration_deadline", "dossier_deadline", "created_at"))
    units = db.relationship("CampaignUnit", back_populates="campaign", order_by="CampaignUnit.id")
    attachments = db.relationship("CampaignAttachment", back_populates="campaign", order_by="CampaignAttachment.id",
                                  primaryjoin="and_(CampaignAttachment.campaign_id == Campaign.id, "
                                              "CampaignAttachment.removed_at.is_(None))")
    links = db.relationship("CampaignLink", back_populates="campaign", order_by="CampaignLink.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def launch_level_label(self) -> str:
        from adminapp.labels import LAUNCH_LEVELS

        return LAUNCH_LEVELS.get(self.launch_level, self.launch_level or "")

    @property
    def owner_name(self) -> str:
        return self.owner_unit.name if self.owner_unit is not None else ""

    __str_column__ = "name"  # str(row) is this column (exports select it instead of loading rows)

    def __str__(self) -> str:
        return self.name


class CampaignUnit(db.Model):
    """A participating unit (Đơn vị tham gia) and its role in the campaign."""

    __tablename__ = "campaign_unit"

    id = db.Column(db.Integer, primary_key=True)
    campaign_id = db.Column(db.Integer, db.ForeignKey("campaign.id", ondelete="RESTRICT"), nullable=False, index=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    role_id = db.Column(db.Integer, db.ForeignKey("campaign_role.id", ondelete="RESTRICT"), nullable=False)

    campaign = db.relationship("Campaign", back_populates="units")
    unit = db.relationship("Unit")
    role = db.relationship("CampaignRole")

    __table_args__ = (db.UniqueConstraint("campaign_id", "unit_id", name="uq_campaign_unit"),)

    def __str__(self) -> str:
        return f"{self.unit} – {self.role}"


class CampaignAttachment(db.Model):
    """A file attached to a campaign; bytes live in the database (shared by every app instance)."""

    __tablename__ = "campaign_attachment"

    id = db.Column(db.Integer, primary_key=True)
    campaign_id = db.Column(db.Integer, db.ForeignKey("campaign.id", ondelete="RESTRICT"), nullable=False, index=True)
    filename = db.Column(db.String(255), nullable=False)
    content_type = db.Column(db.String(120), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    data = db.deferred(db.Column(db.LargeBinary, nullable=False))
    uploaded_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="RESTRICT"))
    uploaded_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # "Xóa tệp" hides the file and keeps its bytes, so a restore from the campaign's history brings it back
    removed_at = db.Column(db.DateTime)

    campaign = db.relationship("Campaign", back_populates="attachments")

    def __str__(self) -> str:
        return self.filename


class CampaignLink(db.Model):
    """A link to a large document (Thêm liên kết): http/https only."""

    __tablename__ = "campaign_link"

    id = db.Column(db.Integer, primary_key=True)
    campaign_id = db.Column(db.Integer, db.ForeignKey("campaign.id", ondelete="RESTRICT"), nullable=False, index=True)
    url = db.Column(db.String(2000), nullable=False)
    title = db.Column(db.String(255))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    campaign = db.relationship("Campaign", back_populates="links")

    def __str__(self) -> str:
        return self.title or self.url


class Registration(db.Model):
    """A participating unit's participant list for one campaign and its review state."""

    __tablename__ = "registration"

    id = db.Column(db.Integer, primary_key=True)
    campaign_id = db.Column(db.Integer, db.ForeignKey("campaign.id", ondelete="RESTRICT"), nullable=False, index=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    status = db.Column(db.String(16), nullable=False, default="not_sent")  # indexed with id (the list's sort)
    last_reason = db.Column(db.Text)
    # True after Hủy phê duyệt: the list is pending again and its unit may correct it.
    reopened = db.Column(db.Boolean, nullable=False, default=False)
    # sent after the unit's registration deadline (Nộp muộn); kept as it was when sent
    late = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false(), index=True)
    read_at = db.Column(db.DateTime)  # first opened by the receiving unit (unread marker)
    sent_at = db.Column(db.DateTime)
    reviewed_at = db.Column(db.DateTime)
    reviewed_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    version = db.Column(db.Integer, nullable=False, default=1)
    # the level-1 unit of `unit` when the list was made (or its unit moved), as initiatives have it: a province
    # officer's lists are an index walk of (area_unit_id, column, id) (adminapp/areas.py, migration 0025)
    area_unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"))

    campaign = db.relationship("Campaign")
    unit = db.relationship("Unit", foreign_keys=[unit_id])
    reviewed_by = db.relationship("User")
    participants = db.relationship("Participant", back_populates="registration",
                                   order_by="Participant.sort_order, Participant.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        db.UniqueConstraint("campaign_id", "unit_id", name="uq_registration_campaign_unit"),
        # a narrow b-tree in id order: on SQLite the table itself is the id b-tree with whole rows, so deep
        # pages (… ORDER BY id DESC LIMIT 20 OFFSET 40000) walk this instead (migration 0005)
        db.Index("ix_registration_id_order", "id"),
        # the list's sorts, with the id tiebreaker; campaign_id last so that the list's "campaign is not a
        # draft" check reads the index only (views/campaigns.py RegistrationView)
        db.Index("ix_registration_id_campaign", "id", "campaign_id"),
        db.Index("ix_registration_status_id", "status", "id", "campaign_id"),
        db.Index("ix_registration_sent_at_id", "sent_at", "id", "campaign_id"),
        db.Index("ix_registration_reviewed_at_id", "reviewed_at", "id", "campaign_id"),
        # a province officer's list in each of those orders (scope: area_unit_id, adminapp/access.py)
        db.Index("ix_registration_area_id", "area_unit_id", "id", "campaign_id"),
        *(db.Index(f"ix_registration_area_{column}_id", "area_unit_id", column, "id", "campaign_id")
          for column in ("status", "sent_at", "reviewed_at")),
    )

    def __str__(self) -> str:
        return f"{self.unit} – {self.campaign}"


class Participant(db.Model):
    """One row of a participant list: an individual (cá nhân) or a collective (tập thể)."""

    __tablename__ = "participant"

    id = db.Column(db.Integer, primary_key=True)
    registration_id = db.Column(db.Integer, db.ForeignKey("registration.id", ondelete="RESTRICT"), nullable=False,
                                index=True)
    kind = db.Column(db.String(16), nullable=False)  # individual | collective
    full_name = db.Column(db.String(255), nullable=False)
    birth_year = db.Column(db.Integer)
    position = db.Column(db.String(255))
    unit_name = db.Column(db.String(255))
    sort_order = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    registration = db.relationship("Registration", back_populates="participants")

    def __str__(self) -> str:
        return self.full_name


# --------------------------------------------------------------------------- initiatives (issue 4)
# (models of the initiatives programme go here)


class Programme(SearchableMixin, db.Model):
    """An initiative programme (Chương trình sáng kiến), owned by the unit that launches it.

    Submission dates are calendar dates in Asia/Ho_Chi_Minh: the public form opens
    at 00:00 of `submission_opens` and closes after 24:00 of `submission_closes`
    (seed 004: "tự động đóng sau 24h ngày 20/4/2021").
    """

    __tablename__ = "programme"
    __search_fields__ = ("name", "slug")

    id = db.Column(db.Integer, primary_key=True)
    owner_unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    name = db.Column(db.String(255), nullable=False)
    slug = db.Column(db.String(80), nullable=False, unique=True)
    description = db.Column(db.Text)
    submission_opens = db.Column(db.Date, nullable=False)
    submission_closes = db.Column(db.Date, nullable=False)
    application_from = db.Column(db.Date, nullable=False)
    application_to = db.Column(db.Date, nullable=False)
    dossier_deadline = db.Column(db.Date)
    # after the dossier deadline: "refuse" (not sent any more) or "late" (sent, marked Nộp muộn)
    dossier_deadline_policy = db.Column(db.String(16), nullable=False, default="refuse", server_default="refuse")
    # the summary table (TỔNG HỢP TÓM TẮT SÁNG KIẾN) masks technology secrets too
    mask_secrets_in_summary = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    # submissions wait for the organising committee (Ban tổ chức thông qua) before grassroots appraisal
    requires_moderation = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    fields = db.Column(db.JSON, nullable=False, default=list)
    description_limit = db.Column(db.Integer, nullable=False, default=1000)
    default_quota = db.Column(db.Integer, nullable=False, default=4)
    status = db.Column(db.String(20), nullable=False, default="published", index=True)
    search_text = db.Column(db.String(700), nullable=False, default="", index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    version = db.Column(db.Integer, nullable=False, default=1)

    owner_unit = db.relationship("Unit")

    __mapper_args__ = {"version_id_col": version}

    def refresh_search_text(self) -> None:
        super().refresh_search_text()
        self.search_text = self.search_text[:700]  # folding can lengthen text (e.g. CJK)

    __str_column__ = "name"  # str(row) is this column (exports select it instead of loading rows)

    def __str__(self) -> str:
        return self.name


class ProgrammeQuota(db.Model):
    """How many initiatives `unit` may nominate upward in `programme`, and how many it has (seed 004 §3).

    `used` moves only through conditional UPDATEs (used < quota), so concurrent
    nominations can never exceed the quota.
    """

    __tablename__ = "programme_quota"

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id", ondelete="RESTRICT"), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    quota = db.Column(db.Integer, nullable=False, default=0)
    used = db.Column(db.Integer, nullable=False, default=0)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    programme = db.relationship("Programme")
    unit = db.relationship("Unit")

    __table_args__ = (
        db.UniqueConstraint("programme_id", "unit_id", name="uq_programme_quota_programme_unit"),
        db.CheckConstraint("used >= 0 AND quota >= 0", name="non_negative"),
    )


class Initiative(SearchableMixin, db.Model):
    """An initiative (Sáng kiến) submitted on the public form; climbs the unit tree through review.

    `unit` is the unit the author chose (sub-unit, else the level-1 unit);
    `holder_unit` is the level that currently has it (moves up one level per nomination).
    """

    __tablename__ = "initiative"
    __search_fields__ = ("tracking_code", "author_name", "title", "phone")
    __fts_table__ = "initiative_fts"  # SQLite: FTS5 trigram index over search_text (migration 0016)

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id", ondelete="RESTRICT"), nullable=False)
    tracking_code = db.Column(db.String(16), nullable=False, unique=True)
    author_name = db.Column(db.String(160), nullable=False)
    birth_year = db.Column(db.Integer, nullable=False)
    position = db.Column(db.String(160))
    phone = db.Column(db.String(20), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    level1_unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    holder_unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False,
                               index=True)
    # The level-1 unit (province or national sector) above `unit` in the unit tree (the unit itself at
    # level 1): a province officer's scope "unit in my subtree" is exactly `area_unit_id = my unit`, one
    # equality that the (area_unit_id, sort column, id) indexes serve in sort order. Set on insert and kept
    # by directory.move_unit (adminapp/areas.py).
    area_unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"))
    nominated_by_unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"))
    group = db.Column(db.String(20), nullable=False)
    title = db.Column(db.String(300), nullable=False)
    title_folded = db.Column(db.String(300), nullable=False)
    field = db.Column(db.String(255), nullable=False)
    description = db.Column(db.Text, nullable=False)
    application_date = db.Column(db.Date, nullable=False)
    effectiveness = db.Column(db.Text)
    benefit_value = db.Column(db.BigInteger)
    scope = db.Column(db.Text)
    awards = db.Column(db.Text)
    status = db.Column(db.String(20), nullable=False, default="submitted")
    score = db.Column(db.Integer)
    opinion = db.Column(db.Text)
    reject_reason = db.Column(db.Text)
    is_duplicate = db.Column(db.Boolean, nullable=False, default=False)
    complaint_open = db.Column(db.Boolean, nullable=False, default=False)
    dispute_open = db.Column(db.Boolean, nullable=False, default=False)
    # bí mật công nghệ: outside the units reviewing it, only the title, effectiveness and award are shown
    # (adminapp.access.secret_masked)
    is_secret = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    search_text = db.Column(db.String(700), nullable=False, default="", index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)  # indexed with id
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    version = db.Column(db.Integer, nullable=False, default=1)

    programme = db.relationship("Programme")
    unit = db.relationship("Unit", foreign_keys=[unit_id])
    level1_unit = db.relationship("Unit", foreign_keys=[level1_unit_id])
    holder_unit = db.relationship("Unit", foreign_keys=[holder_unit_id])
    nominated_by_unit = db.relationship("Unit", foreign_keys=[nominated_by_unit_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        db.Index("ix_initiative_programme_status", "programme_id", "status"),
        db.Index("ix_initiative_programme_phone", "programme_id", "phone"),
        db.Index("ix_initiative_id_order", "id"),  # deep pages on SQLite, see Registration
        # the public results' counts per level-1 unit and state: one index-only aggregate (issue 15)
        db.Index("ix_initiative_programme_level1_status", "programme_id", "level1_unit_id", "status"),
        # every offered sort, whole list and a province officer's (views/initiatives.py, migration 0016);
        # tracking_code is unique (no tiebreaker): id follows it so that PostgreSQL reads the index only
        *(db.Index(f"ix_initiative_{column}_id", column, "id")
          for column in ("tracking_code", "title", "status", "score", "created_at")),
        db.Index("ix_initiative_area_id", "area_unit_id", "id"),
        *(db.Index(f"ix_initiative_area_{column}_id", "area_unit_id", column, "id")
          for column in ("tracking_code", "title", "status", "score", "created_at")),
    )

    def refresh_search_text(self) -> None:
        super().refresh_search_text()
        self.search_text = self.search_text[:700]  # folding can lengthen text (e.g. CJK)

    def __str__(self) -> str:
        return f"{self.tracking_code} – {self.title}"


class Dossier(db.Model):
    """The dossier (hồ sơ xét chọn) a unit sends up for a programme: cover letter + summary table (seed 004 §3)."""

    __tablename__ = "initiative_dossier"

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id", ondelete="RESTRICT"), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    letter_number = db.Column(db.String(64))
    letter_date = db.Column(db.Date)
    signer = db.Column(db.String(160))
    signer_title = db.Column(db.String(120))  # "PHÓ CHỦ TỊCH": the signature block of the summary table
    place = db.Column(db.String(120))  # "Hà Nội": the place-and-date line of the summary table
    file_name = db.Column(db.String(255))
    file_mime = db.Column(db.String(127))
    file_data = db.Column(db.LargeBinary)
    sent_at = db.Column(db.DateTime)
    sent_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="RESTRICT"))
    late = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false(), index=True)  # Nộp muộn
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    version = db.Column(db.Integer, nullable=False, default=1)

    programme = db.relationship("Programme")
    unit = db.relationship("Unit")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (db.UniqueConstraint("programme_id", "unit_id", name="uq_initiative_dossier_programme_unit"),)


# --------------------------------------------------------------------------- deadlines (issue 15)


class DeadlineExtension(db.Model):
    """An extension of a deadline (gia hạn) by the launching unit: for every unit (unit_id NULL) or one unit.
    Append-only rows: the deadline a unit has is the latest of the original date and its extensions
    (adminapp/workflow/deadlines.py)."""

    __tablename__ = "deadline_extension"

    id = db.Column(db.Integer, primary_key=True)
    campaign_id = db.Column(db.Integer, db.ForeignKey("campaign.id", ondelete="RESTRICT"), index=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id", ondelete="RESTRICT"), index=True)
    kind = db.Column(db.String(16), nullable=False)  # registration | dossier
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), index=True)  # NULL: every unit
    owner_unit_id = db.Column(db.Integer, db.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False)
    previous_date = db.Column(db.Date)
    new_date = db.Column(db.Date, nullable=False)
    reason = db.Column(db.Text, nullable=False)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    unit = db.relationship("Unit", foreign_keys=[unit_id])
    created_by = db.relationship("User")

    __table_args__ = (
        db.CheckConstraint("(campaign_id IS NULL) <> (programme_id IS NULL)", name="one_target"),
    )


class ImportPreview(db.Model):
    """An uploaded xlsx kept server-side between its preview (dry run) and its confirmation: the very bytes
    shown are the ones applied, on whichever app instance the confirmation lands. Short-lived (expires_at);
    `status` moves pending -> applied | cancelled once, by a conditional UPDATE (adminapp/imports/preview.py)."""

    __tablename__ = "import_preview"

    id = db.Column(db.Integer, primary_key=True)
    token = db.Column(db.String(64), nullable=False, unique=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True)
    registration_id = db.Column(db.Integer, db.ForeignKey("registration.id", ondelete="CASCADE"), nullable=False)
    filename = db.Column(db.String(255), nullable=False)
    data = db.deferred(db.Column(db.LargeBinary, nullable=False))
    status = db.Column(db.String(16), nullable=False, default="pending")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime, nullable=False, index=True)
    finished_at = db.Column(db.DateTime)


class ResultsSnapshot(db.Model):
    """The public results page of a programme as last built (adminapp/public/results_page.py): shared by every
    app instance through the database, rebuilt when older than its time to live."""

    __tablename__ = "results_snapshot"

    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True)
    built_at = db.Column(db.DateTime, nullable=False)
    data = db.Column(db.JSON, nullable=False)


# --------------------------------------------------------------------------- background jobs (issue 7)


class ExportJob(db.Model):
    """An export run by the worker: its progress, and the finished file (kept in the database, so any
    app instance serves it) until it expires."""

    __tablename__ = "export_job"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True)
    endpoint = db.Column(db.String(64), nullable=False)
    export_type = db.Column(db.String(8), nullable=False)
    query_string = db.Column(db.Text, nullable=False, default="")
    title = db.Column(db.String(255), nullable=False, default="")
    status = db.Column(db.String(16), nullable=False, default="queued", index=True)
    rows_total = db.Column(db.Integer)
    rows_done = db.Column(db.Integer, nullable=False, default=0)
    filename = db.Column(db.String(255))
    content = db.deferred(db.Column(db.LargeBinary))
    size = db.Column(db.Integer)
    error = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    finished_at = db.Column(db.DateTime)
    expires_at = db.Column(db.DateTime, index=True)

    user = db.relationship("User")

    __table_args__ = (db.Index("ix_export_job_user_created_id", "user_id", "created_at", "id"),)  # my exports

    def __str__(self) -> str:
        return self.title or self.endpoint


class Notification(db.Model):
    """A notice to one person (adminapp/notifications.py): shown under the bell, e-mailed unless switched off."""

    __tablename__ = "notification"
    __table_args__ = (db.Index("ix_notification_user_unread", "user_id", "read_at"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = db.Column(db.String(48), nullable=False)
    title = db.Column(db.String(300), nullable=False)
    body = db.Column(db.Text, nullable=False, default="")
    url = db.Column(db.String(500))
    # one notice per (person, event): a deadline reminder run twice does not repeat it
    dedupe_key = db.Column(db.String(200))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    read_at = db.Column(db.DateTime)
    email_status = db.Column(db.String(16), nullable=False, default="none")  # none | pending | sent | failed
    email_attempts = db.Column(db.Integer, nullable=False, default=0)
    email_error = db.Column(db.Text)

    user = db.relationship("User")
