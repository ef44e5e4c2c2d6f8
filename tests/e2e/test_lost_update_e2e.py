"""Lost update in the browser: two officers edit one unit; the second save is refused and says what changed."""
from __future__ import annotations

from playwright.sync_api import expect

from adminapp.extensions import db
from models import Unit


def _login(context, site, username):
    page = context.new_page()
    page.set_default_timeout(10000)
    page.goto(site + "/login")
    page.fill("#username", username)
    page.fill("#password", "Demo@2026")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/**")
    return page


def test_second_save_is_refused_with_what_changed(browser, site, unit, shot, page):
    target = unit("01-002-03")
    url = f"{site}/admin/units/edit/?id={target.id}"
    first_ctx, second_ctx = browser.new_context(), browser.new_context()
    try:
        first = _login(first_ctx, site, "hanoi.officer")
        second = _login(second_ctx, site, "hoankiem.officer")
        first.goto(url)
        second.goto(url)
        first.fill("#name", "Công đoàn cơ sở Bệnh viện (tên mới của người thứ nhất)")
        first.fill("#sort_order", "7")
        first.click("input[type=submit][value='Lưu']")
        expect(first.locator(".alert-success")).to_be_visible()

        second.fill("#short_name", "Tên viết tắt của người thứ hai")
        second.click("input[type=submit][value='Lưu']")
        alert = second.locator(".alert-danger")
        expect(alert).to_contain_text("vừa được người khác sửa")
        expect(alert).to_contain_text("Tên đơn vị: hiện là “Công đoàn cơ sở Bệnh viện (tên mới của người thứ nhất)”")
        expect(alert).to_contain_text("Thứ tự: hiện là “7”")
        expect(alert).to_contain_text("Người sửa gần nhất:")
        # the second person's input is still in the form, so nothing typed is lost either
        expect(second.locator("#short_name")).to_have_value("Tên viết tắt của người thứ hai")
        page.goto("about:blank")
        second.screenshot(path=str(shot.dir / "01-second-save-refused.png"), full_page=True)
    finally:
        first_ctx.close()
        second_ctx.close()
    db.session.expire_all()
    stored = db.session.get(Unit, target.id)
    assert stored.name == "Công đoàn cơ sở Bệnh viện (tên mới của người thứ nhất)"
    assert stored.short_name != "Tên viết tắt của người thứ hai"
    assert stored.version == 2  # one real change
