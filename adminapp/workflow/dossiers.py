"""Dossiers (hồ sơ xét chọn) a unit sends up for a programme (seed 004 §3).

"Hồ sơ hợp lệ là những hồ sơ nộp đúng hạn, có đầy đủ các văn bản, tài liệu theo
quy định; không có khiếu nại …, không có tranh chấp về quyền tác giả": a dossier
is sent only when on time (dossier deadline, Vietnam date), complete (cover letter
"Tờ trình" with number, date, signer and file, plus the summary table, i.e. at least
one nominated initiative) and no nominated initiative has an open complaint or
authorship dispute. Services never commit.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from adminapp import access, audit, clock, uploads, versioning
from adminapp.extensions import db
from adminapp.workflow import deadlines
from adminapp.workflow import initiatives as ini_service
from models import Dossier, Initiative, Programme, Unit, User

# The cover letter (Tờ trình): a scanned or typed letter. Checked by content like every upload (uploads.py).
LETTER_KINDS = ("pdf", "ole2", "docx", "odt", "jpg", "png")
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
    result = []
    deadline = deadlines.unit_deadline(programme, dossier.unit.id)
    if deadline:
        text = deadlines.deadline_text(deadline)
        if not deadlines.is_past(deadline, now):
            result.append(Check("Đúng hạn", True, f"Hạn nộp hồ sơ: hết {text}"))
        elif programme.dossier_deadline_policy == "late":
            result.append(Check("Đúng hạn", True, f"Đã quá hạn nộp hồ sơ ({text}): vẫn nhận, đánh dấu "
                                                  f"“{deadlines.LATE_LABEL}”"))
        else:
            result.append(Check("Đúng hạn", False, f"Đã quá hạn nộp hồ sơ: hạn là {text}; chương trình không nhận "
                                                   f"hồ sơ gửi sau hạn"))
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
    if not access.can_manage_dossier(actor, unit):
        raise access.PermissionDenied("Chỉ chuyên viên của đơn vị lập hồ sơ mới sửa hoặc gửi được hồ sơ này.")


DOSSIER_CONFLICT = ("Hồ sơ này vừa được người khác lưu sau khi bạn mở nó, nên thay đổi của bạn chưa được lưu. "
                    "Hãy mở lại trang hồ sơ để xem nội dung mới rồi sửa lại.")


def update_dossier(actor: User, dossier: Dossier, *, letter_number: str | None, letter_date, signer: str | None,
                   signer_title: str | None = None, place: str | None = None, file_name: str | None = None, file_data: bytes | None = None, max_mb: int | None = None,
                   expected_version: int | None = None) -> Dossier:
    """Save the cover letter fields (and file). A sent dossier is not changed any more. The fields and the
    file are one aggregate under the dossier's version: a form opened before another officer's save is
    refused (`expected_version`), never silently overwriting it. The file is checked by its content
    (uploads.check_upload): an HTML page or a program named .pdf, or an empty file, is refused."""
    _require_own(actor, dossier.unit)
    if dossier.sent_at is not None:
        raise DossierError("Hồ sơ đã gửi, không sửa được nữa.")
    if dossier.id is not None:
        try:
            versioning.check(dossier, expected_version, DOSSIER_CONFLICT)
        except versioning.VersionConflict as exc:
            raise DossierError(exc.message) from None
    elif expected_version is not None:
        # the form was opened on a saved dossier, yet none exists now for this unit: cannot happen without
        # a race on the first save, which the unique (programme, unit) constraint refuses
        raise DossierError(DOSSIER_CONFLICT)
    if file_data is not None:
        try:
            safe, content_type = uploads.check_upload(file_name, file_data, max_mb, kinds=LETTER_KINDS)
        except uploads.UploadError as exc:
            raise DossierError(exc.message) from None
        dossier.file_name = safe
        dossier.file_mime = content_type
        dossier.file_data = file_data
    dossier.letter_number = (letter_number or "").strip()[:64] or None
    dossier.letter_date = letter_date
    dossier.signer = (signer or "").strip()[:160] or None
    dossier.signer_title = (signer_title or "").strip()[:120] or None
    dossier.place = (place or "").strip()[:120] or None
    db.session.add(dossier)
    versioning.touch(dossier)
    db.session.flush()
    audit.record(actor, dossier, "dossier.update", details={"programme_id": dossier.programme_id})
    return dossier


def send_dossier(actor: User, dossier: Dossier, now=None, expected_version: int | None = None) -> Dossier:
    _require_own(actor, dossier.unit)
    if dossier.sent_at is not None:
        raise DossierError("Hồ sơ đã được gửi trước đó.")
    if dossier.id is not None and expected_version is not None and expected_version != dossier.version:
        raise DossierError(DOSSIER_CONFLICT)
    failed = [c for c in checks(dossier, now) if not c.ok]
    if failed:
        raise DossierError("Hồ sơ chưa hợp lệ: " + "; ".join(f"{c.label} ({c.detail})" for c in failed))
    verdict = deadlines.check(dossier.programme, dossier.unit.id, now)  # refusals were caught by checks()
    dossier.sent_at = clock.naive_utc(now)
    dossier.sent_by_id = actor.id
    dossier.late = verdict.late
    db.session.flush()
    audit.record(actor, dossier, "dossier.send", "draft", "sent",
                 details={"programme_id": dossier.programme_id, **verdict.details()})
    return dossier
