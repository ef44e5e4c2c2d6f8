"""Deadlines as rules (issue 15): a campaign's registration deadline (Hạn đăng ký) and a programme's dossier
deadline (Hạn nộp hồ sơ).

- A deadline is a Vietnam calendar date: it ends at 24:00:00 of that day (Asia/Ho_Chi_Minh), i.e. the
  instant 00:00:00 of the next day is already late (adminapp/clock.py).
- Each deadline has a policy chosen by the launching unit and shown to the units before they act:
  "refuse" (after the deadline the list or dossier is not accepted) or "late" (accepted and marked
  "Nộp muộn", a mark kept on the row as it was when sent: lists, filters, exports and the audit read it).
- The launching unit extends a deadline for every unit or for one unit, with a reason. An extension is a
  row (DeadlineExtension: audited, kept in the revision history); the deadline a unit has is the latest of
  the original date, the extensions for every unit and its own extensions. An extension never shortens a
  unit's deadline, and a list or dossier already sent late keeps its mark.

Services never commit: the caller does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from adminapp import access, audit, clock, labels
from adminapp.extensions import db
from adminapp.formatting import format_date
from models import Campaign, CampaignUnit, DeadlineExtension, Programme, Unit, User

POLICIES = labels.DEADLINE_POLICIES
KIND_LABELS = {"registration": "hạn đăng ký", "dossier": "hạn nộp hồ sơ"}
MAX_REASON = 2000
LATE_LABEL = "Nộp muộn"


class DeadlineError(ValueError):
    """A refused action or extension; `message` is Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------- reading


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return clock.now()
    return now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)


def _target(obj) -> tuple:
    if isinstance(obj, Campaign):
        return DeadlineExtension.campaign_id == obj.id, "registration", obj.registration_deadline, \
            obj.registration_deadline_policy
    return DeadlineExtension.programme_id == obj.id, "dossier", obj.dossier_deadline, obj.dossier_deadline_policy


def common_deadline(obj) -> date | None:
    """The deadline every unit has: the original date or its latest extension for all."""
    cond, kind, base, _ = _target(obj)
    if base is None:
        return None
    ext = db.session.execute(select(func.max(DeadlineExtension.new_date))
                             .where(cond, DeadlineExtension.kind == kind, DeadlineExtension.unit_id.is_(None))
                             ).scalar()
    return max(base, ext) if ext else base


def unit_deadline(obj, unit_id: int) -> date | None:
    """The deadline `unit_id` has for `obj` (a Campaign: registration; a Programme: dossier)."""
    cond, kind, base, _ = _target(obj)
    if base is None:
        return None
    ext = db.session.execute(
        select(func.max(DeadlineExtension.new_date))
        .where(cond, DeadlineExtension.kind == kind,
               (DeadlineExtension.unit_id.is_(None)) | (DeadlineExtension.unit_id == unit_id))).scalar()
    return max(base, ext) if ext else base


def own_extensions(obj) -> dict[int, date]:
    """unit id -> the latest date of that unit's own extensions."""
    cond, kind, _, _ = _target(obj)
    return dict(db.session.execute(
        select(DeadlineExtension.unit_id, func.max(DeadlineExtension.new_date))
        .where(cond, DeadlineExtension.kind == kind, DeadlineExtension.unit_id.is_not(None))
        .group_by(DeadlineExtension.unit_id)).all())


def extensions(obj) -> list[DeadlineExtension]:
    cond, kind, _, _ = _target(obj)
    return list(db.session.execute(select(DeadlineExtension).where(cond, DeadlineExtension.kind == kind)
                                   .order_by(DeadlineExtension.id)).scalars())


def closes_at(day: date) -> datetime:
    """The first late instant: 00:00:00 Vietnam time of the next day (aware UTC)."""
    return clock.end_of_vn_day(day)


def is_past(day: date | None, now: datetime | None = None) -> bool:
    return day is not None and _aware(now) >= closes_at(day)


