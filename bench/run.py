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

    def count_statements(self, client, url: str) -> int:
        client.get(url)
        self.statements = 0
        client.get(url)
        return self.statements

    def record(self, name: str, ours, base, unit: str = "ms", baseline_name: str = "bare Flask-Admin"):
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
    """The baseline: bare Flask-Admin ModelViews, default settings, no scoping."""
    from adminapp.extensions import db
    from models import Unit, User

    bare = Admin(app, name="bare", url="/bare", endpoint="bare",
                 index_view=AdminIndexView(url="/bare", endpoint="bare"))

    class BareUnit(ModelView):
        column_searchable_list = ["name"]
        column_list = ["name", "code", "level", "kind", "parent", "default_quota", "active"]

    class BareUser(ModelView):
        column_list = ["username", "full_name", "unit", "active", "last_login_at"]

    from models import Initiative

    class BareInitiative(ModelView):
        column_searchable_list = ["title"]
        column_filters = ["status"]
        column_list = ["tracking_code", "title", "author_name", "unit", "field", "group", "status", "created_at"]
        column_auto_select_related = False  # as the guide measured: the unit column loads row by row

    bare.add_view(BareUnit(Unit, db, endpoint="bare_unit", url="/bare/unit"))
    bare.add_view(BareInitiative(Initiative, db, endpoint="bare_initiative", url="/bare/initiative"))
    bare.add_view(BareUser(User, db, endpoint="bare_user", url="/bare/user"))
    from models import Registration

    bare.add_view(ModelView(Registration, db, endpoint="bare_registration", url="/bare/registration"))
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
        schema = "bench_" + uuid.uuid4().hex[:8]
        url = db_url.replace("postgresql://", "postgresql+psycopg://")
        eng = sa.create_engine(url)
        with eng.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        eng.dispose()
        cfg.update(SQLALCHEMY_DATABASE_URI=url,
                   SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": f"-csearch_path={schema}"}})
    else:
        cfg["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp}/bench.db"
    app = create_app(cfg)
    add_bare_admin(app)
    with app.app_context():
        upgrade()
        reference.seed_units()
        demo.seed_demo()
        db.session.commit()
    try:
        yield app
    finally:
        if schema:
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


def run_units(bench: Bench) -> None:
    ours_admin = bench.client("admin")
    province = bench.client("hanoi.officer")
    grassroots = bench.client("cdcs.officer")
    bare = bench.client(None)
    b1 = bench.time_get(bare, "/bare/unit/")
    bench.record("units_list_page1", bench.time_get(ours_admin, "/admin/units/"), b1)
    bench.record("units_list_page400", bench.time_get(ours_admin, "/admin/units/?page=400"),
                 bench.time_get(bare, "/bare/unit/?page=400"))
    bench.record("units_search_ha_noi", bench.time_get(ours_admin, "/admin/units/?search=ha+noi"),
                 bench.time_get(bare, "/bare/unit/?search=H%C3%A0+N%E1%BB%99i"))
    bench.record("units_list_scoped_province", bench.time_get(province, "/admin/units/"), b1)
    bench.record("units_list_scoped_grassroots", bench.time_get(grassroots, "/admin/units/"), b1)
    for size in (20, 50, 100):
        bench.record(f"units_sql_statements_page_size_{size}",
                     bench.count_statements(ours_admin, f"/admin/units/?page_size={size}"),
                     bench.count_statements(bare, f"/bare/unit/?page_size={size}"), unit="statements")
        bench.record(f"users_sql_statements_page_size_{size}",
                     bench.count_statements(ours_admin, f"/admin/users/?page_size={size}"),
                     bench.count_statements(bare, f"/bare/user/?page_size={size}"), unit="statements")
    explain_lists(bench, [("admin", ours_admin, "/admin/units/?page=400"),
                          ("hanoi.officer", province, "/admin/units/"),
                          ("cdcs.officer", grassroots, "/admin/units/")], ("unit",))


def export_in_child(app, username: str | None, url: str) -> tuple[float, float]:
    """Run one export in a forked child; return (seconds, peak RSS in MB of that child)."""
    import resource  # noqa: F401  (POSIX)

    from adminapp.extensions import db

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            with app.app_context():
                db.engine.dispose(close=False)
            bench = Bench.__new__(Bench)
            bench.app = app
            client = Bench.client(bench, username)
            t0 = time.perf_counter()
            resp = client.get(url, buffered=False)  # the download streamed and dropped, as a browser saves it
            size = sum(len(chunk) for chunk in resp.response) if resp.status_code == 200 else -1
            resp.close()
            os.write(w, f"{time.perf_counter() - t0} {size}".encode())
        finally:
            os._exit(0)
    os.close(w)
    out = os.read(r, 100).decode().split()
    os.close(r)
    _, _, usage = os.wait4(pid, 0)
    seconds, size = float(out[0]), int(out[1])
    assert size > 0, f"export failed: {url}"
    return seconds, usage.ru_maxrss / 1024


def raw_export_in_child(app, names: list[str]) -> tuple[float, float]:
    """The limit: the same rows and columns (each related row by its name, outer-joined), by a hand-written
    Core select streamed into xlsxwriter constant_memory, every cell written as plain text."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            import xlsxwriter

            from adminapp.extensions import db

            with app.app_context():
                db.engine.dispose(close=False)
                t0 = time.perf_counter()
                path = tempfile.mktemp(suffix=".xlsx")
                wb = xlsxwriter.Workbook(path, {"constant_memory": True})
                ws = wb.add_worksheet()
                with db.engine.connect() as conn:
                    from models import Initiative

                    ini = Initiative.__table__
                    cols, joined = [], ini
                    for name in names:
                        if name in ini.c:
                            cols.append(ini.c[name])
                            continue
                        rel = sa.inspect(Initiative).relationships[name]
                        target = rel.mapper.class_.__table__.alias(name)
                        (local, remote), = rel.local_remote_pairs
                        joined = joined.outerjoin(target, target.c[remote.name] == local)
                        cols.append(target.c[rel.mapper.class_.__str_column__])
                    query = sa.select(*cols).select_from(joined).order_by(ini.c.id.desc())
                    result = conn.execution_options(stream_results=True, yield_per=2000).execute(query)
                    for n, row in enumerate(result, start=1):
                        for c, v in enumerate(row):
                            ws.write_string(n, c, "" if v is None else str(v))
                wb.close()
                os.unlink(path)
                os.write(w, f"{time.perf_counter() - t0}".encode())
        finally:
            os._exit(0)
    os.close(w)
    out = os.read(r, 100).decode()
    os.close(r)
    _, _, usage = os.wait4(pid, 0)
    return float(out), usage.ru_maxrss / 1024


def run_initiatives(bench: Bench, n: int) -> None:
    ours_admin = bench.client("admin")
    province = bench.client("hanoi.officer")
    grassroots = bench.client("cdcs.officer")
    bare = bench.client(None)
    b1 = bench.time_get(bare, "/bare/initiative/")
    ours1 = bench.time_get(ours_admin, "/admin/initiatives/")
    bench.record(f"initiatives_{n}_list_page1", ours1, b1)
    deep = min(2000, max(1, n // 20 - 1))
    ours_deep = bench.time_get(ours_admin, f"/admin/initiatives/?page={deep}")
    bench.record(f"initiatives_{n}_list_page{deep}", ours_deep, bench.time_get(bare, f"/bare/initiative/?page={deep}"))
    # the target "page 2000 ≤ 1.5× page 1" is about our own pages: the same timings, against our page 1
    bench.record(f"initiatives_{n}_list_page{deep}_vs_our_page1", ours_deep, ours1, baseline_name="our page 1")
    bench.record(f"initiatives_{n}_filter_search",
                 bench.time_get(ours_admin, "/admin/initiatives/?flt1_1=submitted&search=cai+tien+lo+hoi"),
                 bench.time_get(bare, "/bare/initiative/?flt1_0=submitted&search=C%E1%BA%A3i+ti%E1%BA%BFn+l%C3%B2+h%C6%A1i"))
    bench.record(f"initiatives_{n}_list_scoped_province", bench.time_get(province, "/admin/initiatives/"), b1)
    bench.record(f"initiatives_{n}_list_scoped_grassroots", bench.time_get(grassroots, "/admin/initiatives/"), b1)
    for size in (20, 50, 200):
        bench.record(f"initiatives_sql_statements_page_size_{size}",
                     bench.count_statements(ours_admin, f"/admin/initiatives/?page_size={size}"),
                     bench.count_statements(bare, f"/bare/initiative/?page_size={size}"), unit="statements")
    explain_lists(bench, [("admin", ours_admin, "/admin/initiatives/"),
                          ("admin", ours_admin, f"/admin/initiatives/?page={deep}"),
                          ("admin", ours_admin, "/admin/initiatives/?flt1_1=submitted&search=cai+tien+lo+hoi"),
                          ("hanoi.officer", province, "/admin/initiatives/"),
                          ("cdcs.officer", grassroots, "/admin/initiatives/")], ("initiative",))
    if os.environ.get("BENCH_SKIP_EXPORT") != "1":
        ours_t, ours_mb = export_in_child(bench.app, "admin", "/admin/initiatives/export/xlsx/")
        from views.initiatives import InitiativeView  # noqa: F401  (the view whose columns are exported)

        with bench.app.test_request_context():
            from adminapp import jobs

            names = [name for name, _ in jobs.find_view("initiatives").get_export_columns()]
        raw_t, raw_mb = raw_export_in_child(bench.app, names)
        bench.record(f"initiatives_{n}_export_xlsx_seconds", ours_t, raw_t, unit="s",
                     baseline_name="raw SQL + xlsxwriter constant_memory")
        bench.record(f"initiatives_{n}_export_xlsx_peak_rss_mb", ours_mb, raw_mb, unit="MB",
                     baseline_name="raw SQL + xlsxwriter constant_memory")


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
    args = parser.parse_args()
    db_urls = [None]
    pg_url = os.environ.get("BENCH_DATABASE_URL")
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
            run_units(bench)
            all_rows.extend(bench.rows)
            app.config["EXPORT_SYNC_MAX_ROWS"] = 10**9
            done = done_participants = 0
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
                    with click.progressbar(length=n - done, label=f"Sáng kiến → {n}") as bar:
                        generate_initiatives(n - done, prog.id, list(prog.fields), seed=n, progress=bar.update,
                                             start=done)
                    done = n
                    from bench.generate import analyze

                    analyze()
                bench = Bench(app, label)
                run_initiatives(bench, n)
                all_rows.extend(bench.rows)
                from bench.results import run_results

                bench = Bench(app, label)
                run_results(bench, n)
                all_rows.extend(bench.rows)
                bench = Bench(app, label)
                run_campaigns(bench, n, done_participants, db_url)
                done_participants = n
                all_rows.extend(bench.rows)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(all_rows, ensure_ascii=False, indent=2))
    print(f"# written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
