"""Races and faults against the real database (PostgreSQL; SQLite runs the same with its own locking).

- Many officers save the same unit at the same moment, each from the form they
  opened on the same version: exactly one save wins per version, every other
  one gets the Vietnamese conflict message, nothing is silently overwritten,
  and there is exactly one audit event per real change.
- The database connection dies in the middle of a request that changes many
  rows (a unit moved with its whole subtree): all or nothing, the user sees a
  clear Vietnamese message (no stack trace), and the next request works
  (pool_pre_ping). On PostgreSQL the backend is really killed with
  pg_terminate_backend from another connection; on SQLite the driver raises
  at the same point.
"""
from __future__ import annotations

import sqlite3
import time

import psycopg
import sqlalchemy as sa

from adminapp.extensions import db
from models import AuditEvent, Unit
from tests import summary
from tests.conftest import PG_URL
from tests.security import discover
from tests.security.concurrency import prepare_then_run_together
from views.base import CONFLICT_MESSAGE

WORKERS = 6
ROUNDS = 4
CONFLICT = CONFLICT_MESSAGE.split(":")[0]
GENERIC_ERROR = "Đã xảy ra lỗi, thao tác chưa được lưu"


def _form_data(html: str) -> dict:
    return {name: f.value for name, f in discover.main_form(html).fields.items()}


def _audit_count(action: str, object_id) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(AuditEvent)
        .where(AuditEvent.action == action, AuditEvent.object_id == str(object_id))
    ).scalar_one()


def test_concurrent_edits_one_winner_per_version(ctx, login_as, unit):
    backend = ctx.config["BACKEND"]
    target = unit("01-002-03")
    url = f"/admin/units/edit/?id={target.id}"
    clients = [login_as("hanoi.officer") for _ in range(WORKERS)]
    breaks: list[str] = []
    for rnd in range(ROUNDS):
        db.session.expire_all()
        version_before = db.session.get(Unit, target.id).version
        events_before = _audit_count("unit.update", target.id)

        def prepare(i, rnd=rnd):
            data = _form_data(clients[i].get(url).get_data(as_text=True))
            data["name"] = f"Công đoàn cơ sở thử đua vòng {rnd} người {i}"
            return data

        outcomes = prepare_then_run_together(WORKERS, prepare, lambda i, data: (data, clients[i].post(url, data=data)))
        crashed = [o for o in outcomes if isinstance(o, BaseException)]
        wins = [d for d, r in (o for o in outcomes if not isinstance(o, BaseException)) if r.status_code == 302]
        refused = [r for _, r in (o for o in outcomes if not isinstance(o, BaseException))
                   if r.status_code == 200 and CONFLICT in r.get_data(as_text=True)]
        db.session.expire_all()
        now = db.session.get(Unit, target.id)
        if crashed:
            breaks.append(f"round {rnd}: {len(crashed)} requests crashed: {crashed[0]!r}")
        if len(wins) != 1 or len(refused) != WORKERS - 1:
            breaks.append(f"round {rnd}: {len(wins)} saves won, {len(refused)} refused with the conflict message")
        if wins and any(f"Tên đơn vị: hiện là “{wins[0]['name']}”" not in r.get_data(as_text=True) for r in refused):
            breaks.append(f"round {rnd}: a refused save does not show the name the winner stored")
        if wins and now.name != wins[0]["name"]:
            breaks.append(f"round {rnd}: stored “{now.name}”, the winner saved “{wins[0]['name']}”")
        if now.version != version_before + len(wins):
            breaks.append(f"round {rnd}: version {version_before} → {now.version} after {len(wins)} saves")
        if _audit_count("unit.update", target.id) - events_before != len(wins):
            breaks.append(f"round {rnd}: {_audit_count('unit.update', target.id) - events_before} audit events "
                          f"for {len(wins)} changes")
    summary.count(f"races-{backend}", "races [" + backend + "]: {runs} runs of {workers} concurrent saves, "
                  "{breaks} invariant breaks", runs=ROUNDS, workers=0, breaks=len(breaks))
    summary.COUNTERS[f"races-{backend}"]["workers"] = WORKERS
    assert not breaks, "\n".join(breaks)


def _subtree(prefix: str) -> dict[str, tuple]:
    rows = db.session.execute(sa.select(Unit.code, Unit.path, Unit.level, Unit.parent_id, Unit.version)).all()
    return {code: (path, level, parent, version) for code, path, level, parent, version in rows
            if path.startswith(prefix) or code == prefix}


class KillConnectionAt:
    """Kill the database connection when a statement starting with `prefix` is about to run (once)."""

    def __init__(self, engine, backend: str, prefix: str):
        self.engine, self.backend, self.prefix = engine, backend, prefix.upper()
        self.fired = False

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self.hook)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self.hook)

    def hook(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ARG002
        if self.fired or not statement.lstrip().upper().startswith(self.prefix):
            return
        self.fired = True
        if self.backend != "postgresql":
            raise sqlite3.OperationalError("disk I/O error (injected by the fault test)")
        pid = conn.connection.dbapi_connection.info.backend_pid
        with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", [pid])
            for _ in range(50):  # until the backend is really gone
                if not killer.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                    break
                time.sleep(0.05)


def test_connection_killed_mid_subtree_move_is_all_or_nothing(ctx, login_as, unit):
    backend = ctx.config["BACKEND"]
    officer = login_as("hanoi.officer")
    moving, new_parent = unit("01-002"), unit("01-001")
    url = f"/admin/units/edit/?id={moving.id}"
    data = _form_data(officer.get(url).get_data(as_text=True))
    data["parent"] = str(new_parent.id)
    before = _subtree(moving.path)
    assert len(before) >= 3, "the moved unit must have a subtree"
    events_before = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()

    with KillConnectionAt(db.engine, backend, "INSERT INTO audit_event") as fault:
        r = officer.post(url, data=data)
    assert fault.fired
    body = r.get_data(as_text=True)
    assert r.status_code == 200, r.status_code
    assert GENERIC_ERROR in body and "Traceback" not in body and "psycopg" not in body and "sqlite3" not in body

    db.session.rollback()
    db.session.expire_all()
    assert _subtree(moving.path) == before, "part of the move survived the failed request"
    assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one() == events_before

    # the app recovers: the next requests work and the same move now succeeds, audited once
    assert officer.get("/admin/units/").status_code == 200
    data = _form_data(officer.get(url).get_data(as_text=True))
    data["parent"] = str(new_parent.id)
    r = officer.post(url, data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    db.session.expire_all()
    after = _subtree(new_parent.path + moving.code + "/")
    assert len(after) == len(before)
    assert all(path.startswith(new_parent.path) for path, *_ in after.values())
    assert _audit_count("unit.move", moving.id) == 1