def deadline_text(day: date) -> str:
    """"24:00:00 ngày 31/03/2021 (giờ Việt Nam, UTC+7)": the deadline to the second."""
    return f"24:00:00 ngày {format_date(day)} (giờ Việt Nam, UTC+7)"


def policy_text(kind: str, day: date | None, policy: str) -> str:
    """What the units read before they act."""
    label = KIND_LABELS[kind]
    if day is None:
        return f"Không đặt {label}."
    after = ("sau thời điểm này hệ thống không nhận nữa" if policy == "refuse"
             else f"sau thời điểm này vẫn nhận nhưng được đánh dấu “{LATE_LABEL}”")
    return f"{label[0].upper()}{label[1:]}: hết {deadline_text(day)}; {after}."


@dataclass
class Verdict:
    late: bool
    deadline: date | None

    def details(self) -> dict:
        if self.deadline is None:
            return {}
        out = {"deadline": self.deadline.isoformat()}
        if self.late:
            out["late"] = LATE_LABEL
        return out


def check(obj, unit_id: int, now: datetime | None = None) -> Verdict:
    """Before a unit sends: refused (DeadlineError naming the deadline to the second) or on time / late."""
    _, kind, _, policy = _target(obj)
    day = unit_deadline(obj, unit_id)
    if not is_past(day, now):
        return Verdict(False, day)
    if policy == "refuse":
        what = "danh sách đăng ký" if kind == "registration" else "hồ sơ"
        raise DeadlineError(f"Đã quá {KIND_LABELS[kind]}: hạn là {deadline_text(day)}. "
                            f"Chương trình không nhận {what} gửi sau hạn; nếu cần, hãy đề nghị đơn vị phát động "
                            f"gia hạn cho đơn vị.")
    return Verdict(True, day)


# --------------------------------------------------------------------------- extending


@dataclass
class ExtensionResult:
    extension: DeadlineExtension
    reopened: list[str] = field(default_factory=list)  # units whose deadline had passed and runs again
    kept: list[tuple[str, date]] = field(default_factory=list)  # units keeping a later date of their own

    def message(self) -> str:
        ext = self.extension
        who = f"đơn vị {ext.unit.name}" if ext.unit is not None else "mọi đơn vị"
        text = f"Đã gia hạn {KIND_LABELS[ext.kind]} cho {who} đến hết {deadline_text(ext.new_date)}."
        if self.reopened:
            text += f" {len(self.reopened)} đơn vị đã quá hạn nay được gửi lại trong hạn mới."
        if self.kept:
            text += " Giữ hạn riêng muộn hơn: " + "; ".join(f"{n} (đến {format_date(d)})" for n, d in self.kept) + "."
        return text


def _participating(obj, unit: Unit) -> bool:
    if isinstance(obj, Campaign):
        return db.session.execute(select(CampaignUnit.id).where(
            CampaignUnit.campaign_id == obj.id, CampaignUnit.unit_id == unit.id)).first() is not None
    return access.is_strictly_below(unit, obj.owner_unit)


def _units_of(obj) -> list[Unit]:
    if isinstance(obj, Campaign):
        return list(db.session.execute(select(Unit).join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
                                       .where(CampaignUnit.campaign_id == obj.id)).scalars())
    return list(db.session.execute(select(Unit).where(Unit.parent_id == obj.owner_unit_id)).scalars())


def extension_unit(obj: Campaign | Programme, unit_id: int | None) -> Unit | None:
    """The unit an extension "for one unit" is about (None: for every unit). Only a participating unit of a
    campaign, or a unit of a programme's tree below its owner, gets one of its own."""
    if not unit_id:
        return None
    unit = db.session.get(Unit, unit_id)
    if isinstance(obj, Campaign):
        if unit is None or not any(cu.unit_id == unit.id for cu in obj.units):
            raise DeadlineError("Đơn vị này không tham gia phong trào nên không gia hạn riêng được.")
        return unit
    from adminapp.workflow.programmes import in_programme_tree

    if unit is None or not in_programme_tree(obj, unit) or unit.id == obj.owner_unit_id:
        raise DeadlineError("Đơn vị này không thuộc chương trình nên không gia hạn riêng được.")
    return unit


