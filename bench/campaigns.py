"""Campaign figures of `make bench`: generated campaigns, registrations and participants (bulk inserted),
the registration review page with its status tabs and counts, a bulk approve of 500 lists, and the
public initiative form under gunicorn (PostgreSQL only).

The data: a national campaign launched by the Confederation to every grassroots union, plus one
campaign per level-1 unit launched to its own grassroots unions; one registration per participating
unit, statuses mixed; about `n` participants in all, spread unevenly (big provinces hold more units,
and some units send far longer lists than others).
"""
from __future__ import annotations

import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import date, datetime, timedelta
from http.client import HTTPConnection
from pathlib import Path

import click
import sqlalchemy as sa

from adminapp.extensions import db
from adminapp.text import fold
from bench.generate import GIVEN, NOW, SURNAMES, copy_rows, spread_time
from models import Campaign, CampaignUnit, Participant, Registration, Unit

NATIONAL = "Phong trào thi đua Lao động giỏi, Lao động sáng tạo (toàn quốc)"
# not_sent / pending / approved / rejected: mostly pending and approved
STATUS_WEIGHTS = [("not_sent", 20), ("pending", 40), ("approved", 30), ("rejected", 10)]
POSITIONS = ["Công nhân", "Kỹ sư", "Tổ trưởng", "Nhân viên", "Giáo viên", "Bác sĩ", "Điều dưỡng", "Kế toán"]
NATIONAL_SHARE = 0.6  # of the participants
OPENED = datetime(2026, 3, 2, 1)  # campaigns launched; registrations created, sent and reviewed after it


def _next_id(column) -> int:
    return (db.session.execute(sa.select(sa.func.max(column))).scalar_one() or 0) + 1


def _setval(table: str) -> None:
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM \"{table}\"))"))


def national_campaign_id() -> int | None:
    return db.session.execute(sa.select(Campaign.id).where(Campaign.name == NATIONAL)).scalar()


