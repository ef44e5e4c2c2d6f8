"""Two app instances (gunicorn) sharing one database and one Redis, nothing else.

A session opened on one instance works on the other (signed cookie, shared
SECRET_KEY), failed logins counted on both add up (Flask-Limiter on Redis),
a file uploaded through one downloads from the other, a background export
asked on one is written by a separate worker process and served by the
other, and the audit trail written through both is one trail. On PostgreSQL when
TEST_DATABASE_URL is set (as in CI), otherwise on one SQLite file.
"""
from __future__ import annotations

import copy
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import redis_reachable, require

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, proc) -> None:
    for _ in range(100):
        if proc.poll() is not None:
            raise RuntimeError(proc.stdout.read().decode(errors="replace"))
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except Exception:  # noqa: BLE001
            time.sleep(0.1)
    raise RuntimeError(f"instance on {port} did not start")


class Browser:
    """A cookie-keeping HTTP client that can talk to either instance."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _NoRedirect())

    def get(self, url):
        return self._open(urllib.request.Request(url))

    def post(self, url, data: dict):
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(url, data=body, method="POST"))

    def _open(self, req):
        try:
            r = self.opener.open(req, timeout=10)
            return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")

    def post_file(self, url, fields: dict, file_field: str, filename: str, data: bytes, content_type: str):
        boundary = "----adminapp" + uuid.uuid4().hex
        parts = []
        for k, v in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
                     f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode() + data + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        req = urllib.request.Request(url, data=b"".join(parts), method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        return self._open(req)

    def get_bytes(self, url):
        try:
            r = self.opener.open(urllib.request.Request(url), timeout=10)
            return r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read(), e.headers

    def token(self, base, path="/password"):
        _, html = self.get(base + path)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def login(self, base, username, password):
        _, html = self.get(base + "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        return self.post(base + "/login", {"csrf_token": token, "username": username, "password": password})[0]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ARG002
        return None


@pytest.fixture(scope="module")
def two_instances(tmp_path_factory):
    require(redis_reachable(REDIS_URL), f"Redis is not reachable at {REDIS_URL}")
    pg = os.environ.get("TEST_DATABASE_URL")
    schema = None
    if pg:
        pg = pg.replace("postgresql+psycopg://", "postgresql://")
        schema = "so_" + uuid.uuid4().hex[:10]
        engine = sa.create_engine(pg.replace("postgresql://", "postgresql+psycopg://"))
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        db_url = pg + ("&" if "?" in pg else "?") + urllib.parse.urlencode({"options": f"-csearch_path={schema}"})
    else:
        db_url = f"sqlite:///{tmp_path_factory.mktemp('so')}/shared.db"
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": "shared-secret-" + uuid.uuid4().hex,
        "DATABASE_URL": db_url,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": "t" + uuid.uuid4().hex[:8],
        "LOGIN_LIMIT_PER_ACCOUNT": "4 per 10 minutes",
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("inst")),
        "REDIS_URL": REDIS_URL,
        "RQ_QUEUE": "so-" + uuid.uuid4().hex[:8],
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for args in (["db", "upgrade"], ["seed", "units"], ["seed", "demo"]):
        subprocess.run(flask + args, cwd=ROOT, env=env, check=True, capture_output=True)
    procs, bases = [], []
    for _ in range(2):
        port = _free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        procs.append(proc)
        _wait(port, proc)
        bases.append(f"http://127.0.0.1:{port}")
    yield bases, db_url, env
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)
    if schema:
        engine = sa.create_engine(pg.replace("postgresql://", "postgresql+psycopg://"))
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def test_session_opened_on_one_instance_works_on_the_other(two_instances):
    (a, b), _, _ = two_instances
    browser = Browser()
    assert browser.login(a, "hanoi.officer", "Demo@2026") == 302
    status, html = browser.get(b + "/admin/")
    assert status == 200 and "Liên đoàn Lao động thành phố Hà Nội" in html


def test_failed_logins_add_up_across_instances(two_instances):
    """The (account, IP) pair's failures are counted in Redis: the third, on either instance, makes the
    pair wait on both (auth/throttle.py)."""
    (a, b), _, _ = two_instances
    for base in (a, b, a):
        assert Browser().login(base, "hoankiem.officer", "sai-mat-khau") == 401
    assert Browser().login(b, "hoankiem.officer", "Demo@2026") == 429
    assert Browser().login(a, "hoankiem.officer", "Demo@2026") == 429


def test_logout_on_one_instance_ends_the_session_on_the_other(two_instances):
    (a, b), _, _ = two_instances
    browser = Browser()
    assert browser.login(a, "nghean.officer", "Demo@2026") == 302
    saved = Browser()
    for cookie in browser.jar:  # a copy of the session cookie, taken before the logout
        saved.jar.set_cookie(copy.copy(cookie))
    assert saved.get(a + "/admin/initiatives/")[0] == 200
    status, _ = browser.post(b + "/logout", {"csrf_token": browser.token(b)})
    assert status == 302
    status, _ = saved.get(a + "/admin/initiatives/")
    assert status == 302  # to the login page: the session ended everywhere


def test_audit_trail_spans_both_instances(two_instances):
    (a, b), _, _ = two_instances
    Browser().login(a, "vinh.officer", "Demo@2026")
    Browser().login(b, "vinh.officer", "Demo@2026")
    admin = Browser()
    assert admin.login(b, "admin", "Demo@2026") == 302
    status, html = admin.get(a + "/admin/audit/?search=&page_size=100")
    assert status == 200
    assert html.count("Nguyễn Thị Hồng") >= 2  # vinh.officer's two logins, one per instance


def test_production_instances_refuse_a_missing_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(APP_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path}/x.db", INSTANCE_PATH=str(tmp_path))
    r = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode != 0 and "SECRET_KEY must be set" in r.stderr


def test_upload_on_one_instance_downloads_from_the_other(two_instances):
    (a, b), _, _ = two_instances
    browser = Browser()
    assert browser.login(a, "hanoi.officer", "Demo@2026") == 302
    _, html = browser.get(a + "/admin/campaigns/")
    campaign_id = re.search(r"/admin/campaign/(\d+)/", html).group(1)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    status, _ = browser.post_file(f"{a}/admin/campaign/{campaign_id}/attachments/add",
                                  {"csrf_token": browser.token(a)}, "attachments", "Chỉ thị phát động.pdf",
                                  pdf, "application/pdf")
    assert status == 302
    _, html = browser.get(f"{b}/admin/campaign/{campaign_id}/")
    link = re.search(r'href="(/admin/campaign/attachment/\d+)"', html).group(1)
    status, data, headers = browser.get_bytes(b + link)
    assert status == 200 and data == pdf and "attachment" in headers["Content-Disposition"]


def test_background_export_requested_on_one_instance_is_served_by_the_other(two_instances):
    (a, b), _, env = two_instances
    browser = Browser()
    assert browser.login(a, "cdcs.officer", "Demo@2026") == 302
    status, _ = browser.get(a + "/admin/units/export/xlsx/")
    assert status == 302
    worker = subprocess.run([sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", REDIS_URL,
                             env["RQ_QUEUE"]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert worker.returncode == 0, worker.stderr[-2000:]
    _, html = browser.get(b + "/admin/exports/")
    job_link = re.search(r'href="(/admin/exports/\d+/download)"', html).group(1)
    status, data, headers = browser.get_bytes(b + job_link)
    assert status == 200 and data[:2] == b"PK"
    assert Browser().get_bytes(a + job_link)[0] in (302, 404)  # not logged in: never the file
