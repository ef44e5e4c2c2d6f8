"""End-to-end fixtures: the real app served on 127.0.0.1, driven by Debian's Chromium.

The browser is /usr/bin/chromium (never downloaded). `.ci/run` installs it when
missing; on a developer machine without it the browser tests are skipped with
that reason, but under CI=true a missing browser fails the run.
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import require

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
LAUNCH_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--no-first-run"]


def _require_browser():
    require(os.path.exists(CHROMIUM), f"Chromium not installed at {CHROMIUM} (apt-get install chromium); .ci/run installs it")


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"executable_path": CHROMIUM, "args": LAUNCH_ARGS, "headless": True}


@pytest.fixture(scope="session")
def live_server(app):
    """The app under test served by werkzeug in a daemon thread on a free loopback port."""
    _require_browser()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture()
def site(ctx, live_server):
    """Base URL of a server whose database was just reset to reference + demo data."""
    return live_server


class Shots:
    """Saves one numbered screenshot per step under tests/e2e/artifacts/<test>/."""

    def __init__(self, page, name: str):
        self.page = page
        self.dir = ARTIFACTS / re.sub(r"[^\w.-]+", "_", name)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.n = 0

    def __call__(self, step: str, full_page: bool = True):
        self.n += 1
        slug = re.sub(r"[^\w-]+", "_", step)
        self.page.screenshot(path=str(self.dir / f"{self.n:02d}-{slug}.png"), full_page=full_page)


@pytest.fixture()
def shot(page, request):
    return Shots(page, request.node.name)


@pytest.fixture()
def login_page(page, site):
    def _login(username: str, password: str = "Demo@2026"):
        page.goto(site + "/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/admin/.*"))
        return page

    return _login


def open_session(browser, site: str, username: str, password: str = "Demo@2026"):
    """A new browser context logged in as `username`; confirmation dialogs are accepted and kept in
    `page.dialogs` (the app's confirmations are data-app-confirm, so they work under the strict CSP)."""
    context = browser.new_context(viewport={"width": 1300, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10000)
    page.dialogs = []

    def _accept(dialog):
        page.dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", _accept)
    page.goto(site + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/.*"))
    return page


def log_out(page) -> None:
    """Open the user menu (again if the first click landed while the page was still wiring Bootstrap's
    dropdown) and press "Đăng xuất" itself, not "Đăng xuất khỏi mọi thiết bị"."""
    from playwright.sync_api import expect

    menu = page.locator(".dropdown-menu[aria-labelledby=user-menu]")
    for _ in range(3):
        page.click("#user-menu")
        try:
            expect(menu).to_be_visible(timeout=3000)
            break
        except AssertionError:
            continue
    page.get_by_role("button", name="Đăng xuất", exact=True).click()
