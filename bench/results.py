"""The public results page of a programme (issue 15) at N submissions.

Lines: the page served from its snapshot (cached; baseline: the public programme index, a page with one tiny
query), the rebuild of the snapshot (ms; baseline: one COUNT(*) of the programme's initiatives), the SQL
statements of a rebuild, and the plan of its aggregate (must read ix_initiative_programme_level1_status,
never the table). Run inside `make bench` (bench/run.py) or alone:

    python -m bench.results --n 1000000 [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""
from __future__ import annotations

import argparse
import time

import sqlalchemy as sa


def _ms(fn, repeat: int) -> list[float]:
    fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def run_results(bench, n: int, repeat: int = 20) -> None:
    from adminapp.extensions import db
    from adminapp.public import results_page
    from models import Initiative, Programme

    with bench.app.app_context():
        prog = db.session.execute(db.select(Programme)).scalars().first()
        slug, pid = prog.slug, prog.id
    anonymous = bench.client(None)
    url = f"/sang-kien/{slug}/ket-qua"
    bench.record(f"results_{n}_page_cached", bench.time_get(anonymous, url),
                 bench.time_get(anonymous, "/sang-kien/"), baseline_name="public index page")
    with bench.app.test_request_context():
        prog = db.session.get(Programme, pid)
        rebuild = _ms(lambda: results_page.build(prog), max(3, repeat // 4))
        count = _ms(lambda: db.session.execute(sa.select(sa.func.count()).select_from(Initiative)
                                               .where(Initiative.programme_id == pid)).scalar_one(),
                    max(3, repeat // 4))
        bench.record(f"results_{n}_rebuild", rebuild, count, baseline_name="COUNT(*) of the programme")
        bench.statements = 0
        results_page.build(prog)
        bench.record(f"results_{n}_rebuild_statements", bench.statements, 1, unit="statements",
                     baseline_name="one statement")
        stmt = results_page.rebuild_query(prog).compile(db.engine, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
        plan = " | ".join(str(r[-1]) for r in db.session.execute(sa.text(prefix + str(stmt))))
        print(f"# results_{n}_rebuild_plan [{bench.label}]: {plan}", flush=True)
        # the aggregate reads its covering index only, the honoured rows come through the status index
        assert "ix_initiative_programme_level1_status" in plan, plan
        assert "ix_initiative_programme_status" in plan, plan


def main() -> int:
    import click

    from bench.generate import analyze, generate_initiatives, generate_units
    from bench.run import Bench, bench_app

    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=11_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with bench_app(args.database_url) as app:
        from datetime import date

        from adminapp.extensions import db
        from adminapp.workflow import programmes
        from models import User

        with app.app_context():
            generate_units(args.units)
            tld = db.session.execute(db.select(User).where(User.username == "tld.officer")).scalar_one()
            prog = programmes.create_programme(
                tld, name="75 nghìn sáng kiến, vượt khó, phát triển", submission_opens=date(2021, 3, 10),
                submission_closes=date(2021, 4, 20), application_from=date(2021, 2, 1),
                application_to=date(2021, 5, 31))
            db.session.commit()
            with click.progressbar(length=args.n, label=f"Sáng kiến → {args.n}") as bar:
                generate_initiatives(args.n, prog.id, list(prog.fields), progress=bar.update)
            analyze()
        run_results(Bench(app, "postgresql" if args.database_url else "sqlite"), args.n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
