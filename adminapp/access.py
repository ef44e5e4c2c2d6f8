"""Who may do what, and query scoping: the ONLY place that decides.

Rule (DOMAIN.md, "Per-level access"): a user acts for one unit and sees and
changes records of that unit and the units below it, and nothing else. A user
holding ``system.admin`` acts for the whole directory.

Two questions are answered here:
- ``can(user, permission, obj=None)``: does the user hold the permission, and is
  the object inside the user's scope?
- ``scope(user, model, query)``: the query restricted to rows the user may see.

Each model registers how it is scoped with ``register_scope`` (SQL condition)
and ``register_object_scope`` (Python predicate on a loaded row), so a new
model is scoped in one place and every view, export and lookup inherits it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, any_, case, false, func, literal, literal_column, select, true
from sqlalchemy.orm import aliased

from models import AuditEvent, Role, Unit, User


class PermissionDenied(Exception):
    """Raised by services when the acting user may not do what was asked."""

    def __init__(self, message: str = "Bạn không có quyền thực hiện thao tác này."):
        super().__init__(message)
        self.message = message


# Permission names and their Vietnamese labels (shown in the role editor).
PERMISSIONS: dict[str, str] = {
    "system.admin": "Quản trị toàn hệ thống (phạm vi toàn bộ danh mục)",
    "unit.view": "Xem danh mục đơn vị",
    "unit.manage": "Quản lý đơn vị",
    "user.view": "Xem người dùng",
    "user.manage": "Quản lý người dùng",
    "role.manage": "Quản lý vai trò",
    "audit.view": "Xem nhật ký thao tác",
    "campaign.view": "Xem phong trào thi đua",
    "campaign.launch": "Tạo và phát động phong trào",
    "registration.submit": "Lập và gửi danh sách đăng ký",
    "registration.review": "Duyệt danh sách đăng ký",
    "programme.manage": "Quản lý chương trình sáng kiến",
    "initiative.view": "Xem sáng kiến",
    "initiative.appraise": "Thẩm định sáng kiến",
    "initiative.nominate": "Đề xuất sáng kiến lên cấp trên",
    "initiative.honour": "Biểu dương sáng kiến",
    "initiative.moderate": "Ban tổ chức: thông qua sáng kiến trước khi thẩm định",
    "dossier.manage": "Lập và gửi hồ sơ xét chọn (Tờ trình) của đơn vị",
    "export": "Xuất dữ liệu",
}

_READ = ["unit.view", "user.view", "audit.view", "campaign.view", "initiative.view"]

# Roles shipped with the product (records; the administrator can edit them or add more).
SHIPPED_ROLES: list[dict[str, Any]] = [
    {
        "name": "admin",
        "title": "Quản trị hệ thống",
        "description": "Quản lý đơn vị, người dùng, vai trò trên toàn hệ thống.",
        "permissions": list(PERMISSIONS),
    },
    {
        "name": "officer",
        "title": "Chuyên viên TĐKT",
        "description": "Phát động phong trào, duyệt danh sách, thẩm định và đề xuất sáng kiến, xuất báo cáo.",
        "permissions": _READ
        + [
            "unit.manage",
            "user.manage",
            "campaign.launch",
            "registration.submit",
            "registration.review",
            "programme.manage",
            "initiative.appraise",
            "initiative.nominate",
            "initiative.honour",
            "dossier.manage",
            "export",
        ],
    },
    {
        "name": "leader",
        "title": "Lãnh đạo đơn vị",
        "description": "Phê duyệt; chỉ xem ở các phần khác.",
        "permissions": _READ + ["registration.review", "initiative.nominate", "initiative.honour", "export"],
    },
    {
        "name": "committee",
        "title": "Ban tổ chức chương trình",
        "description": "Thông qua (hoặc không thông qua) sáng kiến mới nộp trước khi cơ sở thẩm định.",
        "permissions": _READ + ["initiative.moderate", "export"],
    },
    {
        "name": "viewer",
        "title": "Chỉ xem",
        "description": "Xem và xuất dữ liệu trong phạm vi đơn vị.",
        "permissions": _READ + ["export"],
    },
]


# --------------------------------------------------------------------------- permissions


def _real(user):
    """The user behind Flask-Login's `current_user` proxy: every attribute read through the proxy looks the
    user up again, and a list page asks the access rules hundreds of times (a row's buttons, its menus)."""
    get = getattr(user, "_get_current_object", None)
    return get() if get is not None else user


def permissions_of(user: User | None) -> frozenset[str]:
    user = _real(user)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_permission_cache", None)
    if cached is None:
        perms: set[str] = set()
        for role in user.roles:
            perms.update(p for p in (role.permissions or []) if p in PERMISSIONS)
        cached = frozenset(perms)
        user._permission_cache = cached
    return cached


def has_permission(user: User | None, permission: str) -> bool:
    return permission in permissions_of(user)


def is_global(user: User | None) -> bool:
    return has_permission(user, "system.admin")


# --------------------------------------------------------------------------- subtree


def subtree_condition(path_column, prefix: str) -> ColumnElement[bool]:
    """Rows whose materialized path starts with `prefix` (which ends with '/').

    A range instead of LIKE so a plain b-tree index serves it on SQLite and
    PostgreSQL: every path below "/A/B/" sorts in ["/A/B/", "/A/B0"), since '0'
    follows '/' and codes never contain '/'.
    """
    upper = prefix[:-1] + "0"
    return (path_column >= prefix) & (path_column < upper)


def subtree_unit_ids(user: User):
    """Select of the ids of the user's unit and every unit below it."""
    return select(Unit.id).where(subtree_condition(Unit.path, user.unit.path))


def unit_in_subtree(user: User, unit: Unit | None) -> bool:
    if unit is None:
        return False
    if is_global(user):
        return True
    return unit.path.startswith(user.unit.path)


def is_strictly_below(unit: Unit, ancestor: Unit) -> bool:
    return unit.path != ancestor.path and unit.path.startswith(ancestor.path)


# --------------------------------------------------------------------------- scope registry

_SCOPES: dict[type, Callable[[User], ColumnElement[bool]]] = {}
_OBJECT_SCOPES: dict[type, Callable[[User, Any], bool]] = {}
_PRIVATE: set[type] = set()  # rows only their owner sees, a global administrator included


def register_scope(model: type, condition: Callable[[User], ColumnElement[bool]],
                   predicate: Callable[[User, Any], bool], *, private: bool = False) -> None:
    """How `model` is scoped: an SQL condition and a predicate on a loaded row. `private` rows (a user's
    own export files) are not widened for a global administrator."""
    _SCOPES[model] = condition
    _OBJECT_SCOPES[model] = predicate
    if private:
        _PRIVATE.add(model)


def scope_condition(user: User | None, model: type) -> ColumnElement[bool]:
    """SQL condition restricting `model` to the user's scope (false for anonymous users)."""
    user = _real(user)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return false()
    if model not in _SCOPES:
        raise LookupError(f"no access scope registered for {model.__name__}")
    if is_global(user) and model not in _PRIVATE:
        return true()
    return _SCOPES[model](user)


def scope(user: User | None, model: type, query):
    """`query` (ORM Query or Select) restricted to rows of `model` the user may see."""
    return query.filter(scope_condition(user, model))  # ORM Query and Select both have filter()


def in_scope(user: User | None, obj: Any) -> bool:
    user = _real(user)
    if obj is None or not permissions_of(user):
        return False
    predicate = _OBJECT_SCOPES.get(type(obj))
    if predicate is None:
        raise LookupError(f"no access scope registered for {type(obj).__name__}")
    return (is_global(user) and type(obj) not in _PRIVATE) or predicate(user, obj)


def can(user: User | None, permission: str, obj: Any = None) -> bool:
    """Does `user` hold `permission` and, if `obj` is given, is `obj` in the user's scope?"""
    user = _real(user)
    if not has_permission(user, permission):
        return False
    return obj is None or in_scope(user, obj)


def require(user: User | None, permission: str, obj: Any = None) -> None:
    if not can(user, permission, obj):
        raise PermissionDenied()


def can_assign_role(user: User, role: Role) -> bool:
    """No privilege escalation: one may grant only roles whose permissions one holds."""
    return has_permission(user, "user.manage") and set(role.permissions or []) <= permissions_of(user)


# --------------------------------------------------------------------------- foundation scopes

register_scope(
    Unit,
    lambda user: subtree_condition(Unit.path, user.unit.path),
    lambda user, unit: unit_in_subtree(user, unit),
)
register_scope(
    User,
    lambda user: User.unit_id.in_(subtree_unit_ids(user)),
    lambda user, other: unit_in_subtree(user, other.unit),
)
register_scope(
    AuditEvent,
    lambda user: AuditEvent.actor_unit_id.in_(subtree_unit_ids(user)),
    lambda user, ev: unit_in_subtree(user, ev.actor_unit),
)
# Roles are global records: anyone may read the role names; only role.manage edits them.
register_scope(Role, lambda user: true(), lambda user, role: True)


# --------------------------------------------------------------------------- campaigns (issue 3)
# Visibility (DOMAIN.md "Per-level access", workflow 1), decided here once:
# - a draft is visible only to users of its owner unit (not even to the units above);
# - a launched or archived campaign is visible to the owner unit's subtree (the owner and the units
#   above it see it as a record of a unit in their scope) and to every participating unit and the units
#   above a participating unit (a unit sees the campaigns launched to it or to units below it);
# - a registration is visible to its own unit's subtree and to the campaign owner's subtree (the
#   reviewers), so a participating unit never sees its siblings' registrations;
# - attachments, links and participating-unit rows follow their campaign; participants their registration.
from models import (  # noqa: E402
    Campaign,
    CampaignAttachment,
    CampaignLink,
    CampaignRole,
    CampaignUnit,
    Participant,
    Registration,
)


def _campaign_condition(user: User) -> ColumnElement[bool]:
    in_my_subtree = subtree_unit_ids(user)
    owner_side = Campaign.owner_unit_id.in_(in_my_subtree)
    receiving_side = Campaign.id.in_(select(CampaignUnit.campaign_id).where(CampaignUnit.unit_id.in_(in_my_subtree)))
    draft = (Campaign.status == "draft") & (Campaign.owner_unit_id == user.unit_id)
    return draft | ((Campaign.status != "draft") & (owner_side | receiving_side))


def _campaign_visible(user: User, campaign: Campaign) -> bool:
    if campaign.status == "draft":
        return campaign.owner_unit_id == user.unit_id
    if unit_in_subtree(user, campaign.owner_unit):
        return True
    return any(unit_in_subtree(user, cu.unit) for cu in campaign.units)


def _visible_campaign_ids(user: User):
    return select(Campaign.id).where(_campaign_condition(user))


def _owned_campaigns_condition(user: User) -> ColumnElement[bool]:
    """Registrations of the campaigns the user's subtree launched. On PostgreSQL as `= ANY(ARRAY(…))`: the
    campaigns' ids are computed once and the registrations' campaign index answers them, where `IN (…)` next to
    an OR became a filter on every row of the table."""
    from adminapp.extensions import db

    owned = select(Campaign.id).where(Campaign.owner_unit_id.in_(subtree_unit_ids(user)))
    if db.session.get_bind().dialect.name == "postgresql":
        return Registration.campaign_id == any_(func.array(owned.scalar_subquery()))
    return Registration.campaign_id.in_(owned)


def _registration_condition(user: User) -> ColumnElement[bool]:
    """The lists of the units in the user's subtree, and every list of a campaign the subtree launched (a unit
    moved out since stays visible to the campaign's owner). For a province, "in my subtree" is its areas
    (area_unit_id, adminapp/areas.py), as for initiatives."""
    if user.unit.level == 1:
        # the areas as literals: a prepared statement's generic plan (adminapp/prepared.py) then knows them, and
        # reads the area index, where a plan for any area read the whole table (3 ms for a province's count)
        ids = [literal_column(str(int(a))) for a in _initiative_areas(user)]
        return Registration.area_unit_id.in_(ids) | _owned_campaigns_condition(user)
    return Registration.unit_id.in_(subtree_unit_ids(user)) | _owned_campaigns_condition(user)


def _registration_visible(user: User, reg: Registration) -> bool:
    return unit_in_subtree(user, reg.unit) or unit_in_subtree(user, reg.campaign.owner_unit)


register_scope(Campaign, _campaign_condition, _campaign_visible)
register_scope(
    CampaignUnit,
    lambda user: CampaignUnit.campaign_id.in_(_visible_campaign_ids(user)),
    lambda user, cu: _campaign_visible(user, cu.campaign),
)
register_scope(
    CampaignAttachment,
    lambda user: CampaignAttachment.campaign_id.in_(_visible_campaign_ids(user)),
    lambda user, att: _campaign_visible(user, att.campaign),
)
register_scope(
    CampaignLink,
    lambda user: CampaignLink.campaign_id.in_(_visible_campaign_ids(user)),
    lambda user, link: _campaign_visible(user, link.campaign),
)
register_scope(Registration, _registration_condition, _registration_visible)
register_scope(
    Participant,
    lambda user: Participant.registration_id.in_(select(Registration.id).where(_registration_condition(user))),
    lambda user, p: _registration_visible(user, p.registration),
)
register_scope(CampaignRole, lambda user: true(), lambda user, role: True)


def can_manage_campaign(user: User | None, campaign: Campaign) -> bool:
    """Create, edit, launch, archive, delete: `campaign.launch` at the owner unit (or a global admin)."""
    if not has_permission(user, "campaign.launch"):
        return False
    return is_global(user) or campaign.owner_unit_id == user.unit_id


def can_review_registration(user: User | None, reg: Registration) -> bool:
    """Phê duyệt / Từ chối / Hủy phê duyệt: `registration.review` at the launching unit; never one's own list."""
    if not has_permission(user, "registration.review"):
        return False
    if reg.unit_id == user.unit_id:
        return False
    return is_global(user) or reg.campaign.owner_unit_id == user.unit_id


def can_submit_registration(user: User | None, reg: Registration) -> bool:
    """Build and send a participant list: `registration.submit` at the registration's own unit."""
    return has_permission(user, "registration.submit") and reg.unit_id == user.unit_id



# --------------------------------------------------------------------------- initiatives (issue 4)
# (scopes and rules of the initiatives programme go here)
# Rule: an officer sees initiatives filed under a unit of their subtree (which includes
# everything nominated to their unit, since an initiative only climbs its own unit's
# ancestors); programmes owned by their unit, an ancestor (launched to them) or a subordinate.

from models import Dossier, Initiative, Programme, ProgrammeQuota  # noqa: E402


def ancestor_codes(unit: Unit) -> list[str]:
    return [c for c in unit.path.strip("/").split("/") if c]


def _programme_condition(user: User) -> ColumnElement[bool]:
    ancestors = select(Unit.id).where(Unit.code.in_(ancestor_codes(user.unit)))
    return Programme.owner_unit_id.in_(ancestors) | Programme.owner_unit_id.in_(subtree_unit_ids(user))


def _programme_predicate(user: User, programme: Programme) -> bool:
    owner = programme.owner_unit
    return user.unit.path.startswith(owner.path) or owner.path.startswith(user.unit.path)


register_scope(Programme, _programme_condition, _programme_predicate)


def _initiative_areas(user: User) -> list[int]:
    """A level-1 unit's areas (its own, then those of the provinces merged into it: adminapp/areas.py), read
    once per request."""
    from flask import g, has_request_context

    from adminapp import areas
    from adminapp.extensions import db

    if not has_request_context():
        return areas.scope_areas(db.session.connection(), user.unit_id)
    cache = g.setdefault("initiative_areas", {})
    if user.unit_id not in cache:
        loaded = getattr(_real(user), "area_aliases_at_load", None)  # read with the user (the user loader)
        if loaded is not None and not g.get("areas_changed"):
            cache[user.unit_id] = [user.unit_id, *loaded]
        else:
            cache[user.unit_id] = areas.scope_areas(db.session.connection(), user.unit_id)
    return cache[user.unit_id]


def _initiative_condition(user: User) -> ColumnElement[bool]:
    """The user's subtree. For a level-1 unit (a province) that is exactly `area_unit_id = the unit`
    (adminapp/areas.py), an equality the (area_unit_id, sort column, id) indexes serve in any sort order;
    for a province that absorbed others, one such equality per area (scope_arms)."""
    if user.unit.level == 1:
        ids = _initiative_areas(user)
        return Initiative.area_unit_id == ids[0] if len(ids) == 1 else Initiative.area_unit_id.in_(ids)
    return Initiative.unit_id.in_(subtree_unit_ids(user))


def scope_arms(user: User | None, model: type) -> list | None:
    """The user's scope of `model` as a union of disjoint arms, when it is one: a province that absorbed
    others sees its own area and each predecessor's; a province's registrations are its areas' and those of
    its campaigns outside them. A sorted page merges one ordered index walk per arm
    (views/base.py) instead of sorting the union. None: one condition (scope_condition) serves."""
    user = _real(user)
    if model not in (Initiative, Registration) or not permissions_of(user) or is_global(user) \
            or user.unit.level != 1:
        return None
    ids = _initiative_areas(user)
    if model is Registration:
        # the province's areas, then the lists of its campaigns outside them (disjoint: no row twice)
        outside = Registration.area_unit_id.is_(None) | Registration.area_unit_id.not_in(ids)
        return [Registration.area_unit_id == a for a in ids] + [ScopeRest(_owned_campaigns_condition(user) & outside)]
    return [Initiative.area_unit_id == a for a in ids] if len(ids) > 1 else None


class ScopeRest:
    """The last arm of a scope (scope_arms) that no index reads in sort order, and that is small (a province's
    campaigns' lists outside the province: usually none): read whole and sorted with the page, not walked."""

    def __init__(self, condition: ColumnElement[bool]):
        self.condition = condition


register_scope(
    Initiative,
    _initiative_condition,
    lambda user, ini: unit_in_subtree(user, ini.unit),
)
register_scope(
    ProgrammeQuota,
    lambda user: ProgrammeQuota.unit_id.in_(subtree_unit_ids(user)),
    lambda user, q: unit_in_subtree(user, q.unit),
)
register_scope(
    Dossier,
    lambda user: Dossier.unit_id.in_(subtree_unit_ids(user)),
    lambda user, d: unit_in_subtree(user, d.unit),
)


# --------------------------------------------------------------------------- technology secrets (issue 15)
# THE masking rule of an initiative marked "bí mật công nghệ": the units that review it are the units on its
# nomination path, from the unit it was filed under up to the level that holds it now (those are the units
# whose officers appraise, select and nominate it). Anyone else (a level above the holder, the public, an
# export or page read outside that path, the summary table where the programme says so) sees only its name,
# its effectiveness summary and its award (status); every other field reads SECRET_MASK. Pages, exports
# and the public results call secret_masked / secret_masked_sql / initiative_value and nothing else.

SECRET_LABEL = "Bí mật công nghệ"
SECRET_MASK = "(bí mật công nghệ)"
# shown whatever the viewer: what identifies the row and what the programme publishes
SECRET_SHOWN = frozenset({"id", "tracking_code", "title", "effectiveness", "status", "programme", "programme_id",
                          "level1_unit", "level1_unit_id", "unit", "unit_id", "holder_unit", "holder_unit_id",
                          "nominated_by_unit", "created_at", "is_secret", "flags"})
SECRET_MASKED_FIELDS = ("author_name", "birth_year", "position", "phone", "group", "field", "description",
                        "application_date", "benefit_value", "scope", "awards", "score", "opinion",
                        "reject_reason", "is_duplicate", "complaint_open", "dispute_open")


def reviews_initiative(user: User | None, initiative: Initiative) -> bool:
    """Is the user's unit on the initiative's nomination path (at or below the holder, at or above the unit
    it was filed under)?"""
    if user is None or not permissions_of(user) or initiative.unit is None or initiative.holder_unit is None:
        return False
    mine = user.unit.path
    return initiative.unit.path.startswith(mine) and mine.startswith(initiative.holder_unit.path)


def secret_masked(user: User | None, initiative: Initiative) -> bool:
    """Does `user` (None: the public) see only the name, effectiveness and award of this initiative?"""
    return bool(initiative.is_secret) and not reviews_initiative(user, initiative)


_SECRET_UNIT = aliased(Unit, name="secret_unit")  # never correlated with a unit table the list joins; made once


def secret_masked_sql(user: User | None) -> ColumnElement[bool]:
    """secret_masked as an SQL condition on Initiative (searches, filters on masked fields, exports, public
    counts)."""
    if user is None or not permissions_of(user):
        return Initiative.is_secret.is_(True)
    # Two uncorrelated sets of units, each built by the database the first time a row reaches its test, in this
    # order: a secret row (`is_secret IS true` first), held by one of the user's ancestors (a handful of units),
    # filed in the user's subtree (the national admin's: every unit, built only for a secret it may review).
    # Correlated (an EXISTS per row on the unit), the planner costed a lookup for every row as if every row were
    # secret, and ANDed a search's trigram bitmap with a broad filter's (status: 450,000 rows at 1M) to spare it.
    # Nothing here reads the initiative table: a search's walk hides it behind a WITH query of the same name
    # (views/base._walked_page_ids), which a subquery on it would read instead, materialising the whole window
    unit = _SECRET_UNIT
    on_path = (Initiative.holder_unit_id.in_(select(Unit.id).where(Unit.code.in_(ancestor_codes(user.unit))))
               & Initiative.unit_id.in_(select(unit.id).where(subtree_condition(unit.path, user.unit.path))))
    return Initiative.is_secret.is_(True) & ~on_path


def secret_shown(field: str | None) -> bool:
    """Is `field` shown on a masked secret (and so may a filter or search on it find one)?"""
    return field in SECRET_SHOWN


def initiative_value(user: User | None, initiative: Initiative, field: str, value: Any) -> Any:
    """`value` of `field`, or SECRET_MASK when the rule hides it from `user`."""
    if secret_shown(field) or not secret_masked(user, initiative):
        return value
    return SECRET_MASK


def initiative_value_sql(user: User | None, field: str, column: ColumnElement) -> ColumnElement:
    """initiative_value as an SQL expression: `column`, or SECRET_MASK on the rows the rule hides from `user`."""
    if secret_shown(field):
        return column
    return case((secret_masked_sql(user), literal(SECRET_MASK)), else_=column).label(field)


def summary_masked(programme: Programme, initiative: Initiative) -> bool:
    """A row of the summary table (TỔNG HỢP TÓM TẮT SÁNG KIẾN) is masked when the programme says so."""
    return bool(programme.mask_secrets_in_summary and initiative.is_secret)


def can_mark_secret(user: User | None, initiative: Initiative) -> bool:
    """The appraising officer: `initiative.appraise` at a unit reviewing it (the author marks it on the form)."""
    return has_permission(user, "initiative.appraise") and reviews_initiative(user, initiative)


def can_manage_programme(user: User | None, programme: Programme) -> bool:
    """Settings of a programme are changed by its owner unit only (programme.manage)."""
    if not has_permission(user, "programme.manage"):
        return False
    return is_global(user) or programme.owner_unit_id == user.unit_id


def can_manage_dossier(user: User | None, unit: Unit) -> bool:
    """Save and send a unit's dossier (Tờ trình + summary table): `dossier.manage` (officers, not leaders:
    a leader signs the letter outside the app and only views dossiers here) at that very unit."""
    return has_permission(user, "dossier.manage") and acts_for(user, unit.id)


def shows_actor(user: User | None, actor_unit: Unit | None) -> bool:
    """In the processing history of a record, is the person who acted named? Yes for actions of the
    viewer's own subtree (as in the audit log, which lists only those); an action of an upper level shows
    that unit, its outcome and its reason or opinion (the unit that filed the record learns how it was
    judged), but not the officer's name."""
    return actor_unit is None or unit_in_subtree(user, actor_unit)


def acts_for(user: User | None, unit_id: int | None) -> bool:
    """Does `user` act for exactly this unit (a global admin acts for any)?"""
    if user is None or not permissions_of(user):
        return False
    return is_global(user) or (unit_id is not None and user.unit_id == unit_id)



# --------------------------------------------------------------------------- background jobs (issue 7)
# An export job and its file belong to the user who asked for it (the rows were scoped to them, and they
# may hold members' phone numbers): nobody else downloads it, a global administrator included.

from models import ExportJob  # noqa: E402

register_scope(
    ExportJob,
    lambda user: ExportJob.user_id == user.id,
    lambda user, job: job.user_id == user.id,
    private=True,
)


# --------------------------------------------------------------------------- deadline extensions (issue 15)
# An extension is seen (in its history) by the launching side: the owner unit's subtree.

from models import DeadlineExtension  # noqa: E402

register_scope(
    DeadlineExtension,
    lambda user: DeadlineExtension.owner_unit_id.in_(subtree_unit_ids(user)),
    lambda user, ext: is_global(user) or unit_in_subtree(user, db_unit(ext.owner_unit_id)),
)


def db_unit(unit_id: int | None) -> Unit | None:
    from adminapp.extensions import db

    return db.session.get(Unit, unit_id) if unit_id is not None else None


# --------------------------------------------------------------------------- what the interface offers (issue 14)
# THE rule for what a page shows: a menu entry, a create link, a row button or a list action is offered only
# when the user may use it (on that record when there is one). Views ask `offers(user, what, obj)` and
# nothing else; the services refuse with the same functions, so what is shown is what is allowed.
# Structural facts of the unit tree decide what a level can do: nothing is launched, allotted or created
# below a grassroots union (kind "grassroots", DOMAIN.md level 3) or below a unit with no unit under it;
# only the unit that owns a programme honours; the top of the tree nominates to nobody.

# Review actions on an initiative and the permission each needs (workflow.initiatives reads this table).
INITIATIVE_ACTION_PERMISSIONS: dict[str, str] = {
    "appraise": "initiative.appraise",
    "select": "initiative.appraise",
    "nominate": "initiative.nominate",
    "withdraw": "initiative.nominate",
    "reject": "initiative.appraise",
    "honour": "initiative.honour",
    "pass": "initiative.moderate",
    "block": "initiative.moderate",
}
LEAF_UNIT_KINDS = frozenset({"grassroots"})


def unit_has_subordinates(unit: Unit | None) -> bool:
    """Is there an active unit, valid today, strictly below `unit` (someone to launch or allot to)?"""
    if unit is None:
        return False
    from adminapp import unit_history
    from adminapp.extensions import db

    cond = subtree_condition(Unit.path, unit.path) & (Unit.id != unit.id) & Unit.active.is_(True)
    return db.session.execute(select(Unit.id).where(cond, unit_history.valid_on()).limit(1)).first() is not None


def may_hold_units(unit: Unit | None) -> bool:
    """May units be created below `unit`? Not below a grassroots union, the lowest level."""
    return unit is not None and unit.kind not in LEAF_UNIT_KINDS


def owns_programme(user: User | None) -> bool:
    from adminapp.extensions import db

    return db.session.execute(
        select(Programme.id).where(Programme.owner_unit_id == user.unit_id).limit(1)).first() is not None


def unit_facts_columns(unit_id, day):
    """The facts _unit_facts reads, as two EXISTS columns correlated to `unit_id` (a column) for `day` (a value or
    bind parameter): the user loader reads them with the user, in the same statement (adminapp/__init__.py)."""
    from adminapp import unit_history

    own, child = aliased(Unit), aliased(Unit)
    upper = func.substr(own.path, 1, func.length(own.path) - 1).concat("0")  # subtree_condition, on a column
    below = (select(child.id).select_from(own).join(child, (child.path > own.path) & (child.path < upper))
             .where(own.id == unit_id, child.active.is_(True), unit_history.valid_on(day, model=child)).limit(1).exists())
    owns = select(Programme.id).where(Programme.owner_unit_id == unit_id).limit(1).exists()
    return below, owns


def _unit_facts(user: User) -> dict[str, bool]:
    """Per-user, per-request memo of the structural facts the offered actions read (menus and list buttons ask
    several times per page): is there a unit below the user's, does the user's unit own a programme. The user
    loader reads both with the user (unit_facts_columns, `facts_at_load`); otherwise one statement, the first
    time either is asked."""
    cache = user.__dict__.setdefault("_offers_cache", {})
    if "below" not in cache:
        from adminapp import unit_history
        from adminapp.extensions import db

        loaded = user.__dict__.get("facts_at_load")
        if loaded is not None:
            cache["below"], cache["owns_programme"] = loaded
            return cache
        below, owns = unit_facts_columns(user.unit_id, unit_history.today())
        cache["below"], cache["owns_programme"] = (bool(v) for v in db.session.execute(select(below, owns)).one())
    return cache


def _launches(user: User) -> bool:
    return is_global(user) or (user.unit is not None and _unit_facts(user)["below"])


def _initiative_action(user: User, action: str, obj: Any) -> bool:
    permission = INITIATIVE_ACTION_PERMISSIONS.get(action)
    if permission is None or not has_permission(user, permission):
        return False
    if obj is not None:
        from adminapp.workflow import initiatives as initiative_service

        return action in initiative_service.allowed_actions(user, obj)
    if is_global(user):
        return True
    if action == "honour":  # only the programme's owner honours
        return user.unit is not None and _unit_facts(user)["owns_programme"]
    if action == "select":  # selection is among what the units below nominated
        return _launches(user)
    if action in ("nominate", "withdraw"):  # the top of the tree has nobody to nominate to
        return user.unit.parent_id is not None
    return True


def offers(user: User | None, what: str, obj: Any = None) -> bool:
    """Is `what` offered to `user` (on `obj` when given)? One question for menus, buttons and actions:

    - "campaign.create", "campaign.menu": `campaign.launch` / any campaign permission at a unit with units
      below it (a campaign is launched down the tree); "campaign.manage" on a campaign: its owner unit;
    - "programme.create": `programme.manage` at a unit with units below it; "programme.manage" on one: owner;
    - "unit.create": `unit.manage` at a unit that may hold units; "unit.edit" on a unit: a unit strictly
      below the user's (its parent in the user's subtree), a global administrator any;
    - "initiative.<action>": the review action at this level (on an initiative: allowed now, in its state).
    """
    user = _real(user)
    if user is None or not permissions_of(user):
        return False
    if what == "campaign.menu":
        return has_permission(user, "campaign.view") and _launches(user)
    if what == "campaign.create":
        return has_permission(user, "campaign.launch") and _launches(user)
    if what == "campaign.manage":
        return obj is not None and can_manage_campaign(user, obj)
    if what == "programme.create":
        return has_permission(user, "programme.manage") and _launches(user)
    if what == "programme.manage":
        return obj is not None and can_manage_programme(user, obj)
    if what == "unit.create":
        return has_permission(user, "unit.manage") and (is_global(user) or may_hold_units(user.unit))
    if what == "unit.edit":
        if not has_permission(user, "unit.manage") or obj is None:
            return False
        # its parent at or below the user's unit, i.e. the unit strictly below it (read from the paths: asking
        # for the parent loaded it, one statement for a list row whose parent was not on the page)
        return is_global(user) or (obj.parent_id is not None and is_strictly_below(obj, user.unit))
    if what.startswith("initiative."):
        return _initiative_action(user, what.split(".", 1)[1], obj)
    raise LookupError(f"unknown offer {what!r}")
