"""Campaign lists: search without diacritics, filters, counts per state, export, bulk Phát động, home page."""
import io
import re
from datetime import date, timedelta

from openpyxl import load_workbook

from adminapp.extensions import db
from adminapp.workflow import registrations as regs
from models import Campaign

from .conftest import SEED_NAME
from .test_campaign_pages import page, post


def test_search_without_diacritics_and_filters(make_campaign, login_as):
    make_campaign()
    make_campaign(name="Phong trào Lao động giỏi, lao động sáng tạo", kind="thematic", launch=False)
    c = login_as("hanoi.officer")
    html = page(c, "/admin/campaigns/?search=thang+loi+kinh+te")
    assert SEED_NAME in html and "Lao động giỏi" not in html
    html = page(c, "/admin/campaigns/?search=LAO+DONG+GIOI")
    assert "Lao động giỏi" in html and SEED_NAME not in html
    html = page(c, "/admin/campaigns/?flt0_0=thematic")  # Loại phong trào = Theo chuyên đề
    assert "Lao động giỏi" in html and SEED_NAME not in html
    assert "Theo chuyên đề (theo đợt)" in html
    html = page(c, "/admin/campaigns/?flt0_4=2021")  # Năm
    assert SEED_NAME in html
    assert SEED_NAME not in page(c, "/admin/campaigns/?flt0_4=2023")
    html = page(c, "/admin/campaigns/?flt0_3=ha+noi")  # Đơn vị phát động chứa "ha noi"
    assert SEED_NAME in html


def test_counts_per_state_in_list(make_campaign, registration_of, fill, login_as, user):
    c = make_campaign()
    reg = fill(registration_of(c, "01-002"))
    regs.apply(user("hoankiem.officer"), reg.id, "send")
    db.session.commit()
    html = page(login_as("hanoi.officer"), "/admin/campaigns/")
    assert "Chưa gửi: 1" in html and "Chờ duyệt: 1" in html and "Đã duyệt: 0" in html


def test_list_export_xlsx_scoped_and_filtered(make_campaign, login_as):
    make_campaign()
    make_campaign(name="=HYPERLINK(\"http://x\")", kind="thematic")
    c = login_as("hanoi.officer")
    r = c.get("/admin/campaigns/export/xlsx/?flt0_0=regular")
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    names = [row[0] for row in rows[4:]]
    assert names == [SEED_NAME]
    assert "Tên phong trào" in rows[3] and "Thường xuyên" in rows[4]
    r = c.get("/admin/campaigns/export/xlsx/?flt0_0=thematic")
    cell = load_workbook(io.BytesIO(r.data)).active["A5"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")  # text, never a formula


def test_bulk_launch_action(make_campaign, login_as):
    ok = make_campaign(launch=False)
    empty = make_campaign(units=(), launch=False, name="Chưa có đơn vị")
    c = login_as("hanoi.officer")
    r = post(c, "/admin/campaigns/action/", {"action": "launch", "rowid": [str(ok.id), str(empty.id)]},
             form_url="/admin/campaigns/", status=200)
    html = r.get_data(as_text=True)
    assert "Đã phát động 1; bỏ qua 1: Chưa có đơn vị – Phải chọn ít nhất một đơn vị tham gia" in html
    db.session.expire_all()
    assert db.session.get(Campaign, ok.id).status == "launched"
    assert db.session.get(Campaign, empty.id).status == "draft"


def test_delete_only_drafts(make_campaign, login_as):
    draft_id = make_campaign(launch=False).id
    launched_id = make_campaign(name="Đã phát động").id
    c = login_as("hanoi.officer")
    post(c, f"/admin/campaign/{draft_id}/delete", {}, form_url=f"/admin/campaign/{draft_id}/", status=200)
    r = post(c, f"/admin/campaign/{launched_id}/delete", {}, form_url=f"/admin/campaign/{launched_id}/",
             status=200)
    assert "không xóa được" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Campaign, draft_id) is None and db.session.get(Campaign, launched_id) is not None


def test_dashboard_panels(make_campaign, registration_of, fill, login_as, user):
    soon = date.today() + timedelta(days=5)
    c = make_campaign(start_date=soon - timedelta(days=30), end_date=soon + timedelta(days=60),
                      registration_deadline=soon, dossier_deadline=soon + timedelta(days=30))
    reg = fill(registration_of(c, "01-002"))
    regs.apply(user("hoankiem.officer"), reg.id, "send")
    db.session.commit()
    district = login_as("hoankiem.officer")
    html = page(district, "/admin/")
    assert "Phong trào mới chưa xem" in html and "Hạn trong 14 ngày tới" in html
    assert f"hạn đăng ký {soon.strftime('%d/%m/%Y')}" in html
    unread = page(district, "/admin/received_campaigns/?flt0_7=1")
    assert SEED_NAME in unread
    province = login_as("hanoi.officer")
    html = page(province, "/admin/")
    assert "Danh sách đăng ký chờ tôi duyệt" in html and f"/admin/campaign/{c.id}/registrations?tab=pending" in html
    assert "<svg" in html and "Chờ duyệt: 1" in html
    # no asset from another host (a CDN); "cdn" in the page could be part of a random CSRF token
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)


def _statements(client, url):
    from sqlalchemy import event

    count = [0]

    def _count(*args, **kwargs):
        count[0] += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", _count)
    try:
        page(client, url)  # warm up: the tests share one session, whose identity map caches the user's rows
        count[0] = 0
        page(client, url)
    finally:
        event.remove(engine, "before_cursor_execute", _count)
    return count[0]


def test_lists_do_not_query_per_row(make_campaign, login_as):
    for i in range(2):
        make_campaign(name=f"Phong trào số {i}")
    province, district = login_as("hanoi.officer"), login_as("hoankiem.officer")
    few = (_statements(province, "/admin/campaigns/"), _statements(district, "/admin/received_campaigns/"),
           _statements(province, "/admin/registrations/"))
    for i in range(2, 8):
        make_campaign(name=f"Phong trào số {i}")
    many = (_statements(province, "/admin/campaigns/"), _statements(district, "/admin/received_campaigns/"),
            _statements(province, "/admin/registrations/"))
    assert many == few
