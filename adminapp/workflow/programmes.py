"""Initiative programmes: settings, submission window, quotas and their allotment.

Source: seed 004 (công văn 1653/TLĐ): the form closes by itself after 24:00 of
the last day (Vietnam time); each level-1 unit nominates at most 4 initiatives
(5 for the listed units, `Unit.default_quota`); lower levels get quotas allotted
by their upper level. Services never commit: the caller does.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import aliased

from adminapp import access, audit, clock, labels, unit_history
from adminapp.extensions import db
from adminapp.text import fold
from models import Initiative, Programme, ProgrammeQuota, Unit, User

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")
MAX_DESCRIPTION_LIMIT = 10_000


class ProgrammeError(ValueError):
    """A Vietnamese message about invalid programme settings or allotments."""


# --------------------------------------------------------------------------- window


def window(programme: Programme) -> tuple[datetime, datetime]:
    """[opens, closes) as aware UTC instants: 00:00 VN of the opening day, 24:00 VN of the closing day."""
    return clock.vn_midnight(programme.submission_opens), clock.end_of_vn_day(programme.submission_closes)


def window_state(programme: Programme, now: datetime | None = None) -> str:
    """'before', 'open' or 'closed' (also 'closed' when the programme is not published)."""
    if programme.status != "published":
        return "closed"
    now = now or clock.now()
    opens, closes = window(programme)
    if now < opens:
        return "before"
    if now >= closes:
        return "closed"
    return "open"


# --------------------------------------------------------------------------- settings


def make_slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:60].strip("-") or "chuong-trinh"
    slug = base
    while db.session.execute(select(Programme.id).where(Programme.slug == slug)).first():
        slug = f"{base}-{secrets.token_hex(2)}"
    return slug


def validate_settings(programme: Programme) -> None:
    """Raise ProgrammeError (Vietnamese) if the settings are inconsistent."""
    if not (programme.name or "").strip():
        raise ProgrammeError("Cần nhập tên chương trình.")
    if not programme.submission_opens or not programme.submission_closes:
        raise ProgrammeError("Cần nhập ngày mở và ngày đóng nhận sáng kiến.")
    if programme.submission_closes < programme.submission_opens:
        raise ProgrammeError("Ngày đóng nhận sáng kiến phải sau hoặc trùng ngày mở.")
    if not programme.application_from or not programme.application_to:
        raise ProgrammeError("Cần nhập thời gian áp dụng (từ ngày, đến ngày).")
    if programme.application_to < programme.application_from:
        raise ProgrammeError("Thời gian áp dụng: ngày kết thúc phải sau ngày bắt đầu.")
    limit = programme.description_limit
    if limit is None or not (1 <= limit <= MAX_DESCRIPTION_LIMIT):
        raise ProgrammeError(f"Giới hạn mô tả phải từ 1 đến {MAX_DESCRIPTION_LIMIT} ký tự.")
    if programme.default_quota is None or programme.default_quota < 0:
        raise ProgrammeError("Chỉ tiêu mặc định phải là số không âm.")
    fields = [f.strip() for f in (programme.fields or []) if f and f.strip()]
    if not fields:
        raise ProgrammeError("Cần ít nhất một lĩnh vực.")
    if any(len(f) > 255 for f in fields):
        raise ProgrammeError("Tên mỗi lĩnh vực không được dài quá 255 ký tự.")
    programme.fields = list(dict.fromkeys(fields))
    if programme.status not in labels.PROGRAMME_STATUSES:
        raise ProgrammeError("Trạng thái chương trình không hợp lệ.")
    if programme.slug:
        programme.slug = programme.slug.strip().lower()
        if not SLUG_RE.match(programme.slug):
            raise ProgrammeError("Đường dẫn rút gọn chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang (3–80 ký tự).")


def check_moderation_change(programme: Programme, was_required: bool) -> None:
    """The moderation step (Ban tổ chức thông qua) is switched on only before any submission (those already
    filed would skip it), and off only when none waits for it. Raises ProgrammeError (Vietnamese)."""
    now_required = bool(programme.requires_moderation)
    if programme.id is None or now_required == bool(was_required):
        return
    if now_required:
        count = db.session.execute(select(func.count()).select_from(Initiative)
                                   .where(Initiative.programme_id == programme.id)).scalar_one()
        if count:
            raise ProgrammeError(f"Chương trình đã có {count} sáng kiến được nộp nên không bật được bước “Ban tổ "
                                 f"chức thông qua”: các sáng kiến đã nộp sẽ không qua bước này. Hãy bật bước này "
                                 f"trước khi mở nhận sáng kiến.")
    else:
        waiting = db.session.execute(select(func.count()).select_from(Initiative).where(
            Initiative.programme_id == programme.id, Initiative.status == "awaiting")).scalar_one()
        if waiting:
            raise ProgrammeError(f"Còn {waiting} sáng kiến chờ thông qua: hãy thông qua hoặc không thông qua hết "
                                 f"trước khi tắt bước “Ban tổ chức thông qua”.")


def prepare_new_programme(actor: User | None, programme: Programme, owner: Unit | None = None) -> None:
    """Defaults of a new programme: the owner is the creator's unit, the five fields of seed 004."""
    if actor is not None and not access.offers(actor, "programme.create"):
        raise access.PermissionDenied("Chỉ đơn vị có đơn vị trực thuộc mới phát động được chương trình.")
    programme.owner_unit = owner or actor.unit
    if programme.owner_unit is None:
        raise ProgrammeError("Chương trình cần có đơn vị phát động.")
    if not programme.fields:
        programme.fields = list(labels.DEFAULT_INITIATIVE_FIELDS)
    if programme.description_limit is None:
        programme.description_limit = 1000
    if programme.default_quota is None:
        programme.default_quota = 4
    if programme.status is None:
        programme.status = "published"
    validate_settings(programme)
    if not programme.slug:
        programme.slug = make_slug(programme.name)
    elif db.session.execute(select(Programme.id).where(Programme.slug == programme.slug)).first():
        raise ProgrammeError("Đường dẫn rút gọn này đã được chương trình khác dùng.")


