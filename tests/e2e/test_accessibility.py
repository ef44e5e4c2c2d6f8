"""Accessibility: axe-core finds no serious or critical violation on the pages of the link crawl.

As each demo account (and anonymously: login page, public pages, guide), the pages are collected with the
Flask test client the way tests/test_link_crawl.py crawls them, reduced to one page per state (endpoint, plus
empty / non-empty list), and each distinct state is opened in headless Chromium and checked by axe-core in a
desktop (1366x900) and a mobile (390x844) viewport. axe-core comes from the pinned axe-playwright-python
wheel (its bundled axe.min.js); nothing is fetched at run time.

The HTML does not depend on the database backend, so this runs on SQLite only: the session `app` fixture is
parametrised here with that one backend (no skip on PostgreSQL runs).
"""
from __future__ import annotations

import re
import zlib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.test_link_crawl import SKIP, Page

# the HTML does not depend on the database backend: SQLite only, whatever TEST_DATABASE_URL says
pytestmark = pytest.mark.parametrize("app", ["sqlite"], indirect=True, scope="session")

ACCOUNTS = ["admin", "tld.officer", "hanoi.officer", "hanoi.leader", "hanoi.viewer", "hoankiem.officer",
            "cdcs.officer", "nghean.officer", "vinh.officer"]
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "mobile": {"width": 390, "height": 844}}
# Always reported, whatever their impact: the landmark and labelling rules issue 14 names.
ALSO_FAIL = {"region", "landmark-one-main", "empty-table-header", "label-title-only", "html-has-lang",
             "landmark-no-duplicate-main", "landmark-main-is-top-level"}
FAIL_IMPACTS = {"serious", "critical"}
MAX_FETCH = 200  # test-client requests per account while collecting states
PER_ENDPOINT = 3  # links followed per endpoint: enough to meet its states (many rows' details look alike)
AXE_OPTIONS = {"resultTypes": ["violations"]}
FIELD = re.compile(r'<(textarea|select)\b|<input\b(?![^>]*type="(hidden|submit)")')


def _state(app, path: str, html: str) -> str | None:
    """A page's state: its endpoint, for a list whether it shows rows, for other pages whether they hold
    fields to fill in."""
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(urlparse(path).path, method="GET")
    except Exception:  # noqa: BLE001 - redirects and unknown paths are not states
        return None
    if endpoint == "admin.index" and html:
        # the dashboard stands for the account's menus: one check per distinct menu
        nav = re.search(r"<nav.*?</nav>", html, re.S)
        menu = sorted(set(re.findall(r'href="([^"]+)"', nav.group(0) if nav else "")))
        return f"{endpoint}:menu-{zlib.crc32(' '.join(menu).encode()):08x}"
    if endpoint.endswith("index_view") and html:
        empty = 'colspan="999"' in html  # Flask-Admin's "no records" row
        return f"{endpoint}:{'empty' if empty else 'rows'}"
    if html and not endpoint.endswith(("create_view", "edit_view")) and FIELD.search(html):
        return f"{endpoint}:fields"  # e.g. a list's review form or a registration the unit may still edit
    return endpoint


def collect(app, client, starts: list[str], allowed: tuple[str, ...]) -> dict[str, str]:
    """Crawl breadth first (GET, same site) and keep the first URL of each state."""
    states: dict[str, str] = {}
    per_endpoint: dict[str, int] = defaultdict(int)
    seen, queue, fetched = set(starts), list(starts), 0
    while queue and fetched < MAX_FETCH:
        url = queue.pop(0)
        r = client.get(url)
        fetched += 1
        if r.status_code != 200 or "text/html" not in (r.content_type or ""):
            continue
        html = r.get_data(as_text=True)
        state = _state(app, url, html)
        if state is None:
            continue
        states.setdefault(state, url)
        parser = Page("http://localhost" + url)
        parser.feed(html)
        for href in parser.hrefs:
            full = urldefrag(urljoin("http://localhost" + url, href))[0]
            parsed = urlparse(full)
            if parsed.netloc and parsed.netloc != "localhost":
                continue
            path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
            if not path.startswith(allowed) or SKIP.search(path) or path in seen:
                continue
            seen.add(path)
            key = _state(app, path, "") or path
            endpoint = key.split(":")[0]
            if per_endpoint[endpoint] >= PER_ENDPOINT:
                continue
            per_endpoint[endpoint] += 1
            queue.append(path)
    return states


def _fails(violation: dict) -> bool:
    return violation.get("impact") in FAIL_IMPACTS or violation["id"] in ALSO_FAIL


def scan(axe: Axe, page, label: str) -> list[str]:
    """axe-core on the page as it is now, in each viewport."""
    problems = []
    where = page.url
    page.evaluate(axe.axe_script)  # once per page; each viewport then runs the injected axe
    for name, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
        for v in results["violations"]:
            if not _fails(v):
                continue
            targets = ", ".join(" ".join(map(str, n["target"]))[:90] for n in v["nodes"][:5])
            more = f" (+{len(v['nodes']) - 5} more)" if len(v["nodes"]) > 5 else ""
            problems.append(f"[{v['impact']}] {v['id']} on {label} {where} ({name}): {targets}{more}")
    page.set_viewport_size(VIEWPORTS["desktop"])
    return problems


