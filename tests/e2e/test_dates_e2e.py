"""The Vietnamese date picker (vendored flatpickr + static/dates.js) on the campaign form, in Chromium:
a picked day fills dd/mm/yyyy, a typed dd/mm/yyyy is kept, a typed non-date stays in the box marked invalid
with the Vietnamese message, and the server says the same; no CSP violation."""
from __future__ import annotations

from playwright.sync_api import expect

from adminapp.formatting import INVALID_DATE
from tests.e2e.test_csp_e2e import Watch


def test_campaign_form_date_picker(page, login_page, site, shot):
    page.set_default_timeout(10000)
    watch = Watch(page)
    login_page("hanoi.officer")
    page.goto(site + "/admin/campaigns/new/")
    page.click("#start_date")
    calendar = page.locator(".flatpickr-calendar.open")
    expect(calendar).to_be_visible()
    expect(calendar.locator(".flatpickr-weekday").first).to_have_text("T2")  # Vietnamese locale, weeks from Monday
    calendar.locator(".flatpickr-monthDropdown-months").select_option(index=2)  # March
    calendar.locator(".numInput.cur-year").fill("2021")
    calendar.locator(".numInput.cur-year").press("Enter")
    calendar.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)", has_text="15").first.click()
    expect(page.locator("#start_date")).to_have_value("15/03/2021")
    shot("picked")

    page.fill("#end_date", "31/12/2021")  # typed, then Enter
    page.locator("#end_date").press("Enter")
    expect(page.locator("#end_date")).to_have_value("31/12/2021")

    page.fill("#registration_deadline", "12/31/2021")  # month and day swapped: not a date
    page.locator("#registration_deadline").press("Enter")
    expect(page.locator("#registration_deadline")).to_have_value("12/31/2021")
    assert page.eval_on_selector("#registration_deadline", "e => e.validationMessage") == INVALID_DATE
    expect(page.locator("#registration_deadline")).to_have_class(__import__("re").compile("is-invalid"))
    shot("invalid-kept")

    page.fill("#name", "Phong trào thử lịch")
    page.click("button[value=save]")
    expect(page.locator("body")).to_contain_text(INVALID_DATE)
    expect(page.locator("#registration_deadline")).to_have_value("12/31/2021")
    expect(page.locator("#start_date")).to_have_value("15/03/2021")
    shot("server-message")
    assert not watch.violations() and not watch.errors, watch.violations() + watch.errors
