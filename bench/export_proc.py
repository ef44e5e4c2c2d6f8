"""One export in a fresh Python process (``python -m bench.export_proc '<json>'``), so its peak RSS is its own:
a forked child would inherit the benchmark's memory (the loaded data, the parent's caches).

The JSON names the app's config and either ``{"user": …, "url": …}`` (our export, through the view, as a browser
downloads it) or ``{"raw": [column names], "kinds": [...] | null, "headers": [...]}`` (the limit: a
hand-written Core select of the same rows and columns, each related row by its name, outer-joined, streamed into
xlsxwriter constant_memory). With ``kinds`` the raw writer writes exactly the project's cells and formats; without,
every cell as plain text with no format (what formatting costs).
Prints one JSON line: wall seconds, CPU seconds of the export alone (the login before it is not counted), the
output size (bytes or rows) and the process's peak RSS in MB.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from datetime import date

import sqlalchemy as sa


def _ours(app, user: str, url: str) -> dict:
    from tests.conftest import Auth, IsolatedClient

    app.test_client_class = IsolatedClient
    client = app.test_client()
    assert Auth(client).login(user).status_code == 302, user
    c0, t0 = time.process_time(), time.perf_counter()
    resp = client.get(url, buffered=False)  # streamed and dropped, as a browser saves it
    size = sum(len(chunk) for chunk in resp.response) if resp.status_code == 200 else -1
    resp.close()
    return {"s": time.perf_counter() - t0, "cpu": time.process_time() - c0, "size": size}


def _raw_select(names: list[str]):
    """A hand-written Core select of the same columns (each related row by its name, outer-joined)."""
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
    return sa.select(*cols).select_from(joined).order_by(ini.c.id.desc())


def _write_typed(ws, wb, result, names, kinds, headers) -> int:
    """The project's cells and formats written the fastest plain way: the same header, status and group codes as
    their Vietnamese labels, booleans as Có/Không, dates and date-times as date cells (Vietnam time) by their
    serial number, integers without separators, text as text, blanks with the cell format; widths from the
    first rows, frozen header, autofilter."""
    from adminapp import labels
    from adminapp.exports import cells

    f = cells.Formats(wb)
    for c, h in enumerate(headers):
        ws.write_string(3, c, h, f.head)
    ws.freeze_panes(4, 0)
    label_maps = {c: (labels.INITIATIVE_STATUSES if name == "status" else labels.INITIATIVE_GROUPS)
                  for c, name in enumerate(names) if name in ("status", "group")}
    epoch, vn = date(1899, 12, 30).toordinal(), cells.VN_OFFSET_DAYS
    fmt = {cells.TEXT: f.text, cells.AUTO: f.text, cells.BOOL: f.text, cells.INT: f.int,
           cells.NUMBER: f.number, cells.DATE: f.date, cells.DATETIME: f.datetime}
    # the kinds came through JSON: take the module's own strings, the loop below compares them by identity
    kinds = [next(known for known in fmt if known == k) for k in kinds]
    plan = [(c, k, fmt[k], label_maps.get(c)) for c, k in enumerate(kinds)]
    ws_s, ws_n, ws_b = ws.write_string, ws.write_number, ws.write_blank
    widths = [0] * len(kinds)
    r = 3
    for r, row in enumerate(result, start=4):
        if r < 4 + cells.WIDTH_SAMPLE:
            for c, v in enumerate(row):
                w = len(v) if v.__class__ is str else 10
                if w > widths[c]:
                    widths[c] = w
        for c, k, cf, lm in plan:
            v = row[c]
            if v is None:
                ws_b(r, c, None, cf)
            elif lm is not None:
                ws_s(r, c, lm.get(v, v), cf)
            elif k is cells.TEXT or k is cells.AUTO:
                ws_s(r, c, v, cf)
            elif k is cells.DATETIME:
                ws_n(r, c, v.toordinal() - epoch + (v.hour * 3600 + v.minute * 60 + v.second) / 86400.0 + vn, cf)
            elif k is cells.DATE:
                ws_n(r, c, v.toordinal() - epoch, cf)
            elif k is cells.BOOL:
                ws_s(r, c, "Có" if v else "Không", cf)
            else:
                ws_n(r, c, v, cf)
    for c, w in enumerate(widths):
        ws.set_column(c, c, min(60, max(6, w + 2)))
    ws.autofilter(3, 0, r, len(kinds) - 1)
    return r - 3


def _raw(app, names: list[str], kinds: list[str] | None, headers: list[str]) -> dict:
    import xlsxwriter

    from adminapp.extensions import db

    with app.app_context():
        c0, t0 = time.process_time(), time.perf_counter()
        fd, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(fd)
        wb = xlsxwriter.Workbook(path, {"constant_memory": True})
        ws = wb.add_worksheet()
        n = 0
        with db.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=2000).execute(_raw_select(names))
            if kinds is None:
                for n, row in enumerate(result, start=1):
                    for c, v in enumerate(row):
                        ws.write_string(n, c, "" if v is None else str(v))
            else:
                n = _write_typed(ws, wb, result, names, kinds, headers)
        wb.close()
        os.unlink(path)
        return {"s": time.perf_counter() - t0, "cpu": time.process_time() - c0, "size": n}


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    from adminapp import create_app

    app = create_app(spec["config"])
    app.config["EXPORT_SYNC_MAX_ROWS"] = 10**9
    if "raw" in spec:
        out = _raw(app, spec["raw"], spec.get("kinds"), spec.get("headers") or spec["raw"])
    else:
        out = _ours(app, spec["user"], spec["url"])
    out["mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
