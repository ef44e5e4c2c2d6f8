"""Scope (a unit outside a campaign sees nothing of it) and bad input through the pages."""
import io

import pytest
from openpyxl import Workbook, load_workbook

from adminapp.extensions import db
from adminapp.workflow import campaigns as svc
from models import AuditEvent, Campaign, Participant

from .conftest import PDF_BYTES, SEED_NAME
from .test_campaign_pages import create_seed_campaign, page, post


@pytest.fixture()
def launched(make_campaign, user):
    c = make_campaign()
    svc.add_attachment(actor=user("hanoi.officer"), campaign=c, filename="chi-thi.pdf", data=PDF_BYTES)
    db.session.commit()
    return c


def test_outsider_sees_nothing(launched, login_as, registration_of):
    vinh = login_as("vinh.officer")
    for url in ("/admin/campaigns/", "/admin/received_campaigns/", "/admin/registrations/"):
        assert SEED_NAME not in page(vinh, url)
    for url in (f"/admin/campaign/{launched.id}/", f"/admin/campaign/{launched.id}/registrations",
                f"/admin/campaign/attachment/{launched.attachments[0].id}",
                f"/admin/campaign/registration/{registration_of(launched, '01-002').id}",
                f"/admin/campaign/{launched.id}/consolidated/xlsx",
                f"/admin/campaigns/details/?id={launched.id}", f"/admin/campaigns/edit/?id={launched.id}"):
        assert vinh.get(url).status_code == 404, url
    for url in ("/admin/received_campaigns/export/xlsx/", "/admin/registrations/export/csv/"):
        r = vinh.get(url)
        assert r.status_code == 200 and SEED_NAME.encode() not in r.data
    ws = load_workbook(io.BytesIO(vinh.get("/admin/received_campaigns/export/xlsx/").data)).active
    assert all(SEED_NAME not in str(v) for row in ws.iter_rows(values_only=True) for v in row)
    # a grassroots union below a participating district is not a participant either
    cdcs = login_as("cdcs.officer")
    assert cdcs.get(f"/admin/campaign/{launched.id}/").status_code == 404


def test_participant_sees_only_its_own_registration(launched, login_as, registration_of):
    hoankiem = login_as("hoankiem.officer")
    mine, sibling = registration_of(launched, "01-002"), registration_of(launched, "01-001")
    assert hoankiem.get(f"/admin/campaign/registration/{sibling.id}").status_code == 404
    assert hoankiem.get(f"/admin/campaign/registration/{mine.id}").status_code == 200
    review = page(hoankiem, f"/admin/campaign/{launched.id}/registrations")
    assert "quận Hoàn Kiếm" in review and "quận Ba Đình" not in review
    listing = page(hoankiem, "/admin/registrations/")
    assert "quận Hoàn Kiếm" in listing and "quận Ba Đình" not in listing
    # it cannot review its own list, nor act on the owner's pages
    r = post(hoankiem, f"/admin/campaign/{launched.id}/archive", {}, form_url=f"/admin/campaign/{launched.id}/")
    assert "Chỉ chuyên viên của đơn vị phát động" in r.get_data(as_text=True)
    assert db.session.get(Campaign, launched.id).status == "launched"


def test_draft_visible_only_to_owner_unit(make_campaign, login_as):
    draft = make_campaign(launch=False)
    for who in ("hoankiem.officer", "tld.officer", "hanoi.viewer"):
        c = login_as(who)
        expected = 200 if who == "hanoi.viewer" else 404  # same unit (Hà Nội) sees its drafts
        assert c.get(f"/admin/campaign/{draft.id}/").status_code == expected, who


