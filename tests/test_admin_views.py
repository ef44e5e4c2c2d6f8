"""The foundation's admin pages as an officer and an administrator use them."""
import io
import re

import openpyxl

from adminapp.extensions import db
from models import AuditEvent, Role, Unit, User
from tests.conftest import Auth, csrf_from


def form_token(client, url):
    return csrf_from(client.get(url).get_data(as_text=True))


def events(action):
    return db.session.execute(
        db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).scalars().all()


def test_officer_creates_a_unit_below_own(login_as, unit):
    c = login_as("hoankiem.officer")
    token = form_token(c, "/admin/units/new/")
    r = c.post("/admin/units/new/", data={
        "csrf_token": token, "code": "01-002-04", "name": "Công đoàn cơ sở Khách sạn Metropole",
        "short_name": "CĐCS Metropole", "kind": "grassroots", "parent": str(unit("01-002").id),
        "sort_order": "0", "default_quota": "", "active": "y",
    })
    assert r.status_code == 302, r.get_data(as_text=True)
    new = unit("01-002-04")
    assert new.path == "/TLD/01/01-002/01-002-04/" and new.level == 3
    (ev,) = events("unit.create")[-1:]
    assert ev.object_id == str(new.id) and ev.actor.username == "hoankiem.officer"
    assert ev.actor_unit.code == "01-002"


def test_officer_cannot_create_a_unit_outside_scope_by_forging_the_parent(login_as, unit):
    c = login_as("hoankiem.officer")
    token = form_token(c, "/admin/units/new/")
    r = c.post("/admin/units/new/", data={
        "csrf_token": token, "code": "40-412-99", "name": "Giả mạo", "kind": "grassroots",
        "parent": str(unit("40-412").id), "sort_order": "0", "active": "y",
    })
    assert r.status_code == 200  # form re-rendered with an error
    # the forged parent is not among the scoped choices: it resolves to nothing and the service refuses
    assert "Bạn chỉ quản lý được các đơn vị trực thuộc đơn vị mình." in r.get_data(as_text=True)
    assert db.session.execute(db.select(Unit).where(Unit.code == "40-412-99")).scalar_one_or_none() is None


def test_officer_moves_a_subtree_through_the_edit_form(login_as, unit):
    c = login_as("hanoi.officer")
    target = unit("01-002-03")
    url = f"/admin/units/edit/?id={target.id}"
    html = c.get(url).get_data(as_text=True)
    version = re.search(r'name="version_token" type="hidden" value="(\d+)"', html).group(1)
    r = c.post(url, data={
        "csrf_token": csrf_from(html), "version_token": version, "code": target.code, "name": target.name,
        "short_name": target.short_name, "kind": "grassroots", "parent": str(unit("01-001").id),
        "sort_order": "0", "active": "y",
    })
    assert r.status_code == 302
    moved = unit("01-002-03")
    assert moved.path == "/TLD/01/01-001/01-002-03/"
    assert len(events("unit.move")) == 1


def test_officer_cannot_edit_own_unit(login_as, unit):
    c = login_as("hoankiem.officer")
    own = unit("01-002")
    url = f"/admin/units/edit/?id={own.id}"
    html = c.get(url).get_data(as_text=True)
    r = c.post(url, data={"csrf_token": csrf_from(html), "code": own.code, "name": "Đổi tên trái phép",
                          "kind": own.kind, "parent": str(own.parent_id), "sort_order": "0",
                          "default_quota": "99", "active": "y"})
    assert r.status_code == 200
    assert "chỉ quản lý được các đơn vị trực thuộc" in r.get_data(as_text=True)
    assert unit("01-002").name == "Liên đoàn Lao động quận Hoàn Kiếm"


