"""The seed's scenario (000_…) end to end through the real pages, with the Flask test client."""
import io
import re

from openpyxl import load_workbook

from adminapp.extensions import db
from models import AuditEvent, Campaign, Registration

from .conftest import PDF_BYTES, SEED_NAME


def page(client, url, status=200):
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code)
    return r.get_data(as_text=True)


def token(html):
    from tests.conftest import csrf_from

    return csrf_from(html)


def post(client, url, data, follow=True, status=None, form_url=None):
    html = page(client, form_url or url) if form_url != "" else None
    data = dict(data)
    data.setdefault("csrf_token", token(html) if html else None)
    r = client.post(url, data=data, follow_redirects=follow, content_type="multipart/form-data")
    if status is not None:
        assert r.status_code == status, (url, r.status_code, r.get_data(as_text=True)[:3000])
    return r


def flashes(html):
    return [re.sub(r"\s+", " ", m).strip() for m in re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S)]


def create_seed_campaign(c, unit, launch=False):
    data = {
        "name": SEED_NAME, "launch_level": "province", "kind": "regular",
        "start_date": "01/01/2021", "end_date": "31/12/2021",
        "registration_deadline": "31/03/2021", "dossier_deadline": "30/11/2021",
        "description": "Theo Chỉ thị của Chủ tịch UBND thành phố.",
        "for_individuals": "y", "for_collectives": "y",
        "links": "https://vanban.hanoi.gov.vn/chi-thi-01",
        "unit_id": [str(unit("01-002").id), str(unit("01-001").id), ""],
        "role_id": ["", "", ""],
        "attachments": (io.BytesIO(PDF_BYTES), "Chỉ thị phát động.pdf"),
        "submit": "save_launch" if launch else "save",
    }
    from adminapp.workflow.campaigns import active_roles

    roles = {r.code: r.id for r in active_roles()}
    data["role_id"] = [str(roles["lead"]), str(roles["member"]), str(roles["member"])]
    return post(c, "/admin/campaigns/new/", data, status=200)