def extend(actor: User, obj: Campaign | Programme, *, new_date: date | None, reason: str | None,
           unit: Unit | None = None, now: datetime | None = None) -> ExtensionResult:
    """Extend `obj`'s deadline for every unit (`unit` None) or one unit. Rules, each refused with a Vietnamese
    message and nothing stored: only the launching unit; a reason; a deadline already set; the new date not in
    the past and later than the deadline it replaces (for all: the common deadline; for one unit: that unit's,
    its own extensions included). Units whose deadline has passed get the new one (they may send again:
    their list or dossier counts as on time); units holding a later date of their own keep it; what was sent
    late stays marked. One audit event and one revisioned row."""
    if isinstance(obj, Campaign):
        if not access.can_manage_campaign(actor, obj):
            raise access.PermissionDenied("Chỉ chuyên viên của đơn vị phát động được gia hạn.")
        if obj.status != "launched":
            raise DeadlineError("Chỉ gia hạn được phong trào đang phát động.")
    else:
        if not access.can_manage_programme(actor, obj):
            raise access.PermissionDenied("Chỉ đơn vị phát động được gia hạn.")
    _, kind, base, _ = _target(obj)
    label = KIND_LABELS[kind]
    reason = (reason or "").strip()
    if not reason:
        raise DeadlineError("Vui lòng nhập lý do gia hạn.")
    if len(reason) > MAX_REASON:
        raise DeadlineError(f"Lý do dài quá {MAX_REASON} ký tự.")
    if base is None:
        raise DeadlineError(f"Chưa đặt {label} nên không có gì để gia hạn; hãy đặt {label} khi sửa.")
    if not isinstance(new_date, date):
        raise DeadlineError("Vui lòng nhập hạn mới (dd/mm/yyyy).")
    today = clock.today_vn(_aware(now))
    if new_date < today:
        raise DeadlineError(f"Hạn mới {format_date(new_date)} đã qua (hôm nay là {format_date(today)}); "
                            f"hãy chọn từ hôm nay trở đi.")
    if new_date > today + timedelta(days=366):
        raise DeadlineError("Hạn mới cách hôm nay quá một năm; hãy kiểm tra lại ngày.")
    if unit is not None:
        if not _participating(obj, unit):
            raise DeadlineError("Đơn vị này không tham gia nên không gia hạn riêng được.")
        current = unit_deadline(obj, unit.id)
    else:
        current = common_deadline(obj)
    if new_date <= current:
        raise DeadlineError(f"Hạn mới phải sau hạn hiện tại ({deadline_text(current)}); gia hạn không rút ngắn "
                            f"hạn của đơn vị nào.")
    result_units: list[str] = []
    kept: list[tuple[str, date]] = []
    aware_now = _aware(now)
    if unit is None:
        own = own_extensions(obj)
        for u in _units_of(obj):
            mine = max(current, own.get(u.id, current))
            if mine >= new_date:
                kept.append((u.name, mine))
            elif is_past(mine, aware_now):
                result_units.append(u.name)
    elif is_past(current, aware_now):
        result_units.append(unit.name)
    ext = DeadlineExtension(kind=kind, unit=unit, unit_id=unit.id if unit else None,
                            owner_unit_id=obj.owner_unit_id, previous_date=current, new_date=new_date,
                            reason=reason, created_by_id=actor.id)
    if isinstance(obj, Campaign):
        ext.campaign_id = obj.id
    else:
        ext.programme_id = obj.id
    db.session.add(ext)
    db.session.flush()
    audit.record(actor, obj, "deadline.extend", reason=reason, details={
        "deadline": kind, "unit": unit.code if unit else None, "from": current.isoformat(),
        "to": new_date.isoformat(), "reopened": len(result_units), "kept": [n for n, _ in kept]})
    return ExtensionResult(ext, result_units, sorted(kept))