def test_concurrent_edit_is_detected_not_overwritten(login_as, unit):
    a = login_as("hanoi.officer")
    b = login_as("hanoi.leader")  # reads the same form
    target = unit("01-002-02")
    url = f"/admin/units/edit/?id={target.id}"
    html_a = a.get(url).get_data(as_text=True)
    version = re.search(r'name="version_token" type="hidden" value="(\d+)"', html_a).group(1)
    base = {"code": target.code, "short_name": target.short_name, "kind": "grassroots",
            "parent": str(target.parent_id), "sort_order": "0", "active": "y"}
    # somebody else saves first
    c = login_as("hoankiem.officer")
    html_c = c.get(url).get_data(as_text=True)
    r = c.post(url, data={**base, "csrf_token": csrf_from(html_c), "version_token": version,
                          "name": "Tên do người thứ nhất sửa"})
    assert r.status_code == 302
    # the stale form is refused with a message; the first change stays
    r = a.post(url, data={**base, "csrf_token": csrf_from(html_a), "version_token": version,
                          "name": "Tên do người thứ hai sửa"})
    assert r.status_code == 200
    assert "vừa được người khác sửa" in r.get_data(as_text=True)
    assert unit("01-002-02").name == "Tên do người thứ nhất sửa"
    assert b is not None


def test_officer_creates_user_but_cannot_grant_more_than_own_rights(login_as, unit):
    c = login_as("hanoi.officer")
    html = c.get("/admin/users/new/").get_data(as_text=True)
    roles_select = re.search(r'<select[^>]*id="roles".*?</select>', html, re.S).group(0)
    assert "Quản trị hệ thống" not in roles_select and "Chuyên viên TĐKT" in roles_select
    admin_role = db.session.execute(db.select(Role).where(Role.name == "admin")).scalar_one()
    officer_role = db.session.execute(db.select(Role).where(Role.name == "officer")).scalar_one()
    base = {"csrf_token": csrf_from(html), "username": "Nguyen.Van.B", "full_name": "Nguyễn Văn B",
            "email": "b@example.vn", "phone": "0912345678", "unit": str(unit("01-002").id), "active": "y",
            "new_password": "MatKhau#2026"}
    # a forged admin role id is not among the offered choices: it is never granted
    c.post("/admin/users/new/", data={**base, "username": "forged", "roles": str(admin_role.id)})
    forged = db.session.execute(db.select(User).where(User.username == "forged")).scalar_one_or_none()
    assert forged is None or admin_role not in forged.roles
    r = c.post("/admin/users/new/", data={**base, "roles": str(officer_role.id)})
    assert r.status_code == 302
    created = db.session.execute(db.select(User).where(User.username == "nguyen.van.b")).scalar_one()
    assert created.password_hash.startswith("$argon2id$") and created.unit.code == "01-002"
    assert len(events("user.create")) >= 1
    # the new account can log in
    assert Auth(c.application.test_client()).login("nguyen.van.b", "MatKhau#2026").status_code == 302


