"""Access matrix over every URL rule of the app, as a script anyone can rerun.

For each demo account (except the global administrator and root officers) and
every registered URL rule (walked from ``app.url_map``, so a new view is
covered automatically), it requests the rule with object ids that lie outside
the account's scope, by GET and by POST (with a valid CSRF token, the ids in
every parameter Flask-Admin reads, and each bulk action name), and records
the outcome. A cell leaks when:

- a successful response shows a canary: the name of a unit, or the full name
  or username of a user, from another branch of the tree; or
- any row outside the account's scope changed;
- any request answered 500 (GET or POST);
- another user's export file (a private row: access.register_scope(private=True)) was served, to anyone,
  the global administrator included;
- the session cookie saved before /logout still opens a page after it.

Run it alone:  .venv/bin/python -m tests.security.access_matrix
It prints one line per leaking cell and the totals; the test in
tests/security/test_access_matrix_urls.py asserts there are no leaks.
"""
from __future__ import annotations

import csv
import itertools
import os
import re
import sys
from dataclasses import dataclass

from flask import Flask

from adminapp import access
from adminapp.extensions import db
from models import Unit, User

ACCOUNTS = ["admin", "tld.officer", "hanoi.officer", "hanoi.leader", "hanoi.viewer", "hoankiem.officer",
            "cdcs.officer", "nghean.officer", "vinh.officer"]
BEYOND_INTEGER = 2147483648  # tried as an id everywhere: "not found", never a 500 (PostgreSQL)
REPLAYED = ["/admin/", "/admin/initiatives/", "/admin/campaigns/", "/admin/users/", "/admin/exports/"]
IDS_PER_MODEL = 2
SKIP_ENDPOINT_PREFIXES = ("static", "admin.static", "_debug")
SKIP_ENDPOINTS = {"auth.logout", "auth.logout_everywhere", "auth.login", "healthz"}
PUBLIC_BLUEPRINTS = {"public"}  # public pages show the reference directory by design
VOLATILE_COLUMNS = {"last_login_at", "search_text", "read_at"}
ARTIFACT = os.path.join(os.path.dirname(os.path.dirname(__file__)), "e2e", "artifacts", "access_matrix.csv")


@dataclass
class Cell:
    account: str
    method: str
    url: str
    status: int
    leak: str = ""


def _out_of_scope_ids(user: User) -> dict[type, list[int]]:
    result = {}
    for model in list(access._SCOPES):  # every model the access module scopes
        if not hasattr(model, "id"):
            continue
        inside = set(db.session.execute(db.select(model.id).where(access.scope_condition(user, model))).scalars())
        outside = [i for i in db.session.execute(db.select(model.id).order_by(model.id)).scalars() if i not in inside]
        if outside:
            result[model] = outside[:IDS_PER_MODEL] + outside[-IDS_PER_MODEL:]
    return result


def _canaries(user: User) -> list[str]:
    """Names that must never be shown to `user`: units and people of other branches of the tree."""
    mine = user.unit.path
    ancestors = set(mine.strip("/").split("/"))
    words = []
    for unit in db.session.execute(db.select(Unit).where(Unit.level >= 1)).scalars():
        if unit.path.startswith(mine) or unit.code in ancestors or mine.startswith(unit.path):
            continue
        if unit.level >= 2 or unit.code in {"40", "01"}:  # branches the demo data populates
            words.append(unit.name)
    for other in db.session.execute(db.select(User)).scalars():
        if other.unit.path.startswith(mine) or mine.startswith(other.unit.path):
            continue
        words.extend([other.full_name])
    return sorted(set(words), key=len, reverse=True)


def _snapshot(user: User) -> dict:
    """All rows outside the user's scope, column by column (volatile columns dropped)."""
    snap = {}
    for model in list(access._SCOPES):
        cols = [c for c in model.__table__.columns if c.name not in VOLATILE_COLUMNS]
        rows = db.session.execute(
            db.select(*cols).where(~access.scope_condition(user, model)).order_by(model.__table__.primary_key.columns.values()[0])
        ).all()
        snap[model.__tablename__] = [tuple(r) for r in rows]
    return snap


def _urls(app: Flask, rule, ids: dict[type, list[int]]) -> list[str]:
    all_ids = sorted(set(itertools.chain.from_iterable(ids.values())))
    args = [a for a in rule.arguments]
    if not args:
        base = rule.rule
        return [base] + [f"{base}?id={i}" for i in all_ids]
    urls = []
    for value in all_ids:
        values = {}
        for a in args:
            conv = rule._converters.get(a)
            kind = type(conv).__name__ if conv else ""
            if "Integer" in kind or a.endswith("id"):
                values[a] = value
            elif a == "export_type":
                values[a] = "xlsx"
            else:
                values[a] = str(value)
        try:
            with app.test_request_context():
                from flask import url_for
                urls.append(url_for(rule.endpoint, **values))
        except Exception:  # noqa: BLE001 - a rule whose arguments cannot be built from ids
            continue
    return urls


def _token(client) -> str:
    html = client.get("/password").get_data(as_text=True)
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return m.group(1) if m else ""


def _post_bodies(app: Flask, endpoint: str, token: str, ids: list[int]) -> list[dict]:
    base = {"csrf_token": token, "id": str(ids[0]) if ids else "", "rowid": [str(i) for i in ids],
            "reason": "kiểm thử phạm vi", "url": "/"}
    bodies = [base]
    view_name = endpoint.rsplit(".", 1)[0]
    if endpoint.endswith(".action_view"):
        for view in app.extensions.get("admin", [None])[0]._views if app.extensions.get("admin") else []:
            if view.endpoint == view_name:
                bodies = [{**base, "action": name} for name, _ in view._actions] or bodies
    return bodies