def init_quotas(programme: Programme) -> int:
    """Quota rows of the owner's direct subordinates: Unit.default_quota, else the programme default."""
    existing = set(db.session.execute(
        select(ProgrammeQuota.unit_id).where(ProgrammeQuota.programme_id == programme.id)
    ).scalars())
    children = db.session.execute(
        select(Unit).where(Unit.parent_id == programme.owner_unit_id, Unit.active.is_(True),
                           unit_history.valid_on())
    ).scalars().all()
    count = 0
    for child in children:
        if child.id in existing:
            continue
        quota = child.default_quota if child.default_quota is not None else programme.default_quota
        db.session.add(ProgrammeQuota(programme_id=programme.id, unit_id=child.id, quota=quota, used=0))
        count += 1
    db.session.flush()
    return count


def create_programme(actor: User | None, *, owner: Unit | None = None, **values) -> Programme:
    """Create a programme owned by the actor's unit (or `owner` for CLI/tests), with its default quotas."""
    programme = Programme(**values)
    prepare_new_programme(actor, programme, owner)
    db.session.add(programme)
    db.session.flush()
    init_quotas(programme)
    audit.record(actor, programme, "programme.create", None, programme.status)
    return programme


def get_by_slug(slug: str) -> Programme | None:
    return db.session.execute(select(Programme).where(Programme.slug == slug)).scalar_one_or_none()


# --------------------------------------------------------------------------- quotas


@dataclass
class QuotaLine:
    unit: Unit
    quota: int | None  # None: not allotted
    used: int
    quota_id: int | None = None  # the quota row (its history page), None while nothing was allotted

    @property
    def label(self) -> str:
        """"đã đề xuất 3/4"."""
        return f"đã đề xuất {self.used}/{self.quota if self.quota is not None else 0}"


def quota_row(programme: Programme, unit_id: int) -> ProgrammeQuota | None:
    return db.session.execute(
        select(ProgrammeQuota).where(ProgrammeQuota.programme_id == programme.id, ProgrammeQuota.unit_id == unit_id)
    ).scalar_one_or_none()


def quota_line(programme: Programme, unit: Unit) -> QuotaLine:
    row = quota_row(programme, unit.id)
    return QuotaLine(unit, row.quota if row else None, row.used if row else 0)


# not Unit: the scope's subqueries on Unit must not correlate with it. Made once: an alias made per call adapted
# its columns again on every request (a third of the statement's Python time)
_PROGRAMME_OWNER = aliased(Unit, name="programme_owner")


