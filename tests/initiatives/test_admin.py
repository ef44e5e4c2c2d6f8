"""Officers' pages: the seed's programme end to end over HTTP, scope, exports, programme settings."""
from __future__ import annotations

import io
import re

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook

from tests.conftest import csrf_from, recorded_statements
from tests.initiatives.test_public import URL, form_data

COLUMNS = [
    "TT",
    "Họ và tên, năm sinh, chức vụ, đơn vị công tác, điện thoại liên hệ",
    "Tên sáng kiến",
    "Thời gian áp dụng",
    "Tóm tắt nội dung sáng kiến",
    "Hiệu quả sáng kiến, giá trị làm lợi, phạm vi ứng dụng",
    "Các danh hiệu thi đua hình thức khen thưởng cá nhân trong 03 năm (2018 – 2020)",  # the programme of 2021
]


def public_submit(client, unit, **overrides) -> str:
    token = csrf_from(client.get(URL).get_data(as_text=True))
    r = client.post(URL, data={**form_data(unit, **overrides), "csrf_token": token})
    assert r.status_code == 303, r.get_data(as_text=True)[:3000]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    return re.search(r'id="tracking-code">([A-Z0-9]{10})<', page).group(1)


def initiative_id(code: str) -> int:
    from adminapp.extensions import db
    from models import Initiative

    return db.session.execute(db.select(Initiative.id).where(Initiative.tracking_code == code)).scalar_one()


def act(c, iid, action, **extra):
    page = c.get(f"/admin/initiatives/details/?id={iid}")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    r = c.post("/admin/initiatives/act/", data={"id": iid, "action": action, "csrf_token": token, **extra})
    assert r.status_code == 302
    return c.get(r.headers["Location"]).get_data(as_text=True)


def bulk(c, ids, action, **extra):
    page = c.get("/admin/initiatives/")
    token = csrf_from(page.get_data(as_text=True))
    r = c.post("/admin/initiatives/action/",
               data={"action": action, "rowid": [str(i) for i in ids], "csrf_token": token, **extra})
    assert r.status_code == 302
    return c.get("/admin/initiatives/").get_data(as_text=True)


def allot(c, pid, mapping):
    page = c.get(f"/admin/programmes/{pid}/quotas")
    token = csrf_from(page.get_data(as_text=True))
    r = c.post(f"/admin/programmes/{pid}/quotas", data={"csrf_token": token, **mapping})
    return c.get(r.headers["Location"]).get_data(as_text=True) if r.status_code == 302 else r.get_data(as_text=True)


def status_of(iid):
    from adminapp.extensions import db
    from models import Initiative

    db.session.expire_all()
    return db.session.get(Initiative, iid).status


