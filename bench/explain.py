"""The query plans behind a list page: every SELECT one request runs on the benchmarked tables, explained.

`plans(app, client, url, tables)` runs the request once with a statement recorder on the engine, then
asks the database for the plan of each recorded SELECT that reads one of `tables` (EXPLAIN QUERY PLAN on
SQLite, EXPLAIN on PostgreSQL, with the same parameters). A plan that reads a whole benchmarked table
without an index (SQLite "SCAN <table>" without an index, PostgreSQL "Seq Scan on <table>") is flagged,
so a missing index shows in the benchmark output, not in production.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa


@dataclass
class Plan:
    statement: str
    lines: list[str] = field(default_factory=list)
    full_scans: list[str] = field(default_factory=list)


def _reads(statement: str, tables: tuple[str, ...]) -> bool:
    return statement.lstrip().upper().startswith("SELECT") and any(
        re.search(rf"\bFROM {t}\b|\bJOIN {t}\b", statement) for t in tables)


def _full_scans(lines: list[str], tables: tuple[str, ...], statement: str = "") -> list[str]:
    found = []
    for line in lines:
        for t in tables:
            # SQLite's table is its primary key b-tree: "SCAN t" under ORDER BY t.id … LIMIT walks it in key
            # order and stops at the page, it does not read the table (a substring search still does)
            if re.search(rf"ORDER BY {t}\.id( DESC)? LIMIT", statement) and " LIKE " not in statement:
                continue
            sqlite_scan = re.search(rf"\bSCAN {t}\b(?! USING (COVERING )?INDEX)", line)
            pg_scan = re.search(rf"Seq Scan on {t}\b", line)
            if sqlite_scan or pg_scan:
                found.append(line.strip())
    return found


def plans(app, client, url: str, tables: tuple[str, ...]) -> list[Plan]:
    from adminapp.extensions import db

    recorded: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        if not executemany and _reads(statement, tables):
            recorded.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)

    out = []
    with app.app_context(), engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        for statement, parameters in recorded:
            prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            rows = conn.exec_driver_sql(prefix + statement, parameters).all()
            lines = [f"{'  ' * _depth(rows, row)}{row[-1]}" for row in rows] if sqlite else [row[0] for row in rows]
            flat = " ".join(statement.split())
            out.append(Plan(flat, lines, _full_scans(lines, tables, flat)))
    return out


def _depth(rows, row) -> int:
    """Indentation of a SQLite plan row (id, parent, notused, detail) by its parent chain."""
    parents = {r[0]: r[1] for r in rows}
    depth, parent = 0, row[1]
    while parent:
        depth += 1
        parent = parents.get(parent, 0)
    return depth


def print_plans(name: str, found: list[Plan], width: int = 160) -> int:
    """Print the plans under `# EXPLAIN <name>`; returns how many read a benchmarked table without an index."""
    scans = 0
    for i, plan in enumerate(found, start=1):
        text = plan.statement if len(plan.statement) <= width else plan.statement[: width - 1] + "…"
        print(f"# EXPLAIN {name} [{i}/{len(found)}] {text}")
        for line in plan.lines:
            print(f"#   {line}")
        for line in plan.full_scans:
            print(f"#   ^ full table scan: {line}")
        scans += bool(plan.full_scans)
    return scans
