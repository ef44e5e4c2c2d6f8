"""Exports as background jobs on a real queue (RQ on Redis), and the size limit of direct exports."""
from __future__ import annotations

import io
import os
import uuid
from datetime import timedelta

import openpyxl
import pytest

from adminapp.extensions import db
from models import ExportJob, Unit, utcnow
from tests.conftest import redis_reachable, require

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture()
def queued(ctx, monkeypatch):
    """The app with a real queue; returns a function that runs queued jobs in this process (rq SimpleWorker)."""
    import redis
    from rq import Queue, SimpleWorker

    require(redis_reachable(REDIS_URL), f"Redis is not reachable at {REDIS_URL}")
    conn = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    name = "test-" + uuid.uuid4().hex[:8]
    monkeypatch.setitem(ctx.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(ctx.config, "RQ_QUEUE", name)
    queue = Queue(name, connection=conn)

    def work() -> None:
        SimpleWorker([queue], connection=conn).work(burst=True)
        db.session.expire_all()

    yield work
    queue.delete(delete_jobs=True)


def test_export_runs_in_the_background_with_progress_and_a_private_link(queued, login_as):
    c = login_as("hanoi.officer")
    r = c.get("/admin/units/export/xlsx/?search=hoan+kiem")
    assert r.status_code == 302 and "/admin/exports/details/" in r.headers["Location"]
    job = db.session.execute(db.select(ExportJob)).scalar_one()
    assert job.status == "queued" and job.query_string == "search=hoan+kiem"
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "Đang chờ" in page and 'http-equiv="refresh"' in page
    queued()
    job = db.session.get(ExportJob, job.id)
    assert job.status == "done" and job.rows_total == 3 and job.rows_done == 3 and job.expires_at > utcnow()
    page = c.get(f"/admin/exports/details/?id={job.id}").get_data(as_text=True)
    assert "Hoàn thành" in page and "3/3" in page and 'http-equiv="refresh"' not in page
    r = c.get(f"/admin/exports/{job.id}/download")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    codes = {row[0] for row in ws.iter_rows(values_only=True) if row and row[0] and str(row[0]).startswith("01-002")}
    assert codes == {"01-002", "01-002-01", "01-002-02"}  # scoped and filtered as the list was
    # nobody else can see or fetch it, not even a colleague of the same unit
    other = login_as("hanoi.leader")
    assert other.get(f"/admin/exports/{job.id}/download").status_code == 404
    assert other.get(f"/admin/exports/details/?id={job.id}").status_code == 404
    assert f"details/?id={job.id}" not in other.get("/admin/exports/").get_data(as_text=True)
    assert f"details/?id={job.id}" in c.get("/admin/exports/").get_data(as_text=True)


def test_finished_files_expire_and_are_purged(queued, login_as, ctx):
    c = login_as("hoankiem.officer")
    c.get("/admin/units/export/csv/")
    queued()
    job = db.session.execute(db.select(ExportJob)).scalar_one()
    assert c.get(f"/admin/exports/{job.id}/download").status_code == 200
    db.session.execute(db.update(ExportJob).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert c.get(f"/admin/exports/{job.id}/download").status_code == 404
    r = ctx.test_cli_runner().invoke(args=["jobs", "purge"])
    assert "Đã xóa 1 tệp xuất hết hạn." in r.output
    db.session.expire_all()
    job = db.session.get(ExportJob, job.id)
    assert job.status == "expired" and db.session.execute(
        db.select(ExportJob.content).where(ExportJob.id == job.id)).scalar_one() is None


def test_without_redis_a_large_export_runs_on_a_thread_with_progress_and_a_private_link(ctx, login_as, monkeypatch):
    """No limit a user can meet (issue 13): in the embedded default (no REDIS_URL) a list above
    EXPORT_SYNC_MAX_ROWS is not refused but written on a thread of the app, with the same progress page and
    owner-only download as the queue's jobs."""
    from adminapp import jobs

    assert not ctx.config.get("REDIS_URL")
    monkeypatch.setitem(ctx.config, "EXPORT_SYNC_MAX_ROWS", 5)
    c = login_as("hanoi.officer")  # 7 units in scope
    r = c.get("/admin/units/export/xlsx/")
    assert r.status_code == 302 and "/admin/exports/details/" in r.headers["Location"]
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "Danh sách có 7 dòng: tệp đang được chuẩn bị dưới nền" in page
    jobs.wait_for_threads()
    db.session.expire_all()
    job = db.session.execute(db.select(ExportJob)).scalar_one()
    assert job.status == "done" and job.rows_total == 7 and job.rows_done == 7, (job.status, job.error)
    page = c.get(f"/admin/exports/details/?id={job.id}").get_data(as_text=True)
    assert "Hoàn thành" in page and "7/7" in page and 'http-equiv="refresh"' not in page
    r = c.get(f"/admin/exports/{job.id}/download")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    assert sum(1 for row in ws.iter_rows(min_row=5, values_only=True) if row[0]) == 7
    assert login_as("hanoi.leader").get(f"/admin/exports/{job.id}/download").status_code == 404
    r = c.get("/admin/units/export/xlsx/?search=hoan+kiem")  # 3 rows: under the threshold, streamed now
    assert r.status_code == 200 and r.mimetype.endswith("sheet")
    assert db.session.execute(db.select(db.func.count()).select_from(ExportJob)).scalar_one() == 1
    assert db.session.execute(db.select(db.func.count()).select_from(Unit)).scalar_one() > 0


def test_counts_in_messages_are_vietnamese():
    from adminapp import formatting

    assert formatting.format_int(200000) == "200.000" and formatting.format_int(1250000) == "1.250.000"


def test_only_the_requester_downloads_an_export_not_even_the_administrator(queued, login_as):
    """Issue 16 (7): an export file holds the requester's scoped rows (phone numbers): it is theirs alone."""
    c = login_as("hanoi.officer")
    assert c.get("/admin/users/export/xlsx/").status_code == 302
    queued()
    job = db.session.execute(db.select(ExportJob)).scalar_one()
    assert job.status == "done"
    assert c.get(f"/admin/exports/{job.id}/download").status_code == 200
    for other in ("admin", "tld.officer", "hanoi.leader"):
        o = login_as(other)
        assert o.get(f"/admin/exports/{job.id}/download").status_code == 404
        assert o.get(f"/admin/exports/details/?id={job.id}").status_code == 404
        assert f"/admin/exports/{job.id}/download" not in o.get("/admin/exports/").get_data(as_text=True)