def test_seed_programme_end_to_end(client, login_as, unit, programme):
    pid = programme.id
    with freeze_time("2021-04-01 03:00:00"):
        code = public_submit(client, unit, description="đ" * 1000)
        other = public_submit(client, unit, title="Sáng kiến thứ hai", phone="0987 654 321")
        iid, iid2 = initiative_id(code), initiative_id(other)

        cdcs, hoankiem, hanoi, tld = (login_as(u) for u in
                                      ("cdcs.officer", "hoankiem.officer", "hanoi.officer", "tld.officer"))
        html = cdcs.get("/admin/initiatives/").get_data(as_text=True)
        assert code in html and other in html
        html = act(cdcs, iid, "appraise", score="90", opinion="Sáng kiến tốt")
        assert "Đã thẩm định" in html
        html = act(cdcs, iid, "nominate")
        assert "chưa được cấp trên phân bổ" in html and status_of(iid) == "appraised"

        assert "đã đề xuất 0/1" in allot(hanoi, pid, {f"quota_{unit('01-002').id}": "1"})
        assert "vượt quá" in allot(hoankiem, pid, {f"quota_{unit('01-002-01').id}": "2"})
        assert "đã đề xuất 0/1" in allot(hoankiem, pid, {f"quota_{unit('01-002-01').id}": "1"})

        act(cdcs, iid, "nominate")
        assert status_of(iid) == "nominated"
        act(cdcs, iid2, "appraise", opinion="Đạt")
        html = bulk(cdcs, [iid2], "nominate")
        assert "đã dùng hết chỉ tiêu" in html and status_of(iid2) == "appraised"
        assert "đã đề xuất 1/1" in html  # the quota line above the list
        with recorded_statements() as recorded:  # the quota line and the programme filter: one read of programmes
            html = cdcs.get("/admin/initiatives/").get_data(as_text=True)
        assert "đã đề xuất 1/1" in html
        assert len([s for s, _ in recorded if s.startswith("SELECT programme.id")]) == 1, recorded

        html = bulk(hoankiem, [iid, iid2], "select", score="85")
        assert "Xét chọn: 1 sáng kiến đã xử lý, 1 bỏ qua" in html
        bulk(hoankiem, [iid], "nominate")
        assert status_of(iid) == "nominated"
        act(hanoi, iid, "select", opinion="Tiêu biểu cấp thành phố")
        act(hanoi, iid, "nominate")
        assert "đã đề xuất 1/5" in hanoi.get(f"/admin/programmes/{pid}/").get_data(as_text=True)
        html = bulk(tld, [iid], "honour")
        assert status_of(iid) == "honoured"

        # The member follows it with code and phone.
        track = "/sang-kien/75-nghin-sang-kien/tra-cuu"
        token = csrf_from(client.get(track).get_data(as_text=True))
        assert "Được biểu dương" in client.post(track, data={"code": code, "phone": "0912345678",
                                                              "csrf_token": token}).get_data(as_text=True)

        # Hà Nội's dossier: cover letter, checks, summary table.
        page = hanoi.get(f"/admin/programmes/{pid}/dossier").get_data(as_text=True)
        assert "Còn thiếu: số, ngày, người ký, tệp" in page
        token = csrf_from(page)
        r = hanoi.post(f"/admin/programmes/{pid}/dossier", data={
            "csrf_token": token, "do": "save", "letter_number": "125/TTr-LĐLĐ", "letter_date": "20/04/2021",
            "signer": "Phạm Quang Thanh", "letter_file": (io.BytesIO(b"%PDF-1.4 test"), "to-trinh.pdf"),
        }, content_type="multipart/form-data")
        assert r.status_code == 302
        r = hanoi.get(f"/admin/programmes/{pid}/summary.xlsx")
        assert r.status_code == 200
        ws = load_workbook(io.BytesIO(r.data)).active
        assert ws["A1"].value == "TỔNG HỢP TÓM TẮT SÁNG KIẾN"
        assert ws["A2"].value == ("(Kèm theo Tờ trình số 125/TTr-LĐLĐ ngày 20 tháng 04 năm 2021 của Ban Thường vụ "
                                  "Liên đoàn Lao động thành phố Hà Nội)")
        assert [ws.cell(4, c).value for c in range(1, 8)] == COLUMNS
        assert ws.cell(5, 1).value == 1
        assert "Nguyễn Văn An" in ws.cell(5, 2).value and "0912345678" in ws.cell(5, 2).value
        assert ws.cell(5, 3).value == "Cải tiến quy trình kiểm tra công tơ"
        assert ws.cell(5, 4).value == "Từ 01/03/2021"
        assert ws.cell(5, 5).value == "đ" * 1000
        assert "150.000.000 đồng" in ws.cell(5, 6).value
        assert ws.cell(6, 1).value is None
        closing = ws.cell(7, 5).value  # the place-and-date line and the signature block, one cell
        assert closing.startswith("……………, ngày ") and "TM. BAN THƯỜNG VỤ" in closing
        assert closing.endswith("Phạm Quang Thanh")
        assert ws.cell(5, 2).font.name == "Times New Roman" and ws.cell(5, 2).alignment.wrap_text
        assert ws.cell(4, 1).border.left.style == "thin"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
        assert ws.print_title_rows == "$4:$4" and ws.sheet_properties.pageSetUpPr.fitToPage
        page = hanoi.get(f"/admin/programmes/{pid}/dossier").get_data(as_text=True)
        token = csrf_from(page)
        r = hanoi.post(f"/admin/programmes/{pid}/dossier", data={"csrf_token": token, "do": "send"})
        page = hanoi.get(r.headers["Location"]).get_data(as_text=True)
        assert "Đã gửi hồ sơ lên cấp trên." in page and 'id="dossier-sent"' in page

        # The Confederation's summary lists what it honoured.
        ws = load_workbook(io.BytesIO(tld.get(f"/admin/programmes/{pid}/summary.xlsx").data)).active
        assert ws.cell(5, 3).value == "Cải tiến quy trình kiểm tra công tơ"