def test_reversed_dates_rerender_with_error(login_as, unit):
    c = login_as("hanoi.officer")
    html = c.get("/admin/campaigns/new/").get_data(as_text=True)
    from tests.conftest import csrf_from

    r = c.post("/admin/campaigns/new/", data={
        "csrf_token": csrf_from(html), "name": SEED_NAME, "launch_level": "province", "kind": "regular",
        "start_date": "31/12/2021", "end_date": "01/01/2021", "for_individuals": "y",
        "unit_id": [str(unit("01-002").id)], "role_id": [str(svc.default_role().id)], "submit": "save_launch"})
    assert r.status_code == 400
    assert "Ngày kết thúc phải sau hoặc trùng ngày bắt đầu." in r.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count()).select_from(Campaign)).scalar_one() == 0


@pytest.mark.parametrize("upload, link, message", [
    ((b"MZ\x90\x00" + b"\x00" * 200, "chi-thi.pdf"), "", "không khớp"),
    ((PDF_BYTES, "chi-thi.pdf"), "javascript:alert(1)", "http:// hoặc https://"),
    ((PDF_BYTES, "chi-thi.pdf"), "ftp://files.hanoi.gov.vn/a.pdf", "http:// hoặc https://"),
])
def test_bad_file_or_link_saves_nothing(login_as, unit, upload, link, message):
    c = login_as("hanoi.officer")
    from tests.conftest import csrf_from

    html = c.get("/admin/campaigns/new/").get_data(as_text=True)
    r = c.post("/admin/campaigns/new/", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(html), "name": SEED_NAME, "launch_level": "province", "kind": "regular",
        "start_date": "01/01/2021", "end_date": "31/12/2021", "for_individuals": "y", "links": link,
        "unit_id": [str(unit("01-002").id)], "role_id": [str(svc.default_role().id)], "attachments": (io.BytesIO(upload[0]), upload[1]),
        "submit": "save"})
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count()).select_from(Campaign)).scalar_one() == 0
    assert db.session.execute(db.select(db.func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action.like("campaign.%"))).scalar_one() == 0


def test_oversize_upload_refused(app, launched, login_as):
    c = login_as("hanoi.officer")
    old = app.config["MAX_UPLOAD_MB"]
    app.config["MAX_UPLOAD_MB"] = 1
    try:
        r = post(c, f"/admin/campaign/{launched.id}/attachments/add",
                 {"attachments": (io.BytesIO(PDF_BYTES + b"0" * (1024 * 1024 + 10)), "lon.pdf")},
                 form_url=f"/admin/campaign/{launched.id}/", status=200)
    finally:
        app.config["MAX_UPLOAD_MB"] = old
    assert "vượt quá dung lượng cho phép (1 MB)" in r.get_data(as_text=True)
    db.session.expire_all()
    assert [a.filename for a in db.session.get(Campaign, launched.id).attachments] == ["chi-thi.pdf"]


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["Loại (Cá nhân/Tập thể)", "Họ và tên / Tên tập thể", "Năm sinh", "Chức vụ", "Đơn vị công tác"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_import_with_bad_rows_saves_nothing(launched, login_as, registration_of):
    reg = registration_of(launched, "01-002")
    c = login_as("hoankiem.officer")
    url = f"/admin/campaign/registration/{reg.id}"
    data = _xlsx([["Cá nhân", "Trần Văn Bình", 1979, "Tổ trưởng", "Tổ 1"],
                  ["Hộ gia đình", "Nhà ông Ba", None, None, None],
                  ["Cá nhân", "", "năm 80", None, None],
                  ["ca nhan", "Lê Thị Cúc", 1800, None, None]])
    r = post(c, f"{url}/import", {"file": (io.BytesIO(data), "ds.xlsx")}, form_url=url, status=400)
    html = r.get_data(as_text=True)
    for msg in ("Dòng 3: Loại phải là “Cá nhân” hoặc “Tập thể”.", "Dòng 4: Năm sinh “năm 80” không phải là số.",
                "Dòng 4: Họ và tên / tên tập thể không được để trống.", "Dòng 5: Năm sinh phải trong khoảng"):
        assert msg in html, msg
    assert db.session.execute(db.select(db.func.count()).select_from(Participant)).scalar_one() == 0
    r = post(c, f"{url}/import", {"file": (io.BytesIO(b"not a spreadsheet"), "ds.xlsx")}, form_url=url,
             status=400)
    assert "không khớp với loại tệp khai báo (.xlsx). Chỉ nhận XLSX." in r.get_data(as_text=True)


def test_illegal_transition_by_page_is_a_4xx(launched, login_as, registration_of):
    reg = registration_of(launched, "01-002")
    c = login_as("hanoi.officer")
    url = f"/admin/campaign/registration/{reg.id}"
    r = post(c, f"{url}/action", {"action": "approve"}, form_url=url, status=409)
    assert "Không thể phê duyệt danh sách đang ở trạng thái “Chưa gửi”." in r.get_data(as_text=True)
    r = post(c, f"{url}/action", {"action": "bogus"}, form_url=url, status=409)
    assert "Thao tác không hợp lệ." in r.get_data(as_text=True)


def test_launch_without_units_shows_error(login_as):
    c = login_as("hanoi.officer")
    from tests.conftest import csrf_from

    html = c.get("/admin/campaigns/new/").get_data(as_text=True)
    r = c.post("/admin/campaigns/new/", data={
        "csrf_token": csrf_from(html), "name": SEED_NAME, "launch_level": "province", "kind": "regular",
        "start_date": "01/01/2021", "end_date": "31/12/2021", "for_individuals": "y", "submit": "save_launch"})
    assert r.status_code == 400 and "Phải chọn ít nhất một đơn vị tham gia" in r.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count()).select_from(Campaign)).scalar_one() == 0


