"""Stored text is escaped wherever it is shown, checked in Chromium.

Two payloads go into every free-text field of every create form (discovered,
so later views are covered) and of one edit form per view, one field at a
time so validation of the other fields never hides it. Then every list (found
by searching for the records), details and edit page, the ajax unit picker and
the dashboard of an account whose name is a payload are opened in Chromium.

Two independent checks per page: `window.__xss` is never set (the script did
not run), and the DOM holds no element the payload would have created (it
was escaped, not merely blocked by the CSP).
"""
from __future__ import annotations

import itertools

from playwright.sync_api import expect

from tests.conftest import Auth
from tests.e2e.conftest import log_out
from tests.security import discover

PAYLOADS = ["<script>window.__xss=1</script>", '"><img src=x onerror=window.__xss=1>']
FREE_TEXT = discover.FREE_TEXT
INJECTED = """() => ({
  ran: window.__xss !== undefined,
  img: document.querySelectorAll('img[src="x"]').length,
  script: [...document.scripts].filter(s => s.textContent.includes('window.__xss')).length,
  shown: document.body.innerText.includes('window.__xss=1'),
})"""
_counter = itertools.count(1)


def _store_payloads(client, app) -> tuple[int, set[str]]:
    """Submit each payload into each free-text field of each form; returns (stored, endpoints)."""
    stored, endpoints = 0, set()
    for view, kind, url in discover.form_pages(app, client):
        form = discover.main_form(client.get(url).get_data(as_text=True))
        for name, f in form.fields.items():
            if f.type not in FREE_TEXT or name in {"csrf_token", "version_token"}:
                continue
            for payload in PAYLOADS:
                page = discover.main_form(client.get(url).get_data(as_text=True))  # fresh version token
                data = discover.valid_baseline(client, view, page)
                data[name] = payload if kind == "new" else payload + str(next(_counter))
                r = client.post(url, data=data)
                if r.status_code == 302:
                    stored += 1
                    endpoints.add(view.endpoint)
    return stored, endpoints


def _check(page, url: str, problems: list[str]) -> bool:
    page.goto(url)
    state = page.evaluate(INJECTED)
    if state["ran"] or state["img"] or state["script"]:
        problems.append(f"{url}: {state}")
    return state["shown"]


def test_stored_payloads_never_run(ctx, site, page, shot):
    page.set_default_timeout(10000)
    client = ctx.test_client()
    Auth(client).login("admin")
    stored, endpoints = _store_payloads(client, ctx)
    assert stored >= 10 and {"units", "users", "roles"} <= endpoints, (stored, endpoints)

    page.goto(site + "/login")
    page.fill("#username", "admin")
    page.fill("#password", "Demo@2026")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/**")
    problems, shown, visited = [], 0, 0
    for view in discover.model_views(ctx):
        base = site + discover.list_url(view)
        lists = [base, base + "?search=xss", base + "?search=script", base + "?search=img"]
        for url in lists:
            shown += _check(page, url, problems)
            visited += 1
        links = page.eval_on_selector_all("a[href*='/details/'], a[href*='/edit/']",
                                          "els => [...new Set(els.map(e => e.getAttribute('href')))]")
        page.goto(base + "?search=xss")
        links += page.eval_on_selector_all("a[href*='/details/'], a[href*='/edit/']",
                                           "els => [...new Set(els.map(e => e.getAttribute('href')))]")
        for link in sorted(set(links))[:40]:
            shown += _check(page, site + link if link.startswith("/") else link, problems)
            visited += 1
    shot("after-crawl")

    # the ajax unit picker lists the payload names
    page.goto(site + "/admin/units/new/")
    page.locator("#s2id_parent").click()
    page.keyboard.type("xss")
    expect(page.locator(".select2-result").first).to_be_visible()
    page.wait_for_timeout(300)
    shot("picker")
    state = page.evaluate(INJECTED)
    if state["ran"] or state["img"] or state["script"]:
        problems.append(f"unit picker: {state}")

    # an account whose name is a payload logs in: navbar, greeting, dashboard
    victim = next(u for u in _users_named_like_payload(ctx))
    page.goto(site + "/admin/")
    log_out(page)
    page.fill("#username", victim)
    page.fill("#password", "MatKhau@2026")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/**")
    shot("payload-user-dashboard")
    state = page.evaluate(INJECTED)
    if state["ran"] or state["img"] or state["script"] or not state["shown"]:
        problems.append(f"dashboard of {victim}: {state}")

    assert visited >= 20 and shown >= 5, (visited, shown)
    assert not problems, "\n".join(problems)


def _users_named_like_payload(app):
    from adminapp.extensions import db
    from models import User

    with app.app_context():
        return [u.username for u in db.session.execute(db.select(User)).scalars()
                if "window.__xss" in (u.full_name or "")]


