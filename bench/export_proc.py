"""One export in a fresh Python process (``python -m bench.export_proc '<json>'``), so its peak RSS is its own:
a forked child would inherit the benchmark's memory (the loaded data, the parent's caches).

The JSON names the app's config and either ``{"user": …, "url": …}`` (our export, through the view, as a browser
downloads it) or ``{"raw": [column names]}`` (the limit: a hand-written Core select of the same rows and
columns, each related row by its name, outer-joined, streamed into xlsxwriter constant_memory as plain text).
Prints ``<seconds> <bytes or rows> <peak RSS in kB>``.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time

import sqlalchemy as sa


def _ours(app, user: str, url: str) -> tuple[float, int]:
    from tests.conftest import Auth, IsolatedClient

    app.test_client_class = IsolatedClient
    client = app.test_client()
    assert Auth(client).login(user).status_code == 302, user
    t0 = time.perf_counter()
    resp = client.get(url, buffered=False)  # streamed and dropped, as a browser saves it
    size = sum(len(chunk) for chunk in resp.response) if resp.status_code == 200 else -1
    resp.close()
    return time.perf_counter() - t0, size


def _raw(app, names: list[str]) -> tuple[float, int]:
    import xlsxwriter

    from adminapp.extensions import db
    from models import Initiative

    with app.app_context():
        t0 = time.perf_counter()
        fd, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(fd)
        wb = xlsxwriter.Workbook(path, {"constant_memory": True})
        ws = wb.add_worksheet()
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
        n = 0
        with db.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=2000).execute(query)
            for n, row in enumerate(result, start=1):
                for c, v in enumerate(row):
                    ws.write_string(n, c, "" if v is None else str(v))
        wb.close()
        os.unlink(path)
        return time.perf_counter() - t0, n


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    from adminapp import create_app

    app = create_app(spec["config"])
    app.config["EXPORT_SYNC_MAX_ROWS"] = 10**9
    seconds, size = _raw(app, spec["raw"]) if "raw" in spec else _ours(app, spec["user"], spec["url"])
    print(f"{seconds} {size} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
