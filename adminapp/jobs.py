"""Background jobs on RQ (Redis): exports that can outlast a request.

With REDIS_URL unset (the embedded default) nothing is queued and exports
stream directly (views.base). With it set, the export button creates an
ExportJob, the worker (`make worker`) writes the file in constant memory,
reporting rows done / total, and stores it in the database, where any app
instance serves it to its owner until it expires (EXPORT_TTL_HOURS).
"""
from __future__ import annotations

import os
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import update

from adminapp.extensions import db
from models import ExportJob, User, utcnow


def enabled() -> bool:
    return bool(current_app.config.get("REDIS_URL"))


def queue():
    from redis import Redis
    from rq import Queue

    return Queue(current_app.config["RQ_QUEUE"], connection=Redis.from_url(current_app.config["REDIS_URL"]))


def request_export(user: User, endpoint: str, export_type: str, query_string: str) -> ExportJob:
    """Record an export request (the caller commits, then enqueues)."""
    purge_expired()
    view = find_view(endpoint)
    job = ExportJob(user_id=user.id, endpoint=endpoint, export_type=export_type, query_string=query_string,
                    title=str(view.name) if view else endpoint, status="queued")
    db.session.add(job)
    db.session.flush()
    return job


def enqueue_export(job_id: int) -> None:
    queue().enqueue(run_export, job_id, job_timeout=6 * 3600, result_ttl=0)


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
    """Worker entry point: rebuild the user's filtered, scoped list and write it to the job."""
    if has_app_context():
        _run(current_app._get_current_object(), job_id)
        return
    from adminapp import create_app

    app = create_app()
    with app.app_context():
        _run(app, job_id)


def _run(app, job_id: int) -> None:
    from flask_login import login_user

    from views.base import write_export_file

    job = db.session.get(ExportJob, job_id)
    if job is None or job.status not in ("queued", "failed"):
        return
    view = find_view(job.endpoint)
    user = db.session.get(User, job.user_id)
    _set(job_id, status="running", rows_done=0)
    path = None
    try:
        with app.test_request_context("/export?" + job.query_string):
            login_user(user)
            if view is None or not view.is_accessible() or not view.can_export:
                raise PermissionError("Bạn không còn quyền xuất danh sách này.")
            count, headers, rows = view.export_plan()
            _set(job_id, rows_total=count)
            path = write_export_file(view, job.export_type, headers,
                                     rows(progress=lambda n: _set(job_id, rows_done=n)))
            filename = view.get_export_name(job.export_type)
        with open(path, "rb") as fh:
            data = fh.read()
        now = utcnow()
        _set(job_id, status="done", rows_done=count or 0, content=data, size=len(data), filename=filename,
             finished_at=now, expires_at=now + timedelta(hours=app.config["EXPORT_TTL_HOURS"]))
    except Exception as exc:  # noqa: BLE001 - the user sees the failure on the job page
        _set(job_id, status="failed", error=str(exc)[:1000], finished_at=utcnow())
        raise
    finally:
        if path:
            try:
                os.unlink(path)
            except OSError:
                pass


def purge_expired(now=None) -> int:
    """Drop the files of expired exports (the job row stays, marked expired)."""
    now = now or utcnow()
    result = db.session.execute(
        update(ExportJob).where(ExportJob.status == "done", ExportJob.expires_at < now)
        .values(status="expired", content=None)
    )
    return result.rowcount or 0