def test_unit_outside_owner_subtree_is_refused(login_as, unit):
    c = login_as("hanoi.officer")
    from tests.conftest import csrf_from

    html = c.get("/admin/campaigns/new/").get_data(as_text=True)
    assert "Nghệ An" not in html and "quận Hoàn Kiếm" in html  # choices are units below the owner only
    r = c.post("/admin/campaigns/new/", data={
        "csrf_token": csrf_from(html), "name": SEED_NAME, "launch_level": "province", "kind": "regular",
        "start_date": "01/01/2021", "end_date": "31/12/2021", "for_individuals": "y",
        "unit_id": [str(unit("40-412").id)], "role_id": [str(svc.default_role().id)], "submit": "save"})
    assert r.status_code == 400 and "Chỉ chọn được đơn vị trực thuộc" in r.get_data(as_text=True)


def test_edit_save_and_launch(login_as, unit):
    c = login_as("hanoi.officer")
    create_seed_campaign(c, unit)
    campaign = db.session.execute(db.select(Campaign)).scalar_one()
    url = f"/admin/campaigns/edit/?id={campaign.id}"
    html = page(c, url)
    assert "Lưu và phát động" in html and 'value="01/01/2021"' in html
    from tests.conftest import csrf_from

    r = c.post(url, data={
        "csrf_token": csrf_from(html), "name": SEED_NAME + " năm 2021", "launch_level": "province",
        "kind": "thematic", "start_date": "01/01/2021", "end_date": "31/12/2021", "for_individuals": "y",
        "version": str(campaign.version),
        "unit_id": [str(unit("01-002").id), str(unit("01-002-01").id)],
        "role_id": [str(svc.default_role().id)] * 2, "submit": "save_launch"}, follow_redirects=True)
    assert r.status_code == 200 and "Đã lưu và phát động" in r.get_data(as_text=True)
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert campaign.status == "launched" and campaign.kind == "thematic"
    assert sorted(cu.unit.code for cu in campaign.units) == ["01-002", "01-002-01"]
    # a stale form (old version) is refused instead of overwriting
    r = c.post(url, data={
        "csrf_token": csrf_from(html), "name": "Ghi đè", "launch_level": "province", "kind": "regular",
        "start_date": "01/01/2021", "end_date": "31/12/2021", "for_individuals": "y", "version": "1",
        "unit_id": [str(unit("01-002").id), str(unit("01-002-01").id)],
        "role_id": [str(svc.default_role().id)] * 2, "submit": "save"})
    assert r.status_code == 400 and "vừa được người khác sửa" in r.get_data(as_text=True)


