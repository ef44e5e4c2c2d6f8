"""Initiatives: public submission, then review up the unit tree under quotas (DOMAIN.md workflow 2, seed 004).

submitted --appraise--> appraised --nominate--> nominated (holder moves up one level)
nominated --select--> selected --nominate--> nominated ... at the programme owner: --honour--> honoured
any open state --reject (reason)--> rejected; nominated --withdraw (by the nominating unit)--> back.

Every change goes through `apply()`, which reads TRANSITIONS, checks the actor
acts for the unit holding the initiative, takes a quota slot atomically on
nomination, updates the row under its version (a concurrent change fails
instead of being overwritten) and writes one audit event. Services never
commit: the caller commits, or rolls back on a typed error.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from adminapp import access, audit, clock, labels, params, unit_history
from adminapp import phone as phone_mod
from adminapp.extensions import db
from adminapp.text import fold, nfc
from adminapp.workflow import programmes
from models import Initiative, Programme, Unit, User

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 10
MIN_AGE = 15
MIN_BIRTH_YEAR = 1940
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CODE_RE = re.compile(r"^[A-Z0-9]{1,16}$")

LIMITS = {
    "author_name": 160,
    "position": 160,
    "title": 300,
    "effectiveness": 2000,
    "scope": 1000,
    "awards": 1000,
}
MAX_BENEFIT = 10**15

OPEN_STATES = ("submitted", "appraised", "nominated", "selected")
WITHDRAWN = "<back>"  # resolved to "appraised" (at the author's own unit) or "selected" (above it)

TRANSITIONS: dict[tuple[str, str], str] = {
    # moderation (issue 15): a programme that requires it receives submissions as "awaiting"
    ("awaiting", "pass"): "submitted",
    ("awaiting", "block"): "not_passed",
    ("submitted", "appraise"): "appraised",
    ("nominated", "select"): "selected",
    ("appraised", "nominate"): "nominated",
    ("selected", "nominate"): "nominated",
    ("nominated", "withdraw"): WITHDRAWN,
    ("submitted", "reject"): "rejected",
    ("appraised", "reject"): "rejected",
    ("nominated", "reject"): "rejected",
    ("selected", "reject"): "rejected",
    ("nominated", "honour"): "honoured",
    ("selected", "honour"): "honoured",
}

ACTION_PERMISSIONS = access.INITIATIVE_ACTION_PERMISSIONS  # the one table, in the access module
MODERATION_ACTIONS = ("pass", "block")


# --------------------------------------------------------------------------- errors


class InitiativeError(ValueError):
    """Base of the typed errors; `message` is Vietnamese, for people."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SubmissionClosed(InitiativeError):
    pass