def test_dossier_refused_when_late_or_flagged(ctx, login_as, unit, user, programme, submit, allot, act):
    from adminapp import access
    from adminapp.extensions import db
    from adminapp.workflow import dossiers, initiatives

    allot("hanoi.officer", {"01-002": 2})
    allot("hoankiem.officer", {"01-002-01": 2})
    ini = submit()
    act("cdcs.officer", ini, "appraise", score=80)
    act("cdcs.officer", ini, "nominate")
    officer = user("cdcs.officer")
    d = dossiers.get_or_new(programme, unit("01-002-01"))
    dossiers.update_dossier(officer, d, letter_number="1", letter_date=programme.submission_closes, signer="A",
                            file_name="a.pdf", file_data=b"%PDF-1.4 x")
    initiatives.set_flags(user("cdcs.officer"), ini, complaint_open=True, dispute_open=False, reason="Có đơn")
    db.session.commit()
    with freeze_time("2021-04-21 03:00:00"):
        failed = [c.label for c in dossiers.checks(d) if not c.ok]
        assert failed == ["Không có khiếu nại, tranh chấp quyền tác giả"]
        with pytest.raises(dossiers.DossierError):
            dossiers.send_dossier(officer, d)
    db.session.rollback()
    with freeze_time("2021-04-22 17:00:00"):  # 00:00 on 23/04 in Hà Nội: after the deadline
        assert [c.label for c in dossiers.checks(d) if not c.ok][0] == "Đúng hạn"
    with pytest.raises(dossiers.DossierError):  # a wrong file type
        dossiers.update_dossier(officer, d, letter_number="1", letter_date=None, signer="A", file_name="x.exe",
                                file_data=b"MZ")
    db.session.rollback()
    with pytest.raises(access.PermissionDenied):  # another unit cannot edit it
        dossiers.update_dossier(user("hoankiem.officer"), d, letter_number="2", letter_date=None, signer="B")
    db.session.rollback()


def test_officers_see_only_their_subtree(ctx, login_as, unit, programme, submit):
    hk = submit(title="Sáng kiến Hoàn Kiếm")
    vinh = submit(title="Sáng kiến Vinh", level1_unit_id=str(unit("40").id), unit_id=str(unit("40-412-01").id))
    c = login_as("vinh.officer")
    html = c.get("/admin/initiatives/").get_data(as_text=True)
    assert vinh.tracking_code in html and hk.tracking_code not in html
    assert c.get(f"/admin/initiatives/details/?id={hk.id}").status_code == 404
    assert c.get(f"/admin/initiatives/details/?id={vinh.id}").status_code == 200
    csv = c.get("/admin/initiatives/export/csv/").get_data(as_text=True)
    assert "Sáng kiến Vinh" in csv and "Sáng kiến Hoàn Kiếm" not in csv
    xlsx = load_workbook(io.BytesIO(c.get("/admin/initiatives/export/xlsx/").data)).active
    values = {str(v) for row in xlsx.iter_rows(values_only=True) for v in row}
    assert "Sáng kiến Vinh" in values and "Sáng kiến Hoàn Kiếm" not in values
    token = csrf_from(c.get(f"/admin/initiatives/details/?id={vinh.id}").get_data(as_text=True))
    assert c.post("/admin/initiatives/act/", data={"id": hk.id, "action": "appraise", "score": "1",
                                                   "csrf_token": token}).status_code == 404
    r = c.post("/admin/initiatives/action/", data={"action": "appraise", "rowid": [str(hk.id)], "score": "1",
                                                   "csrf_token": token})
    assert r.status_code == 302 and status_of(hk.id) == "submitted"
    # Search without diacritics, filters by state and unit text.
    h = login_as("hanoi.officer")
    assert hk.tracking_code in h.get("/admin/initiatives/?search=sang+kien+hoan+kiem").get_data(as_text=True)
    assert vinh.tracking_code not in h.get("/admin/initiatives/?search=sang+kien").get_data(as_text=True)
    stats = h.get(f"/admin/programmes/{programme.id}/stats").get_data(as_text=True)
    assert 'id="stats-total">1<' in stats and "Liên đoàn Lao động quận Hoàn Kiếm" in stats
    assert h.get(f"/admin/programmes/{programme.id}/stats.xlsx").status_code == 200
    assert h.get(f"/admin/programmes/{programme.id}/summary.xlsx?unit={unit('40').id}").status_code == 404
    assert h.get(f"/admin/programmes/{programme.id}/dossier?unit={unit('40-412').id}").status_code == 404


