"""Test fixtures: one app per database backend, data made through the services.

The whole suite runs on SQLite, and again on PostgreSQL when TEST_DATABASE_URL
is set (each run in its own random schema, dropped at the end). Under CI=true
an unreachable PostgreSQL fails the run instead of skipping it.
"""
from __future__ import annotations

import os
import re
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient

PG_URL = os.environ.get("TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def require(present: bool, missing: str) -> None:
    """A component a test needs (Redis, Chromium, sqlmap): .ci/run provides each, so in CI (CI=true) its absence
    fails the test; elsewhere the test is skipped, saying what is missing."""
    if not present:
        if IN_CI:
            pytest.fail(missing)
        pytest.skip(missing)


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure: not reachable
        return False


def _pg_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def pytest_configure(config):  # noqa: ARG001
    if IN_CI and not PG_URL:
        raise pytest.UsageError("CI=true requires TEST_DATABASE_URL (PostgreSQL) to be set")
    if PG_URL:
        try:
            engine = sa.create_engine(_pg_url(PG_URL))
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            engine.dispose()
        except Exception as exc:  # noqa: BLE001
            raise pytest.UsageError(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {exc}") from exc


def pytest_report_header(config):  # noqa: ARG001
    return f"database backends: {', '.join(BACKENDS)}"


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001
    """Under pytest-xdist each worker sends its summary lines to the controller (`make test` runs -n 2)."""
    if hasattr(session.config, "workeroutput"):
        from tests import summary

        session.config.workeroutput["summary"] = summary.dump()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):  # noqa: ARG001 - xdist controller
    from tests import summary

    data = getattr(node, "workeroutput", {}).get("summary")
    if data:
        summary.merge(data)


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    """One line per security measure (access matrix, sqlmap, races, fuzzing), all together at the end."""
    from tests import summary

    lines = summary.lines()
    if lines:
        terminalreporter.section("security summary")
        for line in lines:
            terminalreporter.write_line(line)


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context (own `g`, own db session), as in production.

    Flask reuses an already pushed app context for a request; the `ctx` fixture
    keeps one pushed for the test's own database work, so without this the
    requests would share `g` (Flask-Login's cached user, CSRF flags) and the
    test's session. After each request the test's session is expired so it
    reads what the request committed.
    """

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
            if _cv_app.get(None) is not None:
                from adminapp.extensions import db

                db.session.expire_all()


def make_app(backend: str, tmp_path_factory, extra: dict | None = None):
    from adminapp import create_app

    cfg = {"APP_ENV": "testing"}
    schema = None
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.db"
        cfg["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    else:
        schema = "t_" + uuid.uuid4().hex[:12]
        engine = sa.create_engine(_pg_url(PG_URL))
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        cfg["SQLALCHEMY_DATABASE_URI"] = _pg_url(PG_URL)
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            "connect_args": {"options": f"-csearch_path={schema}"},
        }
    cfg["INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    cfg.update(extra or {})
    app = create_app(cfg)
    app.test_client_class = IsolatedClient
    return app, schema


@contextmanager
def seeded_app(backend: str, tmp_path_factory, extra: dict | None = None, prepare=None):
    """A separate app with its own database, migrated and seeded like `ctx` (for a configuration of its own);
    `prepare(app)` runs before its first request (e.g. to add views)."""
    from flask_migrate import upgrade

    from adminapp import demo, reference
    from adminapp.extensions import db

    app, schema = make_app(backend, tmp_path_factory, extra)
    if prepare is not None:
        prepare(app)
    with app.app_context():
        upgrade()
        reference.seed_units()
        demo.seed_demo()
        db.session.commit()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_schema(schema)


def drop_schema(schema: str | None) -> None:
    if schema:
        engine = sa.create_engine(_pg_url(PG_URL))
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, tmp_path_factory):
    from flask_migrate import upgrade

    from adminapp.extensions import db

    app, schema = make_app(request.param, tmp_path_factory)
    app.config["BACKEND"] = request.param
    with app.app_context():
        upgrade()  # the migrations, not create_all: every test runs on the migrated schema
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop_schema(schema)


def reset_database(rows: list[tuple[sa.Table, list[dict]]] | None = None) -> None:
    """Empty every table, then insert `rows` (from table_rows) again when given: the same rows with the same
    ids, in one transaction (SQLite does not enforce foreign keys here)."""
    from adminapp.extensions import db

    db.session.rollback()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # audit events and revisions are append-only (triggers, migration 0011): a test database is
            # emptied as the superuser with triggers (and so foreign keys) off for this transaction
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        for table, table_data in rows or ():
            if table_data:
                conn.execute(table.insert(), table_data)
    db.session.remove()


def table_rows() -> list[tuple[sa.Table, list[dict]]]:
    """Every row of every table of the models, tables in dependency order (FTS is kept by triggers)."""
    from adminapp.extensions import db

    db.session.commit()
    with db.engine.connect() as conn:
        return [(table, [dict(row._mapping) for row in conn.execute(table.select().order_by(*table.primary_key))])
                for table in db.metadata.sorted_tables]


def put_back(rows: list[tuple[sa.Table, list[dict]]]) -> None:
    """Every table back to `rows` (from table_rows)."""
    reset_database(rows)


def seed_or_restore(app) -> None:
    """An empty database with the reference units, roles and demo data.

    The first test of an app builds them through the services (reference.seed_units, demo.seed_demo) and
    keeps a copy of every table's rows; each later test puts that copy back (put_back). Building them anew
    took ~3 s of each of the suite's ~950 tests; the copy takes a few milliseconds."""
    from adminapp import demo, reference
    from adminapp.extensions import db, limiter

    limiter.reset()
    snapshot = app.extensions.get("test_seed_snapshot")
    if snapshot is not None:
        put_back(snapshot)
        return
    reset_database()
    reference.seed_units()
    demo.seed_demo()
    db.session.commit()
    app.extensions["test_seed_snapshot"] = table_rows()


@pytest.fixture()
def ctx(app):
    """An app context over a fresh database holding the reference units, roles and demo data."""
    from adminapp.extensions import db

    with app.app_context():
        seed_or_restore(app)
        yield app
        db.session.remove()


@pytest.fixture()
def client(ctx):
    return ctx.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no csrf token in page"
    return m.group(1) or m.group(2)


class Auth:
    """Logs a test client in as a demo account (flaskr's AuthActions)."""

    password = "Demo@2026"

    def __init__(self, client):
        self.client = client

    def token(self, url: str = "/login") -> str:
        return csrf_from(self.client.get(url).get_data(as_text=True))

    def login(self, username: str, password: str | None = None):
        return self.client.post(
            "/login",
            data={"username": username, "password": password or self.password, "csrf_token": self.token()},
        )

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.token("/password")})


@pytest.fixture()
def auth(client):
    return Auth(client)


@pytest.fixture()
def login_as(ctx):
    """login_as("hanoi.officer") -> a fresh logged-in test client."""

    def _login(username: str):
        c = ctx.test_client()
        r = Auth(c).login(username)
        assert r.status_code == 302, f"login of {username} failed: {r.status_code}"
        return c

    return _login


@pytest.fixture()
def unit(ctx):
    """unit("01-002") -> the Unit with that code."""
    from adminapp import reference

    def _get(code: str):
        u = reference.get_unit(code)
        assert u is not None, code
        return u

    return _get


@pytest.fixture()
def user(ctx):
    from adminapp.extensions import db
    from models import User

    def _get(username: str):
        return db.session.execute(db.select(User).where(User.username == username)).scalar_one()

    return _get


@contextmanager
def recorded_statements():
    """[(statement, parameters)] of every statement the app's engine runs inside the block."""
    from adminapp.extensions import db

    recorded = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        recorded.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield recorded
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
