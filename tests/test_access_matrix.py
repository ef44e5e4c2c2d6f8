"""Per-level access on every path of the foundation views (issue 2, "What the tests must show").

For each demo account and each view: the list (all pages), details, edit,
delete and export show only rows inside the account's scope; ids outside it
answer 404 on GET and POST and change nothing. The oracle is computed here in
Python from the materialized paths, independently of adminapp.access.
"""
import io
import re

import openpyxl
import pytest

from adminapp.extensions import db
from models import AuditEvent, Role, Unit, User

ACCOUNTS = ["admin", "tld.officer", "hanoi.officer", "hanoi.leader", "hanoi.viewer", "hoankiem.officer",
            "cdcs.officer", "nghean.officer", "vinh.officer"]

ID_RE = re.compile(r"details/\?id=(\d+)")


def list_ids(client, endpoint: str, query: str = "") -> set[int]:
    ids: set[int] = set()
    page = 0
    while True:
        r = client.get(f"/admin/{endpoint}/?page={page}&page_size=100{query}")
        assert r.status_code == 200, (endpoint, r.status_code)
        found = {int(i) for i in ID_RE.findall(r.get_data(as_text=True))}
        if not found - ids:
            return ids
        ids |= found
        page += 1


def oracle(username: str) -> dict[str, set[int]]:
    me = db.session.execute(db.select(User).where(User.username == username)).scalar_one()
    everything = me.username == "admin"
    prefix = me.unit.path
    units = {u.id for u in db.session.execute(db.select(Unit)).scalars() if everything or u.path.startswith(prefix)}
    users = {u.id for u in db.session.execute(db.select(User)).scalars() if u.unit_id in units}
    events = {e.id for e in db.session.execute(db.select(AuditEvent)).scalars()
              if everything or e.actor_unit_id in units}
    return {"units": units, "users": users, "audit": events}


def all_ids(model) -> set[int]:
    return set(db.session.execute(db.select(model.id)).scalars())


@pytest.fixture()
def with_history(ctx, login_as):
    # every account logs in once, so the audit log holds events of every unit
    for name in ACCOUNTS:
        login_as(name)
    return ctx


@pytest.mark.parametrize("username", ACCOUNTS)
def test_lists_show_exactly_the_scope(with_history, login_as, username):
    c = login_as(username)
    expected = oracle(username)
    assert list_ids(c, "units") == expected["units"]
    assert list_ids(c, "users") == expected["users"]
    assert list_ids(c, "audit") == expected["audit"]


@pytest.mark.parametrize("username", [a for a in ACCOUNTS if a not in ("admin", "tld.officer")])
def test_out_of_scope_ids_are_not_found_and_unchanged(with_history, login_as, username):
    c = login_as(username)
    expected = oracle(username)
    models = {"units": Unit, "users": User, "audit": AuditEvent}
    for endpoint, model in models.items():
        outside = sorted(all_ids(model) - expected[endpoint])
        assert outside, f"{username} should have rows outside scope in {endpoint}"
        for oid in outside[:3] + outside[-2:]:
            assert c.get(f"/admin/{endpoint}/details/?id={oid}").status_code == 404
            r = c.get(f"/admin/{endpoint}/edit/?id={oid}")
            assert r.status_code in (302, 404)  # views without edit redirect before loading anything
            r = c.post(f"/admin/{endpoint}/edit/?id={oid}", data={"name": "HACKED", "full_name": "HACKED"})
            assert r.status_code in (302, 400, 404)
            r = c.post(f"/admin/{endpoint}/delete/", data={"id": str(oid)})
            assert r.status_code in (302, 400, 404)
    assert db.session.execute(db.select(db.func.count()).select_from(Unit).where(Unit.name == "HACKED")).scalar_one() == 0
    assert db.session.execute(db.select(db.func.count()).select_from(User).where(User.full_name == "HACKED")).scalar_one() == 0
    assert db.session.execute(db.select(db.func.count()).select_from(Unit)).scalar_one() == len(all_ids(Unit))