def generate_campaigns(n: int, seed: int = 13, progress=None) -> tuple[int, int]:
    """The campaigns, their participating units and one registration each; then `n` participants.
    Returns (registrations, participants) created."""
    from adminapp.workflow import campaigns as svc

    rnd = random.Random(seed)
    role_id = svc.default_role().id
    root = db.session.execute(sa.select(Unit).where(Unit.level == 0)).scalar_one()
    level1 = db.session.execute(sa.select(Unit.id, Unit.code, Unit.name).where(Unit.level == 1)
                                .order_by(Unit.id)).all()
    grassroots = db.session.execute(sa.select(Unit.id, Unit.path).where(Unit.kind == "grassroots")
                                    .order_by(Unit.id)).all()
    by_province: dict[str, list[int]] = {}
    for uid, path in grassroots:
        by_province.setdefault(path.strip("/").split("/")[1], []).append(uid)
    level1_ids = {code: uid for uid, code, _ in level1}
    area_of = {uid: level1_ids.get(code) for code, uids in by_province.items() for uid in uids}  # adminapp/areas.py

    campaign_id = _next_id(Campaign.id)
    ccols = ["id", "owner_unit_id", "name", "launch_level", "kind", "start_date", "end_date", "description",
             "registration_deadline", "dossier_deadline", "for_individuals", "for_collectives", "status",
             "created_at", "launched_at", "search_text", "version"]
    crows = []
    plan: list[tuple[int, list[int], float]] = []  # (campaign id, units, share of participants)

    def add(owner_id, owner_name, name, level, units, share):
        nonlocal campaign_id
        crows.append((campaign_id, owner_id, name, level, "regular", date(2021, 1, 1), date(2021, 12, 31),
                      "Phong trào sinh ra cho benchmark.", date(2021, 3, 31), date(2021, 11, 30), True, False,
                      "launched", NOW, NOW, fold(f"{name} {owner_name}"), 1))
        plan.append((campaign_id, units, share))
        campaign_id += 1

    add(root.id, root.name, NATIONAL, "national", [uid for uid, _ in grassroots], NATIONAL_SHARE)
    total_grass = max(1, len(grassroots))
    for uid, code, name in level1:
        units = by_province.get(code, [])
        if units:
            add(uid, name, f"Phong trào thi đua năm 2021 của {name}", "province", units,
                (1 - NATIONAL_SHARE) * len(units) / total_grass)
    copy_rows(Campaign.__table__, ccols, crows)
    _setval("campaign")

    reg_id = _next_id(Registration.id)
    statuses = [s for s, _ in STATUS_WEIGHTS]
    weights = [w for _, w in STATUS_WEIGHTS]
    cu_rows, reg_rows, sizes = [], [], []
    n_free = max(0, n - sum(len(units) for _, units, _ in plan) * (100 - STATUS_WEIGHTS[0][1]) // 100)
    for cid, units, share in plan:
        # a heavy tail: a few units send long lists
        w = [min(rnd.paretovariate(1.3), 50.0) for _ in units]
        total_w = sum(w)
        for uid, wi in zip(units, w, strict=True):
            status = rnd.choices(statuses, weights)[0]
            cu_rows.append((cid, uid, role_id))
            created = spread_time(rnd, OPENED, OPENED + timedelta(days=20))
            sent = spread_time(rnd, created, created + timedelta(days=30)) if status != "not_sent" else None
            reviewed = spread_time(rnd, sent, sent + timedelta(days=15)) if status in ("approved", "rejected") \
                else None
            reg_rows.append((reg_id, cid, uid, status, "Danh sách thiếu thông tin." if status == "rejected" else None,
                             False, sent, sent, reviewed, created, 1, area_of.get(uid)))
            count = int(n_free * share * wi / total_w)
            if status != "not_sent":
                count += 1  # a sent list is never empty
            sizes.append((reg_id, count))
            reg_id += 1
    copy_rows(CampaignUnit.__table__, ["campaign_id", "unit_id", "role_id"], cu_rows)
    copy_rows(Registration.__table__, ["id", "campaign_id", "unit_id", "status", "last_reason", "reopened", "read_at",
                                       "sent_at", "reviewed_at", "created_at", "version", "area_unit_id"], reg_rows)
    _setval("registration")
    # spread the rounding remainder so the participants total about n
    missing = n - sum(c for _, c in sizes)
    for i in rnd.sample(range(len(sizes)), k=min(len(sizes), max(0, missing))):
        sizes[i] = (sizes[i][0], sizes[i][1] + 1)
    created = generate_participants(sizes, rnd, progress)
    db.session.commit()
    return len(reg_rows), created


def generate_participants(sizes: list[tuple[int, int]], rnd: random.Random, progress=None) -> int:
    pcols = ["registration_id", "kind", "full_name", "birth_year", "position", "unit_name", "sort_order", "created_at"]
    table = Participant.__table__
    batch: list[tuple] = []
    created = 0
    for rid, count in sizes:
        for k in range(count):
            batch.append((rid, "individual", f"{rnd.choice(SURNAMES)} {rnd.choice(GIVEN)}", rnd.randint(1965, 2003),
                          rnd.choice(POSITIONS), None, k + 1, NOW))
            if len(batch) >= 5000:
                copy_rows(table, pcols, batch)
                created += len(batch)
                if progress:
                    progress(len(batch))
                batch = []
    copy_rows(table, pcols, batch)
    created += len(batch)
    if progress and batch:
        progress(len(batch))
    return created


def grow_participants(extra: int, seed: int, progress=None) -> int:
    """Add `extra` participants to the existing lists (for the next, larger n)."""
    rnd = random.Random(seed)
    rows = db.session.execute(sa.select(Registration.id, sa.func.count(Participant.id))
                              .outerjoin(Participant, Participant.registration_id == Registration.id)
                              .group_by(Registration.id).order_by(Registration.id)).all()
    if not rows:
        return 0
    weights = [c + 1 for _, c in rows]
    picks: dict[int, int] = {}
    for i in rnd.choices(range(len(rows)), weights, k=extra):
        picks[rows[i][0]] = picks.get(rows[i][0], 0) + 1
    created = generate_participants(sorted(picks.items()), rnd, progress)
    db.session.commit()
    return created


def ensure_campaign_data(n: int, done: int) -> None:
    """Bring the participants to about n: create everything the first time, then grow."""
    label = f"Phong trào: thành viên → {n}"
    with click.progressbar(length=n - done, label=label) as bar:
        if national_campaign_id() is None:
            regs, _ = generate_campaigns(n, progress=bar.update)
        else:
            grow_participants(n - done, seed=n, progress=bar.update)
    from bench.generate import analyze

    analyze()
    regs = db.session.execute(sa.select(sa.func.count()).select_from(Registration)).scalar_one()
    parts = db.session.execute(sa.select(sa.func.count()).select_from(Participant)).scalar_one()
    by_status = dict(db.session.execute(sa.select(Registration.status, sa.func.count())
                                        .group_by(Registration.status)).all())
    print(f"# {regs} registrations {by_status}, {parts} participants", flush=True)


# --------------------------------------------------------------------------- figures


def _user(username: str):
    from models import User

    return db.session.execute(sa.select(User).where(User.username == username)).scalar_one()


def _time_sql(fn) -> list[float]:
    fn()
    times = []
    from bench.run import REPEAT

    for _ in range(REPEAT):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def run_registrations(bench, n: int) -> None:
    """The review page of the national campaign (status tabs with counts) and the registrations list."""
    from adminapp import access

    with bench.app.app_context():
        cid = national_campaign_id()
    admin = bench.client("admin")
    province = bench.client("hanoi.officer")
    bare = bench.client(None)
    tabs = f"/admin/campaign/{cid}/registrations?tab=pending"
    bench.compare(f"registrations_{n}_tabs_page_admin", admin, tabs, bare, "/bare/registration/")
    bench.compare(f"registrations_{n}_tabs_page_province", province, tabs, bare, "/bare/registration/",
                  baseline_name="default Flask-Admin, unscoped page 1")
    bench.compare(f"registrations_{n}_list_admin", admin, "/admin/registrations/", bare, "/bare/registration/")
    bench.compare(f"registrations_{n}_list_province", province, "/admin/registrations/", bare, "/bare/registration/",
                  baseline_name="default Flask-Admin, unscoped page 1")
    with bench.app.app_context():
        total = db.session.execute(sa.select(sa.func.count()).select_from(Registration)).scalar_one()
    from bench.run import sort_lines

    pages = sort_lines(bench, f"registrations_{n}_admin", "registrations", "/admin/registrations/", admin,
                       min(2000, max(2, total // 20)))

    # The tab counts alone: the view's grouped count (scoped), against the same count without scope.
    with bench.app.app_context():
        def counts_of(user):
            stmt = access.scope(user, Registration, sa.select(Registration.status, sa.func.count())
                                .where(Registration.campaign_id == cid).group_by(Registration.status))
            return lambda: dict(db.session.execute(stmt).all())

        plain = sa.select(Registration.status, sa.func.count()).where(Registration.campaign_id == cid) \
            .group_by(Registration.status)
        base = _time_sql(lambda: db.session.execute(plain).all())
        for who, username in (("admin", "admin"), ("province", "hanoi.officer")):
            bench.record(f"registrations_{n}_tab_counts_sql_{who}", _time_sql(counts_of(_user(username))), base,
                         baseline_name="unscoped GROUP BY status of the campaign")
        db.session.rollback()
    from bench.run import explain_lists

    explain_lists(bench, pages + [("admin", admin, tabs), ("hanoi.officer", province, tabs),
                          ("hanoi.officer", province, "/admin/registrations/")], ("registration", "participant"))


def run_bulk_approve(bench, n: int, size: int = 500) -> None:
    """apply_bulk(admin, 500 pending ids, "approve") + commit, audited row by row, vs one plain UPDATE."""
    from adminapp.workflow import registrations as regsvc
    from models import AuditEvent

    runs = max(5, int(os.environ.get("BENCH_BULK_RUNS", 5)))
    app = bench.app
    with app.app_context():
        pool = list(db.session.execute(sa.select(Registration.id).where(Registration.status == "pending")
                                       .order_by(Registration.id)).scalars())
        rnd = random.Random(n)
        rnd.shuffle(pool)
        if len(pool) < 2 * runs * size:
            print(f"# bulk approve: only {len(pool)} pending lists, fewer runs", flush=True)
            runs = len(pool) // (2 * size)
        if runs == 0:
            return
        ours, base, statements, used = [], [], [], []

        def audits():
            return db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)
                                      .where(AuditEvent.action == "registration.approve")).scalar_one()

        for i in range(runs):
            ids = pool[2 * i * size:(2 * i + 1) * size]
            plain_ids = pool[(2 * i + 1) * size:(2 * i + 2) * size]
            used += ids + plain_ids
            db.session.remove()
            before = audits()
            user = _user("admin")
            db.session.commit()
            bench.statements = 0
            t0 = time.perf_counter()
            result = regsvc.apply_bulk(user, ids, "approve")
            db.session.commit()
            ours.append((time.perf_counter() - t0) * 1000)
            statements.append(bench.statements)
            assert len(result.changed) == size, result.skipped[:3]
            assert audits() - before == size, "one audit event per approved list"
            db.session.remove()
            t0 = time.perf_counter()
            db.session.execute(sa.update(Registration).where(Registration.id.in_(plain_ids))
                               .values(status="approved"))
            db.session.commit()
            base.append((time.perf_counter() - t0) * 1000)
        bench.record(f"registrations_{n}_bulk_approve_{size}", ours, base,
                     baseline_name=f"one UPDATE … WHERE id IN ({size} ids), no audit")
        bench.record(f"registrations_{n}_bulk_approve_{size}_statements", statistics.median(statements), 2,
                     unit="statements", baseline_name="UPDATE + COMMIT")
        # put the lists back to pending (bench housekeeping: the audit events stay, append-only)
        for k in range(0, len(used), 1000):
            db.session.execute(sa.update(Registration).where(Registration.id.in_(used[k:k + 1000]))
                               .values(status="pending", reviewed_at=None, reviewed_by_id=None))
        db.session.commit()


# --------------------------------------------------------------------------- public form under gunicorn

PUBLIC_SLUG = "bench-public-form"
ROOT_DIR = Path(__file__).resolve().parent.parent
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def _open_programme():
    from adminapp import clock, reference
    from adminapp.workflow import programmes

    prog = programmes.get_by_slug(PUBLIC_SLUG)
    if prog is None:
        today = clock.today_vn()
        prog = programmes.create_programme(
            None, owner=reference.get_unit(reference.ROOT[0]), name="Sáng kiến (benchmark biểu mẫu công khai)",
            slug=PUBLIC_SLUG, submission_opens=today - timedelta(days=10), submission_closes=today + timedelta(days=30),
            application_from=today - timedelta(days=60), application_to=today + timedelta(days=90),
            dossier_deadline=today + timedelta(days=32))
        db.session.commit()
    level1 = db.session.execute(sa.select(Unit).where(Unit.code == "01")).scalar_one()
    sub = db.session.execute(sa.select(Unit.id).where(Unit.parent_id == level1.id).order_by(Unit.id)).scalar()
    return prog.id, prog.fields[0], level1.id, sub


class _Client:
    """One simulated member: a cookie jar and a CSRF token, requests over a fresh connection
    (gunicorn's sync workers close the connection after each response)."""

    def __init__(self, port: int, path: str):
        self.port, self.path, self.cookies, self.token = port, path, {}, None

    def request(self, method: str, body: str | None = None):
        conn = HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                k, _, v = value.split(";", 1)[0].partition("=")
                self.cookies[k.strip()] = v
        conn.close()
        return resp.status, data

    def fresh_token(self) -> None:
        self.cookies.clear()
        status, html = self.request("GET")
        assert status == 200, status
        m = CSRF_RE.search(html.decode())
        assert m, "no CSRF token in the public form"
        self.token = m.group(1) or m.group(2)


def _load(port: int, path: str, seconds: float, threads: int, make_body=None) -> tuple[int, int, float]:
    """Run `threads` clients for `seconds`: POST make_body(k) (or GET when None).
    Returns (ok responses, other responses, elapsed seconds)."""
    ok = [0] * threads
    bad = [0] * threads
    deadline = time.perf_counter() + seconds

    def worker(t: int):
        client = _Client(port, path)
        if make_body is not None:
            client.fresh_token()
        k = 0
        while time.perf_counter() < deadline:
            if make_body is None:
                status, _ = client.request("GET")
                good = status == 200
            else:
                status, _ = client.request("POST", make_body(t, k, client.token))
                good = status == 303
            k += 1
            if good:
                ok[t] += 1
            else:
                bad[t] += 1

    t0 = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return sum(ok), sum(bad), time.perf_counter() - t0


WRK = "/usr/bin/wrk"
WRK_POST = """
local counter, tid = 0, 0
function setup(thread) thread:set("tid", tid); tid = tid + 1 end
function request()
  counter = counter + 1
  local body = BODY:gsub("__T__", string.format("%02d", tid)):gsub("__K__", string.format("%06d", counter % 1000000))
  return wrk.format("POST", PATH, HEADERS, body)
end
"""
WRK_DONE = re.compile(r"(\d+) requests in ([\d.]+)(m?s)")
WRK_BAD = re.compile(r"Non-2xx or 3xx responses: (\d+)")


def _wrk(port: int, path: str, seconds: float, conns: int, body: str | None = None,
         cookie: str = "") -> tuple[int, int, float]:
    """wrk -t2 -c<conns> for `seconds`: GET, or POST of `body` (__T__ thread, __K__ counter).
    Returns (2xx/3xx responses, other responses, elapsed seconds)."""
    import json
    import tempfile

    args = [WRK, "-t2", f"-c{conns}", f"-d{seconds:.0f}s", f"http://127.0.0.1:{port}{path}"]
    if body is not None:
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        lua = (f"BODY = {json.dumps(body)}\nPATH = {json.dumps(path)}\n"
               f"HEADERS = {{{', '.join(f'[{json.dumps(k)}] = {json.dumps(v)}' for k, v in headers.items())}}}\n"
               + WRK_POST)
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script.write(lua)
        script.close()
        args[1:1] = ["-s", script.name]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    m = WRK_DONE.search(out)
    total, elapsed = int(m.group(1)), float(m.group(2)) / (1000 if m.group(3) == "ms" else 1)
    bad = int(WRK_BAD.search(out).group(1)) if WRK_BAD.search(out) else 0
    return total - bad, bad, elapsed


def run_public_form(bench, n: int, db_url: str) -> None:
    """Accepted submissions per second of the public form, gunicorn -w 2 on the bench schema."""
    app = bench.app
    with app.app_context():
        prog_id, field, level1_id, sub_id = _open_programme()
        count_sql = sa.text("SELECT count(*) FROM initiative WHERE programme_id = :p")
        before = db.session.execute(count_sql, {"p": prog_id}).scalar_one()
        db.session.rollback()
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]
    port = int(os.environ.get("BENCH_GUNICORN_PORT", 18000 + os.getpid() % 1000))
    seconds = float(os.environ.get("BENCH_PUBLIC_SECONDS", 10))
    threads = int(os.environ.get("BENCH_PUBLIC_CLIENTS", 8))
    env = dict(os.environ, APP_ENV="production", SECRET_KEY=secrets.token_hex(32),
               DATABASE_URL=f"{db_url}?options={urllib.parse.quote(options)}",
               # the per-IP limit of the public form, raised for the load generator (one IP)
               PUBLIC_SUBMIT_LIMIT="1000000 per minute", RATELIMIT_STORAGE_URI="memory://",
               INSTANCE_PATH=app.instance_path)
    env.pop("REDIS_URL", None)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    proc = subprocess.Popen([gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                            cwd=ROOT_DIR, env=env)
    try:
        for _ in range(100):
            try:
                conn = HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        path = f"/sang-kien/{PUBLIC_SLUG}/"
        run_id = secrets.token_hex(3)

        def body(t: int, k: int, token: str) -> str:
            return urllib.parse.urlencode({
                "csrf_token": token, "author_name": "Nguyễn Văn An", "birth_year": "1985", "position": "Kỹ sư",
                "phone": f"09{t:02d}{k % 1000000:06d}", "level1_unit_id": str(level1_id),
                "unit_id": str(sub_id or ""), "group": "enterprise", "title": f"Sáng kiến {run_id} {t}-{k}",
                "field": field, "description": "Mô tả ngắn gọn sáng kiến: cách làm, kết quả áp dụng.",
                "application_date": (date.today() - timedelta(days=5)).strftime("%d/%m/%Y"),
                "effectiveness": "Giảm 30% thời gian", "benefit_value": "150.000.000", "scope": "Toàn công ty",
                "awards": "", "website": ""})

        _load(port, path, 1.0, 2)  # warm-up (GET)
        use_wrk = os.path.exists(WRK) and os.environ.get("BENCH_PUBLIC_CLIENT", "wrk") == "wrk"
        if use_wrk:
            # one session (cookie + its CSRF token) shared by wrk's connections, bodies made unique in Lua
            client = _Client(port, path)
            client.fresh_token()
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            get_ok, get_bad, get_s = _wrk(port, path, seconds, threads)
            post_ok, post_bad, post_s = _wrk(port, path, seconds, threads, body(0, 0, client.token)
                                             .replace("0900000000", "09__T____K__")
                                             .replace("0-0", "__T__-__K__"), cookie)
        else:
            get_ok, get_bad, get_s = _load(port, path, seconds, threads)
            post_ok, post_bad, post_s = _load(port, path, seconds, threads, body)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    with app.app_context():
        after = db.session.execute(count_sql, {"p": prog_id}).scalar_one()
        db.session.rollback()
    stored = after - before
    print(f"# public form ({'wrk' if use_wrk else 'Python threads'}): {post_ok} answered 2xx/3xx, {post_bad} other,"
          f" {stored} rows stored; {get_ok} GETs ({get_bad} failed); {threads} connections, {seconds:.0f} s each",
          flush=True)
    # the DB is the truth: wrk stops with up to one request per connection in flight (stored, not counted)
    assert post_ok <= stored <= post_ok + threads, (stored, post_ok)
    bench.record(f"public_form_{n}_accepted_per_s", stored / post_s, get_ok / get_s, unit="req/s",
                 baseline_name="same gunicorn, GET of the public form page")
