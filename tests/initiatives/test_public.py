"""The public form, tracking page, unit picker and QR code (no login)."""
from __future__ import annotations

import pytest
from freezegun import freeze_time

from tests.conftest import csrf_from

URL = "/sang-kien/75-nghin-sang-kien/"


def form_data(unit, **overrides) -> dict:
    data = dict(
        author_name="Nguyễn Văn An", birth_year="1985", position="Kỹ sư", phone="0912 345 678",
        level1_unit_id=str(unit("01").id), unit_id=str(unit("01-002-01").id), group="enterprise",
        title="Cải tiến quy trình kiểm tra công tơ", field="Sản xuất", description="Mô tả sáng kiến.",
        application_date="01/03/2021", effectiveness="Giảm 30% thời gian", benefit_value="150.000.000",
        scope="Toàn công ty", awards="Lao động tiên tiến 2019", website="",
    )
    data.update(overrides)
    return data


def post(client, data, url=URL):
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def stored():
    from adminapp.extensions import db
    from models import Initiative

    return db.session.execute(db.select(db.func.count()).select_from(Initiative)).scalar_one()


def test_form_page_lists_units_fields_and_counter(client, programme, frozen):
    html = client.get(URL).get_data(as_text=True)
    assert "75 nghìn sáng kiến, vượt khó, phát triển" in html
    assert "Liên đoàn Lao động thành phố Hà Nội" in html and "Công đoàn Công Thương Việt Nam" in html
    assert 'data-limit="1000"' in html and 'maxlength="1000"' in html
    assert "An toàn vệ sinh lao động, bảo vệ môi trường" in html
    assert "public_form.js" in html and "http://" not in html.split("<body", 1)[1].replace("http://localhost", "")


def test_submit_then_track(client, unit, programme, frozen):
    r = post(client, form_data(unit, description="ạ" * 1000))
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    import re

    code = re.search(r'id="tracking-code">([A-Z0-9]{10})<', page).group(1)
    assert stored() == 1
    track = "/sang-kien/75-nghin-sang-kien/tra-cuu"
    token = csrf_from(client.get(track).get_data(as_text=True))
    ok = client.post(track, data={"code": code, "phone": "+84 912 345 678", "csrf_token": token})
    assert "Đã nộp" in ok.get_data(as_text=True)
    wrong_phone = client.post(track, data={"code": code, "phone": "0912345679", "csrf_token": token})
    no_code = client.post(track, data={"code": "ABCDEFGHJK", "phone": "0912345678", "csrf_token": token})
    for r in (wrong_phone, no_code):
        html = r.get_data(as_text=True)
        assert "Không tìm thấy sáng kiến khớp" in html
        assert "Đã nộp" not in html and "Nguyễn Văn An" not in html and "công tơ" not in html
    assert wrong_phone.get_data(as_text=True).count("Không tìm thấy") == no_code.get_data(as_text=True).count(
        "Không tìm thấy")


def test_1001_characters_refused_and_input_kept(client, unit, programme, frozen):
    r = post(client, form_data(unit, description="ạ" * 1001, title="Tên giữ lại"))
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Mô tả tối đa 1000 ký tự" in html and 'value="Tên giữ lại"' in html
    assert stored() == 0


def test_crlf_counts_as_one_character(client, unit, programme, frozen):
    text = ("a" * 9 + "\r\n") * 100  # 1000 characters once line breaks are normalised
    assert post(client, form_data(unit, description=text.rstrip("\r\n") + "b")).status_code == 303


@pytest.mark.parametrize("overrides,field_message", [
    ({"author_name": ""}, "Cần nhập họ và tên."),
    ({"author_name": "A" * 161}, "Không được dài quá 160 ký tự."),
    ({"birth_year": "abcd"}, "Năm sinh phải là số"),
    ({"birth_year": "1800"}, "Năm sinh phải từ 1940"),
    ({"birth_year": "19850"}, "Không được dài quá 4 ký tự."),
    ({"phone": "12345"}, "Số điện thoại không hợp lệ"),
    ({"phone": "0" * 50}, "Không được dài quá 20 ký tự."),
    ({"level1_unit_id": "999999"}, "Vui lòng chọn đơn vị trong danh sách."),
    ({"level1_unit_id": "abc"}, "Vui lòng chọn đơn vị trong danh sách."),
    ({"unit_id": "999999"}, "Đơn vị trực thuộc không thuộc đơn vị đã chọn."),
    ({"unit_id": "<script>"}, "Đơn vị trực thuộc không thuộc đơn vị đã chọn."),
    ({"group": "other"}, "Vui lòng chọn nhóm"),
    ({"title": "T" * 301}, "Không được dài quá 300 ký tự."),
    ({"field": "<script>alert(1)</script>"}, "Vui lòng chọn lĩnh vực trong danh sách."),
    ({"description": ""}, "Cần nhập mô tả sáng kiến."),
    ({"application_date": "31/02/2021"}, "Ngày không hợp lệ, nhập theo dạng ngày/tháng/năm, ví dụ 31/12/2021"),
    ({"application_date": ""}, "Cần nhập ngày bắt đầu áp dụng"),
    ({"application_date": "01/01/2020"}, "phải được áp dụng trong khoảng 01/02/2021 – 31/05/2021"),
    ({"benefit_value": "nhiều tiền"}, "Giá trị làm lợi phải là số tiền"),
    ({"benefit_value": "-5"}, "Giá trị làm lợi phải là số tiền"),
    ({"awards": "x" * 1001}, "Không được dài quá 1000 ký tự."),
])
def test_bad_input_is_refused_clearly(client, unit, programme, frozen, overrides, field_message):
    r = post(client, form_data(unit, **overrides))
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert field_message in html
    assert "<script>" not in html.split("<body", 1)[1].replace('<script src=', '')
    assert stored() == 0


