"""Only allowed actions are shown: every link and every button on every page a demo account reaches answers,
never 403/404.

A breadth-first crawl (Flask test client, same site) as each demo account, with the demo workflows seeded
(campaigns, lists, initiatives in every state). Links are followed (GET); exports and downloads only to see
they answer. Then every distinct button (POST form, by its action path with ids folded, and its submit
button's name/value) is pressed once, and every action of a Flask-Admin list menu (action_view with
`action=` its name and the id of a real row of the page). Pressing changes data, so the database is put
back to the state after the crawl (a snapshot of every table's rows) after each press: each button is
pressed in the state in which its page was shown. A press answering 403 or 404 (or 500), itself or at
the page it redirects to, fails the test. Links are crawled on both backends; buttons are pressed on SQLite
only (what they answer is decided by the same access rules on both; the access matrix attacks every URL on
both), which keeps the suite's time bounded.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
from werkzeug.datastructures import MultiDict

from adminapp.extensions import db
from tests.conftest import put_back, table_rows

MAX_PAGES = 400
MAX_PRESSES = 120  # per account: far more than the distinct buttons of the demo (bounded in time)
SKIP = re.compile(r"/logout|/static/|/export/|\.xlsx|\.csv|/qr\.|/ajax/lookup|/attachment/|/download")
SKIP_PRESS = re.compile(r"/logout")
FILLER = "Kiểm tra nút bấm"


@dataclass
class Form:
    action: str
    page: str
    form_id: str | None
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons (name, value)
    multipart: bool = False
    has_submit: bool = False  # a form with no submit control is no button (a read-only table in a form)


class Page(HTMLParser):
    """Links, POST forms (their fields as the browser would send them untouched), list actions, row ids."""

    def __init__(self, url: str):
        super().__init__()
        self.url = url
        self.hrefs: list[str] = []
        self.forms: list[Form] = []
        self.list_actions: list[str] = []
        self.rowids: list[str] = []
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a":
            href = a.get("href")
            if href and not href.startswith(("javascript:", "mailto:", "#", "data:")):
                self.hrefs.append(href)
            if a.get("data-app-action"):
                self.list_actions.append(a["data-app-action"])
        elif tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self._form = Form(urljoin(self.url, a.get("action") or self.url), self.url, a.get("id"),
                                  multipart="multipart" in (a.get("enctype") or ""))
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if a.get("name") == "rowid" and a.get("value"):
                self.rowids.append(a["value"])
            if self._form is not None and kind in ("submit", "image") and not a.get("form"):
                self._form.has_submit = True
            if self._form is None or not a.get("name") or a.get("form") or "disabled" in a:
                return
            name, value = a["name"], a.get("value") or ""
            if kind in ("submit", "image"):
                self._form.buttons.append((name, value))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields.append((name, value or "on"))
            elif kind == "file":
                return
            elif kind in ("text", "search", "") and not value and "required" in a:
                self._form.fields.append((name, FILLER))
            else:
                self._form.fields.append((name, value))
        elif tag == "button" and self._form is not None and not a.get("form"):
            if (a.get("type") or "submit").lower() == "submit":
                self._form.has_submit = True
                if a.get("name"):
                    self._form.buttons.append((a["name"], a.get("value") or ""))
        elif tag == "select" and self._form is not None and a.get("name") and not a.get("form"):
            self._select = (a["name"], [], [])
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select[1].append(value)
            if "selected" in a:
                self._select[2].append(value)
        elif tag == "textarea" and self._form is not None and a.get("name") and not a.get("form"):
            self._textarea = (a["name"], [])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None and self._form is not None:
            name, options, selected = self._select
            chosen = selected or options[:1]
            self._form.fields.extend((name, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            text = "".join(self._textarea[1]).lstrip("\n")
            self._form.fields.append((self._textarea[0], text or FILLER))
            self._textarea = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def local_path(url: str) -> str | None:
    parsed = urlparse(url)
    if parsed.netloc and parsed.netloc != "localhost":
        return None
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def crawl(client, start="/admin/"):
    """GET every reachable /admin page. Returns (bad links, pages read, {press key: (Form, data)})."""
    seen, queue, bad = {start}, [(start, None)], []
    pages = 0
    presses: dict[tuple, tuple[str, list[tuple[str, str]], str]] = {}
    while queue and pages < MAX_PAGES:
        url, source = queue.pop(0)
        r = client.get(url)
        pages += 1
        if r.status_code in (403, 404):
            bad.append(f"{url} ({r.status_code}) linked from {source}")
            continue
        if r.status_code in (301, 302, 303):
            target = urlparse(r.headers["Location"])
            if target.path.startswith(("/login",)):
                bad.append(f"{url} redirects to login, linked from {source}")
            continue
        if "text/html" not in (r.content_type or ""):
            continue
        page = Page(url)
        page.feed(r.get_data(as_text=True))
        collect_presses(page, presses)
        for href in page.hrefs:
            path = local_path(urldefrag(urljoin(url, href))[0])
            if path is None or not path.startswith("/admin") or SKIP.search(path) or path in seen:
                continue
            # pages of long lists: the first two are enough to see their links
            if re.search(r"[?&](page|sort|desc|search|flt\d+_\w+)=", path) and len(seen) > 150:
                continue
            seen.add(path)
            queue.append((path, url))
    return bad, pages, presses


def _fold(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?")[0])


def collect_presses(page: Page, presses: dict) -> None:
    """One press per distinct (form action, button, form kind); a list menu's actions each with a real row."""
    for form in page.forms:
        target = local_path(form.action)
        if target is None or SKIP_PRESS.search(target):
            continue
        if form.form_id == "action_form":  # Flask-Admin's list actions: sent by the menu's script
            if not page.rowids:
                continue
            for name in dict.fromkeys(page.list_actions):
                data = [(k, v) for k, v in form.fields if k != "action"] + [("action", name),
                                                                            ("rowid", page.rowids[0])]
                presses.setdefault(("list-action", _fold(target), name), (target, data, page.url))
            continue
        if not form.has_submit:
            continue
        hidden_kind = tuple(sorted((k, v) for k, v in form.fields if k in ("action", "do", "submit", "secret")))
        for button in [None, *form.buttons]:  # the plain submit (unnamed "Lưu") and each named one
            data = list(form.fields) + ([button] if button else [])
            key = ("form", _fold(target), button, hidden_kind)
            presses.setdefault(key, (target, data, page.url))


