"""`make bench` lines of issue 12: the Lịch sử page of a record with 1,000 revisions, on data where the revision
table also holds the history of many other records, against the audit log's first page (same page size); and of
issue 11: the whole 2025 reform at national scale (run_reform, below; alone: `python -m bench.history --n N`)."""
from __future__ import annotations

import os
import random
import time

import sqlalchemy as sa

from adminapp.extensions import db
from models import Campaign, Revision, User, utcnow

REPEAT = int(os.environ.get("BENCH_REPEAT", 20))

REVISIONS = 1_000


def ensure_history(n: int) -> int:
    """A campaign with 1,000 revisions among n // 10 revisions of other records (bulk insert). Returns its id."""
    campaign_id = db.session.execute(sa.select(Campaign.id).order_by(Campaign.id)).scalars().first()
    have = db.session.execute(sa.select(sa.func.count()).select_from(Revision)
                              .where(Revision.object_type == "campaign", Revision.object_id == campaign_id)).scalar_one()
    admin = db.session.execute(sa.select(User).where(User.username == "admin")).scalar_one()
    rnd = random.Random(n)
    now = utcnow()
    rows = []
    base = {"name": "Phong trào", "description": "x" * 400, "units": [[i, 4] for i in range(1, 40)], "links": [],
            "attachments": [], "status": "launched", "owner_unit_id": 1}
    for k in range(have, REVISIONS):
        rows.append({"object_type": "campaign", "object_id": campaign_id, "action": "update", "created_at": now,
                     "actor_id": admin.id, "actor_unit_id": admin.unit_id, "unit_id": 1, "version": k + 2,
                     "changes": {"description": [f"nội dung {k}", f"nội dung {k + 1}"]},
                     "snapshot": dict(base, description=f"nội dung {k + 1}", version=k + 2)})
    others = db.session.execute(sa.select(sa.func.count()).select_from(Revision)
                                .where(Revision.object_type == "unit")).scalar_one()
    for _ in range(others, n // 10):
        rows.append({"object_type": "unit", "object_id": rnd.randint(1, 11_000), "action": "update",
                     "created_at": now, "actor_id": admin.id, "actor_unit_id": admin.unit_id, "unit_id": 1,
                     "version": 2, "changes": {"name": ["A", "B"]}, "snapshot": {"name": "B", "version": 2}})
    for i in range(0, len(rows), 5000):
        db.session.execute(sa.insert(Revision), rows[i:i + 5000])
    db.session.commit()
    return campaign_id


def run_history(bench, n: int) -> None:
    with bench.app.app_context():
        campaign_id = ensure_history(n)
        from bench.generate import analyze

        analyze()
    client = bench.client("admin")
    ours, base = bench.time_pair(client, f"/admin/history/campaign/{campaign_id}/", client,
                                 "/admin/audit/?page_size=50")
    bench.record(f"history_{n}_record_with_{REVISIONS}_revisions_page1", ours, base,
                 baseline_name="the audit log's page 1 (50 rows)")
    t0 = time.perf_counter()
    stmt = bench.count_statements(client, f"/admin/history/campaign/{campaign_id}/")
    bench.record(f"history_{n}_page_statements", stmt, stmt, unit="statements",
                 baseline_name=f"(measured in {time.perf_counter() - t0:.2f} s)")


# --------------------------------------------------------------------------- issue 11: the 2025 reform at national scale
# `python -m bench.history --n 1000000 [--db postgresql]` (BENCH_DATABASE_URL for PostgreSQL), and the last step of
# `make bench` on each database: the whole 2025 reorganisation (63 → 34 provincial federations, the district
# level ended: ~11,000 units, their accounts, N initiatives) as one transaction, timed (target < 60 s at 1M on
# PostgreSQL); the list pages before and after it; the directory "as of" a date as one indexed statement.

REFORM_TARGET_S = 60.0
AS_OF_DAY = (2021, 4, 20)


def ensure_unit_versions() -> int:
    """Bulk-loaded units (bench/generate.py writes with COPY, past the mapper events) get their first version,
    as units created through the app have (adminapp/unit_history.py)."""
    from adminapp import unit_history
    from models import Unit, UnitVersion

    u, v = Unit.__table__, UnitVersion.__table__
    missing = sa.select(u.c.id, sa.literal(unit_history.SINCE_EVER, sa.Date), u.c.name, u.c.short_name,
                        u.c.parent_id, u.c.level, u.c.official_code).where(
        ~sa.exists().where(v.c.unit_id == u.c.id))
    n = db.session.execute(v.insert().from_select(
        ["unit_id", "valid_from", "name", "short_name", "parent_id", "level", "official_code"], missing)).rowcount
    db.session.commit()
    return n or 0


def ensure_unit_accounts() -> int:
    """One account per provincial federation and district union (bulk), like their officers."""
    from adminapp.text import fold
    from bench.generate import copy_rows
    from models import Unit

    have = set(db.session.execute(sa.select(User.username).where(User.username.like("bench.%"))).scalars())
    password = db.session.execute(sa.select(User.password_hash).where(User.username == "admin")).scalar_one()
    rows = []
    for uid, code in db.session.execute(sa.select(Unit.id, Unit.code).where(Unit.level.in_((1, 2)))
                                        .order_by(Unit.id)).all():
        name = f"bench.{code.lower()}"
        if name not in have:
            rows.append((name, f"Cán bộ {code}", uid, password, True, utcnow(), fold(f"{name} can bo {code}"), 1))
    copy_rows(User.__table__, ["username", "full_name", "unit_id", "password_hash", "active", "created_at",
                               "search_text", "version"], rows)
    from models import Role, user_role

    officer = db.session.execute(sa.select(Role.id).where(Role.name == "officer")).scalar_one()
    db.session.execute(user_role.insert().from_select(
        ["user_id", "role_id"],
        sa.select(User.id, sa.literal(officer)).where(User.username.like("bench.%"), ~sa.exists().where(
            user_role.c.user_id == User.id))))
    db.session.commit()
    return len(rows)


def _plan_lines(statement) -> list[str]:
    dialect = db.engine.dialect
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN (ANALYZE, COSTS OFF)" if dialect.name == "postgresql" else "EXPLAIN QUERY PLAN"
    rows = db.session.execute(sa.text(f"{prefix} {sql}")).all()
    lines = [str(r[0]) if dialect.name == "postgresql" else str(r[-1]) for r in rows]
    return [line if len(line) <= 240 else line[:240] + " …" for line in lines]  # long id lists cut


def explain_as_of(bench) -> None:
    """The directory as of a date, and the batched names of 1,000 (unit, date) pairs: one statement each, on
    the unit_version indexes; plans printed, timings recorded."""
    from datetime import date

    from adminapp import unit_history
    from models import Unit

    day = date(*AS_OF_DAY)
    with bench.app.app_context():
        stmt = unit_history.directory_at(day, 1)
        print(f"# EXPLAIN directory as of {day:%d/%m/%Y}, level 1 [{bench.label}]:", flush=True)
        for line in _plan_lines(stmt):
            print("#   " + line, flush=True)
        times = []
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            rows = db.session.execute(stmt).all()
            times.append((time.perf_counter() - t0) * 1000)
        full = unit_history.directory_at(day)
        full_times = []
        for _ in range(max(3, REPEAT // 4)):
            t0 = time.perf_counter()
            all_rows = db.session.execute(full).all()
            full_times.append((time.perf_counter() - t0) * 1000)
        bench.record(f"as_of_directory_level1_{len(rows)}_rows", times, full_times,
                     baseline_name=f"the whole directory as of the same day ({len(all_rows)} rows)")
        ids = db.session.execute(sa.select(Unit.id).order_by(Unit.id)).scalars().all()
        rnd = random.Random(3)
        pairs = [(rnd.choice(ids), date(rnd.choice((2021, 2024, 2025, 2026)), rnd.randint(1, 12), 1))
                 for _ in range(1000)]
        statements = []
        listener = lambda *a, **k: statements.append(a[2])  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            names = unit_history.names_on_days(pairs)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        print(f"# as-of names of 1,000 (unit, date) pairs: {len(statements)} statement(s), {len(names)} named; "
              f"plan [{bench.label}]:", flush=True)
        from models import UnitVersion

        t = UnitVersion.__table__
        batch = sa.select(t.c.unit_id, t.c.valid_from, t.c.valid_to, t.c.name).where(
            t.c.unit_id.in_({u for u, _ in pairs}), t.c.valid_from <= max(d for _, d in pairs),
            sa.or_(t.c.valid_to.is_(None), t.c.valid_to >= min(d for _, d in pairs)))
        for line in _plan_lines(batch):
            print("#   " + line, flush=True)
        batch_times = []
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            unit_history.names_on_days(pairs)
            batch_times.append((time.perf_counter() - t0) * 1000)
        bench.record("as_of_names_1000_pairs_one_statement", batch_times, times,
                     baseline_name="the level-1 directory as of a day")
        db.session.rollback()


REFORM_PAGES = [  # (name, user, url): each timed before and after the reform
    ("initiatives_list_page1", "admin", "/admin/initiatives/"),
    ("initiatives_list_province_officer", "hanoi.officer", "/admin/initiatives/"),
    ("initiatives_list_merged_province_officer", "bench.33", "/admin/initiatives/"),
    ("units_list_page1", "admin", "/admin/units/"),
    ("units_search_ha_noi", "admin", "/admin/units/?search=ha+noi"),
    ("users_list_page1", "admin", "/admin/users/"),
]


def _time_pages(bench) -> dict[str, list[float]]:
    clients = {}
    out = {}
    for name, username, url in REFORM_PAGES:
        client = clients.setdefault(username, bench.client(username))
        out[name] = bench.time_get(client, url)
    return out


def run_reform(bench, n: int) -> None:
    """The whole 2025 reform on the loaded national data: timed, counts checked, pages before and after."""
    from adminapp import reference, reorganisation
    from bench.generate import analyze
    from models import Unit

    with bench.app.app_context():
        ensure_unit_versions()
        accounts = ensure_unit_accounts()
        units = db.session.execute(sa.select(sa.func.count()).select_from(Unit)).scalar_one()
        users = db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one()
        analyze()
    print(f"# reform [{bench.label}]: {units} units, {users} accounts (+{accounts}), {n} initiatives", flush=True)
    explain_as_of(bench)
    pages_before = _time_pages(bench)
    with bench.app.app_context():
        counts_before = reorganisation.counts()
        statements = []
        by_text: dict[str, list[float]] = {}

        def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
            statements.append(time.perf_counter())

        def after(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
            by_text.setdefault(" ".join(statement.split())[:110], []).append(time.perf_counter() - statements[-1])

        sa.event.listen(db.engine, "before_cursor_execute", before)
        sa.event.listen(db.engine, "after_cursor_execute", after)
        t0 = time.perf_counter()
        try:
            created = reference.seed_units_2025()
            db.session.commit()
        finally:
            seconds = time.perf_counter() - t0
            sa.event.remove(db.engine, "before_cursor_execute", before)
            sa.event.remove(db.engine, "after_cursor_execute", after)
        spent = sum(sum(v) for v in by_text.values())
        print(f"# the reform: {len(statements)} SQL statements in {seconds:.1f} s ({spent:.1f} s in the database); "
              "the costliest:", flush=True)
        for text, times in sorted(by_text.items(), key=lambda kv: -sum(kv[1]))[:8]:
            print(f"#   {sum(times):6.1f} s {len(times):5d}× {text}", flush=True)
        counts_after = reorganisation.counts()
        from models import Reorganisation

        reorg = db.session.execute(sa.select(Reorganisation).where(
            Reorganisation.title == reference.PLAN_2025_TITLE)).scalar_one()
        moved = sum(len(r["units"]) for r in reorg.preview)
        ended = sum(len(r["ended"]) for r in reorg.preview)
        moved_users = sum(r["users"] for r in reorg.preview)
        level1 = db.session.execute(sa.select(sa.func.count()).select_from(Unit).where(
            Unit.kind == "province_federation", Unit.valid_to.is_(None))).scalar_one()
        analyze()
    assert {k: v for k, v in counts_before.items() if k != "unit"} == \
        {k: v for k, v in counts_after.items() if k != "unit"}, (counts_before, counts_after)
    assert level1 == 34, level1
    bench.record(f"reform_2025_{n}_initiatives_seconds", seconds, REFORM_TARGET_S, unit="s",
                 baseline_name=f"the target (63 → {level1} provinces: {created} units created, {ended} ended, "
                               f"{moved} moved, {moved_users} accounts moved; counts equal before and after)")
    after = _time_pages(bench)
    for name, _user, _url in REFORM_PAGES:
        bench.record(f"reform_{n}_{name}_after_vs_before", after[name], pages_before[name],
                     baseline_name="the same page before the reform")
    explain_as_of(bench)


def main() -> int:
    import argparse

    import click

    from bench.generate import analyze, generate_initiatives, generate_units
    from bench.run import Bench, bench_app

    parser = argparse.ArgumentParser(description="The 2025 reform at national scale (issue 11).")
    parser.add_argument("--n", type=int, default=100_000, help="initiatives")
    parser.add_argument("--units", type=int, default=11_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"],
                        default="postgresql" if os.environ.get("BENCH_DATABASE_URL") else "sqlite")
    parser.add_argument("--generate-only", action="store_true",
                        help="only load the data (with BENCH_SCHEMA, to copy the database for each trial)")
    parser.add_argument("--before-only", action="store_true",
                        help="load the data and the accounts, stop before the reform (a 'before' copy to compare "
                             "pages with, request by request)")
    args = parser.parse_args()
    db_url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test") \
        if args.db == "postgresql" else None
    with bench_app(db_url) as app:
        from datetime import date

        from adminapp.workflow import programmes
        from models import Programme

        with app.app_context():
            generate_units(args.units)
            tld = db.session.execute(sa.select(User).where(User.username == "tld.officer")).scalar_one()
            prog = db.session.execute(sa.select(Programme)).scalars().first() or programmes.create_programme(
                tld, name="75 nghìn sáng kiến, vượt khó, phát triển",
                submission_opens=date(2021, 3, 10), submission_closes=date(2021, 4, 20),
                application_from=date(2021, 2, 1), application_to=date(2021, 5, 31))
            db.session.commit()
            from models import Initiative

            have = db.session.execute(sa.select(sa.func.count()).select_from(Initiative)).scalar_one()
            if have < args.n:  # a kept schema (BENCH_SCHEMA) holds them already
                t0 = time.perf_counter()
                with click.progressbar(length=args.n, label=f"Sáng kiến → {args.n}") as bar:
                    generate_initiatives(args.n - have, prog.id, list(prog.fields), seed=args.n,
                                         progress=bar.update, start=have)
                print(f"# generated {args.n - have} initiatives in {time.perf_counter() - t0:.1f} s", flush=True)
                analyze()
        if args.generate_only:
            return 0
        bench = Bench(app, "postgresql" if db_url else "sqlite")
        if args.before_only:
            with app.app_context():
                ensure_unit_versions()
                ensure_unit_accounts()
                analyze()
            return 0
        run_reform(bench, args.n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
