"""`make bench`: our scoped views against a bare Flask-Admin 2.2 ModelView, same process, same data.

Every figure is measured in the same run for ours and for the named baseline
(at least 20 requests each, after a warm-up), and printed as
``name value baseline ratio`` (median milliseconds, or a count), with
min–max; the same goes to bench/results/<timestamp>.json.

    make bench            # default sizes
    make bench N=20000    # quick check
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test make bench

Campaign figures (bench/campaigns.py): the review page of a national campaign with its status tabs
and counts, the tab counts query alone, a bulk approve of 500 lists (BENCH_BULK_RUNS runs, at least 5)
and, on PostgreSQL only, the public form's accepted submissions per second under gunicorn -w 2
(BENCH_PUBLIC_SECONDS, BENCH_PUBLIC_CLIENTS connections, BENCH_PUBLIC_CLIENT=wrk|threads,
BENCH_GUNICORN_PORT).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask_admin import Admin, AdminIndexView
from flask_admin.contrib.sqla import ModelView

RESULTS = Path(__file__).parent / "results"
REPEAT = int(os.environ.get("BENCH_REPEAT", 20))
WARMUP = int(os.environ.get("BENCH_WARMUP", 5))  # requests before timing, each side (see Bench.time_pair)


class Bench:
    def __init__(self, app, label: str):
        self.app = app
        self.label = label
        self.rows: list[dict] = []
        self.statements = 0
        from adminapp.extensions import db

        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):  # noqa: ARG002
        self.statements += 1

    def client(self, username: str | None):
        from tests.conftest import Auth, IsolatedClient

        self.app.test_client_class = IsolatedClient
        c = self.app.test_client()
        if username:
            assert Auth(c).login(username).status_code == 302, username
        return c

    def time_get(self, client, url: str) -> list[float]:
        for _ in range(WARMUP):
            r = client.get(url)
            assert r.status_code == 200, (url, r.status_code)
        times = []
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            r = client.get(url)
            r.get_data()
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200
        return times

    def time_pair(self, ours, ours_url: str, base, base_url: str) -> tuple[list[float], list[float]]:
        """Both requests timed one by one, alternating (ours, base, base, ours, …: neither always goes
        first), on the same rows and indexes; after WARMUP requests each (the steady state of a running server:
        PostgreSQL runs a statement prepared once its connection has run it 5 times, adminapp/prepared.py)."""
        for client, url in ((ours, ours_url), (base, base_url)):
            for _ in range(WARMUP):
                r = client.get(url)
                assert r.status_code == 200, (url, r.status_code)
        a, b = [], []
        for i in range(REPEAT):
            order = ((ours, ours_url, a), (base, base_url, b))
            for client, url, out in (order if i % 2 == 0 else order[::-1]):
                t0 = time.perf_counter()
                r = client.get(url)
                r.get_data()
                out.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, (url, r.status_code)
        return a, b

    def compare(self, name: str, ours, ours_url: str, base, base_url: str, **kwargs) -> None:
        """Record `name`: ours against the baseline, requests interleaved."""
        a, b = self.time_pair(ours, ours_url, base, base_url)
        self.record(name, a, b, **kwargs)

    def count_statements(self, client, url: str) -> int:
        client.get(url)
        self.statements = 0
        client.get(url)
        return self.statements

    def record(self, name: str, ours, base, unit: str = "ms", baseline_name: str = "default Flask-Admin"):
        if isinstance(ours, list):
            row = {"name": name, "value": statistics.median(ours), "min": min(ours), "max": max(ours),
                   "baseline": statistics.median(base), "baseline_min": min(base), "baseline_max": max(base)}
        else:
            row = {"name": name, "value": ours, "baseline": base}
        row["ratio"] = row["value"] / row["baseline"] if row["baseline"] else None
        row.update(unit=unit, baseline_name=baseline_name, db=self.label)
        self.rows.append(row)
        extra = f" ({row['min']:.1f}–{row['max']:.1f} vs {row['baseline_min']:.1f}–{row['baseline_max']:.1f})" \
            if "min" in row else ""
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "n/a"
        print(f"{name} {row['value']:.1f} {row['baseline']:.1f} {ratio}  [{unit}, {self.label}]{extra}", flush=True)


def add_bare_admin(app):
    """The baseline: default Flask-Admin 2.2 ModelViews with only what a user must set (the same columns,
    search and filter; the page size is Flask-Admin's default, 20, as ours). Column auto-join is left at its
    default (on). `BareScopedInitiative` is the same view restricted to one province's subtree by a plain
    `get_query` filter, the like-for-like baseline of a province officer's list; `BareInitiativeNoAutoJoin`
    is a labelled variant with `column_auto_select_related = False` (each row's unit loaded separately)."""
    from flask import has_request_context

    from adminapp.access import subtree_condition
    from adminapp.extensions import db
    from models import Initiative, Registration, Unit, User

    bare = Admin(app, name="bare", url="/bare", endpoint="bare",
                 index_view=AdminIndexView(url="/bare", endpoint="bare"))

    class BareUnit(ModelView):
        column_searchable_list = ["name"]
        column_list = ["name", "code", "level", "kind", "parent", "default_quota", "active"]

    class BareUser(ModelView):
        column_list = ["username", "full_name", "unit", "active", "last_login_at"]

    class BareInitiative(ModelView):
        column_searchable_list = ["title"]
        column_filters = ["status"]
        column_list = ["tracking_code", "title", "author_name", "unit", "holder_unit", "field", "group", "status",
                       "score", "created_at"]

    class BareInitiativeNoAutoJoin(BareInitiative):
        column_auto_select_related = False  # variant: the unit columns load row by row (N+1)

    class BareScopedInitiative(BareInitiative):
        scope_path = None  # set by the bench: the path of the unit whose subtree this view shows

        def _scoped(self, query):
            path = type(self).scope_path
            if path is None or not has_request_context():
                return query
            return query.filter(Initiative.unit_id.in_(sa.select(Unit.id).where(subtree_condition(Unit.path, path))))

        def get_query(self):
            return self._scoped(super().get_query())

        def get_count_query(self):
            return self._scoped(super().get_count_query())

    bare.add_view(BareUnit(Unit, db, endpoint="bare_unit", url="/bare/unit"))
    bare.add_view(BareInitiative(Initiative, db, endpoint="bare_initiative", url="/bare/initiative"))
    bare.add_view(BareInitiativeNoAutoJoin(Initiative, db, endpoint="bare_initiative_noauto",
                                           url="/bare/initiative_noauto"))
    bare.add_view(BareScopedInitiative(Initiative, db, endpoint="bare_initiative_scoped",
                                       url="/bare/initiative_scoped"))
    bare.add_view(BareUser(User, db, endpoint="bare_user", url="/bare/user"))
    bare.add_view(ModelView(Registration, db, endpoint="bare_registration", url="/bare/registration"))
    app.config["BENCH_SCOPED_VIEW"] = BareScopedInitiative
    return bare


@contextmanager
def bench_app(db_url: str | None):
    from flask_migrate import upgrade

    from adminapp import create_app, demo, reference
    from adminapp.extensions import db

    tmp = tempfile.mkdtemp()
    cfg = {"APP_ENV": "testing", "INSTANCE_PATH": tmp}
    schema = None
    if db_url:
        # BENCH_SCHEMA names a schema kept between runs (generate once, copy the database with
        # CREATE DATABASE … TEMPLATE for each trial); by default a fresh schema, dropped at the end
        keep = os.environ.get("BENCH_SCHEMA")
        schema = keep or "bench_" + uuid.uuid4().hex[:8]
        url = db_url.replace("postgresql://", "postgresql+psycopg://")
        eng = sa.create_engine(url)
        with eng.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        eng.dispose()
        cfg.update(SQLALCHEMY_DATABASE_URI=url,
                   SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": f"-csearch_path={schema}"}})
    else:
        cfg["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp}/bench.db"
    app = create_app(cfg)
    app.config["BENCH_CONFIG"] = cfg  # for the export processes (bench/export_proc.py)
    add_bare_admin(app)
    with app.app_context():
        upgrade()
        reference.seed_units()
        demo.seed_demo()
        db.session.commit()
    try:
        yield app
    finally:
        if schema and not keep:
            eng = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
            with eng.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            eng.dispose()


def explain_lists(bench: Bench, pages: list[tuple[str, object, str]], tables: tuple[str, ...]) -> None:
    """Print the plan of every SELECT each list page runs on `tables` (bench/explain.py), flag full scans."""
    from bench import explain

    scans = 0
    for name, client, url in pages:
        scans += explain.print_plans(f"{name} {url} [{bench.label}]", explain.plans(bench.app, client, url, tables))
    print(f"# EXPLAIN {', '.join(tables)} [{bench.label}]: {len(pages)} list pages, "
          f"{scans} statements reading a table without an index", flush=True)


def offered_sorts(app, endpoint: str) -> list[tuple[int, str]]:
    """(index in the list's columns, name) of every column the list offers as a sort."""
    from adminapp import jobs

    with app.test_request_context():
        view = jobs.find_view(endpoint)
        columns = view.__dict__.get("_all_list_columns") or view._list_columns
        sortable = set(view._sortable_columns)
        return [(i, name) for i, (name, _) in enumerate(columns) if name in sortable]


def sort_lines(bench: Bench, prefix: str, endpoint: str, url: str, client, deep: int) -> list[tuple[str, object, str]]:
    """One ratio line per sortable column and direction (and the default order): page `deep` against page 1
    of the same sort, timed interleaved. Returns the pages, for their EXPLAIN."""
    sep = "&" if "?" in url else "?"
    pages = []
    orders = [("default", "")] + [(f"{name}_{'desc' if desc else 'asc'}", f"sort={i}" + ("&desc=1" if desc else ""))
                                  for i, name in offered_sorts(bench.app, endpoint) for desc in (0, 1)]
    for label, arg in orders:
        first = url + (sep + arg if arg else "")
        deep_url = first + ("&" if "?" in first else "?") + f"page={deep - 1}"
        d, p1 = bench.time_pair(client, deep_url, client, first)
        bench.record(f"{prefix}_sort_{label}_page{deep}_vs_page1", d, p1, baseline_name="our page 1, same sort")
        pages += [(prefix, client, first), (prefix, client, deep_url)]
    return pages


def run_units(bench: Bench) -> None:
    ours_admin = bench.client("admin")
    province = bench.client("hanoi.officer")
    grassroots = bench.client("cdcs.officer")
    bare = bench.client(None)
    bench.compare("units_list_page1", ours_admin, "/admin/units/", bare, "/bare/unit/")
    bench.compare("units_list_page400", ours_admin, "/admin/units/?page=399", bare, "/bare/unit/?page=399")
    bench.compare("units_search_ha_noi", ours_admin, "/admin/units/?search=ha+noi",
                  bare, "/bare/unit/?search=H%C3%A0+N%E1%BB%99i")
    bench.compare("units_list_scoped_province", province, "/admin/units/", bare, "/bare/unit/",
                  baseline_name="default Flask-Admin, unscoped page 1")
    bench.compare("units_list_scoped_grassroots", grassroots, "/admin/units/", bare, "/bare/unit/",
                  baseline_name="default Flask-Admin, unscoped page 1")
    for size in (20, 50, 100):
        bench.record(f"units_sql_statements_page_size_{size}",
                     bench.count_statements(ours_admin, f"/admin/units/?page_size={size}"),
                     bench.count_statements(bare, f"/bare/unit/?page_size={size}"), unit="statements")
        bench.record(f"users_sql_statements_page_size_{size}",
                     bench.count_statements(ours_admin, f"/admin/users/?page_size={size}"),
                     bench.count_statements(bare, f"/bare/user/?page_size={size}"), unit="statements")
    pages = sort_lines(bench, "units_admin", "units", "/admin/units/", ours_admin, 400)
    explain_lists(bench, pages + [("hanoi.officer", province, "/admin/units/"),
                                  ("cdcs.officer", grassroots, "/admin/units/")], ("unit",))


def _scoped_rows(app, username: str) -> tuple[int, str]:
    """(initiatives in the user's scope, the path of the user's unit)."""
    from adminapp import access
    from adminapp.extensions import db
    from models import Initiative, User

    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.username == username)).scalar_one()
        rows = db.session.execute(access.scope(user, Initiative, sa.select(sa.func.count()).select_from(Initiative))
                                  ).scalar_one()
        path = user.unit.path
        db.session.rollback()
        return rows, path


def _largest_district_account(app) -> str:
    """The username of an officer of the district union with the most initiatives (made if missing)."""
    from sqlalchemy.orm import aliased

    from adminapp.extensions import db
    from bench import history
    from models import Initiative, Unit

    with app.app_context():
        history.ensure_unit_accounts()
        grassroots = aliased(Unit)
        code = db.session.execute(
            sa.select(Unit.code).join(grassroots, grassroots.parent_id == Unit.id)
            .join(Initiative, Initiative.unit_id == grassroots.id).where(Unit.level == 2)
            .group_by(Unit.code).order_by(sa.func.count().desc(), Unit.code).limit(1)).scalar_one()
        db.session.rollback()
        return f"bench.{code.lower()}"


SEARCHES = [  # (what an officer types, the same words with diacritics for the baseline's title search)
    ("cai tien lo hoi", "Cải tiến lò hơi"),
    ("nguyen van an", "Nguyễn Văn An"),
    ("so hoa ho so", "Số hóa hồ sơ"),
    ("b000012345", "B000012345"),
    ("xyzkhongco", "xyzkhongco"),
    # a name: a two-letter word the trigram index cannot take, and "hoa", held by a third of the rows
    ("le hoa", "Lê Hoa"),
]


def run_searches(bench: Bench, n: int, ours_admin, bare) -> list[tuple[str, object, str]]:
    """One line per sample search (and a filter with a search), ours against the default view's title search."""
    from urllib.parse import quote_plus

    pages = []
    for typed, accented in SEARCHES:
        key = typed.replace(" ", "_")
        ours_url = f"/admin/initiatives/?search={quote_plus(typed)}"
        bench.compare(f"initiatives_{n}_search_{key}", ours_admin, ours_url,
                      bare, f"/bare/initiative/?search={quote_plus(accented)}",
                      baseline_name="default Flask-Admin, title ILIKE (typed with diacritics)")
        pages.append(("admin", ours_admin, ours_url))
    bench.compare(f"initiatives_{n}_filter_search", ours_admin,
                  "/admin/initiatives/?flt1_1=submitted&search=cai+tien+lo+hoi",
                  bare, "/bare/initiative/?flt1_0=submitted&search=C%E1%BA%A3i+ti%E1%BA%BFn+l%C3%B2+h%C6%A1i",
                  baseline_name="default Flask-Admin, title ILIKE (typed with diacritics)")
    return pages


ONLY_EXPORT = os.environ.get("BENCH_ONLY") == "export"  # BENCH_ONLY=export: the initiatives export alone


def run_initiatives(bench: Bench, n: int) -> None:
    if ONLY_EXPORT:
        return run_export(bench, n)

    ours_admin = bench.client("admin")
    province = bench.client("hanoi.officer")
    grassroots = bench.client("cdcs.officer")
    bare = bench.client(None)
    bench.compare(f"initiatives_{n}_list_page1", ours_admin, "/admin/initiatives/", bare, "/bare/initiative/")
    bench.compare(f"initiatives_{n}_list_page1_vs_no_autojoin", ours_admin, "/admin/initiatives/",
                  bare, "/bare/initiative_noauto/",
                  baseline_name="variant: Flask-Admin with column_auto_select_related = False")
    deep = min(2000, max(2, n // 20))
    bench.compare(f"initiatives_{n}_list_page{deep}", ours_admin, f"/admin/initiatives/?page={deep - 1}",
                  bare, f"/bare/initiative/?page={deep - 1}")
    pages = sort_lines(bench, f"initiatives_{n}_admin", "initiatives", "/admin/initiatives/", ours_admin, deep)

    # the province officer of the largest province, against the same view scoped the same way and against
    # the unscoped default page 1
    rows, path = _scoped_rows(bench.app, "hanoi.officer")
    bench.app.config["BENCH_SCOPED_VIEW"].scope_path = path
    pdeep = min(2000, max(2, rows // 20))
    print(f"# province officer (hanoi.officer): {rows} initiatives in scope, deep page {pdeep}", flush=True)
    for page in (1, pdeep):
        arg = f"?page={page - 1}" if page > 1 else ""
        bench.compare(f"initiatives_{n}_province_page{page}_vs_bare_scoped", province, f"/admin/initiatives/{arg}",
                      bare, f"/bare/initiative_scoped/{arg}",
                      baseline_name="default Flask-Admin scoped to the same province, same page")
        bench.compare(f"initiatives_{n}_province_page{page}_vs_bare_page1", province, f"/admin/initiatives/{arg}",
                      bare, "/bare/initiative/", baseline_name="default Flask-Admin, unscoped page 1")
    pages += sort_lines(bench, f"initiatives_{n}_province", "initiatives", "/admin/initiatives/", province, pdeep)
    bench.compare(f"initiatives_{n}_grassroots_page1_vs_bare_page1", grassroots, "/admin/initiatives/",
                  bare, "/bare/initiative/", baseline_name="default Flask-Admin, unscoped page 1")
    # the district officer of the largest district: its scope is "unit in the district's subtree" (no area
    # column), a few thousand rows sorted by the database at each page; measured, every sort, both ways
    district_user = _largest_district_account(bench.app)
    district = bench.client(district_user)
    drows, _ = _scoped_rows(bench.app, district_user)
    ddeep = max(2, drows // 20)
    print(f"# district officer ({district_user}): {drows} initiatives in scope, last page {ddeep}", flush=True)
    bench.compare(f"initiatives_{n}_district_page1_vs_bare_page1", district, "/admin/initiatives/",
                  bare, "/bare/initiative/", baseline_name="default Flask-Admin, unscoped page 1")
    pages += sort_lines(bench, f"initiatives_{n}_district", "initiatives", "/admin/initiatives/", district, ddeep)

    pages += run_searches(bench, n, ours_admin, bare)
    for size in (20, 50, 200):
        bench.record(f"initiatives_sql_statements_page_size_{size}",
                     bench.count_statements(ours_admin, f"/admin/initiatives/?page_size={size}"),
                     bench.count_statements(bare, f"/bare/initiative/?page_size={size}"), unit="statements")
    explain_lists(bench, pages + [("cdcs.officer", grassroots, "/admin/initiatives/")], ("initiative",))
    if os.environ.get("BENCH_SKIP_EXPORT") != "1":
        run_export(bench, n)


def run_export(bench: Bench, n: int) -> None:
    """The full XLSX export of the initiatives (as the administrator) against the raw writers."""
    ours = export_in_child(bench.app, "admin", "/admin/initiatives/export/xlsx/")
    from views.initiatives import InitiativeView  # noqa: F401  (the view whose columns are exported)

    with bench.app.test_request_context():
        from adminapp import jobs

        view = jobs.find_view("initiatives")
        columns = view.get_export_columns()
        names, headers = [name for name, _ in columns], [str(label) for _, label in columns]
        kinds = view.get_export_kinds(columns)
    raw = raw_export_in_child(bench.app, names, kinds, headers)
    plain = raw_export_in_child(bench.app, names, None, headers)
    base = "raw Core select + xlsxwriter constant_memory, same cells and formats"
    bench.record(f"initiatives_{n}_export_xlsx_cpu_seconds", ours["cpu"], raw["cpu"], unit="s CPU",
                 baseline_name=base)
    bench.record(f"initiatives_{n}_export_xlsx_seconds", ours["s"], raw["s"], unit="s", baseline_name=base)
    bench.record(f"initiatives_{n}_export_xlsx_cpu_vs_unformatted", ours["cpu"], plain["cpu"], unit="s CPU",
                 baseline_name="raw unformatted writer (every cell plain text, no format)")
    bench.record(f"initiatives_{n}_export_xlsx_raw_formatted_vs_unformatted_cpu", raw["cpu"], plain["cpu"],
                 unit="s CPU", baseline_name="the cost of typed cells and formats in the raw writer itself")
    bench.record(f"initiatives_{n}_export_xlsx_peak_rss_mb", ours["mb"], raw["mb"], unit="MB", baseline_name=base)


def _export_process(app, spec: dict) -> dict:
    """Run bench/export_proc.py in a fresh interpreter (not a fork: a fork inherits the parent's memory);
    returns wall seconds, CPU seconds of the export alone, output size and the process's peak RSS (MB)."""
    import subprocess
    import sys

    spec = dict(spec, config=app.config["BENCH_CONFIG"])
    out = subprocess.run([sys.executable, "-m", "bench.export_proc", json.dumps(spec)], check=True,
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["size"] > 0, f"export failed: {spec}"
    return result


def export_in_child(app, username: str, url: str) -> dict:
    """Our export (streamed, as a browser downloads it) in a fresh process."""
    return _export_process(app, {"user": username, "url": url})


def raw_export_in_child(app, names: list[str], kinds: list[str] | None, headers: list[str]) -> dict:
    """The limit: the same rows and columns by a hand-written Core select streamed into xlsxwriter
    constant_memory, in a fresh process of the same kind (see bench/export_proc.py)."""
    return _export_process(app, {"raw": names, "kinds": kinds, "headers": headers})


def run_campaigns(bench: Bench, n: int, done: int, db_url: str | None) -> None:
    """Registrations and participants (about n), the tabs with counts, a bulk approve, the public form."""
    from bench import campaigns

    with bench.app.app_context():
        campaigns.ensure_campaign_data(n, done)
    campaigns.run_registrations(bench, n)
    campaigns.run_bulk_approve(bench, n)
    from bench import history

    history.run_history(bench, n)
    if db_url:
        campaigns.run_public_form(bench, n, db_url)
    else:
        print("# public form under gunicorn: PostgreSQL only, skipped (set BENCH_DATABASE_URL)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, nargs="*", default=[250_000, 1_000_000],
                        help="rows of the large tables (initiatives, participants)")
    parser.add_argument("--units", type=int, default=11_000)
    parser.add_argument("--db", choices=["both", "sqlite", "postgresql"], default="both",
                        help="which databases to measure (default: SQLite, then PostgreSQL if reachable)")
    args = parser.parse_args()
    db_urls = [None] if args.db != "postgresql" else []
    # --db postgresql: the local server unless BENCH_DATABASE_URL names another (the README's default)
    pg_url = (os.environ.get("BENCH_DATABASE_URL")
              or ("postgresql://postgres@127.0.0.1:5432/test" if args.db == "postgresql" else None)) \
        if args.db != "sqlite" else None
    if pg_url:
        try:
            eng = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
            with eng.connect():
                pass
            eng.dispose()
            db_urls.append(pg_url)
        except sa.exc.OperationalError as exc:
            print(f"# PostgreSQL at BENCH_DATABASE_URL not reachable, SQLite only: {exc.orig}", flush=True)
    all_rows = []
    for db_url in db_urls:
        label = "postgresql" if db_url else "sqlite"
        with bench_app(db_url) as app:
            from adminapp.extensions import db
            from bench.generate import generate_units

            with app.app_context():
                generate_units(args.units)
                from bench.generate import analyze

                analyze()
                total = db.session.execute(sa.text("SELECT count(*) FROM unit")).scalar_one()
            print(f"# {label}: {total} units", flush=True)
            bench = Bench(app, label)
            if not ONLY_EXPORT:
                run_units(bench)
            all_rows.extend(bench.rows)
            app.config["EXPORT_SYNC_MAX_ROWS"] = 10**9
            done = done_participants = 0
            with app.app_context():  # a kept schema (BENCH_SCHEMA) may hold initiatives already
                from models import Initiative

                done = db.session.execute(sa.select(sa.func.count()).select_from(Initiative)).scalar_one()
            for n in sorted(args.n):
                with app.app_context():
                    from adminapp.workflow import programmes
                    from bench.generate import generate_initiatives
                    from models import Programme, User

                    prog = db.session.execute(db.select(Programme)).scalars().first()
                    if prog is None:
                        tld = db.session.execute(db.select(User).where(User.username == "tld.officer")).scalar_one()
                        from datetime import date
                        prog = programmes.create_programme(
                            tld, name="75 nghìn sáng kiến, vượt khó, phát triển",
                            submission_opens=date(2021, 3, 10), submission_closes=date(2021, 4, 20),
                            application_from=date(2021, 2, 1), application_to=date(2021, 5, 31))
                        db.session.commit()
                    if n > done:
                        with click.progressbar(length=n - done, label=f"Sáng kiến → {n}") as bar:
                            generate_initiatives(n - done, prog.id, list(prog.fields), seed=n, progress=bar.update,
                                                 start=done)
                        done = n
                    from bench.generate import analyze

                    analyze()
                bench = Bench(app, label)
                run_initiatives(bench, n)
                all_rows.extend(bench.rows)
                if ONLY_EXPORT:
                    continue
                from bench.results import run_results

                bench = Bench(app, label)
                run_results(bench, n)
                all_rows.extend(bench.rows)
                if os.environ.get("BENCH_SKIP_CAMPAIGNS") == "1":
                    continue
                bench = Bench(app, label)
                run_campaigns(bench, n, done_participants, db_url)
                done_participants = n
                all_rows.extend(bench.rows)
            if not ONLY_EXPORT and os.environ.get("BENCH_SKIP_REFORM") != "1":
                # last: the whole 2025 reform on the largest N (issue 11; it reorganises the tree)
                from bench import history

                bench = Bench(app, label)
                history.run_reform(bench, max(args.n))
                all_rows.extend(bench.rows)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(all_rows, ensure_ascii=False, indent=2))
    print(f"# written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
