"""A read-only transaction ends in COMMIT so that psycopg keeps its prepared statements (adminapp/prepared.py);
anything that wrote is still rolled back, on both databases."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from adminapp.extensions import db
from models import Unit
from tests.conftest import Auth


def _name(unit_id: int) -> str:
    with db.engine.connect() as conn:  # another connection: only what was committed
        return conn.execute(sa.select(Unit.name).where(Unit.id == unit_id)).scalar_one()


@pytest.mark.parametrize("how", ["orm", "core", "text", "driver_sql", "writing_cte"])
def test_a_write_rolled_back_is_not_kept(ctx, how):
    unit = db.session.execute(sa.select(Unit).order_by(Unit.id).limit(1)).scalar_one()
    uid, before = unit.id, unit.name
    db.session.commit()
    db.session.execute(sa.select(Unit.id)).all()  # a read first: the transaction is not read-only for that
    if how == "orm":
        unit.name = "Đổi tên thử"
        db.session.flush()
    elif how == "core":
        db.session.execute(sa.update(Unit).where(Unit.id == uid).values(name="Đổi tên thử"))
    elif how == "text":
        db.session.execute(sa.text("UPDATE unit SET name = 'Đổi tên thử' WHERE id = :id"), {"id": uid})
    elif how == "writing_cte":  # a select whose WITH query writes: "WITH … AS (UPDATE …) SELECT …"
        changed = sa.update(Unit).where(Unit.id == uid).values(name="Đổi tên thử").returning(Unit.id)
        if db.engine.dialect.name == "postgresql":  # SQLite has no data-modifying WITH query
            changed = sa.select(changed.cte("changed").c.id)
        db.session.execute(changed).all()
    else:
        db.session.connection().exec_driver_sql(
            "UPDATE unit SET name = 'Đổi tên thử' WHERE id = %s" if db.engine.dialect.name == "postgresql"
            else "UPDATE unit SET name = 'Đổi tên thử' WHERE id = ?", (uid,))
    db.session.rollback()
    assert _name(uid) == before


def test_a_failed_read_only_transaction_rolls_back(ctx):
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.text("SELECT no_such_column FROM unit")).all()
    db.session.rollback()  # not a COMMIT of an aborted transaction
    assert db.session.execute(sa.select(sa.func.count()).select_from(Unit)).scalar_one() > 0


def test_pages_run_prepared_statements_on_postgresql(ctx):
    """Requests for one page: on PostgreSQL the user loader and the list's statements end up prepared on the
    connections (before, every request's ROLLBACK made psycopg deallocate them all). The pool hands its idle
    connections out in turn (at most 5 kept), so 30 requests run each statement 6 times on each of them."""
    db.session.close()
    client = ctx.test_client()
    Auth(client).login("hanoi.officer")
    for _ in range(30):
        assert client.get("/admin/units/").status_code == 200
    if db.engine.dialect.name != "postgresql":
        return
    conn = db.session.connection()
    prepared = conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars().all()
    db.session.commit()
    assert any("FROM user_account JOIN user_session" in s for s in prepared), prepared
    assert any(s.lstrip().startswith("SELECT unit.id") for s in prepared), prepared


def test_a_read_only_with_query_keeps_prepared_statements(ctx):
    """A select with a WITH query (the search pages' walk in the list's order, views/base._walked_page_ids) is a
    read: rolled back as a read, it leaves the connection's prepared statements in place. Read as a write, every
    search page ended in ROLLBACK and psycopg deallocated every statement of the connection."""
    window = sa.select(Unit.id, Unit.name).order_by(Unit.id).limit(50).cte("first_units")
    stmt = sa.select(sa.func.count()).select_from(window).where(window.c.name != "")
    db.session.close()
    for _ in range(6 * (db.engine.pool.size() + 1)):  # the pool hands its idle connections out in turn
        with db.engine.connect() as conn:  # closing it rolls back
            assert conn.execute(stmt).scalar_one() > 0
            conn.rollback()
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect() as conn:
        prepared = conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars().all()
    assert any(s.lstrip().startswith("WITH first_units AS") for s in prepared), prepared
