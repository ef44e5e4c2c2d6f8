"""Registrations (đăng ký tham gia): participant lists sent up and reviewed by the launching unit.

The states and moves of DOMAIN.md workflow 1 live in TRANSITIONS; one apply() reads it, changes the
row with a conditional UPDATE (… WHERE id = :id AND status = :from) so that concurrent reviewers give
exactly one change and one audit event, and raises TransitionError for an illegal move.
Services never commit: the caller does.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from adminapp import access, audit, labels, revisions, versioning
from adminapp.extensions import db
from adminapp.text import nfc
from adminapp.workflow import deadlines
from adminapp.workflow.campaigns import BulkResult, CampaignError
from models import Campaign, Participant, Registration, User, utcnow

TRANSITIONS: dict[tuple[str, str], str] = {
    ("not_sent", "send"): "pending",
    ("rejected", "send"): "pending",
    ("pending", "approve"): "approved",
    ("pending", "reject"): "rejected",
    ("approved", "revoke"): "pending",
}
# A list whose approval was revoked is "pending" with `reopened`: its unit edits it and sends it again
# ("Gửi lại", pending -> pending, reopened cleared). Not in TRANSITIONS: a plain pending list cannot be sent.
RESEND = ("pending", "send")
ACTIONS = ("send", "approve", "reject", "revoke")
REASON_REQUIRED = {"reject", "revoke"}
BULK_VERBS = {"send": "gửi", "approve": "phê duyệt", "reject": "từ chối", "revoke": "hủy phê duyệt"}
MAX_REASON = 2000


class TransitionError(CampaignError):
    """An illegal or refused move of a registration; the message is Vietnamese."""


class RegistrationNotFound(CampaignError):
    def __init__(self):
        super().__init__("Không tìm thấy danh sách đăng ký (hoặc nằm ngoài phạm vi của bạn).")


def status_label(status: str, reopened: bool = False) -> str:
    if status == "pending" and reopened:
        return labels.REGISTRATION_REOPENED
    return labels.REGISTRATION_STATUSES.get(status, status)


def display_status(reg: Registration) -> str:
    """The state as people should read it: a revoked list says so instead of a bare "Chờ duyệt"."""
    return status_label(reg.status, bool(reg.reopened))


def can_send_now(reg: Registration) -> bool:
    """The list is in a state that "Gửi" / "Gửi lại" moves (the actor's right is access's question)."""
    return reg.status in ("not_sent", "rejected") or (reg.status == "pending" and bool(reg.reopened))


def send_label(reg: Registration) -> str:
    return labels.REGISTRATION_RESEND if reg.status == "rejected" or reg.reopened else "Gửi"


def is_editable_by_sender(reg: Registration) -> bool:
    """A sent list is read-only for its unit until it is rejected or its approval is revoked."""
    if reg.campaign.status != "launched":
        return False
    return reg.status in ("not_sent", "rejected") or (reg.status == "pending" and reg.reopened)


def _load(user: User, registration_id: int) -> Registration:
    reg = db.session.execute(
        select(Registration).where(Registration.id == registration_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if reg is None or not access.in_scope(user, reg):
        raise RegistrationNotFound()
    return reg


def _check_allowed(user: User, reg: Registration, action: str) -> None:
    if action == "send":
        if not access.can_submit_registration(user, reg):
            raise access.PermissionDenied("Chỉ đơn vị tham gia được gửi danh sách đăng ký của mình.")
    elif not access.can_review_registration(user, reg):
        if reg.unit_id == user.unit_id:
            raise access.PermissionDenied("Đơn vị không được tự duyệt danh sách đăng ký của mình.")
        raise access.PermissionDenied("Chỉ lãnh đạo hoặc chuyên viên của đơn vị phát động được duyệt danh sách.")


def _move(user: User, reg: Registration, action: str, reason: str) -> tuple[str, str]:
    """(from, to) of a legal move of `reg` by `user`, or a Vietnamese TransitionError / PermissionDenied."""
    _check_allowed(user, reg, action)
    if reg.campaign.status != "launched":
        raise TransitionError("Phong trào đã kết thúc, không thay đổi được danh sách đăng ký.")
    from_state = reg.status
    to_state = TRANSITIONS.get((from_state, action))
    if (from_state, action) == RESEND and reg.reopened:
        to_state = "pending"
    if to_state is None:
        raise TransitionError(f"Không thể {labels.REGISTRATION_ACTIONS[action].lower()} danh sách đang ở trạng "
                              f"thái “{display_status(reg)}”.")
    return from_state, to_state


def _from(from_state: str, action: str):
    """The row is still where the move starts (a resend: still reopened, so two clicks send once)."""
    cond = Registration.status == from_state
    if (from_state, action) == RESEND:
        cond = cond & Registration.reopened.is_(True)
    return cond


def _clean_reason(action: str, reason: str | None) -> str:
    if action not in ACTIONS:
        raise TransitionError("Thao tác không hợp lệ.")
    reason = nfc(reason or "").strip()
    if action in REASON_REQUIRED and not reason:
        raise TransitionError(f"Vui lòng nhập lý do {labels.REGISTRATION_ACTIONS[action].lower()}.")
    if len(reason) > MAX_REASON:
        raise TransitionError(f"Lý do dài quá {MAX_REASON} ký tự.")
    return reason


def _values(user: User, action: str, to_state: str, reason: str, now: datetime, late: bool = False) -> dict:
    values: dict = {"status": to_state, "version": Registration.version + 1}
    if action == "send":
        values.update(sent_at=now, reopened=False, late=late)
    else:
        values.update(reviewed_at=now, reviewed_by_id=user.id, reopened=(action == "revoke"))
    if action in REASON_REQUIRED:
        values["last_reason"] = reason
    elif action == "approve":
        values["last_reason"] = None
    return values


def _event(reg: Registration, action: str, from_state: str, to_state: str, reason: str,
           verdict: deadlines.Verdict | None = None) -> tuple:
    """The audit event of one move (audit.record_many); a list sent after its deadline carries
    details["late"] = "Nộp muộn" (the audit log shows and filters it)."""
    return (reg, f"registration.{action}", from_state, to_state, reason or None,
            {"campaign_id": reg.campaign_id, "unit": reg.unit.code, **(verdict.details() if verdict else {})})


def _deadline(reg: Registration, now: datetime | None) -> deadlines.Verdict:
    """The registration deadline of the list's unit: refused (TransitionError naming it) or on time / late."""
    try:
        return deadlines.check(reg.campaign, reg.unit_id, now)
    except deadlines.DeadlineError as exc:
        raise TransitionError(exc.message) from None