def check(axe: Axe, page, label: str, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    return scan(axe, page, label)


def _login(page, site: str, username: str) -> None:
    page.goto(site + "/login")
    page.fill("#username", username)
    page.fill("#password", "Demo@2026")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/.*"))


OUTSIDE: list[str] = []  # requests that leave the test server (axe-core included): there must be none


def _new_page(browser, site: str):
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    context.on("request", lambda r: None if r.url.startswith((site, "data:")) else OUTSIDE.append(r.url))
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def test_axe_core_finds_no_serious_violation(ctx, site, browser):
    from adminapp import demo_workflows
    from adminapp.extensions import db
    from tests.conftest import Auth

    demo_workflows.seed_workflows()
    db.session.commit()
    axe = Axe()
    problems: list[str] = []
    checked: set[str] = set()
    count = 0

    def crawl_as(username: str) -> dict[str, str]:
        client = ctx.test_client()
        assert Auth(client).login(username).status_code == 302
        return collect(ctx, client, ["/admin/", "/password"], ("/admin", "/password", "/huong-dan"))

    # the accounts' crawls (test client, in-process) run in one background thread while the browser checks
    crawler = ThreadPoolExecutor(max_workers=1)
    crawls = [crawler.submit(crawl_as, username) for username in ACCOUNTS]

    # anonymous: login page, public programme pages, the guide; then a failed login and an empty submission
    anon = ctx.test_client()
    public = collect(ctx, anon, ["/login", "/", "/sang-kien/", "/huong-dan/"], ("/sang-kien", "/huong-dan", "/login"))
    assert "auth.login:fields" in public and "public.form:fields" in public, sorted(public)
    context, page = _new_page(browser, site)
    for state, url in sorted(public.items()):
        checked.add(state)
        count += 1
        problems += check(axe, page, "anonymous", site + url)
    page.goto(site + "/login")
    page.fill("#username", "hanoi.officer")
    page.fill("#password", "sai-mat-khau")
    page.click("button[type=submit]")
    page.wait_for_selector(".alert-danger")
    problems += scan(axe, page, "anonymous, wrong password")
    page.goto(site + public["public.form:fields"])
    with page.expect_navigation():
        page.locator("form.card button[type=submit]").click()
    problems += scan(axe, page, "anonymous, empty submission")
    count += 2
    context.close()

    for username, crawled in zip(ACCOUNTS, crawls, strict=True):
        states = crawled.result()
        assert any(s.startswith("admin.index") for s in states), username
        # every state no earlier account showed (the dashboard counts once per distinct menu)
        todo = {s: u for s, u in states.items() if s not in checked}
        if not todo:
            continue
        context, page = _new_page(browser, site)
        _login(page, site, username)
        for state, url in sorted(todo.items()):
            checked.add(state)
            count += 1
            problems += check(axe, page, username, site + url)
        print(f"{username}: {len(todo)} new states", flush=True)
        if username == "admin":
            # states a click makes: an open user menu, a filter row, a form with its validation errors; an error page
            page.goto(site + "/admin/units/")
            page.click("#user-menu")
            page.wait_for_selector(".dropdown-menu[aria-labelledby=user-menu]", state="visible")
            problems += scan(axe, page, "admin, user menu open")
            page.goto(site + "/admin/units/")
            page.click("a:has-text('Thêm bộ lọc')")
            page.locator(".field-filters a.filter").first.click()
            page.wait_for_selector("table.filters tr")
            problems += scan(axe, page, "admin, filter added")
            page.goto(site + "/admin/units/new/")
            page.eval_on_selector("form.admin-form", "f => { f.noValidate = true; }")  # the server's messages
            with page.expect_navigation():
                page.click("input[type=submit][value='Lưu']")
            problems += scan(axe, page, "admin, empty form submitted")
            page.goto(site + "/admin/units/details/?id=999999")
            assert "Không tìm thấy" in page.inner_text("body")
            problems += scan(axe, page, "admin, page not found")
            count += 4
        context.close()

    crawler.shutdown()
    for needed in ("units.index_view:rows", "units.details_view", "units.create_view", "units.edit_view",
                   "initiatives.index_view:rows", "campaign.detail", "public.track", "auth.change_password",
                   "notifications.index"):
        assert any(c == needed or c.startswith(needed + ":") for c in checked), \
            f"{needed} not reached by the crawl: {sorted(checked)}"
    assert count >= 40, sorted(checked)
    assert not OUTSIDE, f"requests outside the test server: {OUTSIDE[:10]}"
    assert not problems, f"{len(problems)} serious/critical axe-core violations:\n" + "\n".join(problems)
