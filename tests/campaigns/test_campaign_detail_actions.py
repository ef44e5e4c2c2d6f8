"""The campaign page's own actions: units, files, links, archive; and the sender's list after a revoke."""
import io

from adminapp.extensions import db
from adminapp.workflow import campaigns as svc
from adminapp.workflow import registrations as regs
from models import AuditEvent, Campaign, CampaignLink, Registration

from .conftest import PDF_BYTES
from .test_campaign_pages import page, post


def test_units_files_links_from_the_campaign_page(make_campaign, login_as, unit, registration_of, fill, user):
    c = make_campaign(units=("01-002",))
    url = f"/admin/campaign/{c.id}/"
    officer = login_as("hanoi.officer")
    r = post(officer, f"{url}units/add", {"unit_id": str(unit("01-001").id), "role_id": str(svc.default_role().id)},
             form_url=url, status=200)
    assert "Đã thêm đơn vị tham gia" in r.get_data(as_text=True)
    assert registration_of(c, "01-001").status == "not_sent"
    r = post(officer, f"{url}units/add", {"unit_id": str(unit("40-412").id), "role_id": str(svc.default_role().id)},
             form_url=url, status=200)
    assert "Chỉ chọn được đơn vị trực thuộc" in r.get_data(as_text=True)
    # a unit whose list is started cannot be dropped; an untouched one can
    fill(registration_of(c, "01-002"))
    cu = {x.unit.code: x for x in db.session.get(Campaign, c.id).units}
    r = post(officer, f"{url}units/{cu['01-002'].id}/remove", {}, form_url=url, status=200)
    assert "không bỏ khỏi phong trào được" in r.get_data(as_text=True)
    post(officer, f"{url}units/{cu['01-001'].id}/remove", {}, form_url=url, status=200)
    db.session.expire_all()
    assert [x.unit.code for x in db.session.get(Campaign, c.id).units] == ["01-002"]
    # links: http(s) only
    r = post(officer, f"{url}links/add", {"url": "javascript:alert(document.cookie)"}, form_url=url, status=200)
    assert "http:// hoặc https://" in r.get_data(as_text=True)
    post(officer, f"{url}links/add", {"url": "https://tdkt.hanoi.gov.vn/huong-dan", "title": "Hướng dẫn"},
         form_url=url, status=200)
    link = db.session.execute(db.select(CampaignLink)).scalar_one()
    assert 'href="https://tdkt.hanoi.gov.vn/huong-dan"' in page(officer, url)
    # files: upload, then remove
    post(officer, f"{url}attachments/add", {"attachments": (io.BytesIO(PDF_BYTES), "Công văn.pdf")},
         form_url=url, status=200)
    att = db.session.get(Campaign, c.id).attachments[0]
    post(officer, f"/admin/campaign/attachment/{att.id}/remove", {}, form_url=url, status=200)
    post(officer, f"/admin/campaign/link/{link.id}/remove", {}, form_url=url, status=200)
    db.session.expire_all()
    assert db.session.get(Campaign, c.id).attachments == [] and db.session.get(Campaign, c.id).links == []
    actions = [e.action for e in db.session.execute(db.select(AuditEvent).where(
        AuditEvent.object_type == "campaign").order_by(AuditEvent.id)).scalars()]
    for a in ("campaign.unit_add", "campaign.unit_remove", "campaign.link_add", "campaign.attachment_add",
              "campaign.attachment_remove", "campaign.link_remove"):
        assert actions.count(a) == 1, a
    # the participating unit cannot manage the campaign
    district = login_as("hoankiem.officer")
    r = post(district, f"{url}links/add", {"url": "https://example.vn"}, form_url=url, status=200)
    assert "Chỉ chuyên viên của đơn vị phát động" in r.get_data(as_text=True)


def test_archive_freezes_the_campaign(make_campaign, login_as, registration_of, fill, user):
    c = make_campaign()
    reg = fill(registration_of(c, "01-002"))
    officer = login_as("hanoi.officer")
    url = f"/admin/campaign/{c.id}/"
    r = post(officer, f"{url}archive", {}, form_url=url, status=200)
    assert "Đã kết thúc phong trào" in r.get_data(as_text=True)
    assert "Đã kết thúc" in page(officer, "/admin/campaigns/?flt0_2=archived")
    assert officer.get(f"/admin/campaigns/edit/?id={c.id}").status_code == 200  # opens, but saving is refused
    district = login_as("hoankiem.officer")
    r = post(district, f"/admin/campaign/registration/{reg.id}/action", {"action": "send"},
             form_url=f"/admin/campaign/registration/{reg.id}", status=409)
    assert "Phong trào đã kết thúc" in r.get_data(as_text=True)


def test_revoked_list_can_be_corrected_by_its_unit(make_campaign, registration_of, fill, user, login_as):
    c = make_campaign()
    reg = fill(registration_of(c, "01-002"))
    regs.apply(user("hoankiem.officer"), reg.id, "send")
    regs.apply(user("hanoi.officer"), reg.id, "approve")
    regs.apply(user("hanoi.officer"), reg.id, "revoke", "Bổ sung chức vụ")
    db.session.commit()
    district = login_as("hoankiem.officer")
    url = f"/admin/campaign/registration/{reg.id}"
    html = page(district, url)
    assert "Lý do hủy phê duyệt: Bổ sung chức vụ" in html and 'name="full_name"' in html
    post(district, f"{url}/participants/add", {"kind": "collective", "full_name": "Tổ Công đoàn số 3"},
         form_url=url, status=200)
    db.session.expire_all()
    assert len(db.session.get(Registration, reg.id).participants) == 3


def test_bulk_ignores_rows_of_another_campaign(make_campaign, registration_of, fill, user, login_as):
    a, b = make_campaign(), make_campaign(name="Phong trào khác")
    ra, rb = fill(registration_of(a, "01-002")), fill(registration_of(b, "01-002"))
    for r in (ra, rb):
        regs.apply(user("hoankiem.officer"), r.id, "send")
    db.session.commit()
    officer = login_as("hanoi.officer")
    url = f"/admin/campaign/{a.id}/registrations"
    r = post(officer, f"{url}/action", {"action": "approve", "rowid": [str(ra.id), str(rb.id)]}, form_url=url,
             status=200)
    assert "Đã phê duyệt 1; bỏ qua 1" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Registration, rb.id).status == "pending"