def test_script_in_text_is_stored_as_text_and_shown_escaped(client, unit, programme, frozen):
    r = post(client, form_data(unit, title="<script>alert(1)</script>", description="<b>x</b>", phone="abc"))
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_before_opening_and_after_closing(client, unit, programme):
    with freeze_time("2021-03-09 10:00:00"):
        html = client.get(URL).get_data(as_text=True)
        assert "Chưa đến thời gian nhận sáng kiến: từ 10/03/2021 đến hết ngày 20/04/2021." in html
        assert 'name="author_name"' not in html
    with freeze_time("2021-04-20 16:59:50"):
        token = csrf_from(client.get(URL).get_data(as_text=True))
    with freeze_time("2021-04-20 17:00:01"):  # 00:00:01 on 21/04 in Hà Nội: one second after closing
        r = client.post(URL, data={**form_data(unit), "csrf_token": token})
        assert r.status_code == 403
        html = r.get_data(as_text=True)
        assert "Đã hết thời gian nhận sáng kiến" in html
        # what was typed is shown, read-only, to be copied
        assert 'id="kept-text"' in html and "Tên sáng kiến: Cải tiến quy trình kiểm tra công tơ" in html
        assert "Họ và tên: Nguyễn Văn An" in html and "Tóm tắt nội dung sáng kiến: Mô tả sáng kiến." in html
    assert stored() == 0


def test_tracking_shows_level_reason_and_dates(client, unit, programme, submit, user):
    from adminapp.extensions import db
    from adminapp.workflow import initiatives

    ini = submit(phone="0912345678")
    initiatives.apply(user("cdcs.officer"), ini, "reject", reason="Chưa có số liệu hiệu quả")
    db.session.commit()
    track = URL + "tra-cuu"
    with freeze_time("2021-04-02 03:00:00"):
        token = csrf_from(client.get(track).get_data(as_text=True))
        html = client.post(track, data={"code": ini.tracking_code, "phone": "0912345678", "csrf_token": token}
                           ).get_data(as_text=True)
    assert "Không đạt" in html and "Lý do không đạt" in html and "Chưa có số liệu hiệu quả" in html
    assert "Công đoàn cơ sở Công ty Điện lực Hoàn Kiếm" in html and "Cấp đã xét" in html
    assert "Ngày nộp" in html and "/2021" in html


def test_honeypot_and_csrf(client, unit, programme, frozen):
    r = post(client, form_data(unit, website="http://spam.example"))
    assert r.status_code == 200 and stored() == 0
    r = client.post(URL, data=form_data(unit))  # no CSRF token
    assert r.status_code == 400 and stored() == 0


def test_rate_limit_per_ip(ctx, client, unit, make_programme, monkeypatch):
    # Real time here: the limiter's in-memory expiry does not follow freezegun.
    from datetime import date

    make_programme(submission_opens=date(2020, 1, 1), submission_closes=date(2099, 12, 31))
    monkeypatch.setitem(ctx.config, "PUBLIC_SUBMIT_LIMIT", "2 per hour")
    codes = [post(client, form_data(unit, title=f"T{i}")).status_code for i in range(3)]
    assert codes == [303, 303, 429]


def test_duplicate_is_flagged_and_told(client, unit, programme, frozen):
    post(client, form_data(unit))
    r = post(client, form_data(unit, title="  cải tiến QUY TRÌNH kiểm tra công tơ "))
    assert "được đánh dấu trùng" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert stored() == 2


def test_unit_picker_json(client, unit, programme):
    base = "/sang-kien/75-nghin-sang-kien/units"
    level1 = client.get(base + "?q=ha noi").get_json()
    assert {"id": unit("01").id, "name": "Liên đoàn Lao động thành phố Hà Nội"} in level1
    assert all(set(u) == {"id", "name"} for u in level1)
    subs = client.get(base + "?parent=01").get_json()
    names = [u["name"] for u in subs]
    assert "Liên đoàn Lao động quận Hoàn Kiếm" in names and "Công đoàn cơ sở Công ty Điện lực Hoàn Kiếm" in names
    assert all("Vinh" not in n for n in names)
    assert [u["name"] for u in client.get(base + "?parent=01&q=hoan kiem").get_json()][0].endswith("Hoàn Kiếm")
    assert client.get(base + f"?parent={unit('01').id}").get_json() == subs
    assert client.get(base + "?parent=01-002").get_json() == []  # not a level-1 unit
    assert client.get(base + "?parent=TLD").get_json() == []
    assert client.get(base + "?parent=%27%3B--").get_json() == []
    assert client.get("/sang-kien/khong-co/units").status_code == 404


def test_qr_codes(client, programme):
    png = client.get("/sang-kien/75-nghin-sang-kien/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    svg = client.get("/sang-kien/75-nghin-sang-kien/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert b"/sang-kien/75-nghin-sang-kien/" in svg.data


def test_draft_programme_is_not_public(client, make_programme):
    make_programme(slug="nhap", status="draft")
    assert client.get("/sang-kien/nhap/").status_code == 404
    assert "nhap" not in client.get("/sang-kien/").get_data(as_text=True)
