"""Issue 16 (2, 3, 11): the dossier under version control, its upload checked by content, who may save it,
and whose names an upper level's review shows. Both databases."""
from __future__ import annotations

import io
import re

import pytest

from adminapp.extensions import db
from models import AuditEvent, Dossier, Role
from tests.conftest import csrf_from

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _form(client, url):
    html = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="([^"]*)"', html)
    return {"csrf_token": csrf_from(html), "version": version.group(1) if version else ""}


def _colleague(user, username="hanoi.officer2"):
    from adminapp import accounts

    role = db.session.execute(db.select(Role).where(Role.name == "officer")).scalar_one()
    accounts.create_user(actor=None, username=username, full_name="Lê Văn Bảo", unit=user("hanoi.officer").unit,
                         password="Demo@2026", roles=[role])
    db.session.commit()


def test_two_officers_saving_one_dossier_never_lose_a_change(ctx, programme, login_as, user):
    _colleague(user)
    url = f"/admin/programmes/{programme.id}/dossier"
    a, b = login_as("hanoi.officer"), login_as("hanoi.officer2")
    # a first save creates the dossier; then both open it
    first = _form(a, url)
    assert a.post(url, data={**first, "do": "save", "letter_number": "", "signer": ""}).status_code == 302
    form_a, form_b = _form(a, url), _form(b, url)
    r = a.post(url, data={**form_a, "do": "save", "letter_number": "125/TTr-LĐLĐ", "signer": ""})
    assert r.status_code == 302
    r = b.post(url, data={**form_b, "do": "save", "letter_number": "", "signer": "Phạm Quang Thanh"})
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "vừa được người khác lưu" in page
    assert 'value="Phạm Quang Thanh"' in page  # what B typed is still in the form, to copy
    db.session.expire_all()
    d = db.session.execute(db.select(Dossier).where(Dossier.programme_id == programme.id)).scalar_one()
    assert d.letter_number == "125/TTr-LĐLĐ" and d.signer is None
    # B reopens and saves over the new version: both changes kept
    form_b = _form(b, url)
    r = b.post(url, data={**form_b, "do": "save", "letter_number": "125/TTr-LĐLĐ", "signer": "Phạm Quang Thanh"})
    assert r.status_code == 302
    db.session.expire_all()
    d = db.session.get(Dossier, d.id)
    assert (d.letter_number, d.signer) == ("125/TTr-LĐLĐ", "Phạm Quang Thanh")


@pytest.mark.parametrize("name,data,message", [
    ("to-trinh.pdf", b"<!doctype html><html><script>alert(1)</script></html>", "không khớp với loại tệp"),
    ("to-trinh.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "không khớp với loại tệp"),
    ("to-trinh.pdf", b"", "rỗng"),
    ("to-trinh.html", b"<html></html>", "không thuộc loại được phép"),
    ("to-trinh.xlsx", b"PK\x03\x04garbage", "không thuộc loại được phép"),
])
def test_dossier_upload_is_checked_by_content(ctx, programme, login_as, name, data, message):
    url = f"/admin/programmes/{programme.id}/dossier"
    c = login_as("hanoi.officer")
    r = c.post(url, data={**_form(c, url), "do": "save", "letter_number": "1", "signer": "A",
                          "letter_file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count()).select_from(Dossier)
                              .where(Dossier.file_data.is_not(None))).scalar_one() == 0


def test_dossier_file_is_served_with_its_detected_type(ctx, programme, login_as):
    url = f"/admin/programmes/{programme.id}/dossier"
    c = login_as("hanoi.officer")
    r = c.post(url, data={**_form(c, url), "do": "save", "letter_number": "1", "signer": "A",
                          "letter_file": (io.BytesIO(PDF), "Tờ trình.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 302
    r = c.get(f"{url}/file")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data == PDF
    assert r.headers["Cache-Control"] == "no-store" and r.headers["X-Content-Type-Options"] == "nosniff"


def test_leaders_and_viewers_view_a_dossier_only_officers_save_it(ctx, programme, login_as):
    url = f"/admin/programmes/{programme.id}/dossier"
    for username in ("hanoi.leader", "hanoi.viewer"):
        c = login_as(username)
        page = c.get(url)
        assert page.status_code == 200 and "Lưu hồ sơ" not in page.get_data(as_text=True)
        r = c.post(url, data={**_form(c, url), "do": "save", "letter_number": "9", "signer": "X"})
        assert r.status_code == 403
        r = c.post(url, data={**_form(c, url), "do": "send"})
        assert r.status_code == 403
    c = login_as("hanoi.officer")
    assert "Lưu hồ sơ" in c.get(url).get_data(as_text=True)
    assert c.post(url, data={**_form(c, url), "do": "save", "letter_number": "9", "signer": "X"}).status_code == 302
    assert db.session.execute(db.select(db.func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "dossier.update")).scalar_one() == 1


def test_upper_levels_review_shows_the_unit_not_the_officer_below(ctx, submit, allot, act, login_as):
    """The initiative's history: the grassroots union sees that Hoàn Kiếm selected it, and why, but not the
    name of Hoàn Kiếm's officer (the audit log does not list that event for it at all); Hoàn Kiếm sees the
    name of the grassroots officer who appraised it."""
    allot("hanoi.officer", {"01-002": 2})
    allot("hoankiem.officer", {"01-002-01": 2})
    ini = submit()
    act("cdcs.officer", ini, "appraise", score=80, opinion="Đạt yêu cầu")
    act("cdcs.officer", ini, "nominate")
    act("hoankiem.officer", ini, "select", score=90, opinion="Tiêu biểu cấp quận")
    details = f"/admin/initiatives/details/?id={ini.id}"
    grassroots = login_as("cdcs.officer").get(details).get_data(as_text=True)
    assert "Đỗ Thị Lan" not in grassroots  # hoankiem.officer's name
    assert "Liên đoàn Lao động quận Hoàn Kiếm" in grassroots and "Tiêu biểu cấp quận" in grassroots
    assert "Vũ Quang Huy" in grassroots  # its own officer
    district = login_as("hoankiem.officer").get(details).get_data(as_text=True)
    assert "Vũ Quang Huy" in district and "Đỗ Thị Lan" in district
    audit = login_as("cdcs.officer").get("/admin/audit/?page_size=200").get_data(as_text=True)
    assert "Đỗ Thị Lan" not in audit
