"""Run Debian's sqlmap against the app served on 127.0.0.1 and read what it found.

sqlmap always exits 0: a finding is the line "identified the following
injection point" in its output or a non-empty ``log`` file under
``<output-dir>/127.0.0.1/``. Every run gets a fresh output directory, runs
non-interactively (--batch) and is bounded by ``timeout`` and --time-sec.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from werkzeug.serving import make_server

SQLMAP = shutil.which("sqlmap") or "/usr/bin/sqlmap"
FOUND = "identified the following injection point"
DBMS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass
class Target:
    """One sqlmap run: a URL (GET parameters inline) or a POST body, and the parameters to test."""

    name: str
    url: str
    params: list[str]
    data: str | None = None
    cookie: str | None = None
    csrf_url: str | None = None  # page to read a fresh csrf_token from before each request
    techniques: str | None = None  # default: run()'s
    level: int | None = None  # default: run()'s


@dataclass
class Result:
    target: Target
    found: bool
    output: str
    log: str = ""
    timed_out: bool = False
    seconds: float = 0.0


class Server:
    """The app under test served by werkzeug in a daemon thread on a free loopback port."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


def run(target: Target, *, backend: str, timeout: int = 90, level: int = 2, techniques: str = "BU",
        extra: list[str] | None = None) -> Result:
    out_dir = Path(tempfile.mkdtemp(prefix="sqlmap-"))
    cmd = [
        "timeout", "--kill-after=5", str(timeout), SQLMAP, "-u", target.url, "--batch", "--level", str(target.level or level),
        "--risk", "1", f"--technique={target.techniques or techniques}", "--time-sec", "2", "--timeout", "10", "--retries", "1",
        "--output-dir", str(out_dir), "--flush-session", "--disable-coloring",
        "-p", ",".join(target.params), "--answers", "follow=N,quit=N", "--skip-waf", "--tamper", "space2comment",
    ]
    if backend in DBMS:
        cmd += ["--dbms", DBMS[backend]]
    if target.data is not None:  # a form: a failed login answers 401 by design
        cmd += ["--ignore-code", "401", "--data", target.data]
    if target.cookie:
        cmd += ["--cookie", target.cookie]
    if target.csrf_url:  # sqlmap refuses --threads with --csrf-url
        cmd += ["--csrf-token", "csrf_token", "--csrf-url", target.csrf_url]
    else:
        cmd += ["--threads", "4"]
    cmd += extra or []
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    output = proc.stdout + proc.stderr
    log_file = out_dir / "127.0.0.1" / "log"
    log = log_file.read_text(errors="replace") if log_file.exists() else ""
    found = FOUND in output or bool(log.strip())
    shutil.rmtree(out_dir, ignore_errors=True)
    return Result(target, found, output, log, timed_out=proc.returncode == 124, seconds=seconds)