def test_list_filters_and_views_render(ctx, login_as, programme, submit):
    ini = submit(title="Lọc theo trạng thái")
    c = login_as("hanoi.officer")
    page = c.get("/admin/initiatives/").get_data(as_text=True)
    assert "Chương trình" in page and "75 nghìn sáng kiến" in page
    for path in (f"/admin/programmes/{programme.id}/", f"/admin/programmes/{programme.id}/qr",
                 f"/admin/programmes/{programme.id}/quotas", f"/admin/programmes/{programme.id}/dossier",
                 "/admin/programmes/", "/admin/"):
        assert c.get(path).status_code == 200, path
    # Flask-Admin filter index: 0 programme, 1 state
    assert ini.tracking_code in c.get(f"/admin/initiatives/?flt0_0={programme.id}").get_data(as_text=True)
    assert ini.tracking_code not in c.get("/admin/initiatives/?flt1_1=honoured").get_data(as_text=True)
    assert ini.tracking_code in c.get("/admin/initiatives/?flt1_1=submitted").get_data(as_text=True)
    assert ini.tracking_code in c.get("/admin/initiatives/?flt1_4=hoan+kiem").get_data(as_text=True)
    assert ini.tracking_code not in c.get("/admin/initiatives/?flt1_4=vinh").get_data(as_text=True)
    assert "Lọc theo trạng thái" in c.get("/admin/initiatives/export/csv/?flt1_1=submitted").get_data(as_text=True)
    assert "Lọc theo trạng thái" not in c.get("/admin/initiatives/export/csv/?flt1_1=honoured").get_data(as_text=True)
    assert c.get("/admin/initiatives/details/?id=abc").status_code == 404
    assert c.get("/admin/initiatives/details/?id=99999999999999999999").status_code == 404
    assert c.get(f"/admin/programmes/{programme.id}/summary.xlsx?unit=99999999999999999999").status_code == 404
    assert c.get("/admin/programmes/99999999999/stats").status_code == 404
    assert login_as("hanoi.viewer").post("/admin/programmes/1/quotas").status_code in (400, 403)


def test_officer_creates_programme_with_default_quotas(ctx, login_as, unit):
    from adminapp.extensions import db
    from adminapp.workflow import programmes
    from models import Programme

    c = login_as("tld.officer")
    page = c.get("/admin/programmes/new/").get_data(as_text=True)
    assert "Sản phẩm mới" in page  # the five fields preloaded
    data = {
        "csrf_token": csrf_from(page), "name": "Sáng kiến vì người lao động 2026", "slug": "",
        "description": "Hướng dẫn", "submission_opens": "01/03/2026", "submission_closes": "30/04/2026",
        "application_from": "01/02/2026", "application_to": "31/05/2026", "dossier_deadline": "05/05/2026",
        "description_limit": "1000", "default_quota": "4", "status": "published",
        "fields_text": "Sản xuất\nSản phẩm mới",
    }
    r = c.post("/admin/programmes/new/", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    p = db.session.execute(db.select(Programme).where(Programme.name == data["name"])).scalar_one()
    assert p.owner_unit.code == "TLD" and p.slug == "sang-kien-vi-nguoi-lao-dong-2026"
    assert p.fields == ["Sản xuất", "Sản phẩm mới"]
    assert programmes.quota_line(p, unit("79")).quota == 5 and programmes.quota_line(p, unit("02")).quota == 4
    bad = dict(data, name="Sai ngày", submission_closes="01/02/2026", csrf_token=csrf_from(
        c.get("/admin/programmes/new/").get_data(as_text=True)))
    html = c.post("/admin/programmes/new/", data=bad, follow_redirects=True).get_data(as_text=True)
    assert "Ngày đóng nhận sáng kiến phải sau" in html
    # Hà Nội sees the programme but cannot change its settings.
    h = login_as("hanoi.officer")
    assert data["name"] in h.get("/admin/programmes/").get_data(as_text=True)
    assert h.get(f"/admin/programmes/edit/?id={p.id}").status_code == 403
    token = csrf_from(h.get("/admin/programmes/").get_data(as_text=True))
    assert h.post(f"/admin/programmes/edit/?id={p.id}", data=dict(data, name="Đổi tên", csrf_token=token,
                                                                   version_token=str(p.version))).status_code == 403
    assert login_as("vinh.officer").get("/admin/programmes/edit/?id=999").status_code == 404
    page = c.get(f"/admin/programmes/edit/?id={p.id}").get_data(as_text=True)
    html = c.post(f"/admin/programmes/edit/?id={p.id}", data=dict(
        data, slug="doi-duong-dan", csrf_token=csrf_from(page), version_token=str(p.version)),
        follow_redirects=True).get_data(as_text=True)
    assert "Không được đổi đường dẫn rút gọn" in html
    page = c.get(f"/admin/programmes/edit/?id={p.id}").get_data(as_text=True)
    r = c.post(f"/admin/programmes/edit/?id={p.id}", data=dict(
        data, slug=p.slug, dossier_deadline="06/05/2026", csrf_token=csrf_from(page), version_token=str(p.version)))
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Programme, p.id).dossier_deadline.day == 6
    db.session.expire_all()
    assert db.session.get(Programme, p.id).name == data["name"]