def visible_programmes(user: User) -> list:
    """Rows (id, name, status, owner_unit_id, owner_path, quota, used) of every programme `user` sees, newest
    first, with the user's unit's quota in each: one statement per request, which both the initiative list's
    programme filter and its quota lines read."""
    from flask import g, has_request_context

    if user is None or not getattr(user, "is_authenticated", False) or user.unit is None:
        return []
    cache = g.setdefault("visible_programmes", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = db.session.execute(_visible_programmes_statement(user)).all()
    return cache[user.id]


_VISIBLE_STATEMENTS: dict = {}


def _visible_programmes_statement(user: User):
    """The statement of visible_programmes, kept for the process per user scope: it depends only on whether
    the user is a global administrator and on the user's unit (its id and path: access._programme_condition).
    Built anew on each request it cost more than running it (its construction and its cache key, two thirds of
    the query's time)."""
    key = (access.is_global(user), user.unit_id, user.unit.path)
    stmt = _VISIBLE_STATEMENTS.get(key)
    if stmt is None:
        if len(_VISIBLE_STATEMENTS) > 5000:
            _VISIBLE_STATEMENTS.clear()
        owner = _PROGRAMME_OWNER
        stmt = _VISIBLE_STATEMENTS[key] = (
            access.scope(user, Programme, select(
                Programme.id, Programme.name, Programme.status, Programme.owner_unit_id,
                owner.path.label("owner_path"), ProgrammeQuota.quota, ProgrammeQuota.used))
            .join(owner, owner.id == Programme.owner_unit_id)
            .outerjoin(ProgrammeQuota, and_(ProgrammeQuota.programme_id == Programme.id,
                                            ProgrammeQuota.unit_id == user.unit_id))
            .order_by(Programme.id.desc()))
    return stmt


def quota_lines_for(user: User, limit: int = 10) -> list[tuple]:
    """"đã đề xuất 3/4" of the user's unit in each published programme it takes part in (below the owner):
    (the programme's row of visible_programmes, its QuotaLine)."""
    return [(row, QuotaLine(user.unit, row.quota, row.used or 0)) for row in visible_programmes(user)
            if row.status == "published" and row.owner_unit_id != user.unit_id
            and user.unit.path.startswith(row.owner_path)][:limit]


def in_programme_tree(programme: Programme, unit: Unit) -> bool:
    return unit.path.startswith(programme.owner_unit.path)


def subordinate_lines(programme: Programme, unit: Unit) -> list[QuotaLine]:
    children = db.session.execute(
        select(Unit).where(Unit.parent_id == unit.id, Unit.active.is_(True)).order_by(Unit.sort_order, Unit.name)
    ).scalars().all()
    rows = {
        q.unit_id: q for q in db.session.execute(
            select(ProgrammeQuota).where(ProgrammeQuota.programme_id == programme.id,
                                         ProgrammeQuota.unit_id.in_([c.id for c in children]))
        ).scalars()
    } if children else {}
    return [QuotaLine(c, rows[c.id].quota if c.id in rows else None, rows[c.id].used if c.id in rows else 0,
                      rows[c.id].id if c.id in rows else None)
            for c in children]


def allot_quotas(actor: User, programme: Programme, allotments: dict[int, int], unit: Unit | None = None) -> int:
    """Set the quotas of the direct subordinates of the actor's unit (seed 004 §1: "theo số lượng do công
    đoàn cấp trên phân bổ"). Below the owner, the sum allotted never exceeds the unit's own quota; a quota
    never drops below what the subordinate already nominated. Returns how many rows changed (each audited).
    """
    unit = unit or actor.unit
    if not access.has_permission(actor, "programme.manage") or not access.acts_for(actor, unit.id):
        raise access.PermissionDenied()
    if not in_programme_tree(programme, unit):
        raise access.PermissionDenied("Đơn vị của bạn không thuộc phạm vi chương trình này.")
    children = {
        c.id: c for c in db.session.execute(select(Unit).where(Unit.parent_id == unit.id)).scalars()
    }
    for unit_id, value in allotments.items():
        if unit_id not in children:
            raise ProgrammeError("Chỉ phân bổ được cho đơn vị trực thuộc trực tiếp.")
        if value is None or value < 0 or value > 100_000:
            raise ProgrammeError("Chỉ tiêu phải là số nguyên không âm.")
    own = None
    if unit.id != programme.owner_unit_id:
        # Lock our own row so two officers allotting at once cannot both pass the sum check.
        own = db.session.execute(
            select(ProgrammeQuota).where(ProgrammeQuota.programme_id == programme.id,
                                         ProgrammeQuota.unit_id == unit.id).with_for_update()
        ).scalar_one_or_none()
        if own is None:
            raise ProgrammeError("Đơn vị của bạn chưa được cấp trên phân bổ chỉ tiêu nên chưa thể phân bổ tiếp.")
    rows = {
        q.unit_id: q for q in db.session.execute(
            select(ProgrammeQuota).where(ProgrammeQuota.programme_id == programme.id,
                                         ProgrammeQuota.unit_id.in_(list(children))).with_for_update()
        ).scalars()
    }
    final = {uid: q.quota for uid, q in rows.items()}
    final.update(allotments)
    if own is not None and sum(final.values()) > own.quota:
        raise ProgrammeError(
            f"Tổng chỉ tiêu phân bổ ({sum(final.values())}) vượt quá chỉ tiêu của đơn vị ({own.quota})."
        )
    changed = 0
    for unit_id, value in allotments.items():
        row = rows.get(unit_id)
        if row is not None and row.quota == value:
            continue
        if row is not None and value < row.used:
            raise ProgrammeError(
                f"{children[unit_id].name} đã đề xuất {row.used} sáng kiến: chỉ tiêu không thể nhỏ hơn {row.used}."
            )
        old = None if row is None else row.quota
        if row is None:
            row = ProgrammeQuota(programme_id=programme.id, unit_id=unit_id, quota=value, used=0)
            db.session.add(row)
            db.session.flush()
        else:
            row.quota = value
        audit.record(actor, row, "programme.quota_allot", None if old is None else str(old), str(value),
                     details={"programme_id": programme.id, "unit_id": unit_id})
        changed += 1
    db.session.flush()
    return changed


def consume_quota(programme_id: int, unit_id: int) -> bool:
    """Take one slot of the unit's quota atomically (UPDATE … WHERE used < quota). False if none left."""
    result = db.session.execute(
        update(ProgrammeQuota)
        .where(ProgrammeQuota.programme_id == programme_id, ProgrammeQuota.unit_id == unit_id,
               ProgrammeQuota.used < ProgrammeQuota.quota)
        .values(used=ProgrammeQuota.used + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release_quota(programme_id: int, unit_id: int) -> None:
    db.session.execute(
        update(ProgrammeQuota)
        .where(ProgrammeQuota.programme_id == programme_id, ProgrammeQuota.unit_id == unit_id,
               ProgrammeQuota.used > 0)
        .values(used=ProgrammeQuota.used - 1)
        .execution_options(synchronize_session=False)
    )


# --------------------------------------------------------------------------- units offered on the form


def level1_units(programme: Programme, q: str | None = None, limit: int | None = None) -> list[Unit]:
    """Active direct subordinates of the owner (63 provinces, 20 sectors, corporation unions)."""
    stmt = select(Unit).where(Unit.parent_id == programme.owner_unit_id, Unit.active.is_(True),
                              unit_history.valid_on())
    if q:
        from adminapp.text import like_pattern
        stmt = stmt.where(Unit.search_text.like(like_pattern(q), escape="\\"))
    stmt = stmt.order_by(Unit.sort_order, Unit.name)
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.execute(stmt).scalars())


def sub_units(parent: Unit, q: str | None = None, limit: int = 50) -> list[Unit]:
    """Active units strictly below `parent` (the dependent picker)."""
    stmt = select(Unit).where(access.subtree_condition(Unit.path, parent.path), Unit.id != parent.id,
                              Unit.active.is_(True), unit_history.valid_on())
    if q:
        from adminapp.text import like_pattern
        stmt = stmt.where(Unit.search_text.like(like_pattern(q), escape="\\"))
    return list(db.session.execute(stmt.order_by(Unit.path).limit(limit)).scalars())


def count_initiatives(programme: Programme) -> int:
    return db.session.execute(
        select(func.count()).select_from(Initiative).where(Initiative.programme_id == programme.id)
    ).scalar_one()
