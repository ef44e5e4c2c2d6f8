"""PostgreSQL: statements a connection runs again and again are prepared, not parsed and planned each time.

psycopg prepares a statement on the server once a connection has run it `prepare_threshold` times (5), and
forgets every prepared statement of the connection on ROLLBACK (`DEALLOCATE ALL`: a rolled-back DDL may have
dropped what a statement refers to). Every request ended in a ROLLBACK (Flask-SQLAlchemy closes the session,
the pool resets the connection), so no statement ever reached the threshold: each statement of each page was
parsed and planned again. The user loader, for one, planned 0.8 ms for a 0.2 ms query.

A transaction that wrote nothing is therefore ended with COMMIT when it is rolled back: both end a read-only
transaction alike, and after the COMMIT psycopg's rollback finds the connection idle and keeps its prepared
statements. A transaction that ran anything but a read (an INSERT, UPDATE or DELETE, DDL, a SET, any text
statement) or met an error is rolled back as before.

`plan_cache_mode` stays the server's: with `auto` PostgreSQL keeps planning a prepared statement for its
parameters unless a generic plan costs no more (PG_PLAN_CACHE_MODE sets it, e.g. force_custom_plan).

A statement whose best plan depends on its values is never prepared: run with the execution option
UNPREPARED, it is planned for its values every time. A search is one: its generic plan takes any LIKE pattern
for rare, and after five searches on a connection PostgreSQL switched the count of "cai tien lo hoi" in a
province to a plan that rechecked 6,000 rows of the whole country (74 ms, up to 440 ms, where the plan for the
words takes 19 ms).
"""
from __future__ import annotations

import re

from sqlalchemy import Select, event

_WROTE = "adminapp_wrote"
# the execution option of a statement planned for its values each time (never prepared): {UNPREPARED: True}
UNPREPARED = "adminapp_unprepared"


_READ_HEAD = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)
_WRITING_CTE = re.compile(r"\(\s*(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


def _is_read(statement: str, context) -> bool:
    """A SELECT, or a WITH query compiled from a select whose WITH queries only read (a data-modifying WITH
    query, "… AS (UPDATE …)", is a write)."""
    head = _READ_HEAD.match(statement)
    if head is None:
        return False
    if head.group(1).upper() == "SELECT":
        return not (context.isinsert or context.isupdate or context.isdelete)
    compiled = getattr(context, "compiled", None)
    return isinstance(getattr(compiled, "statement", None), Select) and not _WRITING_CTE.search(statement)


def install(engine) -> None:
    """Keep psycopg's prepared statements across the read-only transactions of `engine` (PostgreSQL only)."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.info.pop(_WROTE, None)

    @event.listens_for(engine, "before_cursor_execute")
    def _note(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        if executemany or context is None or not _is_read(statement, context):
            conn.info[_WROTE] = True

    @event.listens_for(engine, "do_execute")
    def _execute(cursor, statement, parameters, context):
        if context.execution_options.get(UNPREPARED):
            cursor.execute(statement, parameters, prepare=False)
            return True  # executed here
        return None  # SQLAlchemy executes it (psycopg prepares it once run prepare_threshold times)

    @event.listens_for(engine, "handle_error")
    def _failed(exception_context):
        conn = exception_context.connection
        if conn is not None and not conn.invalidated:
            try:
                conn.info[_WROTE] = True
            except Exception:  # noqa: BLE001 - a lost connection: rolled back (or discarded) as it is
                pass

    @event.listens_for(engine, "rollback")
    def _rollback(conn):
        if conn.invalidated or conn.closed or conn.info.pop(_WROTE, None):
            return  # a lost connection, or a transaction that wrote: the rollback as it is
        dbapi = conn.connection.dbapi_connection
        if dbapi is None or dbapi.closed:
            return
        try:
            dbapi.commit()  # the rollback that follows finds the connection idle (prepared statements kept)
        except Exception:  # noqa: BLE001 - the connection failed: the rollback that follows deals with it
            return