def run(app: Flask, login) -> list[Cell]:
    """`login(username)` returns a logged-in test client. Returns every cell tried."""
    cells: list[Cell] = []
    rules = [r for r in app.url_map.iter_rules()
             if not r.endpoint.startswith(SKIP_ENDPOINT_PREFIXES) and r.endpoint not in SKIP_ENDPOINTS]
    for username in ACCOUNTS:
        user = db.session.execute(db.select(User).where(User.username == username)).scalar_one()
        ids = _out_of_scope_ids(user)
        if username == "admin":  # every id is in the administrator's scope: try one beyond INTEGER instead
            ids[type(None)] = [BEYOND_INTEGER]
        canaries = _canaries(user)
        before = _snapshot(user)
        client = login(username)
        token = _token(client)
        all_ids = sorted(set(itertools.chain.from_iterable(ids.values())))
        private_ids = _others_private_ids(user)
        for rule in rules:
            public = rule.endpoint.split(".")[0] in PUBLIC_BLUEPRINTS
            for url in _urls(app, rule, ids) + _private_urls(app, rule, private_ids):
                if "GET" in rule.methods:
                    r = client.get(url)
                    leak = ""
                    if r.status_code >= 500:
                        leak = "server error"
                    elif url in _private_urls(app, rule, private_ids) and r.status_code != 404:
                        leak = f"another user's private row answered {r.status_code}"
                    if r.status_code == 200 and not public and "text/html" in r.content_type or (
                        r.status_code == 200 and not public and r.mimetype in ("application/json", "text/csv")
                    ):
                        body = r.get_data(as_text=True)
                        found = next((w for w in canaries if w in body), "")
                        if found:
                            leak = f"shows “{found}”"
                    cells.append(Cell(username, "GET", url, r.status_code, leak))
                if "POST" in rule.methods:
                    for body in _post_bodies(app, rule.endpoint, token, all_ids):
                        r = client.post(url, data=body)
                        cells.append(Cell(username, "POST", url + (f" [{body.get('action')}]" if "action" in body else ""),
                                          r.status_code))
                        if r.status_code >= 500:
                            cells[-1].leak = "server error"
        cells.extend(_replay_after_logout(app, client, username))
        db.session.expire_all()
        after = _snapshot(user)
        if after != before:
            changed = [t for t in before if before[t] != after.get(t)]
            cells.append(Cell(username, "*", "rows outside scope", 0, f"changed: {', '.join(changed)}"))
    return cells


def _others_private_ids(user: User) -> dict[type, list[int]]:
    """Ids of private rows (export files) that belong to somebody else: nobody but the owner opens them."""
    result = {}
    for model in access._PRIVATE:
        result[model] = list(db.session.execute(
            db.select(model.id).where(~access._SCOPES[model](user)).order_by(model.id)).scalars())[:IDS_PER_MODEL]
    return result


def _private_urls(app: Flask, rule, ids: dict[type, list[int]]) -> list[str]:
    """URLs of `rule` for private rows of others, when the rule belongs to a private model's view."""
    urls = []
    for model, model_ids in ids.items():
        view = next((v for v in app.extensions["admin"][0]._views
                     if getattr(v, "model", None) is model), None)
        if view is None or not rule.endpoint.startswith(view.endpoint + ".") or not any(
                "Integer" in type(rule._converters.get(a)).__name__ or "Id" in type(rule._converters.get(a)).__name__
                for a in rule.arguments):
            continue
        urls.extend(_urls(app, rule, {model: model_ids}))
    return urls


def _replay_after_logout(app: Flask, client, username: str) -> list[Cell]:
    """Save the session cookie, log out, and replay it: every page must send the browser to the login."""
    saved = [(c.key, c.value) for c in client._cookies.values()]
    client.post("/logout", data={"csrf_token": _token(client)})
    replay = app.test_client()
    for key, value in saved:
        replay.set_cookie(key, value)
    cells = []
    for url in REPLAYED:
        r = replay.get(url)
        alive = r.status_code != 302 or "/login" not in r.headers.get("Location", "")
        cells.append(Cell(username, "REPLAY", url, r.status_code, "session alive after logout" if alive else ""))
    return cells


def write_table(cells: list[Cell], path: str = ARTIFACT) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["account", "method", "url", "status", "leak"])
        for c in cells:
            w.writerow([c.account, c.method, c.url, c.status, c.leak])


def summary(cells: list[Cell]) -> str:
    leaks = [c for c in cells if c.leak]
    return f"access matrix: {len(cells)} cells tried, {len(leaks)} leaks found"


def main() -> int:  # pragma: no cover - manual rerun
    import tempfile

    from adminapp import create_app, demo, reference
    from tests.conftest import Auth, IsolatedClient

    tmp = tempfile.mkdtemp()
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/matrix.db",
                      "INSTANCE_PATH": tmp})
    app.test_client_class = IsolatedClient
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        reference.seed_units()
        demo.seed_demo()
        db.session.commit()

        def login(name):
            c = app.test_client()
            Auth(c).login(name)
            return c

        cells = run(app, login)
        write_table(cells)
        for c in cells:
            if c.leak:
                print(f"LEAK {c.account} {c.method} {c.url} {c.status} {c.leak}")
        print(summary(cells))
        return 1 if any(c.leak for c in cells) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
