"""Import preview (issue 15): a dry run (new rows, changed rows with their differing fields, rows with
errors), applied only on confirmation, once, from the file kept server-side; cancel changes nothing."""
from __future__ import annotations

import io

import pytest
from freezegun import freeze_time
from openpyxl import Workbook

from adminapp.extensions import db
from adminapp.imports import preview as svc
from adminapp.workflow import registrations as regs
from models import AuditEvent, ImportPreview, Participant
from tests.conftest import csrf_from

HEAD = ["Loại (Cá nhân/Tập thể)", "Họ và tên / Tên tập thể", "Năm sinh", "Chức vụ", "Đơn vị công tác"]


def xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEAD)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture()
def listed(make_campaign, registration_of, user):
    c = make_campaign(units=("01-002",))
    reg = registration_of(c, "01-002")
    regs.add_participants(actor=user("hoankiem.officer"), registration=reg, rows=[
        regs.ParticipantData(kind="individual", full_name="Nguyễn Văn An", birth_year=1980, position="Tổ trưởng",
                             unit_name="Tổ 1"),
        regs.ParticipantData(kind="individual", full_name="Trần Thị Bích", birth_year=1985, position="Kế toán",
                             unit_name="Phòng Tài vụ")])
    db.session.commit()
    return reg


FILE = [["Cá nhân", "nguyen van an", 1980, "Tổ phó", "Tổ 1"],  # same person (no diacritics): position changed
        ["Cá nhân", "Trần Thị Bích", 1985, "Kế toán", "Phòng Tài vụ"],  # unchanged
        ["Tập thể", "Tổ công đoàn Văn phòng", None, None, "Văn phòng"]]  # new


def _upload(c, reg, data):
    url = f"/admin/campaign/registration/{reg.id}"
    token = csrf_from(c.get(url).get_data(as_text=True))
    return c.post(f"{url}/import", data={"csrf_token": token, "file": (io.BytesIO(data), "ds.xlsx")},
                  content_type="multipart/form-data")


def _rows(reg):
    return db.session.execute(db.select(Participant.full_name, Participant.position)
                              .where(Participant.registration_id == reg.id).order_by(Participant.id)).all()


def test_dry_run_then_confirm_once(listed, login_as):
    before = _rows(listed)
    c = login_as("hoankiem.officer")
    r = _upload(c, listed, xlsx(FILE))
    assert r.status_code == 302 and "/import/" in r.headers["Location"]
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "Dòng mới: <strong>1</strong> · Dòng thay đổi: <strong>1</strong> · Không đổi: <strong>1</strong>" in page
    assert "Tổ công đoàn Văn phòng" in page and "Chức vụ</td><td>Tổ trưởng</td><td>Tổ phó" in page
    assert _rows(listed) == before  # nothing applied by the preview
    stored = db.session.execute(db.select(ImportPreview)).scalar_one()
    assert stored.status == "pending" and stored.data.startswith(b"PK")  # the very bytes, kept in the database
    token = csrf_from(page)
    confirm = r.headers["Location"] + "/confirm"
    ok = c.post(confirm, data={"csrf_token": token})
    assert ok.status_code == 302
    after = _rows(listed)
    assert ("Nguyễn Văn An", "Tổ phó") in after and ("Tổ công đoàn Văn phòng", None) in after and len(after) == 3
    ev = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "registration.import")).scalar_one()
    assert ev.details == {"added": 1, "changed": 1}
    # confirmed twice: a clear message, nothing doubled
    again = c.post(confirm, data={"csrf_token": token})
    assert again.status_code == 409 and svc.APPLIED in again.get_data(as_text=True)
    assert len(_rows(listed)) == 3


def test_cancel_changes_nothing(listed, login_as):
    before = _rows(listed)
    c = login_as("hoankiem.officer")
    url = _upload(c, listed, xlsx(FILE)).headers["Location"]
    token = csrf_from(c.get(url).get_data(as_text=True))
    assert c.post(url + "/cancel", data={"csrf_token": token}).status_code == 302
    assert _rows(listed) == before
    r = c.post(url + "/confirm", data={"csrf_token": token})
    assert r.status_code == 409 and svc.CANCELLED in r.get_data(as_text=True)
    assert _rows(listed) == before


def test_confirm_after_expiry_is_refused(listed, user):
    with freeze_time("2026-12-02 03:00:00"):
        p = svc.create(user("hoankiem.officer"), listed, "ds.xlsx", xlsx(FILE))
        db.session.commit()
    with freeze_time("2026-12-02 03:15:01"), pytest.raises(svc.PreviewError) as exc:
        svc.confirm(user("hoankiem.officer"), listed, p.token)
    db.session.rollback()
    assert "hết hạn" in exc.value.message and len(_rows(listed)) == 2
    assert db.session.get(ImportPreview, p.id).status == "pending"


def test_someone_else_cannot_use_the_preview(listed, user, login_as):
    p = svc.create(user("hoankiem.officer"), listed, "ds.xlsx", xlsx(FILE))
    db.session.commit()
    with pytest.raises(svc.PreviewError):
        svc.confirm(user("hanoi.officer"), listed, p.token)
    db.session.rollback()
    r = login_as("hanoi.officer").get(f"/admin/campaign/registration/{listed.id}/import/{p.token}")
    assert r.status_code == 404


def test_a_failing_apply_leaves_everything_as_it_was(listed, user, monkeypatch):
    """The claim of the preview and the rows are one transaction: a failure rolls both back."""
    p = svc.create(user("hoankiem.officer"), listed, "ds.xlsx", xlsx(FILE))
    db.session.commit()

    def boom(**kwargs):
        raise regs.CampaignError("Lỗi giả lập")

    monkeypatch.setattr(regs, "apply_import", boom)
    with pytest.raises(regs.CampaignError):
        svc.confirm(user("hoankiem.officer"), listed, p.token)
    db.session.rollback()
    assert db.session.get(ImportPreview, p.id).status == "pending" and len(_rows(listed)) == 2


def test_rows_with_errors_are_listed_and_nothing_kept(listed, login_as):
    c = login_as("hoankiem.officer")
    r = _upload(c, listed, xlsx([["Hộ gia đình", "Nhà ông Ba", None, None, None]]))
    assert r.status_code == 400 and "Dòng 2: Loại phải là" in r.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count()).select_from(ImportPreview)).scalar_one() == 0