@pytest.mark.parametrize("username", ["hanoi.officer", "hanoi.viewer", "vinh.officer"])
def test_exports_contain_only_the_scope(with_history, login_as, username):
    c = login_as(username)
    me = db.session.execute(db.select(User).where(User.username == username)).scalar_one()
    expected_codes = {u.code for u in db.session.execute(db.select(Unit)).scalars() if u.path.startswith(me.unit.path)}
    r = c.get("/admin/units/export/xlsx/")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=True))
    header_idx = next(i for i, row in enumerate(rows) if row and row[0] == "Mã")
    codes = {row[0] for row in rows[header_idx + 1:] if row[0]}
    assert codes == expected_codes
    r = c.get("/admin/users/export/csv/")
    assert r.status_code == 200
    text = r.data.decode("utf-8-sig")
    in_scope = {u.username for u in db.session.execute(db.select(User)).scalars() if u.unit.path.startswith(me.unit.path)}
    exported = {line.split(",")[0] for line in text.strip().splitlines()[1:]}
    assert exported == in_scope


def test_unit_lookups_are_scoped(ctx, login_as):
    """The unit pickers (ajax lookups) of the user and unit forms offer only in-scope units."""
    import json

    c = login_as("hoankiem.officer")
    expected = {u.id for u in db.session.execute(db.select(Unit)).scalars() if u.path.startswith("/TLD/01/01-002/")}
    for endpoint, field in [("users", "unit"), ("units", "parent")]:
        r = c.get(f"/admin/{endpoint}/ajax/lookup/?name={field}&query=&limit=50")
        assert r.status_code == 200
        assert {row[0] for row in json.loads(r.data)} == expected
        r = c.get(f"/admin/{endpoint}/ajax/lookup/?name={field}&query=nghe+an")
        assert json.loads(r.data) == []
    # limit is clamped, search ignores diacritics
    c = login_as("tld.officer")
    assert len(json.loads(c.get("/admin/users/ajax/lookup/?name=unit&query=&limit=100000").data)) == 50
    names = [row[1] for row in json.loads(c.get("/admin/users/ajax/lookup/?name=unit&query=nghe an").data)]
    assert names == ["Liên đoàn Lao động tỉnh Nghệ An"]


def test_forged_out_of_scope_unit_is_refused_on_submit(ctx, login_as, unit):
    from tests.conftest import csrf_from

    c = login_as("hoankiem.officer")
    html = c.get("/admin/users/new/").get_data(as_text=True)
    r = c.post("/admin/users/new/", data={"csrf_token": csrf_from(html), "username": "intruder",
                                          "full_name": "X", "unit": str(unit("40").id), "active": "y",
                                          "new_password": "MatKhau#2026"})
    assert r.status_code == 200
    assert db.session.execute(db.select(User).where(User.username == "intruder")).scalar_one_or_none() is None


def test_unit_parent_filter_and_search_respect_scope(ctx, login_as):
    c = login_as("vinh.officer")
    # a filter or search naming units outside the scope finds nothing
    assert list_ids(c, "units", "&search=ha+noi") == set()
    assert list_ids(c, "units", "&search=vinh") == {u.id for u in db.session.execute(
        db.select(Unit).where(Unit.path.like("/TLD/40/40-412/%"))).scalars()}


def test_roles_are_for_the_administrator_only(ctx, login_as):
    for name in ["tld.officer", "hanoi.officer", "hanoi.leader", "hanoi.viewer"]:
        c = login_as(name)
        assert c.get("/admin/roles/").status_code == 403
        assert c.post("/admin/roles/new/", data={"name": "x", "title": "x"}).status_code in (400, 403)
    c = login_as("admin")
    assert c.get("/admin/roles/").status_code == 200
    from adminapp.access import SHIPPED_ROLES

    assert db.session.execute(db.select(db.func.count()).select_from(Role)).scalar_one() == len(SHIPPED_ROLES)


def test_anonymous_is_sent_to_login(client):
    for path in ["/admin/", "/admin/units/", "/admin/users/", "/admin/audit/", "/admin/roles/",
                 "/admin/units/details/?id=1", "/admin/units/export/xlsx/"]:
        r = client.get(path)
        assert r.status_code == 302 and "/login" in r.headers["Location"], path
