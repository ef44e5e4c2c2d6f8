"""File type detection by content, and the review page's own export."""
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from adminapp import uploads
from adminapp.extensions import db
from adminapp.workflow import registrations as regs

from .conftest import PDF_BYTES
from .test_campaign_pages import page


def _zip(names: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in names.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _xlsx() -> bytes:
    buf = io.BytesIO()
    Workbook().save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("name, data, content_type", [
    ("a.pdf", PDF_BYTES, "application/pdf"),
    ("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
    ("a.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
    ("a.doc", uploads.OLE2 + b"\x00" * 20, "application/msword"),
    ("a.xls", uploads.OLE2 + b"\x00" * 20, "application/vnd.ms-excel"),
    ("a.docx", _zip({"word/document.xml": "<w/>"}), uploads.KINDS["docx"][0]),
    ("a.xlsx", _xlsx(), uploads.KINDS["xlsx"][0]),
    ("a.odt", _zip({"mimetype": "application/vnd.oasis.opendocument.text"}), uploads.KINDS["odt"][0]),
])
def test_accepted_types(name, data, content_type):
    assert uploads.check_upload(name, data)[1] == content_type


@pytest.mark.parametrize("name, data", [
    ("a.pdf", b"MZ\x90\x00"),                       # an .exe renamed .pdf
    ("a.docx", _zip({"payload.exe": "MZ"})),        # a zip that is not a document
    ("a.xlsx", PDF_BYTES),                          # a PDF named .xlsx
    ("a.html", b"<html><script>alert(1)</script>"),
    ("a.svg", b"<svg onload=alert(1)>"),
    ("a.pdf", b""),
])
def test_refused_types(name, data):
    with pytest.raises(uploads.UploadError):
        uploads.check_upload(name, data)


@pytest.mark.parametrize("raw, safe", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\a\\Quyết định khen thưởng.PDF", "Quyết định khen thưởng.pdf"),
    ("a\x00b<script>.pdf", "ab_script_.pdf"),
    ("   .pdf", "pdf"),
])
def test_filenames_sanitised(raw, safe):
    assert uploads.sanitize_filename(raw) == safe


def test_review_page_export_is_scoped_and_filtered(make_campaign, registration_of, fill, user, login_as):
    c = make_campaign()
    reg = fill(registration_of(c, "01-002"))
    regs.apply(user("hoankiem.officer"), reg.id, "send")
    db.session.commit()
    province = login_as("hanoi.officer")
    r = province.get(f"/admin/campaign/{c.id}/registrations/export/xlsx?tab=pending")
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    assert rows[3][:5] == ("TT", "Đơn vị", "Vai trò", "Trạng thái", "Số thành viên")
    assert [row[1] for row in rows[4:]] == ["Liên đoàn Lao động quận Hoàn Kiếm"]
    assert rows[4][3] == "Chờ duyệt" and rows[4][4] == 2
    district = login_as("hoankiem.officer")
    csv = district.get(f"/admin/campaign/{c.id}/registrations/export/csv").get_data(as_text=True)
    assert "quận Hoàn Kiếm" in csv and "quận Ba Đình" not in csv
    assert "Tìm đơn vị" in page(province, f"/admin/campaign/{c.id}/registrations?q=hoan+kiem")
    html = page(province, f"/admin/campaign/{c.id}/registrations?q=hoan+kiem")
    assert "quận Hoàn Kiếm" in html and "quận Ba Đình" not in html
