"""Security headers and cookies on every page, exports as attachments (issue 5, "Security headers").

Pages are discovered from the Flask-Admin views (list, create, edit, details of
each, with a filter applied) plus the auth pages and the error pages, so a view
added later is checked without editing this file.
"""
from __future__ import annotations

import itertools
import re

import pytest

from tests.conftest import Auth, csrf_from, seeded_app
from tests.security import discover

INLINE_HANDLER = re.compile(r"<[a-zA-Z][^>]*?\s(on[a-z]+)\s*=", re.S)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
SAFE_DOWNLOAD_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv", "application/pdf",
    "application/octet-stream", "application/msword", "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "image/png", "image/jpeg",
}


def csp_directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def check_page(url: str, response) -> list[str]:
    """Problems of one HTML response: headers, and inline script allowed only with this response's nonce."""
    problems = []
    h = response.headers
    csp = csp_directives(h.get("Content-Security-Policy", ""))
    if not csp:
        return [f"{url}: no Content-Security-Policy"]
    scripts = csp.get("script-src", csp.get("default-src", []))
    if "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts or "*" in scripts:
        problems.append(f"{url}: script-src allows {scripts}")
    if csp.get("frame-ancestors") != ["'none'"] or h.get("X-Frame-Options") != "DENY":
        problems.append(f"{url}: may be framed")
    if csp.get("object-src") != ["'none'"] or csp.get("base-uri") != ["'self'"]:
        problems.append(f"{url}: object-src/base-uri not locked")
    if h.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{url}: no nosniff")
    if h.get("Referrer-Policy") not in {"same-origin", "no-referrer", "strict-origin-when-cross-origin"}:
        problems.append(f"{url}: Referrer-Policy {h.get('Referrer-Policy')}")
    if response.mimetype == "text/html":
        if "no-store" not in h.get("Cache-Control", ""):
            problems.append(f"{url}: cacheable page")
        html = response.get_data(as_text=True)
        nonces = [n[len("'nonce-"):-1] for n in scripts if n.startswith("'nonce-")]
        for attrs in SCRIPT_TAG.findall(html):
            if "src=" in attrs:
                continue
            m = re.search(r'nonce="([^"]+)"', attrs)
            if not m or m.group(1) not in nonces:
                problems.append(f"{url}: inline <script{attrs}> without this response's nonce")
        for m in INLINE_HANDLER.finditer(html):
            problems.append(f"{url}: inline event handler {m.group(1)}= ({html[m.start():m.start() + 80]!r})")
    return problems


def admin_pages(app, client) -> list[str]:
    urls = ["/admin/", "/password", "/admin/units/details/?id=99999999"]
    for view in discover.model_views(app):
        base = discover.list_url(view)
        r = client.get(base)
        if r.status_code != 200:
            continue
        urls.append(base)
        html = r.get_data(as_text=True)
        for arg, flt in list(discover.filter_args(view).items())[:1]:
            urls.append(f"{base}?{arg}={discover.filter_sample(flt)}")
        urls.append(f"/admin/{view.endpoint}/new/")
        for kind in ("details", "edit"):
            ids = discover.ids_on_page(html, view.endpoint, kind)
            if ids:
                urls.append(f"/admin/{view.endpoint}/{kind}/?id={ids[0]}")
    return urls


def test_every_page_sends_strict_headers_and_no_inline_script(ctx, login_as):
    client = login_as("admin")
    problems, checked = [], 0
    for url in admin_pages(ctx, client):
        r = client.get(url)
        if r.status_code in (302, 404) and "/new/" in url:
            continue  # the view has no create form
        problems += check_page(url, r)
        checked += 1
    anonymous = ctx.test_client()
    for url in ["/login", "/admin/units/", "/nowhere", "/healthz"]:
        problems += check_page(url, anonymous.get(url))
        checked += 1
    viewer = login_as("hanoi.viewer")
    problems += check_page("/admin/roles/ as viewer", viewer.get("/admin/roles/"))  # 403 page
    r = viewer.post("/password", data={"current_password": "x"})  # CSRF error page
    assert r.status_code == 400
    problems += check_page("/password without CSRF", r)
    assert checked >= 15
    assert not problems, "\n".join(problems)


def test_nonce_changes_per_response(ctx, login_as):
    client = login_as("admin")
    seen = set()
    for _ in range(3):
        csp = csp_directives(client.get("/admin/units/").headers["Content-Security-Policy"])
        seen.update(n for n in csp["script-src"] if n.startswith("'nonce-"))
    assert len(seen) == 3


def test_session_cookie_httponly_samesite_and_not_secure_over_plain_http(client):
    r = Auth(client).login("hanoi.officer")
    cookie = r.headers.get("Set-Cookie", "")
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # `make run` on http://127.0.0.1 must still work


@pytest.fixture(scope="module")
def https_app(tmp_path_factory):
    with seeded_app("sqlite", tmp_path_factory,
                    {"SESSION_COOKIE_SECURE": True, "REMEMBER_COOKIE_SECURE": True}) as app:
        yield app


def test_cookies_secure_behind_https(https_app):
    client = https_app.test_client()
    https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}
    html = client.get("/login", **https).get_data(as_text=True)
    r = client.post("/login", data={"username": "hanoi.officer", "password": Auth.password,
                                    "csrf_token": csrf_from(html)}, **https)
    assert r.status_code == 302
    cookies = r.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in c and "HttpOnly" in c and "SameSite=Lax" in c for c in cookies), cookies
    assert r.headers.get("Strict-Transport-Security", "").startswith("max-age=")


FILE_ENDPOINT_WORDS = ("export", "download", "attachment", "file", "upload", "tep", "xuat")


def _file_urls(app) -> list[str]:
    """URLs of every rule that serves files (exports today, campaign attachments later), with ids filled."""
    from flask import url_for

    from adminapp import access
    from adminapp.extensions import db

    ids = sorted({i for model in access._SCOPES for i in db.session.execute(db.select(model.id).limit(3)).scalars()})
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        if not any(w in rule.endpoint.lower() or w in rule.rule.lower() for w in FILE_ENDPOINT_WORDS):
            continue
        choices = []
        for arg in rule.arguments:
            choices.append([(arg, v) for v in (("xlsx", "csv") if arg == "export_type" else ids)])
        for combo in itertools.islice(itertools.product(*choices), 12):
            with app.test_request_context():
                try:
                    urls.append(url_for(rule.endpoint, **dict(combo)))
                except Exception:  # noqa: BLE001 - arguments that ids cannot build
                    continue
    return urls


def test_exports_and_downloads_are_attachments_of_a_safe_type(ctx, login_as):
    """Every export of every view and every other file-serving rule downloads as a file of a safe type."""
    client = login_as("admin")
    downloads, problems = 0, []
    for url in _file_urls(ctx):
        r = client.get(url)
        if r.status_code != 200 or r.mimetype == "text/html":
            continue
        downloads += 1
        disposition = r.headers.get("Content-Disposition", "")
        if not disposition.startswith("attachment;"):
            problems.append(f"{url}: Content-Disposition {disposition!r}")
        if r.mimetype not in SAFE_DOWNLOAD_TYPES:
            problems.append(f"{url}: type {r.mimetype}")
        if r.headers.get("X-Content-Type-Options") != "nosniff":
            problems.append(f"{url}: no nosniff")
    assert downloads >= 4
    assert not problems, "\n".join(problems)
