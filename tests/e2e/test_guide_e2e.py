"""The guide's screenshots (issue 15): taken from the real screens on every e2e run and written to
adminapp/static/guide/, where the guide pages (/huong-dan/<slug>) show them; the help icon leads there."""
import io
from datetime import date, timedelta

import openpyxl
from playwright.sync_api import expect

from adminapp import clock, guide, reference
from adminapp.extensions import db
from adminapp.workflow import campaigns, demo_programme, dossiers, programmes
from adminapp.workflow import initiatives as ini_svc
from adminapp.workflow import registrations as regs
from models import Registration, User
from tests.e2e.conftest import open_session


def _shot(page, name):
    guide.STATIC.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(guide.STATIC / name), full_page=False)


def _data():
    user = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
    today = clock.today_vn()
    role = campaigns.default_role()
    c = campaigns.create_campaign(
        actor=user["hanoi.officer"], units=[(reference.get_unit("01-002"), role)],
        name="Thi đua thực hiện thắng lợi nhiệm vụ kinh tế- xã hội", launch_level="province", kind="regular",
        start_date=date(today.year, 1, 1), end_date=date(today.year, 12, 31), description="Theo chỉ đạo.",
        registration_deadline=today + timedelta(days=10), dossier_deadline=None, for_individuals=True,
        for_collectives=True, registration_deadline_policy="late")
    campaigns.launch_campaign(actor=user["hanoi.officer"], campaign=c)
    reg = db.session.execute(db.select(Registration).where(Registration.campaign_id == c.id)).scalar_one()
    regs.add_participants(actor=user["hoankiem.officer"], registration=reg, rows=[
        regs.ParticipantData(kind="individual", full_name="Đỗ Thị Lan", birth_year=1985, position="Chuyên viên",
                             unit_name="LĐLĐ quận Hoàn Kiếm")])
    programme, _ = demo_programme.ensure_demo_programme()
    programme.requires_moderation = False
    programmes.allot_quotas(user["hanoi.officer"], programme, {reference.get_unit("01-002").id: 2})
    programmes.allot_quotas(user["hoankiem.officer"], programme, {reference.get_unit("01-002-01").id: 2})
    ini = ini_svc.submit_initiative(programme, {
        "author_name": "Trần Thị Bình", "birth_year": "1990", "phone": "0987654321",
        "level1_unit_id": str(reference.get_unit("01").id), "unit_id": str(reference.get_unit("01-002-01").id),
        "group": "enterprise", "field": programme.fields[0], "title": "Lò nung tiết kiệm điện",
        "description": "Mô tả ngắn.", "application_date": today - timedelta(days=5), "benefit_value": "1000000",
        "effectiveness": "Giảm 40% điện năng", "is_secret": True})
    ini_svc.apply(user["cdcs.officer"], ini, "appraise", score=90)
    ini_svc.apply(user["cdcs.officer"], ini, "nominate")
    d = dossiers.get_or_new(programme, reference.get_unit("01-002-01"))
    dossiers.update_dossier(user["cdcs.officer"], d, letter_number="12/TTr", letter_date=today, signer="Vũ Quang Huy")
    db.session.commit()
    return c, reg, programme, ini


def test_guide_screenshots_and_help_icon(browser, site):
    campaign, reg, programme, ini = _data()
    province = open_session(browser, site, "hanoi.officer")
    province.goto(site + "/admin/campaigns/new/")
    _shot(province, "phong-trao-1.png")
    province.goto(f"{site}/admin/campaign/{campaign.id}/registrations")
    _shot(province, "phong-trao-2.png")
    province.goto(f"{site}/admin/campaign/{campaign.id}/")
    province.locator("#extend-form").scroll_into_view_if_needed()
    _shot(province, "phong-trao-3.png")
    province.click("a.help-icon")
    expect(province.locator("h1")).to_have_text(guide.GUIDES["phong-trao"][0])

    district = open_session(browser, site, "hoankiem.officer")
    district.goto(f"{site}/admin/campaign/registration/{reg.id}")
    _shot(district, "dang-ky-1.png")
    wb = openpyxl.Workbook()
    wb.active.append(["Loại (Cá nhân/Tập thể)", "Họ và tên / Tên tập thể", "Năm sinh", "Chức vụ", "Đơn vị công tác"])
    wb.active.append(["Cá nhân", "Đỗ Thị Lan", 1985, "Trưởng phòng", "LĐLĐ quận Hoàn Kiếm"])
    wb.active.append(["Tập thể", "Tổ công đoàn Văn phòng", None, None, "LĐLĐ quận Hoàn Kiếm"])
    buf = io.BytesIO()
    wb.save(buf)
    district.set_input_files("#import-file", files=[{"name": "danh-sach.xlsx", "mimeType": "application/vnd."
                             "openxmlformats-officedocument.spreadsheetml.sheet", "buffer": buf.getvalue()}])
    district.click("button:has-text('Xem trước khi nhập')")
    expect(district.locator("#preview-summary")).to_contain_text("Dòng mới: 1")
    _shot(district, "dang-ky-2.png")

    tld = open_session(browser, site, "tld.officer")
    tld.goto(site + "/admin/initiatives/")
    _shot(tld, "sang-kien-1.png")
    grassroots = open_session(browser, site, "cdcs.officer")
    grassroots.goto(f"{site}/admin/initiatives/details/?id={ini.id}")
    _shot(grassroots, "sang-kien-2.png")
    grassroots.goto(f"{site}/admin/programmes/{programme.id}/dossier")
    _shot(grassroots, "ho-so-1.png")

    member = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
    member.goto(f"{site}/sang-kien/{programme.slug}/")
    _shot(member, "nop-sang-kien-1.png")
    member.goto(f"{site}/sang-kien/{programme.slug}/ket-qua")
    _shot(member, "nop-sang-kien-2.png")

    # every guide shows its pictures, loaded
    for slug, (_, _, steps) in guide.GUIDES.items():
        member.goto(f"{site}/huong-dan/{slug}")
        images = member.locator("img.guide-shot")
        expect(images).to_have_count(sum(1 for _, image in steps if image))
        for i in range(images.count()):
            assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0"), (slug, i)
