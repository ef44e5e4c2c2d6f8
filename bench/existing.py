"""Bench lines on data an earlier run generated, without generating N rows again.

`bench_app` leaves its SQLite file in a temporary directory (`…/bench.db`); point this at it (or at a kept
PostgreSQL schema) to time the export and the results page on the same N rows:

    python -m bench.existing --url sqlite:////tmp/tmpXXXX/bench.db --n 1000000 --lines export,results
    python -m bench.existing --url postgresql://postgres@127.0.0.1:5432/test --schema bench_xxxx --n 1000000
    python -m bench.existing --url … --n 1000000 --lines search   # the sample searches against the default view
"""
from __future__ import annotations

import argparse
import json
import tempfile
from datetime import datetime


def main() -> int:
    from adminapp import create_app
    from bench.results import run_results
    from bench.run import RESULTS, Bench, add_bare_admin, run_export, run_searches

    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--schema", default=None)
    parser.add_argument("--n", type=int, required=True, help="the number of initiatives the data holds")
    parser.add_argument("--lines", default="export,results")
    args = parser.parse_args()
    url = args.url.replace("postgresql://", "postgresql+psycopg://")
    cfg = {"APP_ENV": "testing", "INSTANCE_PATH": tempfile.mkdtemp(), "SQLALCHEMY_DATABASE_URI": url}
    if args.schema:
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={args.schema}"}}
    app = create_app(cfg)
    app.config["BENCH_CONFIG"] = cfg  # for the export processes (bench/export_proc.py)
    add_bare_admin(app)
    bench = Bench(app, "postgresql" if url.startswith("postgresql") else "sqlite")
    lines = set(args.lines.split(","))
    if "export" in lines:
        run_export(bench, args.n)
    if "results" in lines:
        run_results(bench, args.n)
    if "search" in lines:
        run_searches(bench, args.n, bench.client("admin"), bench.client(None))
    if "search" in lines:
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"bench-{datetime.now().strftime('%Y%m%d-%H%M%S')}-existing.json"
        out.write_text(json.dumps(bench.rows, ensure_ascii=False, indent=2))
        print(f"# written {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