def press_all(client, presses: dict, state) -> tuple[list[str], int]:
    from adminapp.extensions import limiter

    bad, pressed = [], 0
    for key, (target, data, source) in list(presses.items())[:MAX_PRESSES]:
        r = client.post(target, data=MultiDict(data))
        pressed += 1
        problem = None
        if r.status_code in (403, 404) or r.status_code >= 500:
            problem = str(r.status_code)
        elif r.status_code in (301, 302, 303):
            location = local_path(urljoin(target, r.headers["Location"]))
            if location is not None and location.startswith("/login"):
                problem = "redirects to login"
            elif location is not None:
                follow = client.get(location)
                if follow.status_code in (403, 404) or follow.status_code >= 500:
                    problem = f"redirects to {location} ({follow.status_code})"
        if problem:
            label = f"action={key[2]}" if key[0] == "list-action" else (f"button {key[2]}" if key[2] else "")
            bad.append(f"POST {target} {label} -> {problem}, on page {source}")
        put_back(state)
        limiter.reset()
    return bad, pressed


ACCOUNTS = ["admin", "tld.officer", "hanoi.officer", "hanoi.leader", "hanoi.viewer", "hoankiem.officer",
            "cdcs.officer", "nghean.officer", "vinh.officer"]


@pytest.mark.parametrize("username", ACCOUNTS)
def test_no_link_or_button_leads_to_403_or_404(ctx, login_as, username):
    from adminapp import demo_workflows

    demo_workflows.seed_workflows()
    db.session.commit()
    client = login_as(username)
    bad, pages, presses = crawl(client)
    assert pages > 5
    assert not bad, f"{len(bad)} links answer 403/404 for {username}:\n" + "\n".join(bad[:40])
    if ctx.config["BACKEND"] != "sqlite":
        return  # buttons are pressed on one backend: what a button answers is decided by the access rules
    state = table_rows()  # after login and the crawl: each press starts from here
    bad, pressed = press_all(client, presses, state)
    assert pressed > 0
    assert not bad, f"{len(bad)} buttons answer 403/404 for {username}:\n" + "\n".join(bad[:40])
