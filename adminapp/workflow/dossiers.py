"""Dossiers (hồ sơ xét chọn) a unit sends up for a programme (seed 004 §3).

"Hồ sơ hợp lệ là những hồ sơ nộp đúng hạn, có đầy đủ các văn bản, tài liệu theo
quy định; không có khiếu nại …, không có tranh chấp về quyền tác giả": a dossier
is sent only when on time (dossier deadline, Vietnam date), complete (cover letter
"Tờ trình" with number, date, signer and file, plus the summary table, i.e. at least
one nominated initiative) and no nominated initiative has an open complaint or
authorship dispute. Services never commit.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import select

from adminapp import access, audit, clock
from adminapp.extensions import db
from adminapp.formatting import format_date
from adminapp.workflow import initiatives as ini_service
from models import Dossier, Initiative, Programme, Unit, User

ALLOWED_EXTENSIONS = {".pdf", ".doc", ".docx", ".jpg", ".jpeg", ".png"}
SUMMARY_STATES = ("nominated", "selected", "honoured")


class DossierError(ValueError):
    pass


@dataclass
class Check:
    label: str
    ok: bool
    detail: str = ""


def get_or_new(programme: Programme, unit: Unit) -> Dossier:
    dossier = db.session.execute(
        select(Dossier).where(Dossier.programme_id == programme.id, Dossier.unit_id == unit.id)
    ).scalar_one_or_none()
    return dossier or Dossier(programme=programme, unit=unit)


def summary_initiatives(programme: Programme, unit: Unit) -> list[Initiative]:
    """The rows of the unit's summary table: what it sent upward (the owner: what it honoured)."""
    stmt = select(Initiative).where(Initiative.programme_id == programme.id)
    if unit.id == programme.owner_unit_id:
        stmt = stmt.where(Initiative.status == "honoured")
    else:
        stmt = stmt.where(ini_service.nominated_by_condition(unit), Initiative.status.in_(SUMMARY_STATES))
    return list(db.session.execute(stmt.order_by(Initiative.id)).scalars())


def checks(dossier: Dossier, now=None) -> list[Check]:
    programme = dossier.programme
    rows = summary_initiatives(programme, dossier.unit)
    today = clock.today_vn(now)
    result = []
    if programme.dossier_deadline:
        on_time = today <= programme.dossier_deadline
        result.append(Check("Đúng hạn", on_time, f"Hạn nộp hồ sơ: hết ngày {format_date(programme.dossier_deadline)}"))
    else:
        result.append(Check("Đúng hạn", True, "Chương trình không đặt hạn nộp hồ sơ"))
    missing = [label for label, value in (("số", dossier.letter_number), ("ngày", dossier.letter_date),
                                           ("người ký", dossier.signer), ("tệp", dossier.file_data))
               if not value]
    result.append(Check("Có Tờ trình", not missing,
                        "Đủ số, ngày, người ký và tệp" if not missing else "Còn thiếu: " + ", ".join(missing)))
    result.append(Check("Có bảng tổng hợp tóm tắt sáng kiến", bool(rows), f"{len(rows)} sáng kiến được đề xuất"))
    flagged = [i.tracking_code for i in rows if i.complaint_open or i.dispute_open]
    result.append(Check("Không có khiếu nại, tranh chấp quyền tác giả", not flagged,
                        "Đang có: " + ", ".join(flagged) if flagged else "Không có"))
    return result


def _require_own(actor: User, unit: Unit) -> None:
    if not access.has_permission(actor, "initiative.nominate") or not access.acts_for(actor, unit.id):
        raise access.PermissionDenied("Chỉ đơn vị lập hồ sơ mới sửa hoặc gửi được hồ sơ này.")


def update_dossier(actor: User, dossier: Dossier, *, letter_number: str | None, letter_date, signer: str | None,
                   file_name: str | None = None, file_data: bytes | None = None, file_mime: str | None = None,
                   max_bytes: int = 20 * 1024 * 1024) -> Dossier:
    """Save the cover letter fields (and file). A sent dossier is not changed any more."""
    _require_own(actor, dossier.unit)
    if dossier.sent_at is not None:
        raise DossierError("Hồ sơ đã gửi, không sửa được nữa.")
    dossier.letter_number = (letter_number or "").strip()[:64] or None
    dossier.letter_date = letter_date
    dossier.signer = (signer or "").strip()[:160] or None
    if file_data is not None:
        ext = os.path.splitext(file_name or "")[1].lower()
        if ext not in ALLOWED_EXTENSIONS:
            raise DossierError("Tệp Tờ trình phải là PDF, DOC, DOCX hoặc ảnh (JPG, PNG).")
        if not file_data:
            raise DossierError("Tệp tải lên rỗng.")
        if len(file_data) > max_bytes:
            raise DossierError("Tệp quá lớn.")
        dossier.file_name = os.path.basename(file_name)[:255]
        dossier.file_mime = (file_mime or "application/octet-stream")[:127]
        dossier.file_data = file_data
    db.session.add(dossier)
    db.session.flush()
    audit.record(actor, dossier, "dossier.update", details={"programme_id": dossier.programme_id})
    return dossier


def send_dossier(actor: User, dossier: Dossier, now=None) -> Dossier:
    _require_own(actor, dossier.unit)
    if dossier.sent_at is not None:
        raise DossierError("Hồ sơ đã được gửi trước đó.")
    failed = [c for c in checks(dossier, now) if not c.ok]
    if failed:
        raise DossierError("Hồ sơ chưa hợp lệ: " + "; ".join(f"{c.label} ({c.detail})" for c in failed))
    dossier.sent_at = clock.naive_utc(now)
    dossier.sent_by_id = actor.id
    db.session.flush()
    audit.record(actor, dossier, "dossier.send", "draft", "sent", details={"programme_id": dossier.programme_id})
    return dossier