def test_new_user_needs_a_password_and_bad_email_is_explained(login_as, unit):
    c = login_as("hanoi.officer")
    html = c.get("/admin/users/new/").get_data(as_text=True)
    r = c.post("/admin/users/new/", data={"csrf_token": csrf_from(html), "username": "nopass", "full_name": "X",
                                          "unit": str(unit("01").id), "email": "not-an-email", "active": "y"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "Địa chỉ thư điện tử không hợp lệ" in body
    r = c.post("/admin/users/new/", data={"csrf_token": csrf_from(html), "username": "nopass", "full_name": "X",
                                          "unit": str(unit("01").id), "active": "y"})
    assert "Cần đặt mật khẩu cho tài khoản mới" in r.get_data(as_text=True)


def test_admin_manages_roles(login_as):
    c = login_as("admin")
    html = c.get("/admin/roles/new/").get_data(as_text=True)
    r = c.post("/admin/roles/new/", data={"csrf_token": csrf_from(html), "name": "auditor", "title": "Kiểm tra",
                                          "permissions": ["audit.view", "unit.view"]})
    assert r.status_code == 302
    role = db.session.execute(db.select(Role).where(Role.name == "auditor")).scalar_one()
    assert sorted(role.permissions) == ["audit.view", "unit.view"]
    system = db.session.execute(db.select(Role).where(Role.name == "viewer")).scalar_one()
    r = c.post("/admin/roles/delete/", data={"csrf_token": csrf_from(html), "id": str(system.id)})
    assert r.status_code == 302
    assert db.session.get(Role, system.id) is not None
    r = c.post("/admin/roles/delete/", data={"csrf_token": csrf_from(html), "id": str(role.id)})
    assert db.session.execute(db.select(Role).where(Role.name == "auditor")).scalar_one_or_none() is None


def test_audit_log_is_read_only(login_as):
    c = login_as("admin")
    ev = db.session.execute(db.select(AuditEvent)).scalars().first()
    html = c.get("/admin/audit/").get_data(as_text=True)
    assert "/admin/audit/new/" not in html and "/admin/audit/edit/" not in html
    assert c.get("/admin/audit/new/").status_code == 302
    token = csrf_from(c.get("/admin/units/new/").get_data(as_text=True))
    c.post(f"/admin/audit/edit/?id={ev.id}", data={"csrf_token": token, "reason": "sửa"})
    c.post("/admin/audit/delete/", data={"csrf_token": token, "id": str(ev.id)})
    db.session.expire_all()
    assert db.session.get(AuditEvent, ev.id).reason is None


def test_actions_and_forms_without_csrf_are_refused(login_as, unit):
    c = login_as("admin")
    r = c.post("/admin/units/new/", data={"code": "X1", "name": "X", "kind": "grassroots",
                                          "parent": str(unit("01").id), "sort_order": "0"})
    assert r.status_code == 400
    r = c.post("/admin/roles/delete/", data={"id": "1"})
    assert r.status_code == 400
    r = c.post("/admin/units/action/", data={"action": "delete", "rowid": "1"})
    assert r.status_code == 400
    assert db.session.execute(db.select(Unit).where(Unit.code == "X1")).scalar_one_or_none() is None


def test_exports_never_produce_formulas(login_as, unit):
    u = unit("01-002-01")
    u.name = "=HYPERLINK(\"http://evil\",\"bấm\")"
    db.session.commit()
    c = login_as("hoankiem.officer")
    r = c.get("/admin/units/export/xlsx/")
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    cells = [cell for row in ws.iter_rows() for cell in row if cell.value and str(cell.value).startswith("=")]
    assert cells and all(cell.data_type == "s" for cell in cells)
    assert ws.print_title_rows and ws.page_setup.orientation == "landscape"
    r = c.get("/admin/units/export/csv/")
    assert "'=HYPERLINK" in r.data.decode("utf-8-sig")


def test_pages_are_vietnamese(login_as):
    c = login_as("admin")
    for url in ["/admin/", "/admin/units/", "/admin/units/new/", "/admin/users/", "/admin/users/new/",
                "/admin/roles/", "/admin/audit/", "/admin/units/details/?id=2", "/password"]:
        html = c.get(url).get_data(as_text=True)
        assert '<html lang="vi">' in html, url
        for english in [">Save<", ">Cancel<", ">Delete<", ">Search<", "Add Filter", ">Export", "Home<",
                        "Create New Record", "Toggle navigation", "Record was"]:
            assert english not in html, (url, english)
    html = c.get("/admin/units/").get_data(as_text=True)
    assert "Thêm bộ lọc" in html and "Xuất" in html and "Tìm kiếm" in html


def test_dates_and_times_are_shown_in_vietnam_time(login_as):
    c = login_as("admin")
    html = c.get("/admin/audit/").get_data(as_text=True)
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", html)


def test_date_fields_use_dd_mm_yyyy(login_as, unit):
    from datetime import date

    c = login_as("hanoi.officer")
    target = unit("01-001-01")
    url = f"/admin/units/edit/?id={target.id}"
    html = c.get(url).get_data(as_text=True)
    version = re.search(r'name="version_token" type="hidden" value="(\d+)"', html).group(1)
    data = {"csrf_token": csrf_from(html), "version_token": version, "code": target.code, "name": target.name,
            "kind": "grassroots", "parent": str(target.parent_id), "sort_order": "0", "active": "y",
            "valid_from": "01/07/2025", "valid_to": "31/12/2030"}
    assert c.post(url, data=data).status_code == 302
    saved = unit("01-001-01")
    assert saved.valid_from == date(2025, 7, 1) and saved.valid_to == date(2030, 12, 31)
    html = c.get(url).get_data(as_text=True)
    assert 'value="01/07/2025"' in html and 'data-app-date="1"' in html
    data.update(csrf_token=csrf_from(html), version_token=str(saved.version), valid_from="31/02/2025")
    r = c.post(url, data=data)
    assert r.status_code == 200 and "Ngày không hợp lệ, nhập theo dạng ngày/tháng/năm, ví dụ 31/12/2021" in \
        r.get_data(as_text=True)


def test_paging_shows_every_row_once_whatever_the_sort(login_as):
    """Pages are picked by a deferred join and sorted by the chosen column then by id: paging through a
    column full of ties (the level) shows every unit exactly once, pages never overlap."""
    client = login_as("admin")
    total = db.session.execute(db.select(db.func.count()).select_from(Unit)).scalar_one()
    assert total > 60
    for sort in ("", "&sort=2", "&sort=2&desc=1", "&sort=0"):  # path (default), level both ways, name
        seen: list[str] = []
        for page in range(total // 20 + 2):
            html = client.get(f"/admin/units/?page_size=20&page={page}{sort}").get_data(as_text=True)
            seen += re.findall(r"/admin/units/details/\?id=(\d+)", html)
        assert len(seen) == len(set(seen)) == total, (sort, len(seen), len(set(seen)), total)


def test_row_links_are_the_links_url_for_builds(ctx, login_as):
    """A list builds a row's details and edit links once per page and fills in each id (views/base.get_url):
    every link is the one url_for gives for that row, with the list to come back to."""
    from urllib.parse import parse_qs, urlsplit

    from flask import url_for

    client = login_as("admin")
    url = "/admin/units/?sort=1&search=ha"
    html = client.get(url).get_data(as_text=True)
    found = re.findall(r'href="(/admin/units/(?:details|edit)/\?id=(\d+)[^"]*)"', html)
    assert len({i for _, i in found}) >= 3, found
    with ctx.test_request_context(url):
        for href, row_id in found:
            href = href.replace("&amp;", "&")
            back = parse_qs(urlsplit(href).query)["url"][0]
            assert back.startswith("/admin/units/") and "search=ha" in back, back
            kind = "details_view" if "/details/" in href else "edit_view"
            assert href == url_for(f"units.{kind}", id=int(row_id), url=back), href
    assert "%00" not in html


def test_a_pages_rows_load_by_their_ids_alone(ctx, login_as):
    """The ids of a page carry the scope and the filters; the rows are then loaded by those ids alone (kept in the
    rows' query, PostgreSQL evaluated the scope again over the whole table)."""
    from tests.conftest import recorded_statements

    client = login_as("hanoi.officer")
    for url, table in (("/admin/units/", "unit"), ("/admin/initiatives/?flt1_1=submitted", "initiative"),
                       ("/admin/registrations/", "registration"), ("/admin/units/?sort=1", "unit")):
        with recorded_statements() as recorded:
            assert client.get(url).status_code == 200, url
        loads = [s for s, _ in recorded if f"{table}.id AS {table}_id" in s and f"{table}.id IN (SELECT" in s]
        assert len(loads) == 1, (url, [s[:120] for s, _ in recorded])
        outer = " ".join(loads[0].split()).split(f"{table}.id IN (SELECT")[0]
        where = outer.rsplit(" WHERE ", 1)[-1] if " WHERE " in outer else ""
        assert where.strip() == "", (url, outer[-300:])