EMPTY_LIST = "Danh sách chưa có thành viên nào; hãy thêm thành viên trước khi gửi."
RACED = "Danh sách này vừa được người khác xử lý; hãy tải lại trang để xem trạng thái mới."
CHANGED = ("Danh sách này vừa thay đổi (thành viên hoặc trạng thái) sau khi bạn mở nó; hãy xem lại danh sách mới "
           "rồi thực hiện lại.")


def apply(user: User, registration_id: int, action: str, reason: str | None = None, *,
          now: datetime | None = None, expected_version: int | None = None) -> Registration:
    """Move one registration by `action`; exactly one audit event per change, in the same transaction.

    With `expected_version` (the version the acting page showed), a list whose rows or state changed since
    is refused: a reviewer approves exactly the list they read."""
    reason = _clean_reason(action, reason)
    reg = _load(user, registration_id)
    if expected_version is not None and expected_version != reg.version:
        raise TransitionError(CHANGED)
    from_state, to_state = _move(user, reg, action, reason)
    verdict = None
    if action == "send":
        count = db.session.execute(select(func.count()).select_from(Participant)
                                   .where(Participant.registration_id == reg.id)).scalar_one()
        if not count:
            raise TransitionError(EMPTY_LIST)
        verdict = _deadline(reg, now)
    seen = Registration.version == (expected_version if expected_version is not None else reg.version)
    revisions.watch_ids(db.session, Registration, [reg.id], light=True)  # the Core UPDATE bypasses the ORM
    result = db.session.execute(
        update(Registration).where(Registration.id == reg.id, _from(from_state, action), seen)
        .values(**_values(user, action, to_state, reason, now or utcnow(), late=bool(verdict and verdict.late))),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        # Another reviewer changed it first (their change and audit event stand alone).
        raise TransitionError(RACED)
    audit.record_many(user, [_event(reg, action, from_state, to_state, reason, verdict)])
    db.session.flush()
    db.session.refresh(reg)
    from adminapp import notifications

    notifications.on_registration_moved(user, reg, action, reason)
    return reg


def apply_bulk(user: User, registration_ids: list[int], action: str, reason: str | None = None, *,
               campaign_id: int | None = None, now: datetime | None = None) -> BulkResult:
    """The same move on many rows (of one campaign if `campaign_id` is given): each changes or is skipped
    with its Vietnamese reason. Set-based: one select of the rows, one conditional UPDATE per starting
    state (… WHERE id IN (…) AND status = :from RETURNING id: a row another reviewer moved meanwhile is
    skipped), one batch of audit events, one per changed row."""
    result = BulkResult()
    reason = _clean_reason(action, reason)
    from adminapp.params import parse_id

    ids = [i for i in map(parse_id, dict.fromkeys(registration_ids)) if i]
    loaded = {reg.id: reg for reg in db.session.execute(
        select(Registration).where(Registration.id.in_(ids))
        .options(joinedload(Registration.unit), joinedload(Registration.campaign).joinedload(Campaign.owner_unit))
        .execution_options(populate_existing=True)
    ).scalars()} if ids else {}
    counts = dict(db.session.execute(
        select(Participant.registration_id, func.count()).where(Participant.registration_id.in_(list(loaded)))
        .group_by(Participant.registration_id)
    ).all()) if action == "send" and loaded else {}
    moves: dict[tuple[str, bool], list[tuple[Registration, str, deadlines.Verdict | None]]] = {}
    for rid in dict.fromkeys(registration_ids):
        reg = loaded.get(rid)
        try:
            if reg is None or not access.in_scope(user, reg) or (campaign_id is not None
                                                                  and reg.campaign_id != campaign_id):
                raise RegistrationNotFound()
            from_state, to_state = _move(user, reg, action, reason)
            verdict = None
            if action == "send":
                if not counts.get(reg.id):
                    raise TransitionError(EMPTY_LIST)
                verdict = _deadline(reg, now)
            moves.setdefault((from_state, bool(verdict and verdict.late)), []).append((reg, to_state, verdict))
        except (CampaignError, access.PermissionDenied) as exc:
            label = reg.unit.name if reg is not None and access.in_scope(user, reg) else f"#{rid}"
            result.skipped.append((rid, label, exc.message))
    now = now or utcnow()
    revisions.watch_loaded(db.session, [r for regs in moves.values() for r, *_ in regs])  # as loaded above
    for (from_state, late), regs in moves.items():
        to_state = regs[0][1]
        changed = set(db.session.execute(
            update(Registration).where(Registration.id.in_([r.id for r, *_ in regs]), _from(from_state, action))
            .values(**_values(user, action, to_state, reason, now, late=late)).returning(Registration.id),
            execution_options={"synchronize_session": False},
        ).scalars())
        events = []
        for reg, _, verdict in regs:
            if reg.id in changed:
                events.append(_event(reg, action, from_state, to_state, reason, verdict))
                result.changed.append(reg.id)
            else:
                result.skipped.append((reg.id, reg.unit.name, RACED))
        audit.record_many(user, events)
        from adminapp import notifications

        notifications.on_registrations_moved(user, [reg for reg, *_ in events], action, reason)
        for reg, *_ in events:
            db.session.expire(reg)  # the UPDATE bypassed the session: reload on next use
    order = {rid: n for n, rid in enumerate(dict.fromkeys(registration_ids))}
    result.changed.sort(key=order.get)
    result.skipped.sort(key=lambda s: order.get(s[0], 0))
    return result


# --------------------------------------------------------------------------- participant list


@dataclass
class ParticipantData:
    kind: str
    full_name: str
    birth_year: int | None = None
    position: str | None = None
    unit_name: str | None = None

    def __post_init__(self):
        self.full_name, self.position, self.unit_name = nfc(self.full_name), nfc(self.position), nfc(self.unit_name)


def validate_participant(data: ParticipantData, campaign, today: date | None = None) -> list[str]:
    errors = []
    today = today or date.today()
    if data.kind not in labels.PARTICIPANT_KINDS:
        errors.append("Loại phải là “Cá nhân” hoặc “Tập thể”.")
    elif data.kind == "individual" and not campaign.for_individuals:
        errors.append("Phong trào này không dành cho cá nhân.")
    elif data.kind == "collective" and not campaign.for_collectives:
        errors.append("Phong trào này không dành cho tập thể.")
    if not (data.full_name or "").strip():
        errors.append("Họ và tên / tên tập thể không được để trống.")
    elif len(data.full_name) > 255:
        errors.append("Họ và tên / tên tập thể dài quá 255 ký tự.")
    if data.birth_year is not None and not (1900 <= data.birth_year <= today.year):
        errors.append(f"Năm sinh phải trong khoảng 1900–{today.year}.")
    if data.kind == "collective" and data.birth_year is not None:
        errors.append("Tập thể không có năm sinh.")
    for value, label in ((data.position, "Chức vụ"), (data.unit_name, "Đơn vị công tác")):
        if value and len(value) > 255:
            errors.append(f"{label} dài quá 255 ký tự.")
    return errors


def _require_editable(user: User, reg: Registration) -> None:
    if not access.can_submit_registration(user, reg):
        raise access.PermissionDenied("Chỉ đơn vị tham gia được lập danh sách đăng ký của mình.")
    if not is_editable_by_sender(reg):
        raise TransitionError("Danh sách đã gửi, chỉ sửa được khi bị từ chối hoặc bị hủy phê duyệt.")


def _next_order(reg: Registration) -> int:
    return (db.session.execute(select(func.max(Participant.sort_order))
                               .where(Participant.registration_id == reg.id)).scalar() or 0) + 1


def add_participants(*, actor: User, registration: Registration, rows: list[ParticipantData],
                     source: str = "form") -> list[Participant]:
    """Add rows to a list in one go: every row valid, or nothing saved. Audited once."""
    _require_editable(actor, registration)
    errors = []
    for i, data in enumerate(rows, start=1):
        for msg in validate_participant(data, registration.campaign):
            errors.append(msg if len(rows) == 1 else f"Dòng {i}: {msg}")
    if not rows:
        errors.append("Không có thành viên nào để thêm.")
    if errors:
        raise CampaignError(errors[0], errors)
    order = _next_order(registration)
    created = []
    for offset, data in enumerate(rows):
        p = Participant(registration=registration, kind=data.kind, full_name=data.full_name.strip(),
                        birth_year=data.birth_year, position=(data.position or "").strip() or None,
                        unit_name=(data.unit_name or "").strip() or None, sort_order=order + offset)
        db.session.add(p)
        created.append(p)
    versioning.touch(registration)
    db.session.flush()
    action = "registration.import" if source == "import" else "registration.participants"
    audit.record(actor, registration, action, details={"added": len(created)})
    return created


def apply_import(*, actor: User, registration: Registration, new_rows: list[ParticipantData],
                 changed: list[tuple[Participant, ParticipantData]]) -> None:
    """A confirmed import preview (adminapp/imports/preview.py): new rows added and matched rows' position
    and work unit updated, every row valid or nothing changed. Audited once."""
    _require_editable(actor, registration)
    errors = [msg for data in [*new_rows, *(d for _, d in changed)]
              for msg in validate_participant(data, registration.campaign)]
    if errors:
        raise CampaignError(errors[0], errors)
    order = _next_order(registration)
    for offset, data in enumerate(new_rows):
        db.session.add(Participant(registration=registration, kind=data.kind, full_name=data.full_name.strip(),
                                   birth_year=data.birth_year, position=(data.position or "").strip() or None,
                                   unit_name=(data.unit_name or "").strip() or None, sort_order=order + offset))
    for participant, data in changed:
        if participant.registration_id != registration.id:
            raise CampaignError("Không tìm thấy thành viên trong danh sách này.")
        participant.position = (data.position or "").strip() or None
        participant.unit_name = (data.unit_name or "").strip() or None
    versioning.touch(registration)
    db.session.flush()
    audit.record(actor, registration, "registration.import",
                 details={"added": len(new_rows), "changed": len(changed)})


def remove_participant(*, actor: User, registration: Registration, participant_id: int) -> None:
    _require_editable(actor, registration)
    p = db.session.get(Participant, participant_id)
    if p is None or p.registration_id != registration.id:
        raise CampaignError("Không tìm thấy thành viên trong danh sách này.")
    audit.record(actor, registration, "registration.participants",
                 details={"removed": p.full_name})
    db.session.delete(p)
    versioning.touch(registration)
    db.session.flush()


def update_participant(*, actor: User, registration: Registration, participant_id: int,
                       data: ParticipantData) -> Participant:
    """Edit one row in place (while the unit may edit its list). Audited once, with what changed."""
    _require_editable(actor, registration)
    p = db.session.get(Participant, participant_id)
    if p is None or p.registration_id != registration.id:
        raise CampaignError("Không tìm thấy thành viên trong danh sách này.")
    errors = validate_participant(data, registration.campaign)
    if errors:
        raise CampaignError(errors[0], errors)
    new = {"kind": data.kind, "full_name": data.full_name.strip(), "birth_year": data.birth_year,
           "position": (data.position or "").strip() or None, "unit_name": (data.unit_name or "").strip() or None}
    changed = {k: [getattr(p, k), v] for k, v in new.items() if getattr(p, k) != v}
    if not changed:
        return p
    for k, v in new.items():
        setattr(p, k, v)
    versioning.touch(registration)
    db.session.flush()
    audit.record(actor, registration, "registration.participants",
                 details={"edited": p.full_name, "changes": {k: [str(a or ""), str(b or "")]
                                                             for k, (a, b) in changed.items()}})
    return p


def replace_participants(*, actor: User, registration: Registration, rows: list[ParticipantData]) -> None:
    """Make the list's rows exactly `rows` (a restore from the list's history): every row valid, or nothing
    changed; only while the unit may edit its list. Audited once."""
    _require_editable(actor, registration)
    errors = [f"Dòng {i}: {msg}" for i, data in enumerate(rows, start=1)
              for msg in validate_participant(data, registration.campaign)]
    if errors:
        raise CampaignError(errors[0], errors)
    for p in list(registration.participants):
        db.session.delete(p)
    registration.participants.clear()
    db.session.flush()
    for order, data in enumerate(rows, start=1):
        db.session.add(Participant(registration=registration, kind=data.kind, full_name=data.full_name.strip(),
                                   birth_year=data.birth_year, position=(data.position or "").strip() or None,
                                   unit_name=(data.unit_name or "").strip() or None, sort_order=order))
    versioning.touch(registration)
    db.session.flush()
    audit.record(actor, registration, "registration.restore", details={"rows": len(rows)})