class InvalidSubmission(InitiativeError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("Thông tin chưa hợp lệ, vui lòng kiểm tra các trường được đánh dấu.")
        self.errors = errors


class TransitionNotAllowed(InitiativeError):
    pass


class QuotaExceeded(InitiativeError):
    pass


class TransitionConflict(InitiativeError):
    pass


# --------------------------------------------------------------------------- submission


def _clean(value) -> str:
    if value is None:
        return ""
    text = nfc(str(value)).replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def new_tracking_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not db.session.execute(select(Initiative.id).where(Initiative.tracking_code == code)).first():
            return code


def _as_int(value, errors: dict, name: str, message: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors[name] = message
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        errors[name] = message
        return None


def _unit(value) -> Unit | None:
    uid = params.parse_id(value)
    return None if uid is None else db.session.get(Unit, uid)


def submit_initiative(programme: Programme, data: dict, *, now: datetime | None = None) -> Initiative:
    """A member's submission on the public form (no account): validated, flagged if duplicate, audited.

    Rules (seed 004): only inside the submission window (Asia/Ho_Chi_Minh, closes after 24:00 of the last
    day); applied in practice inside the application window; description at most the programme's limit;
    Vietnamese phone; the unit is one of the programme's tree. Duplicates (same phone, same title) are
    stored with `is_duplicate` so reviewers see them, never silently doubled.
    """
    now = now or clock.now()
    state = programmes.window_state(programme, now)
    if state != "open":
        raise SubmissionClosed(closed_message(programme, state))

    errors: dict[str, str] = {}
    values = {k: _clean(data.get(k)) for k in
              ("author_name", "position", "title", "description", "effectiveness", "scope", "awards", "field",
               "group")}
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = f"Không được dài quá {limit} ký tự."
    if not values["author_name"]:
        errors["author_name"] = "Cần nhập họ và tên."
    if not values["title"]:
        errors["title"] = "Cần nhập tên sáng kiến."
    if not values["description"]:
        errors["description"] = "Cần nhập mô tả sáng kiến."
    elif len(values["description"]) > programme.description_limit:
        errors["description"] = (f"Mô tả tối đa {programme.description_limit} ký tự "
                                 f"(hiện có {len(values['description'])} ký tự).")

    this_year = clock.today_vn(now).year
    birth_year = _as_int(data.get("birth_year"), errors, "birth_year", "Năm sinh phải là số (ví dụ 1985).")
    if birth_year is None and "birth_year" not in errors:
        errors["birth_year"] = "Cần nhập năm sinh."
    elif birth_year is not None and not (MIN_BIRTH_YEAR <= birth_year <= this_year - MIN_AGE):
        errors["birth_year"] = f"Năm sinh phải từ {MIN_BIRTH_YEAR} đến {this_year - MIN_AGE}."

    phone = None
    try:
        phone = phone_mod.normalise(data.get("phone"))
    except phone_mod.InvalidPhone as e:
        errors["phone"] = str(e)

    level1 = _unit(data.get("level1_unit_id"))
    if (level1 is None or level1.parent_id != programme.owner_unit_id or not level1.active
            or not unit_history.is_valid(level1)):
        errors["level1_unit_id"] = "Vui lòng chọn đơn vị trong danh sách."
        level1 = None
    unit = level1
    raw_sub = data.get("unit_id")
    if raw_sub not in (None, "") and level1 is not None:
        sub = _unit(raw_sub)
        if sub is None or not sub.active or not unit_history.is_valid(sub) or not access.is_strictly_below(sub, level1):
            errors["unit_id"] = "Đơn vị trực thuộc không thuộc đơn vị đã chọn."
        else:
            unit = sub

    if values["group"] not in labels.INITIATIVE_GROUPS:
        errors["group"] = "Vui lòng chọn nhóm: Doanh nghiệp hoặc Khối cơ quan."
    if values["field"] not in (programme.fields or []):
        errors["field"] = "Vui lòng chọn lĩnh vực trong danh sách."

    app_date = data.get("application_date")
    if isinstance(app_date, str) and app_date.strip():
        from adminapp.formatting import INVALID_DATE
        errors["application_date"] = INVALID_DATE
    elif not isinstance(app_date, date) or isinstance(app_date, datetime):
        errors["application_date"] = "Cần nhập ngày bắt đầu áp dụng (dd/mm/yyyy)."
    elif not (programme.application_from <= app_date <= programme.application_to):
        from adminapp.formatting import format_date
        errors["application_date"] = (f"Sáng kiến phải được áp dụng trong khoảng {format_date(programme.application_from)}"
                                      f" – {format_date(programme.application_to)}.")

    benefit = _as_int(data.get("benefit_value"), errors, "benefit_value",
                      "Giá trị làm lợi phải là số tiền (đồng), ví dụ 150000000.")
    if benefit is not None and not (0 <= benefit <= MAX_BENEFIT):
        errors["benefit_value"] = "Giá trị làm lợi phải là số tiền từ 0 đồng trở lên."

    if errors:
        raise InvalidSubmission(errors)

    title_folded = fold(values["title"])[:300]
    duplicate = db.session.execute(
        select(Initiative.id).where(Initiative.programme_id == programme.id, Initiative.phone == phone,
                                    Initiative.title_folded == title_folded).limit(1)
    ).first() is not None
    initiative = Initiative(
        programme_id=programme.id, tracking_code=new_tracking_code(), author_name=values["author_name"],
        birth_year=birth_year, position=values["position"] or None, phone=phone, unit_id=unit.id,
        level1_unit_id=level1.id, holder_unit_id=unit.id, group=values["group"], title=values["title"],
        title_folded=title_folded, field=values["field"], description=values["description"],
        application_date=app_date, effectiveness=values["effectiveness"] or None, benefit_value=benefit,
        scope=values["scope"] or None, awards=values["awards"] or None,
        status="awaiting" if programme.requires_moderation else "submitted",
        is_duplicate=duplicate, created_at=clock.naive_utc(now), is_secret=bool(data.get("is_secret")),
    )
    db.session.add(initiative)
    db.session.flush()
    audit.record(None, initiative, "initiative.submit", None, initiative.status,
                 details={"programme_id": programme.id, "duplicate": duplicate,
                          **({"secret": access.SECRET_LABEL} if initiative.is_secret else {})})
    return initiative


def closed_message(programme: Programme, state: str) -> str:
    from adminapp.formatting import format_date

    opens, closes = format_date(programme.submission_opens), format_date(programme.submission_closes)
    if programme.status != "published":
        return "Chương trình hiện không nhận sáng kiến."
    if state == "before":
        return f"Chưa đến thời gian nhận sáng kiến: từ {opens} đến hết ngày {closes}."
    return f"Đã hết thời gian nhận sáng kiến (từ {opens} đến hết ngày {closes})."


def track(programme: Programme, code: str | None, phone: str | None) -> Initiative | None:
    """The initiative with this code and phone in this programme, else None (never says which part failed)."""
    code = (code or "").strip().upper()
    if not _CODE_RE.fullmatch(code):
        return None
    try:
        phone = phone_mod.normalise(phone)
    except phone_mod.InvalidPhone:
        return None
    return db.session.execute(
        select(Initiative).where(Initiative.programme_id == programme.id, Initiative.tracking_code == code,
                                 Initiative.phone == phone)
    ).scalar_one_or_none()


# --------------------------------------------------------------------------- review


def allowed_actions(user: User, initiative: Initiative) -> list[str]:
    """Actions the user could apply now (for buttons); apply() checks again."""
    result = []
    for (state, action), _ in TRANSITIONS.items():
        if state != initiative.status or action in result:
            continue
        try:
            _check_actor(user, initiative, action)
        except (access.PermissionDenied, InitiativeError):
            continue
        result.append(action)
    return result


def _check_actor(user: User, initiative: Initiative, action: str) -> None:
    if not access.has_permission(user, ACTION_PERMISSIONS[action]):
        raise access.PermissionDenied()
    if not access.in_scope(user, initiative):
        raise access.PermissionDenied()
    programme = initiative.programme
    holder = initiative.holder_unit
    if action in MODERATION_ACTIONS:
        return  # the organising committee: any initiative of its scope (checked above)
    if action == "withdraw":
        if not access.acts_for(user, initiative.nominated_by_unit_id):
            raise access.PermissionDenied("Chỉ đơn vị đã đề xuất mới rút được đề xuất.")
        return
    if not access.acts_for(user, holder.id):
        raise access.PermissionDenied(f"Sáng kiến đang ở {holder.name}: chỉ đơn vị này mới xử lý được.")
    if action == "nominate" and holder.id == programme.owner_unit_id:
        raise TransitionNotAllowed("Đơn vị phát động là cấp cao nhất: hãy dùng Biểu dương thay vì đề xuất.")
    if action == "honour" and holder.id != programme.owner_unit_id:
        raise TransitionNotAllowed("Chỉ đơn vị phát động chương trình mới biểu dương sáng kiến.")
    if action == "appraise" and holder.id != initiative.unit_id:
        raise TransitionNotAllowed("Thẩm định là việc của đơn vị nơi tác giả công tác.")


def apply(actor: User, initiative: Initiative, action: str, *, reason: str | None = None,
          score: int | None = None, opinion: str | None = None) -> str:
    """Apply one review action to one initiative (explicit TRANSITIONS). Returns the new state.

    Quota (seed 004 §3): a nomination takes one slot of the nominating unit's quota with a conditional
    UPDATE, so concurrent nominations can never exceed it; a withdrawal gives it back.
    """
    if action not in ACTION_PERMISSIONS:
        raise TransitionNotAllowed("Thao tác không hợp lệ.")
    from_state = initiative.status
    target = TRANSITIONS.get((from_state, action))
    if target is None:
        raise TransitionNotAllowed(
            f"Không thể “{labels.INITIATIVE_ACTIONS[action]}” sáng kiến ở trạng thái "
            f"“{labels.INITIATIVE_STATUSES.get(from_state, from_state)}”."
        )
    _check_actor(actor, initiative, action)
    reason = _clean(reason) or None
    opinion = _clean(opinion) or None
    if action == "reject" and not reason:
        raise TransitionNotAllowed("Cần nhập lý do không đạt.")
    if action == "block" and not reason:
        raise TransitionNotAllowed("Cần nhập lý do không thông qua.")
    if reason and len(reason) > 2000:
        raise TransitionNotAllowed("Lý do không được dài quá 2000 ký tự.")
    if opinion and len(opinion) > 2000:
        raise TransitionNotAllowed("Ý kiến thẩm định không được dài quá 2000 ký tự.")
    if action in ("appraise", "select"):
        if score is not None and not (0 <= score <= 100):
            raise TransitionNotAllowed("Điểm thẩm định phải từ 0 đến 100.")
        if action == "appraise" and score is None and not opinion:
            raise TransitionNotAllowed("Cần nhập điểm hoặc ý kiến thẩm định.")

    details: dict = {"holder_unit_id": initiative.holder_unit_id}
    holder = initiative.holder_unit
    if action == "nominate":
        parent = holder.parent
        if parent is None or not programmes.in_programme_tree(initiative.programme, parent):
            raise TransitionNotAllowed("Không có cấp trên trong chương trình để đề xuất.")
        if not programmes.consume_quota(initiative.programme_id, holder.id):
            line = programmes.quota_line(initiative.programme, holder)
            if line.quota is None:
                raise QuotaExceeded(f"{holder.name} chưa được cấp trên phân bổ chỉ tiêu đề xuất.")
            raise QuotaExceeded(f"{holder.name} đã dùng hết chỉ tiêu ({line.label}).")
        initiative.nominated_by_unit_id = holder.id
        initiative.holder_unit_id = parent.id
        details["to_unit_id"] = parent.id
    elif action == "withdraw":
        nominator_id = initiative.nominated_by_unit_id
        programmes.release_quota(initiative.programme_id, nominator_id)
        initiative.holder_unit_id = nominator_id
        initiative.nominated_by_unit_id = None
        target = "appraised" if nominator_id == initiative.unit_id else "selected"
        details["to_unit_id"] = nominator_id
    elif action in ("appraise", "select"):
        if score is not None:
            initiative.score = score
        if opinion:
            initiative.opinion = opinion
        details.update(score=score, opinion=opinion)
    elif action in ("reject", "block"):
        initiative.reject_reason = reason

    initiative.status = target
    try:
        db.session.flush()  # version-checked UPDATE: a concurrent change makes this fail, not overwrite
    except StaleDataError:
        raise TransitionConflict(
            "Sáng kiến vừa được người khác xử lý. Vui lòng tải lại trang và thử lại."
        ) from None
    audit.record(actor, initiative, f"initiative.{action}", from_state, target, reason or opinion,
                 details=details)
    if action in ("nominate", "reject", "honour"):
        from adminapp import notifications

        notifications.on_initiative_moved(actor, initiative, action, reason)
    return target


@dataclass
class BulkResult:
    changed: list[Initiative] = field(default_factory=list)
    skipped: list[tuple[Initiative, str]] = field(default_factory=list)

    def message(self, action: str) -> str:
        text = f"{labels.INITIATIVE_ACTIONS[action]}: {len(self.changed)} sáng kiến đã xử lý"
        if self.skipped:
            text += f", {len(self.skipped)} bỏ qua ("
            text += "; ".join(f"{i.tracking_code}: {why}" for i, why in self.skipped[:10])
            text += "; …)" if len(self.skipped) > 10 else ")"
        return text + "."


def apply_bulk(actor: User, initiatives: list[Initiative], action: str, **kwargs) -> BulkResult:
    """apply() to each; rows that cannot move are skipped with their reason (checks run before any write)."""
    result = BulkResult()
    for initiative in initiatives:
        try:
            apply(actor, initiative, action, **kwargs)
        except TransitionConflict:
            raise
        except (InitiativeError, access.PermissionDenied) as e:
            result.skipped.append((initiative, e.message))
        else:
            result.changed.append(initiative)
    return result


def set_flags(actor: User, initiative: Initiative, *, complaint_open: bool, dispute_open: bool,
              reason: str | None = None) -> None:
    """Open or close the complaint / authorship dispute flags (seed 004 §3: a dossier with one is invalid)."""
    if not access.can(actor, "initiative.appraise", initiative):
        raise access.PermissionDenied()
    before = {"complaint_open": initiative.complaint_open, "dispute_open": initiative.dispute_open}
    after = {"complaint_open": bool(complaint_open), "dispute_open": bool(dispute_open)}
    if before == after:
        return
    initiative.complaint_open, initiative.dispute_open = after["complaint_open"], after["dispute_open"]
    db.session.flush()
    audit.record(actor, initiative, "initiative.flags", None, None, _clean(reason) or None,
                 details={"before": before, "after": after})


def set_secret(actor: User, initiative: Initiative, *, secret: bool, reason: str | None = None) -> bool:
    """Mark or unmark "bí mật công nghệ" (the appraising officer: a unit reviewing it). A reason is required
    to lift the mark. Audited; returns whether anything changed."""
    if not access.can_mark_secret(actor, initiative):
        raise access.PermissionDenied("Chỉ cán bộ thẩm định của đơn vị đang xét sáng kiến này được đánh dấu bí mật "
                                      "công nghệ.")
    secret = bool(secret)
    if initiative.is_secret == secret:
        return False
    reason = _clean(reason)
    if not secret and not reason:
        raise InitiativeError("Vui lòng nhập lý do bỏ đánh dấu bí mật công nghệ.")
    if len(reason) > 2000:
        raise InitiativeError("Lý do dài quá 2000 ký tự.")
    initiative.is_secret = secret
    db.session.flush()
    audit.record(actor, initiative, "initiative.secret", None, None, reason or None,
                 details={"secret": secret})
    return True


def nominated_by_condition(unit: Unit):
    """SQL: initiatives the unit sent upward (filed in its subtree, now held strictly above it)."""
    holder = db.aliased(Unit)
    held_above = select(holder.id).where(holder.level < unit.level,
                                         holder.code.in_(access.ancestor_codes(unit)))
    return (Initiative.unit_id.in_(select(Unit.id).where(access.subtree_condition(Unit.path, unit.path)))
            & Initiative.holder_unit_id.in_(held_above)
            & Initiative.status.in_(("nominated", "selected", "honoured", "rejected")))