def test_district_launches_and_receives(make_campaign, login_as):
    make_campaign()  # Hà Nội -> Hoàn Kiếm, Ba Đình
    own = make_campaign(actor="hoankiem.officer", units=("01-002-01",), name="Phong trào của quận Hoàn Kiếm",
                        launch_level="district")
    hoankiem = login_as("hoankiem.officer")
    launched = page(hoankiem, "/admin/campaigns/")
    received = page(hoankiem, "/admin/received_campaigns/")
    assert "Phong trào của quận Hoàn Kiếm" in launched and SEED_NAME not in launched
    assert SEED_NAME in received and "Phong trào của quận Hoàn Kiếm" not in received
    cdcs = login_as("cdcs.officer")
    assert "Phong trào của quận Hoàn Kiếm" in page(cdcs, "/admin/received_campaigns/")
    # the province sees its district's launched campaign (a record of a unit below it), read-only
    province = login_as("hanoi.officer")
    html = page(province, f"/admin/campaign/{own.id}/")
    assert "Phong trào của quận Hoàn Kiếm" in html and "Kết thúc</button>" not in html
    assert province.get(f"/admin/campaigns/edit/?id={own.id}").status_code == 404  # not among its launches


def test_garbage_requests_never_500(launched, login_as, registration_of):
    from tests.conftest import csrf_from

    c = login_as("hanoi.officer")
    reg = registration_of(launched, "01-002")
    for url in ("/admin/campaigns/edit/?id=abc", "/admin/campaign/999999/", "/admin/campaign/attachment/999999",
                f"/admin/campaign/{launched.id}/registrations?tab=zzz&role=abc&q=%25_%5C",
                f"/admin/campaign/{launched.id}/consolidated/pdf", f"/admin/campaign/{launched.id}/registrations/export/x",
                "/admin/campaigns/?flt0_4=abcd", "/admin/campaigns/?flt0_4=%C2%B2",  # '²': isdigit() but not int()
                "/admin/campaigns/?flt0_5=xx+to+yy", "/admin/received_campaigns/?flt0_7=9"):
        assert c.get(url).status_code < 500, url
    token = csrf_from(page(c, f"/admin/campaign/{launched.id}/"))
    posts = [
        (f"/admin/campaign/{launched.id}/registrations/action", {"action": "approve", "rowid": ["x", "-1", "99999"]}),
        (f"/admin/campaign/{launched.id}/units/add", {"unit_id": "abc", "role_id": "x"}),
        (f"/admin/campaign/{launched.id}/units/999999/remove", {}),
        (f"/admin/campaign/registration/{reg.id}/action", {"action": "reject", "reason": "x" * 5000}),
        (f"/admin/campaign/registration/{reg.id}/participants/999/remove", {}),
        ("/admin/campaigns/new/", {"name": "x", "start_date": "30/02/2021", "end_date": "abc", "kind": "zzz",
                                   "launch_level": "zzz", "unit_id": ["abc", ""], "role_id": ["1"], "version": "v"}),
        (f"/admin/campaigns/edit/?id={launched.id}", {"name": "", "version": "abc", "unit_id": ["999999"],
                                                      "role_id": ["999999"]}),
        ("/admin/campaigns/action/", {"action": "launch", "rowid": ["abc", str(launched.id)]}),
    ]
    for url, data in posts:
        r = c.post(url, data=dict(data, csrf_token=token))
        assert r.status_code < 500, (url, r.status_code)
    district = login_as("hoankiem.officer")
    token = csrf_from(page(district, f"/admin/campaign/registration/{reg.id}"))
    for data in ({"kind": "robot", "full_name": "A"}, {"kind": "individual", "full_name": "B", "birth_year": "1e5"}):
        r = district.post(f"/admin/campaign/registration/{reg.id}/participants/add", data=dict(data, csrf_token=token))
        assert r.status_code == 400
