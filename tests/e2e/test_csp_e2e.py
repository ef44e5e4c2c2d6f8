"""The strict CSP (no inline script) leaves every admin page working, checked in Chromium.

Each page records `securitypolicyviolation` events and JavaScript errors; the
widgets that rely on script are used as a person would: the navbar and user
dropdowns, adding a filter, the select2 ajax unit picker, the date picker, a
form post, and the delete confirmation (now bound by static/csp.js instead of
an inline onclick).
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.security import discover

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '') + ' at ' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber);
});
"""


class Watch:
    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        page.add_init_script(WATCH)
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))

    def violations(self) -> list[str]:
        return [f"{self.page.url}: {v}" for v in self.page.evaluate("window.__csp || []")]


def test_admin_pages_work_under_the_strict_csp(page, login_page, site, shot, ctx):
    page.set_default_timeout(10000)
    watch = Watch(page)
    login_page("admin")
    problems = []
    # every list page: the filter menu adds a filter row, the user menu opens
    for view in discover.model_views(ctx):
        page.goto(site + discover.list_url(view))
        if page.locator("a:has-text('Thêm bộ lọc')").count():
            page.click("a:has-text('Thêm bộ lọc')")
            page.locator(".field-filters a.filter").first.click()
            expect(page.locator("table.filters tr")).not_to_have_count(0)
        page.click("#user-menu")
        expect(page.locator("a:has-text('Đổi mật khẩu')")).to_be_visible()
        problems += watch.violations()
    shot("list-with-filter")

    # the unit form: select2 ajax picker, date picker, post
    page.goto(site + "/admin/units/new/")
    page.fill("#code", "CSP-01")
    page.fill("#name", "Đơn vị thử CSP")
    page.locator("#s2id_parent").click()
    page.keyboard.type("hoan kiem")
    expect(page.locator(".select2-result").first).to_contain_text("Hoàn Kiếm")
    shot("select2-ajax")
    page.keyboard.press("Enter")
    page.click("#valid_from")
    expect(page.locator(".flatpickr-calendar.open")).to_be_visible()  # vendored flatpickr, static/dates.js
    shot("date-picker")
    page.locator("#name").click()  # a click elsewhere closes the picker
    page.fill("#valid_from", "01/01/2026")
    page.locator("#name").click()
    expect(page.locator(".flatpickr-calendar.open")).to_have_count(0)
    page.click("input[type=submit][value='Lưu']")
    expect(page.locator(".alert-success")).to_contain_text("Đã tạo bản ghi")
    problems += watch.violations()

    # the delete confirmation: dismissed keeps the row, accepted deletes it
    page.goto(site + "/admin/roles/new/")
    page.fill("#title", "Vai trò thử CSP")
    page.fill("#name", "csp-test")
    page.locator("input[name=permissions][value='unit.view']").check()
    page.click("input[type=submit][value='Lưu']")
    expect(page.locator(".alert-success")).to_be_visible()
    page.wait_for_load_state("load")  # static/csp.js (end of body) binds the confirmation
    row = page.locator("table.model-list tr", has_text="Vai trò thử CSP")
    page.once("dialog", lambda d: d.dismiss())
    row.locator("button[title]").click()
    page.wait_for_timeout(300)
    expect(page.locator("table.model-list")).to_contain_text("Vai trò thử CSP")
    page.once("dialog", lambda d: d.accept())
    row.locator("button[title]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("table.model-list")).not_to_contain_text("Vai trò thử CSP")
    shot("role-deleted-after-confirm")
    problems += watch.violations()

    # the inert javascript: links (pagination, active tab) do not trip the policy when clicked
    page.goto(site + "/admin/units/")
    page.locator("a.nav-link.active[href^='javascript:']").first.click()
    problems += watch.violations()
    assert re.search(r"/admin/units/", page.url)
    assert not problems, "\n".join(problems)
    assert not watch.errors, "\n".join(watch.errors)
