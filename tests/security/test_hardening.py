"""Issue 16: what an outside attack broke, each case as a regression test on both databases.

- every form with a file field (found by crawling the pages, not by naming them) refuses an HTML page and a
  program named .pdf, and an empty file, and stores nothing;
- a participant import with a malformed cell is a per-row error, never a 500;
- ids, offsets and filter values beyond an INTEGER column are "not found", never a 500 (PostgreSQL);
- two or ten simultaneous logins of one account all succeed;
- downloads are never stored by a browser or a proxy.
"""
from __future__ import annotations

import io
import re
import threading
import zipfile
from datetime import date
from urllib.parse import urljoin, urlsplit

import pytest

from adminapp.extensions import db
from models import CampaignAttachment, Dossier, Participant
from tests.conftest import Auth, csrf_from
from tests.security.discover import forms_in

HTML_AS_PDF = ("chi-thi.pdf", b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
EXE_AS_PDF = ("chi-thi.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + b"\x00" * 64)
EMPTY = ("chi-thi.pdf", b"")
# what a form needs besides its file to pass validation up to the file check (the campaign form)
BASELINE = {"name": "Phong trào thử tệp", "start_date": "01/01/2026", "end_date": "31/12/2026",
            "registration_deadline": "30/11/2026", "dossier_deadline": "31/12/2026", "for_individuals": "y"}
SKIP_LINK = re.compile(r"/(logout|export|download|attachment/\d+$|summary\.xlsx|consolidated|import-template|file$)")


def _launch_to_hoan_kiem(user, unit):
    """A launched campaign whose Hoàn Kiếm list is still open for editing (the import form shows)."""
    from adminapp.workflow import campaigns as svc

    role = svc.default_role()
    c = svc.create_campaign(actor=user("hanoi.officer"), units=[(unit("01-002"), role), (unit("01-001"), role)],
                            name="Phong trào kiểm thử tệp", launch_level="province", kind="regular",
                            start_date=date(2026, 1, 1), end_date=date(2026, 12, 31), description="",
                            registration_deadline=date(2026, 11, 30), dossier_deadline=date(2026, 12, 31),
                            for_individuals=True, for_collectives=True)
    svc.launch_campaign(actor=user("hanoi.officer"), campaign=c)
    db.session.commit()
    return c


def _programme(unit):
    from adminapp.workflow import programmes

    p = programmes.create_programme(None, owner=unit("TLD"), name="75 nghìn sáng kiến, vượt khó, phát triển",
                                    slug="75-nghin-sang-kien", submission_opens=date(2026, 3, 10),
                                    submission_closes=date(2026, 12, 20), application_from=date(2026, 2, 1),
                                    application_to=date(2026, 12, 31), dossier_deadline=date(2026, 12, 22))
    db.session.commit()
    return p


def _crawl(client, start: list[str], limit: int = 250) -> dict[str, str]:
    """url -> html of every admin page reachable from `start` by links (GET only, no downloads)."""
    seen: dict[str, str] = {}
    todo = list(start)
    while todo and len(seen) < limit:
        url = todo.pop(0)
        if url in seen:
            continue
        r = client.get(url)
        if r.status_code != 200 or "text/html" not in r.content_type:
            seen[url] = ""
            continue
        html = r.get_data(as_text=True)
        seen[url] = html
        for href in re.findall(r'href="([^"#]+)"', html):
            href = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/admin/") or SKIP_LINK.search(parts.path):
                continue
            if "/static/" in parts.path or re.search(r"(^|&)(page|page_size|sort|desc|flt\w*|url|search)=",
                                                     parts.query):
                continue  # the same pages again
            if href not in seen and href not in todo:
                todo.append(href)
    return seen


def _file_forms(pages: dict[str, str]) -> dict[str, tuple[str, object]]:
    """Distinct POST forms with a file field: an action pattern -> (page url, form)."""
    found = {}
    for url, html in pages.items():
        for form in forms_in(html):
            if form.method != "post" or not any(f.type == "file" for f in form.fields.values()):
                continue
            action = urljoin(url, form.action or url)
            pattern = re.sub(r"\d+", "N", urlsplit(action).path)
            found.setdefault(pattern, (url, form, action))
    return found


def _stored_files() -> tuple[int, int, int]:
    count = lambda q: db.session.execute(q).scalar_one()  # noqa: E731
    return (count(db.select(db.func.count()).select_from(CampaignAttachment)),
            count(db.select(db.func.count()).select_from(Dossier).where(Dossier.file_data.is_not(None))),
            count(db.select(db.func.count()).select_from(Participant)))


def test_every_file_field_refuses_disguised_and_empty_files(ctx, login_as, user, unit):
    campaign = _launch_to_hoan_kiem(user, unit)
    _programme(unit)
    forms = {}
    for username, start in (("hanoi.officer", ["/admin/", "/admin/campaigns/", "/admin/campaigns/new/",
                                               f"/admin/campaigns/edit/?id={campaign.id}", "/admin/programmes/"]),
                            ("hoankiem.officer", ["/admin/", "/admin/received_campaigns/"])):
        client = login_as(username)
        for pattern, (page_url, form, action) in _file_forms(_crawl(client, start)).items():
            forms.setdefault(pattern, (username, page_url, form, action))
    # the crawl must reach every kind of file field the app has
    expected = {"/admin/campaigns/new/", "/admin/campaigns/edit/", "/admin/campaign/N/attachments/add",
                "/admin/campaign/registration/N/import", "/admin/programmes/N/dossier"}
    assert expected <= set(forms), sorted(forms)
    before = _stored_files()
    tried = 0
    for pattern, (username, page_url, _form, action) in sorted(forms.items()):
        client = login_as(username)
        for name, data in (HTML_AS_PDF, EXE_AS_PDF, EMPTY):
            html = client.get(page_url).get_data(as_text=True)
            fresh = next(f for f in forms_in(html) if urljoin(page_url, f.action or page_url) == action)
            body = {}
            for field_name, f in fresh.fields.items():
                if f.type == "file":
                    # disguised as the type the field asks for (accept=".xlsx" on the import)
                    accept = (f.attrs.get("accept") or ".pdf").split(",")[0].strip()
                    ext = accept if accept.startswith(".") else ".pdf"
                    body[field_name] = (io.BytesIO(data), name.rsplit(".", 1)[0] + ext)
                elif f.type in {"checkbox", "radio"} and not f.value:
                    continue
                elif f.tag == "select" and not f.value:
                    body[field_name] = next((o for o in f.options if o and o != "__None"), "")
                elif not f.value and field_name in BASELINE:
                    body[field_name] = BASELINE[field_name]
                else:
                    body[field_name] = f.value
            r = client.post(action, data=body, content_type="multipart/form-data")
            text = r.get_data(as_text=True) if r.status_code != 302 else client.get(
                r.headers["Location"]).get_data(as_text=True)
            assert r.status_code < 500, (pattern, name, r.status_code)
            assert any(m in text for m in ("không khớp với loại tệp", "rỗng", "Vui lòng chọn")), \
                (pattern, name, r.status_code, re.findall(r'(?:alert|invalid-feedback)[^>]*>\s*([^<]{0,200})', text))
            tried += 1
            db.session.expire_all()
            assert _stored_files() == before, (pattern, name)
    assert tried == 3 * len(forms)


def _xlsx_with_cells(cells: dict[str, str]) -> bytes:
    """A minimal xlsx whose sheet XML holds the given raw <c> elements (row 1: the header)."""
    rows = {}
    for ref, xml in cells.items():
        rows.setdefault(int(re.sub(r"[A-Z]", "", ref)), []).append(xml)
    sheet_rows = "".join(f'<row r="{n}">{"".join(v)}</row>' for n, v in sorted(rows.items()))
    files = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
        'name="Danh sách" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><sheetData>{sheet_rows}</sheetData></worksheet>',
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return buf.getvalue()


def _is(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_participant_import_with_malformed_cells_is_a_per_row_error(ctx, login_as, user, unit):
    campaign = _launch_to_hoan_kiem(user, unit)
    from models import Registration

    reg = db.session.execute(db.select(Registration).where(Registration.campaign_id == campaign.id,
                                                           Registration.unit_id == unit("01-002").id)).scalar_one()
    data = _xlsx_with_cells({
        "A1": _is("A1", "Loại (Cá nhân/Tập thể)"), "B1": _is("B1", "Họ và tên / Tên tập thể"),
        "A2": _is("A2", "Cá nhân"), "B2": _is("B2", "Trần Văn Bình"), "C2": '<c r="C2"><v>abc</v></c>',
        "A3": _is("A3", "Cá nhân"), "B3": _is("B3", "Lê Thị Cúc"), "C3": '<c r="C3"><f>1/0+X</f><v>#REF?x</v></c>',
        "A4": _is("A4", "Cá nhân"), "B4": _is("B4", "Phạm Văn Dũng"), "C4": '<c r="C4"><v>1980</v></c>',
    })
    c = login_as("hoankiem.officer")
    url = f"/admin/campaign/registration/{reg.id}"
    token = csrf_from(c.get(url).get_data(as_text=True))
    r = c.post(f"{url}/import", data={"csrf_token": token, "file": (io.BytesIO(data), "ds.xlsx")},
               content_type="multipart/form-data")
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "Dòng 2: ô C2 có giá trị không hợp lệ (“abc”)" in html
    assert "Dòng 3: ô C3 có giá trị không hợp lệ" in html
    assert "Dòng 4" not in html
    assert db.session.execute(db.select(db.func.count()).select_from(Participant)).scalar_one() == 0


# --------------------------------------------------------------------------- ids beyond INTEGER (issue 16, 8)

BIG = "2147483648"


def _issue_urls(campaign_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", "/admin/campaign/99999999999/"),
        ("GET", f"/admin/campaign/{BIG}/registrations"),
        ("GET", f"/admin/campaign/attachment/{BIG}"),
        ("GET", f"/admin/exports/{BIG}/download"),
        ("POST", f"/admin/campaign/link/{BIG}/remove"),
        ("GET", f"/admin/campaign/{campaign_id}/registrations?role={BIG}"),
        ("GET", f"/admin/campaign/{campaign_id}/registrations/export/csv?role={BIG}"),
        ("GET", f"/admin/campaign/{campaign_id}/registrations?page=-5&page_size=99999999999999"),
        ("GET", "/admin/units/ajax/lookup/?name=parent&query=&offset=-1"),
        ("GET", "/admin/users/ajax/lookup/?name=unit&query=&offset=-1&limit=-3"),
        ("GET", f"/admin/units/ajax/lookup/?name=parent&query=&offset={BIG}0000000000"),
        ("GET", f"/admin/initiatives/details/?id={BIG}"),
        ("GET", f"/admin/units/edit/?id=-{BIG}"),
        ("GET", f"/admin/units/?sort={BIG}&desc={BIG}&page={BIG}"),
        ("GET", f"/admin/programmes/1/dossier?unit={BIG}"),
        ("POST", f"/admin/campaign/{campaign_id}/registrations/action"),
    ]


def test_ids_beyond_an_integer_column_are_not_found_never_500(ctx, login_as, user, unit):
    campaign = _launch_to_hoan_kiem(user, unit)
    for username in ("admin", "hanoi.officer"):
        c = login_as(username)
        token = Auth(c).token("/password")
        for method, url in _issue_urls(campaign.id):
            if method == "GET":
                r = c.get(url)
            else:
                r = c.post(url, data={"csrf_token": token, "rowid": [BIG, "-1", "99999999999999999999"],
                                      "action": "approve"})
            assert r.status_code < 500, (username, method, url, r.status_code)
            if "ajax" in url:
                assert r.status_code == 200 and r.is_json
        for url in (f"/admin/campaign/{BIG}/", f"/admin/campaign/attachment/{BIG}", f"/admin/exports/{BIG}/download"):
            assert c.get(url).status_code == 404


# --------------------------------------------------------------------------- simultaneous logins (issue 16, 5)


@pytest.mark.parametrize("n", [2, 10])
def test_simultaneous_logins_of_one_account_all_succeed(ctx, n):
    clients = [ctx.test_client() for _ in range(n)]
    tokens = [csrf_from(c.get("/login").get_data(as_text=True)) for c in clients]
    barrier = threading.Barrier(n)
    results: list[int] = [0] * n

    def login(i):
        barrier.wait()
        r = clients[i].post("/login", data={"username": "hanoi.officer", "password": "Demo@2026",
                                            "csrf_token": tokens[i]})
        results[i] = r.status_code

    threads = [threading.Thread(target=login, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [302] * n
    assert all(c.get("/admin/").status_code == 200 for c in clients)


# --------------------------------------------------------------------------- downloads are not cached (10)


def test_downloads_and_pages_are_never_stored(ctx, login_as, user, unit):
    from tests.campaigns.conftest import PDF_BYTES

    campaign = _launch_to_hoan_kiem(user, unit)
    c = login_as("hanoi.officer")
    token = csrf_from(c.get(f"/admin/campaign/{campaign.id}/").get_data(as_text=True))
    c.post(f"/admin/campaign/{campaign.id}/attachments/add",
           data={"csrf_token": token, "attachments": (io.BytesIO(PDF_BYTES), "Kế hoạch.pdf")},
           content_type="multipart/form-data")
    att = db.session.execute(db.select(CampaignAttachment)).scalars().first()
    for url in (f"/admin/campaign/attachment/{att.id}", "/admin/users/export/csv/", "/admin/units/export/xlsx/",
                f"/admin/campaign/{campaign.id}/consolidated/xlsx", "/admin/", "/admin/campaign/import-template.xlsx"):
        r = c.get(url)
        assert r.status_code == 200, url
        assert r.headers["Cache-Control"] == "no-store", (url, r.headers.get("Cache-Control"))
        assert "ETag" not in r.headers and "Last-Modified" not in r.headers
