"""Every sort a list offers is served by an index, on SQLite and PostgreSQL (issue 17).

For each list of the admin (every ScopedModelView), each offered sort column and the default order, in
both directions, the statement that picks a deep page's ids (views/base.py ScopedModelView._page_ids) is
explained: it must neither read the table without an index nor sort it. SQLite: no "SCAN <table>" that
is not an index walk, no "USE TEMP B-TREE". PostgreSQL (with sequential scans and sorts priced out, so the
plan shows whether an index *can* serve the order): no "Seq Scan", no "Sort" node. So a new sortable
column without its (column, id) index, or a scoped list whose scope no index serves, fails here.

The national list is checked as the administrator (global) and, for initiatives, as a province officer
(scope area_unit_id = the province, adminapp/areas.py). Lists of small reference tables that are sorted
in memory on purpose are listed in SMALL with the reason.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask_login import login_user

from adminapp.extensions import db
from models import User
from views.base import ScopedModelView

# endpoint -> why its sorts may sort rows (the table stays small by nature)
SMALL = {
    "roles": "system and custom roles: tens of rows",
    "campaign_roles": "roles of a unit in a campaign: a short catalogue",
    "programmes": "initiative programmes: a few per year per unit",
    "received_campaigns": "campaigns launched to one unit: found by that unit's registrations (tens), then sorted",
}
# (endpoint, username): scoped lists whose scope an index serves in sort order
SCOPED = [("initiatives", "hanoi.officer")]


def _views(app):
    admin = app.extensions["admin"][0]
    return [v for v in admin._views if isinstance(v, ScopedModelView)]


def _orders(view):
    columns = view.__dict__.get("_all_list_columns") or view._list_columns
    names = [name for name, _ in columns if name in view._sortable_columns]
    return [(None, False)] + [(name, desc) for name in names for desc in (False, True)]


def _explain(conn, statement, parameters) -> list[str]:
    if conn.dialect.name == "sqlite":
        return [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    conn.exec_driver_sql("SET LOCAL enable_sort = off")
    conn.exec_driver_sql("SET LOCAL enable_incremental_sort = off")
    conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    return [row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters)]


def _bad(lines: list[str], table: str) -> list[str]:
    bad = []
    for line in lines:
        if re.search(rf"\bSCAN {table}\b(?! USING (COVERING )?INDEX)", line) or "USE TEMP B-TREE" in line:
            bad.append(line)
        if re.search(r"Seq Scan on|\bSort\b(?! Key)", line):  # a Merge Append's "Sort Key" merges sorted walks
            bad.append(line)
    return bad


def _page_plans(app, view, username: str):
    """{(sort, desc): plan lines} of the ids statement of page 2000, as `username`."""
    plans = {}
    user = db.session.execute(sa.select(User).where(User.username == username)).scalar_one()
    recorded = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        recorded.append((statement, parameters))

    for sort, desc in _orders(view):
        with app.test_request_context("/admin/"):
            login_user(user)
            query, _ = view._apply_sorting(view.get_query(), {}, sort, desc)
            ids = view._page_ids(query, 1999, 20)
            recorded.clear()
            sa.event.listen(db.engine, "before_cursor_execute", record)
            try:
                ids.all() if hasattr(ids, "all") else db.session.execute(ids).all()  # a merged scope: a select
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", record)
            (statement, parameters), = [r for r in recorded if r[0].lstrip().upper().startswith("SELECT")]
            with db.engine.connect() as conn, conn.begin():
                plans[(sort, desc)] = (" ".join(statement.split()), _explain(conn, statement, parameters))
            db.session.rollback()
    return plans


def _merged_pages(app, view, user, page_size: int = 3, pages: int = 4) -> dict:
    """{(sort, desc): (the ids of the first `pages` pages as the view picks them, the plain scoped query's)} for
    every offered order, as `user`, whose scope must be merged arms (views/base.py _merged_page_ids)."""
    out = {}
    for sort, desc in _orders(view):
        with app.test_request_context("/admin/"):
            login_user(user)
            query, _ = view._apply_sorting(view.get_query(), {}, sort, desc)
            assert view._merged_page_ids(query, 0, page_size) is not None
            got, want = [], []
            for page in range(pages):
                got += db.session.execute(view._page_ids(query, page, page_size)).scalars().all()
                want += [r.id for r in view.get_query().order_by(*query._order_by_clauses)
                         .offset(page * page_size).limit(page_size)]
        out[(sort, desc)] = (got, want)
    return out


def test_every_offered_sort_of_every_list_walks_an_index(ctx):
    failures = []
    checked = 0
    for view in _views(ctx):
        if view.endpoint in SMALL:
            continue
        table = view.model.__tablename__
        for (sort, desc), (statement, lines) in _page_plans(ctx, view, "admin").items():
            checked += 1
            bad = _bad(lines, table)
            if bad:
                failures.append(f"{view.endpoint} sort={sort} desc={desc}: {bad}\n  {statement}\n  " + "\n  ".join(lines))
    assert checked > 20
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("endpoint", "username"), SCOPED)
def test_scoped_sorts_walk_an_index(ctx, endpoint, username):
    view = next(v for v in _views(ctx) if v.endpoint == endpoint)
    failures = []
    for (sort, desc), (statement, lines) in _page_plans(ctx, view, username).items():
        bad = _bad(lines, view.model.__tablename__)
        if bad:
            failures.append(f"{endpoint} sort={sort} desc={desc}: {bad}\n  {statement}\n  " + "\n  ".join(lines))
    assert not failures, "\n".join(failures)


def test_the_small_lists_exempted_exist(ctx):
    endpoints = {v.endpoint for v in _views(ctx)}
    assert set(SMALL) <= endpoints, set(SMALL) - endpoints


def test_list_counts_stop_at_the_cap(ctx, login_as, monkeypatch):
    """Past the cap, a list page says "hơn …" and counts no further (the count reads cap + 1 rows at most);
    the pager still leads on while pages are full. Exports keep the exact count."""
    from models import Unit
    from views.units import UnitView

    total = db.session.execute(sa.select(sa.func.count()).select_from(Unit)).scalar_one()
    assert total > 5
    monkeypatch.setattr(UnitView, "count_cap", 5)
    client = login_as("admin")
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        html = client.get("/admin/units/").get_data(as_text=True)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert "(hơn 5)" in html
    # the count rides in the page's rows statement (views/base.py get_list), or is a statement of its own
    counts = [s for s in statements if "SELECT 1 AS one" in s and "FROM unit" in s]
    assert counts and all("LIMIT 6" in s for s in counts), counts
    if total > 20:
        assert "?page=1" in html  # the next page is offered
    monkeypatch.setattr(UnitView, "count_cap", 10_000)
    html = client.get("/admin/units/").get_data(as_text=True)
    assert f"({total})" in html and "hơn" not in html.split("nav-tabs")[1][:500]
    # a search counts to its own, lower cap
    matches = len(db.session.execute(sa.select(Unit.id).where(Unit.search_text.like("%lien doan%"))).all())
    assert matches > 3
    monkeypatch.setattr(UnitView, "search_count_cap", 3)
    assert "(hơn 3)" in client.get("/admin/units/?search=lien+doan").get_data(as_text=True)
    monkeypatch.setattr(UnitView, "search_count_cap", 1_000)
    assert f"({matches})" in client.get("/admin/units/?search=lien+doan").get_data(as_text=True)
    with ctx.test_request_context("/admin/units/export/csv/"):
        from adminapp import jobs

        view = jobs.find_view("units")
        login_user(db.session.execute(sa.select(User).where(User.username == "admin")).scalar_one())
        monkeypatch.setattr(UnitView, "count_cap", 5)
        count, _, _ = view.export_plan()
        assert count == total and not getattr(count, "capped", False)
