"""The public form in a real browser: diacritic-free unit search, dependent picker, character counter.

Uses pytest-playwright's `page` with Debian's Chromium, as tests/e2e does, on both databases.
"""
from __future__ import annotations

import threading
import unicodedata
from datetime import date

import pytest
from playwright import sync_api  # pinned in requirements-dev.txt: a missing package fails, never skips

from tests.e2e.conftest import CHROMIUM, _require_browser


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"executable_path": CHROMIUM, "headless": True,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]}


@pytest.fixture()
def live_url(ctx, make_programme):
    _require_browser()  # fails under CI, skips (with the reason) only on a developer machine without Chromium
    from werkzeug.serving import make_server

    make_programme(slug="trinh-duyet", submission_opens=date(2020, 1, 1), submission_closes=date(2099, 12, 31),
                   application_to=date(2099, 12, 31))
    server = make_server("127.0.0.1", 0, ctx, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/sang-kien/trinh-duyet/"
    server.shutdown()
    thread.join(5)


def test_public_form_in_browser(live_url, page):
    page.set_default_timeout(10000)
    page.goto(live_url)
    page.fill("#level1-search", "ha noi")
    assert page.eval_on_selector("#level1_unit_id", "e => e.selectedOptions[0].textContent") == \
        "Liên đoàn Lao động thành phố Hà Nội"
    page.wait_for_selector("#unit_id option:has-text('Điện lực Hoàn Kiếm')", state="attached")
    options = page.locator("#unit_id option")
    page.fill("#unit-search", "viet duc")
    sync_api.expect(options.nth(1)).to_have_text("Công đoàn cơ sở Bệnh viện Hữu nghị Việt Đức")
    sync_api.expect(options).to_have_count(2)
    page.fill("#unit-search", "dien luc")
    sync_api.expect(options.nth(1)).to_have_text("Công đoàn cơ sở Công ty Điện lực Hoàn Kiếm")
    sync_api.expect(options).to_have_count(2)
    page.select_option("#unit_id", index=1)
    # decomposed Vietnamese (Unikey "Unicode tổ hợp"): counted and cut by letters, not code points
    page.fill("#description", unicodedata.normalize("NFD", "ệ") * 999)
    assert "999/1000" in page.inner_text("#description-counter")
    page.fill("#description", unicodedata.normalize("NFD", "ệ") * 1005)
    assert page.input_value("#description") == "ệ" * 1000
    page.fill("#description", "ư" * 1005)
    assert len(page.input_value("#description")) == 1000
    assert "1000/1000" in page.inner_text("#description-counter")
    # a limited one-line field: the letter count, not the browser's maxlength
    assert page.get_attribute("#title", "maxlength") is None
    page.fill("#title", unicodedata.normalize("NFD", "ệ") * 300)
    assert page.eval_on_selector("#title", "e => e.validity.valid")
    page.fill("#title", "ệ" * 301)
    assert "301" in page.eval_on_selector("#title", "e => e.validationMessage")
    page.fill("#author_name", "Nguyễn Văn An")
    page.fill("#birth_year", "1985")
    page.fill("#phone", "0912 345 678")
    page.check("#group-0")
    page.fill("#title", "Cải tiến quy trình")
    page.select_option("#field", index=1)
    page.fill("#application_date", "01/03/2021")
    page.click("button[type=submit]")
    page.wait_for_selector("#tracking-code")
    assert len(page.inner_text("#tracking-code")) == 10
