"""Scenario 2 of issue 5: a member submits on a phone, officers take the initiative up the tree."""
import io
import re
from datetime import timedelta

import openpyxl
from playwright.sync_api import expect

from adminapp import clock, reference
from adminapp.extensions import db
from adminapp.workflow import demo_programme, programmes
from adminapp.workflow import initiatives as svc
from models import Initiative, User
from tests.e2e.conftest import open_session


def act(page, site, iid, action, **fields):
    page.goto(f"{site}/admin/initiatives/details/?id={iid}")
    for name, value in fields.items():
        page.fill(f"#{name}", value)
    page.click(f"button[name=action][value={action}]")
    return page.inner_text("body")


def status(iid):
    db.session.expire_all()
    return db.session.get(Initiative, iid).status


def test_phone_submission_climbs_the_tree_under_quota(browser, site, tmp_path):
    from tests.e2e.conftest import Shots

    programme, _ = demo_programme.ensure_demo_programme()
    user = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
    programmes.allot_quotas(user["hanoi.officer"], programme, {reference.get_unit("01-002").id: 1})
    programmes.allot_quotas(user["hoankiem.officer"], programme, {reference.get_unit("01-002-01").id: 1})
    grassroots = reference.get_unit("01-002-01")
    today = clock.today_vn()
    second = svc.submit_initiative(programme, {
        "author_name": "Trần Thị Bình", "birth_year": "1990", "phone": "0987654321",
        "level1_unit_id": str(reference.get_unit("01").id), "unit_id": str(grassroots.id), "group": "enterprise",
        "field": programme.fields[0], "title": "Sáng kiến thứ hai", "description": "Mô tả ngắn.",
        "application_date": today - timedelta(days=5), "benefit_value": "1000000",
    })
    db.session.commit()
    second_id = second.id

    # a member, on a phone, without an account
    member = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    member.set_default_timeout(10000)
    ms = Shots(member, "initiative-member-phone")
    member.goto(f"{site}/sang-kien/{programme.slug}/")
    member.fill("#author_name", "Nguyễn Văn An")
    member.fill("#birth_year", "1985")
    member.fill("#position", "Kỹ sư")
    member.fill("#phone", "0912 345 678")
    member.fill("#level1-search", "ha noi")
    member.wait_for_selector("#unit_id option:has-text('Điện lực Hoàn Kiếm')", state="attached")
    member.select_option("#unit_id", str(grassroots.id))
    member.check("input[name=group][value=enterprise]")
    member.fill("#title", "Cải tiến quy trình kiểm tra công tơ")
    member.select_option("#field", index=1)
    member.fill("#description", "đ" * 1005)
    assert len(member.input_value("#description")) == 1000
    expect(member.locator("#description-counter")).to_contain_text("1000/1000")
    member.fill("#application_date", (today - timedelta(days=10)).strftime("%d/%m/%Y"))
    member.fill("#benefit_value", "150000000")
    ms("form-filled")
    member.click("button[type=submit]:has-text('Nộp sáng kiến')")
    code = member.inner_text("#tracking-code").strip()
    assert re.fullmatch(r"[A-Z0-9]{10}", code)
    ms("received")
    member.goto(f"{site}/sang-kien/{programme.slug}/tra-cuu")
    member.fill("#code", code)
    member.fill("#phone", "0912345678")
    member.click("button[type=submit]")
    expect(member.locator("body")).to_contain_text("Đã nộp")
    ms("tracked")
    iid = db.session.execute(db.select(Initiative.id).where(Initiative.tracking_code == code)).scalar_one()

    # the grassroots officer appraises both and can nominate one (quota 1): the second is refused
    cdcs = open_session(browser, site, "cdcs.officer")
    cs = Shots(cdcs, "initiative-officers")
    act(cdcs, site, iid, "appraise", score="90", opinion="Sáng kiến tốt")
    assert status(iid) == "appraised"
    act(cdcs, site, iid, "nominate")
    assert status(iid) == "nominated"
    act(cdcs, site, second_id, "appraise", opinion="Đạt")
    body = act(cdcs, site, second_id, "nominate")
    assert "chỉ tiêu" in body and status(second_id) == "appraised"
    cs("quota-refused")
    cdcs.goto(f"{site}/admin/initiatives/")
    expect(cdcs.locator("#quota-lines")).to_contain_text("đã đề xuất 1/1")
    cs("quota-line")

    for username in ("hoankiem.officer", "hanoi.officer"):
        page = open_session(browser, site, username)
        act(page, site, iid, "select", score="85")
        act(page, site, iid, "nominate")
        assert status(iid) == "nominated"
    tld = open_session(browser, site, "tld.officer")
    act(tld, site, iid, "honour")
    assert status(iid) == "honoured"
    Shots(tld, "initiative-top")("honoured")

    # Hà Nội exports the summary table of its nominations
    hanoi = open_session(browser, site, "hanoi.officer")
    hanoi.goto(f"{site}/admin/programmes/{programme.id}/dossier")
    with hanoi.expect_download() as dl:
        hanoi.click("a:has-text('Tải Bảng tổng hợp tóm tắt sáng kiến')")
    ws = openpyxl.load_workbook(io.BytesIO(open(dl.value.path(), "rb").read())).active
    assert ws["A1"].value == "TỔNG HỢP TÓM TẮT SÁNG KIẾN"
    assert ws.cell(5, 3).value == "Cải tiến quy trình kiểm tra công tơ"
    assert "Nguyễn Văn An" in ws.cell(5, 2).value