def test_text_is_escaped_in_officer_pages(ctx, login_as, programme, submit):
    ini = submit(title="<script>alert('x')</script>", description="<img src=x onerror=alert(1)>",
                 author_name="<b>Trần Văn Bê</b>")
    c = login_as("cdcs.officer")
    for path in ("/admin/initiatives/", f"/admin/initiatives/details/?id={ini.id}",
                 f"/admin/programmes/{programme.id}/dossier"):
        html = c.get(path).get_data(as_text=True)
        assert "<script>alert('x')" not in html and "<img src=x" not in html and "<b>Trần Văn Bê</b>" not in html
    assert "&lt;script&gt;" in c.get(f"/admin/initiatives/details/?id={ini.id}").get_data(as_text=True)
    csv = c.get("/admin/initiatives/export/csv/").get_data(as_text=True)
    assert "<script>alert('x')</script>" in csv  # data, not markup, in the export


@pytest.mark.parametrize("form,status", [
    ({"id": "abc", "action": "appraise"}, 404),
    ({"id": "99999999999999999999", "action": "appraise"}, 404),
    ({"action": "appraise"}, 404),
    ({"id": "{id}", "action": "explode"}, 400),
    ({"id": "{id}", "action": "appraise", "score": "abc"}, 302),
    ({"id": "{id}", "action": "appraise", "score": "101"}, 302),
    ({"id": "{id}", "action": "appraise", "score": "9" * 40}, 302),
    ({"id": "{id}", "action": "reject", "reason": ""}, 302),
    ({"id": "{id}", "action": "honour"}, 302),
])
def test_bad_review_requests_never_fail(ctx, login_as, programme, submit, form, status):
    ini = submit()
    c = login_as("cdcs.officer")
    token = csrf_from(c.get(f"/admin/initiatives/details/?id={ini.id}").get_data(as_text=True))
    data = {k: v.replace("{id}", str(ini.id)) for k, v in form.items()}
    r = c.post("/admin/initiatives/act/", data={**data, "csrf_token": token})
    assert r.status_code == status
    assert status_of(ini.id) == "submitted"
    bulk_r = c.post("/admin/initiatives/action/", data={"action": form["action"], "rowid": ["x", "99999999999999999999"],
                                                         "csrf_token": token, "score": form.get("score", "")})
    # a list action this user is not offered (unknown, or Biểu dương at a grassroots union) is refused outright
    offered = form["action"] not in ("explode", "honour")
    assert bulk_r.status_code in ((302, 400) if offered else (403,))


def test_the_programme_filter_offers_each_user_their_own_programmes(ctx, unit, login_as):
    """The programme filter's options are the programmes the user sees, built for each request without changing
    the view every request shares (a cache refreshed per request let one user's options reach another's page)."""
    import json
    from datetime import date

    from adminapp.extensions import db
    from adminapp.workflow import programmes
    from views.base import ScopedModelView

    programmes.create_programme(None, owner=unit("01"), name="Sáng kiến riêng Hà Nội", slug="rieng-ha-noi",
                                submission_opens=date(2021, 3, 10), submission_closes=date(2021, 4, 20),
                                application_from=date(2021, 2, 1), application_to=date(2021, 5, 31))
    db.session.commit()
    view = next(v for v in ctx.extensions["admin"][0]._views
                if isinstance(v, ScopedModelView) and v.endpoint == "initiatives")
    shared = (view._filters, view._filter_groups, view._filter_args)
    hanoi = login_as("hanoi.officer").get("/admin/initiatives/").get_data(as_text=True)
    nghean = login_as("nghean.officer").get("/admin/initiatives/").get_data(as_text=True)
    name = json.dumps("Sáng kiến riêng Hà Nội")[1:-1]  # as the filter's options (JSON) hold it
    assert name in hanoi and name not in nghean
    assert (view._filters, view._filter_groups, view._filter_args) == shared
    assert all(a is b for a, b in zip((view._filters, view._filter_groups, view._filter_args), shared, strict=True))