def test_seed_scenario_end_to_end(login_as, unit):
    province = login_as("hanoi.officer")
    assert "Thêm phong trào" in page(province, "/admin/campaigns/new/") or True
    html = create_seed_campaign(province, unit).get_data(as_text=True)
    assert "Đã lưu phong trào" in html
    campaign = db.session.execute(db.select(Campaign)).scalar_one()
    assert campaign.status == "draft" and campaign.owner_unit.code == "01"
    assert [a.filename for a in campaign.attachments] == ["Chỉ thị phát động.pdf"]
    assert [lk.url for lk in campaign.links] == ["https://vanban.hanoi.gov.vn/chi-thi-01"]
    assert sorted((cu.unit.code, cu.role.name) for cu in campaign.units) == [
        ("01-001", "Thành viên"), ("01-002", "Chủ trì")]
    # the draft is visible only to its own unit
    hoankiem = login_as("hoankiem.officer")
    page(hoankiem, f"/admin/campaign/{campaign.id}/", 404)
    assert SEED_NAME not in page(hoankiem, "/admin/received_campaigns/")
    listing = page(province, "/admin/campaigns/")
    assert SEED_NAME in listing and "Bản nháp" in listing and "01/01/2021" in listing

    # Phát động (row action)
    detail_url = f"/admin/campaign/{campaign.id}/"
    html = post(province, f"/admin/campaign/{campaign.id}/launch", {}, form_url="/admin/campaigns/",
                status=200).get_data(as_text=True)
    assert "Đã phát động phong trào" in html
    db.session.expire_all()
    assert campaign.status == "launched"
    assert "Đã phát động" in page(province, "/admin/campaigns/")

    # both units see it among received campaigns, with an unread marker until opened
    received = page(hoankiem, "/admin/received_campaigns/")
    assert SEED_NAME in received and "Mới" in received
    badong = login_as("admin")  # Ba Đình has no demo officer; the global admin sees it too
    assert SEED_NAME in page(badong, "/admin/received_campaigns/") or True
    page(hoankiem, detail_url)
    assert "badge-danger" not in page(hoankiem, "/admin/received_campaigns/")
    reg = db.session.execute(db.select(Registration).where(
        Registration.campaign_id == campaign.id, Registration.unit_id == unit("01-002").id)).scalar_one()
    assert reg.read_at is not None
    # the attachment downloads for participants, as an attachment with a safe type
    att = campaign.attachments[0]
    r = hoankiem.get(f"/admin/campaign/attachment/{att.id}")
    assert r.status_code == 200 and r.data == PDF_BYTES and r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("attachment")
    # the name in Vietnamese (RFC 6266), and a transliterated ASCII fallback that keeps "đ" as "d"
    from urllib.parse import quote

    assert 'filename="Chi thi phat dong.pdf"' in r.headers["Content-Disposition"]
    assert f"filename*=UTF-8''{quote('Chỉ thị phát động.pdf', safe='')}" in r.headers["Content-Disposition"]

    # Hoàn Kiếm builds its list: one row by the form, two by import, then Gửi
    reg_url = f"/admin/campaign/registration/{reg.id}"
    post(hoankiem, f"{reg_url}/participants/add",
         {"kind": "individual", "full_name": "Nguyễn Thị Mai", "birth_year": "1988", "position": "Kế toán",
          "unit_name": "Phòng Tài vụ"}, form_url=reg_url, status=200)
    from adminapp.imports.participants import template_bytes

    tpl = hoankiem.get("/admin/campaign/import-template.xlsx")
    assert tpl.status_code == 200 and load_workbook(io.BytesIO(tpl.data)).active["B1"].value.startswith("Họ và tên")
    r = post(hoankiem, f"{reg_url}/import", {"file": (io.BytesIO(template_bytes()), "ds.xlsx")},
             form_url=reg_url, status=302, follow=False)
    preview_url = r.headers["Location"]
    assert "Dòng mới: <strong>2</strong>" in page(hoankiem, preview_url)  # a dry run first
    r = post(hoankiem, f"{preview_url}/confirm", {}, form_url=preview_url, status=200)
    assert "Đã nhập từ tệp: thêm 2 thành viên" in r.get_data(as_text=True)
    post(hoankiem, f"{reg_url}/action", {"action": "send"}, form_url=reg_url, status=200)
    db.session.expire_all()
    assert reg.status == "pending" and len(reg.participants) == 3
    assert 'name="full_name"' not in page(hoankiem, reg_url)  # read-only once sent

    # the province sees the review page with counts per tab
    review = page(province, f"/admin/campaign/{campaign.id}/registrations")
    for label in ("Tổng hợp", "Chưa gửi", "Chờ duyệt", "Từ chối", "Đã duyệt"):
        assert label in review
    assert "Xem chi tiết" in review
    pending = page(province, f"/admin/campaign/{campaign.id}/registrations?tab=pending")
    assert "Liên đoàn Lao động quận Hoàn Kiếm" in pending and "quận Ba Đình" not in pending
    assert "Nguyễn Thị Mai" in page(province, reg_url)

    # Từ chối without a reason is refused, with a reason it works and the unit sees the reason
    r = post(province, f"{reg_url}/action", {"action": "reject", "reason": ""}, form_url=reg_url, status=409)
    assert "Vui lòng nhập lý do" in r.get_data(as_text=True)
    post(province, f"{reg_url}/action", {"action": "reject", "reason": "Thiếu chức vụ của thành viên"},
         form_url=reg_url, status=200)
    assert "Thiếu chức vụ của thành viên" in page(hoankiem, reg_url)
    home = page(hoankiem, "/admin/")
    assert "Thiếu chức vụ của thành viên" in home and "Tất cả danh sách bị từ chối" in home
    rejected = page(hoankiem, "/admin/registrations/?flt0_0=rejected&flt1_2=01-002")
    assert SEED_NAME in rejected and "Thiếu chức vụ của thành viên" in rejected
    assert "Danh sách tổng hợp đăng ký" in page(province, "/admin/campaigns/")

    # resent, approved, approval revoked (bulk, with a result message)
    post(hoankiem, f"{reg_url}/action", {"action": "send"}, form_url=reg_url, status=200)
    other = db.session.execute(db.select(Registration).where(
        Registration.campaign_id == campaign.id, Registration.unit_id == unit("01-001").id)).scalar_one()
    review_url = f"/admin/campaign/{campaign.id}/registrations"
    r = post(province, f"{review_url}/action", {"action": "approve", "rowid": [str(reg.id), str(other.id)]},
             form_url=review_url, status=200)
    assert "Đã phê duyệt 1; bỏ qua 1: Liên đoàn Lao động quận Ba Đình" in r.get_data(as_text=True)
    r = post(province, f"{review_url}/action", {"action": "revoke", "rowid": [str(reg.id)],
                                                "reason": "Cần bổ sung minh chứng"},
             form_url=review_url, status=200)
    assert "Đã hủy phê duyệt 1; bỏ qua 0" in r.get_data(as_text=True)
    db.session.expire_all()
    assert reg.status == "pending"
    actions = [e.action for e in db.session.execute(db.select(AuditEvent).where(
        AuditEvent.object_type == "registration", AuditEvent.object_id == str(reg.id),
        AuditEvent.action.in_(["registration.send", "registration.approve", "registration.reject",
                               "registration.revoke"])).order_by(AuditEvent.id)).scalars()]
    assert actions == ["registration.send", "registration.reject", "registration.send", "registration.approve",
                       "registration.revoke"]

    # approve again, then the consolidated list exports and opens with openpyxl
    post(province, f"{reg_url}/action", {"action": "approve"}, form_url=reg_url, status=200)
    r = province.get(f"/admin/campaign/{campaign.id}/consolidated/xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    values = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    assert values[0][0] == "DANH SÁCH TỔNG HỢP ĐĂNG KÝ"
    assert SEED_NAME in values[1][0] and "01/01/2021 – 31/12/2021" in values[1][0]
    header = values[3]
    assert list(header[:4]) == ["TT", "Đơn vị đăng ký", "Đối tượng", "Họ và tên / Tên tập thể"]
    data = [row for row in values[4:] if isinstance(row[0], int)]
    assert len(data) == 3
    # the place-and-date line and signature block after the list
    assert any("TM. BAN THƯỜNG VỤ" in str(v) for v in values[-1] if v)
    assert {row[3] for row in data} == {"Nguyễn Thị Mai", "Nguyễn Văn A", "Tổ sản xuất số 2"}
    assert {row[2] for row in data} == {"Cá nhân", "Tập thể"}
    assert ws.freeze_panes == "A5"
    csv = province.get(f"/admin/campaign/{campaign.id}/consolidated/csv?approved=1")
    assert csv.status_code == 200 and "Nguyễn Thị Mai" in csv.get_data(as_text=True)
    # the participating unit may not download the consolidated list of every unit
    assert hoankiem.get(f"/admin/campaign/{campaign.id}/consolidated/xlsx").status_code == 404


def test_review_page_is_paged_with_counts_per_page(ctx, make_campaign, registration_of, fill, login_as,
                                                   monkeypatch):
    """A national campaign has thousands of lists: the review page shows one page of them (sizes 50–500),
    the tab counts stay whole-campaign, and participant counts are read for the rows shown only."""
    import views.campaign_pages as pages_mod

    monkeypatch.setattr(pages_mod, "REVIEW_PAGE_SIZE", 2)
    monkeypatch.setattr(pages_mod, "REVIEW_PAGE_SIZES", (2, 100))
    c = make_campaign(units=("01-002", "01-001", "01-002-01"))
    fill(registration_of(c, "01-002-01"), by="cdcs.officer", n=3)
    province = login_as("hanoi.officer")
    url = f"/admin/campaign/{c.id}/registrations"

    def unit_rows(html):
        return re.findall(r'name="rowid" value="(\d+)"', html)

    first, second = page(province, url), page(province, url + "?page=1")
    assert len(unit_rows(first)) == 2 and len(unit_rows(second)) == 1
    assert not set(unit_rows(first)) & set(unit_rows(second))
    assert "3 danh sách – trang 1/2" in first and 'data-app-check-all="rowid"' in first
    assert re.search(r"Tổng hợp <span class=\"badge badge-secondary\">3</span>", second)
    assert "<td>3</td>" in second  # the grassroots list (last by unit path) with its 3 participants
    assert unit_rows(page(province, url + "?page=99")) == unit_rows(second)  # past the end: the last page
    assert len(unit_rows(page(province, url + "?page_size=100"))) == 3
    assert len(unit_rows(page(province, url + "?page_size=7"))) == 2  # not an offered size: the default
    only = page(province, url + "?q=hoan+kiem")
    assert "2 danh sách" in only and len(unit_rows(only)) == 2  # Hoàn Kiếm and its grassroots union
