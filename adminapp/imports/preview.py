"""Import preview (dry run) of a participant list xlsx, then confirmation (issue 15).

The anchor is django-import-export's dry run: the file is parsed and compared with the list as it stands,
and the officer sees the new rows, the changed rows with the fields that differ, and the rows with errors.
Nothing is written to the list until "Xác nhận nhập". The uploaded bytes are kept in the database
(ImportPreview, a short expiry), never on an app server's disk, so the confirmation applies exactly the file
that was previewed on whichever instance it lands, without uploading it again. A preview moves once from
"pending" to "applied" or "cancelled" by a conditional UPDATE in the same transaction as the import: a
second confirmation, a confirmation after the expiry or after a cancel changes nothing and says why.

A row of the file matches a row of the list by (kind, name without diacritics or case, birth year); a match
whose position or work unit differs is a changed row, updated in place. Services never commit.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from adminapp import access, clock
from adminapp.extensions import db
from adminapp.imports import participants as importer
from adminapp.text import fold
from adminapp.workflow import registrations as regsvc
from adminapp.workflow.campaigns import CampaignError
from models import ImportPreview, Participant, Registration, User

EXPIRY = timedelta(minutes=15)
COMPARED = (("position", "Chức vụ"), ("unit_name", "Đơn vị công tác"))

APPLIED = "Tệp này đã được nhập khi bạn xác nhận lần trước; không nhập lại lần nữa."
CANCELLED = "Bản xem trước này đã bị hủy; hãy tải tệp lên lại nếu muốn nhập."
EXPIRED = ("Bản xem trước đã hết hạn (sau {minutes} phút) nên chưa có gì được nhập; hãy tải tệp lên lại để xem "
           "trước và xác nhận.")
NOT_FOUND = "Không tìm thấy bản xem trước này (hoặc không phải của bạn); hãy tải tệp lên lại."


class PreviewError(CampaignError):
    """A refused confirmation or cancel; nothing was changed."""


@dataclass
class Changed:
    participant: Participant
    data: regsvc.ParticipantData
    fields: list[tuple[str, str | None, str | None]]  # (label, before, after)


@dataclass
class Plan:
    new: list[regsvc.ParticipantData] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def applicable(self) -> bool:
        return not self.errors and bool(self.new or self.changed)


def _key(kind, name, birth_year) -> tuple:
    return kind, fold(name or "").strip(), birth_year


def plan(registration: Registration, data: bytes) -> Plan:
    """What importing `data` into the list would do now (reads only)."""
    rows, errors = importer.parse(data, registration.campaign)
    result = Plan(errors=list(errors))
    if errors:
        return result
    existing: dict[tuple, Participant] = {}
    for p in registration.participants:
        existing.setdefault(_key(p.kind, p.full_name, p.birth_year), p)
    seen: set[tuple] = set()
    for row in rows:
        key = _key(row.kind, row.full_name, row.birth_year)
        if key in seen:
            continue  # the same person twice in the file: once
        seen.add(key)
        current = existing.get(key)
        if current is None:
            result.new.append(row)
            continue
        diffs = [(label, getattr(current, name), (getattr(row, name) or "").strip() or None)
                 for name, label in COMPARED]
        diffs = [d for d in diffs if (d[1] or None) != d[2]]
        if diffs:
            result.changed.append(Changed(current, row, diffs))
        else:
            result.unchanged += 1
    return result


def create(actor: User, registration: Registration, filename: str, data: bytes,
           now: datetime | None = None) -> ImportPreview:
    """Keep the uploaded file for its preview (expired previews are purged on the way)."""
    if not access.can_submit_registration(actor, registration) or not regsvc.is_editable_by_sender(registration):
        raise access.PermissionDenied("Chỉ đơn vị tham gia được nhập danh sách của mình khi danh sách còn sửa được.")
    at = clock.naive_utc(now)
    db.session.execute(delete(ImportPreview).where(ImportPreview.expires_at < at - timedelta(days=1)))
    preview = ImportPreview(token=secrets.token_urlsafe(32), user_id=actor.id, registration_id=registration.id,
                            filename=(filename or "")[:255] or "tep.xlsx", data=data, status="pending",
                            created_at=at, expires_at=at + EXPIRY)
    db.session.add(preview)
    db.session.flush()
    return preview


def get(actor: User, registration: Registration, token: str | None) -> ImportPreview:
    preview = db.session.execute(select(ImportPreview).where(
        ImportPreview.token == (token or ""), ImportPreview.user_id == actor.id,
        ImportPreview.registration_id == registration.id)).scalar_one_or_none()
    if preview is None:
        raise PreviewError(NOT_FOUND)
    return preview


def _why_not(preview: ImportPreview, now: datetime) -> str:
    db.session.refresh(preview)
    if preview.status == "applied":
        return APPLIED
    if preview.status == "cancelled":
        return CANCELLED
    return EXPIRED.format(minutes=int(EXPIRY.total_seconds() // 60))


def _claim(preview: ImportPreview, status: str, now: datetime) -> None:
    """pending -> `status`, once, only before the expiry (conditional UPDATE); else PreviewError."""
    claimed = db.session.execute(
        update(ImportPreview).where(ImportPreview.id == preview.id, ImportPreview.status == "pending",
                                    ImportPreview.expires_at > now)
        .values(status=status, finished_at=now), execution_options={"synchronize_session": False}).rowcount
    if claimed != 1:
        raise PreviewError(_why_not(preview, now))


def confirm(actor: User, registration: Registration, token: str | None, now: datetime | None = None) -> Plan:
    """Apply the previewed file: its new rows added, its changed rows updated, in the caller's transaction
    (all or nothing). Returns what was applied."""
    at = clock.naive_utc(now)
    preview = get(actor, registration, token)
    _claim(preview, "applied", at)
    result = plan(registration, preview.data)
    if result.errors:
        raise PreviewError(result.errors[0], result.errors)
    if not result.new and not result.changed:
        raise PreviewError("Tệp không có dòng mới hay dòng thay đổi nào so với danh sách hiện tại.")
    regsvc.apply_import(actor=actor, registration=registration, new_rows=result.new,
                        changed=[(c.participant, c.data) for c in result.changed])
    return result


def cancel(actor: User, registration: Registration, token: str | None, now: datetime | None = None) -> None:
    preview = get(actor, registration, token)
    _claim(preview, "cancelled", clock.naive_utc(now))
