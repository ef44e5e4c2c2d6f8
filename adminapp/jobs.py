"""Background exports: on RQ (Redis) when REDIS_URL is set, else on a thread of the app process.

Either way an export that can outlast a request becomes an ExportJob: the export button redirects to its
progress page (Hệ thống → Tệp xuất, rows done / total, refreshed every 2 s), the file is written in constant
memory and stored in the database, and only the user who asked for it downloads it, until it expires
(EXPORT_TTL_HOURS). With REDIS_URL the worker (`make worker`) runs it; in the embedded default (no Redis) a
small pool of threads in the app process does (EXPORT_THREADS), so any size exports without an operator.

Two kinds of job:
- a list export (a ScopedModelView's filtered, scoped list), rebuilt from the view's endpoint and the
  request's query string;
- a document (the consolidated registration list, the summary table, the review page's export), built by
  a function registered with @document(name) from the request's query string.
Both run as the user who asked (login_user inside a request context), so scope and field rules apply as in
the request. A job interrupted by a restart is marked failed by `purge_expired` after EXPORT_TTL_HOURS.
"""
from __future__ import annotations

import logging
import os
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import update

from adminapp.extensions import db
from models import ExportJob, User, utcnow

log = logging.getLogger(__name__)
DOC_PREFIX = "doc:"
_documents: dict = {}
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_pending: set[Future] = set()


def enabled() -> bool:
    """Is a Redis queue configured? (Without it, jobs run on the app's own threads.)"""
    return bool(current_app.config.get("REDIS_URL"))


def document(name: str):
    """Register `fn(export_type, path, progress) -> (filename, rows)`, run in a request context as the user."""
    def register(fn):
        _documents[name] = fn
        return fn
    return register


def queue():
    from redis import Redis
    from rq import Queue

    return Queue(current_app.config["RQ_QUEUE"], connection=Redis.from_url(current_app.config["REDIS_URL"]))


def request_export(user: User, endpoint: str, export_type: str, query_string: str, title: str | None = None,
                   rows_total: int | None = None) -> ExportJob:
    """Record an export request (the caller commits, then starts it)."""
    purge_expired()
    if title is None:
        view = find_view(endpoint)
        title = str(view.name) if view else endpoint
    job = ExportJob(user_id=user.id, endpoint=endpoint, export_type=export_type, query_string=query_string,
                    title=title[:255], status="queued", rows_total=rows_total)
    db.session.add(job)
    db.session.flush()
    return job


def start(job_id: int) -> None:
    """Run a committed job: on the queue when there is one, else on a thread of this process."""
    if enabled():
        enqueue_export(job_id)
    else:
        run_in_thread(job_id)


def enqueue_export(job_id: int) -> None:
    queue().enqueue(run_export, job_id, job_timeout=6 * 3600, result_ttl=0)


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, int(current_app.config.get("EXPORT_THREADS", 2))),
                                       thread_name_prefix="export")
        return _pool


def run_in_thread(job_id: int) -> Future:
    app = current_app._get_current_object()
    future = _executor().submit(_thread_main, app, job_id)
    _pending.add(future)
    future.add_done_callback(_pending.discard)
    return future


def _thread_main(app, job_id: int) -> None:
    with app.app_context():
        try:
            _run(app, job_id)
        except Exception:  # noqa: BLE001 - recorded on the job by _run
            log.exception("export job %s failed", job_id)
        finally:
            db.session.remove()


def wait_for_threads(timeout: float = 300) -> None:
    """Wait for the jobs running on this process's threads (tests, and a clean shutdown)."""
    wait(list(_pending), timeout=timeout)


def find_view(endpoint: str):
    for admin in current_app.extensions.get("admin", []):
        for view in admin._views:
            if view.endpoint == endpoint:
                return view
    return None


def _set(job_id: int, **values) -> None:
    """Progress written on its own connection: the export's read cursor stays open meanwhile."""
    with db.engine.begin() as conn:
        conn.execute(update(ExportJob).where(ExportJob.id == job_id).values(**values))


def run_export(job_id: int) -> None:
    """Worker entry point: rebuild the user's filtered, scoped list (or document) and write it to the job."""
    if has_app_context():
        _run(current_app._get_current_object(), job_id)
        return
    from adminapp import create_app

    app = create_app()
    with app.app_context():
        _run(app, job_id)


def _run(app, job_id: int) -> None:
    from flask_login import login_user

    job = db.session.get(ExportJob, job_id)
    if job is None or job.status not in ("queued", "failed"):
        return
    user = db.session.get(User, job.user_id)
    _set(job_id, status="running", rows_done=0)
    fd, path = tempfile.mkstemp(suffix="." + job.export_type)
    os.close(fd)
    try:
        with app.test_request_context("/export?" + job.query_string):
            login_user(user)
            if job.endpoint.startswith(DOC_PREFIX):
                builder = _documents.get(job.endpoint[len(DOC_PREFIX):])
                if builder is None:
                    raise PermissionError("Loại tệp xuất không còn được hỗ trợ.")
                filename, count = builder(job.export_type, path, lambda n: _set(job_id, rows_done=n))
            else:
                filename, count = _run_list(job, path)
        with open(path, "rb") as fh:
            data = fh.read()
        now = utcnow()
        _set(job_id, status="done", rows_done=count or 0, rows_total=count or 0, content=data, size=len(data),
             filename=filename, finished_at=now, expires_at=now + timedelta(hours=app.config["EXPORT_TTL_HOURS"]))
    except Exception as exc:  # noqa: BLE001 - the user sees the failure on the job page
        message = getattr(exc, "description", None) if hasattr(exc, "code") else None
        _set(job_id, status="failed", error=(message or str(exc) or "Không xuất được tệp.")[:1000],
             finished_at=utcnow())
        raise
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


def _run_list(job: ExportJob, path: str):
    from views.base import write_export_file

    view = find_view(job.endpoint)
    if view is None or not view.is_accessible() or not view.can_export:
        raise PermissionError("Bạn không còn quyền xuất danh sách này.")
    count, headers, rows = view.export_plan()
    _set(job.id, rows_total=count)
    write_export_file(view, job.export_type, headers, rows(progress=lambda n: _set(job.id, rows_done=n)), path=path)
    return view.get_export_name(job.export_type), count


def purge_expired(now=None) -> int:
    """Drop the files of expired exports (the job row stays, marked expired); a job left queued or running
    longer than the files live (its process restarted) is marked failed."""
    now = now or utcnow()
    result = db.session.execute(
        update(ExportJob).where(ExportJob.status == "done", ExportJob.expires_at < now)
        .values(status="expired", content=None)
    )
    stale = now - timedelta(hours=current_app.config.get("EXPORT_TTL_HOURS", 24)) if has_app_context() else None
    if stale is not None:
        db.session.execute(
            update(ExportJob).where(ExportJob.status.in_(("queued", "running")), ExportJob.created_at < stale)
            .values(status="failed", error="Việc xuất bị gián đoạn (máy chủ khởi động lại). Hãy xuất lại.",
                    finished_at=now)
        )
    return result.rowcount or 0
