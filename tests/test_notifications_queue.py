"""E-mail notices through the background queue (issue 14): with REDIS_URL set the action only enqueues the
e-mail (RQ); an RQ worker (SimpleWorker, burst, in this process) sends it through the real SMTP server of
tests/test_notifications.py (aiosmtpd). A failing SMTP server is retried in the job, logged, recorded on the
notice and the job is rescheduled by RQ; the next run sends it. Redis is the one on 127.0.0.1:6379 (see
.ci/run, which installs and starts it when missing); under CI=true an unreachable Redis fails the test.
"""
from __future__ import annotations

import logging
import os
import uuid

import pytest

from adminapp.extensions import db
from tests.campaigns.conftest import make_campaign  # noqa: F401 (fixture)
from tests.conftest import redis_reachable, require
from tests.test_notifications import free_port, notices, smtp  # noqa: F401 (fixtures)

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture()
def mail_queue(ctx):
    """REDIS_URL set for the app, on a queue of this test's own; yields the rq Queue."""
    require(redis_reachable(REDIS_URL), f"Redis is not reachable at {REDIS_URL}")
    from redis import Redis
    from rq import Queue

    name = f"test-mail-{uuid.uuid4().hex[:10]}"
    saved = {k: ctx.config.get(k) for k in ("REDIS_URL", "RQ_QUEUE")}
    ctx.config.update(REDIS_URL=REDIS_URL, RQ_QUEUE=name)
    connection = Redis.from_url(REDIS_URL)
    queue = Queue(name, connection=connection)
    yield queue
    ctx.config.update(saved)
    queue.delete(delete_jobs=True)
    for key in connection.scan_iter(f"rq:*{name}*"):
        connection.delete(key)


def work(queue) -> None:
    from rq import SimpleWorker

    SimpleWorker([queue], connection=queue.connection).work(burst=True, with_scheduler=False)


def test_launch_notice_is_mailed_by_the_worker(smtp, mail_queue, make_campaign):  # noqa: F811
    campaign = make_campaign(units=("01-002",))
    [notice] = notices("hoankiem.officer")
    assert notice.email_status == "pending"  # the action only queued the e-mail
    assert smtp.to("hoankiem.officer@congdoan.vn") == []
    assert mail_queue.count == 1
    work(mail_queue)
    db.session.expire_all()
    [notice] = notices("hoankiem.officer")
    assert notice.email_status == "sent" and notice.email_attempts == 1
    [(subject, body)] = smtp.to("hoankiem.officer@congdoan.vn")
    assert campaign.name in subject and "Kính gửi Đỗ Thị Lan" in body


def test_failed_mail_is_retried_logged_and_sent_later(ctx, smtp, mail_queue, make_campaign, caplog):  # noqa: F811
    from rq.job import Job
    from rq.registry import ScheduledJobRegistry

    caplog.set_level(logging.WARNING, logger="adminapp.notifications")
    make_campaign(units=("01-002",))
    [job_id] = mail_queue.job_ids
    working_port = ctx.config["MAIL_PORT"]
    ctx.config.update(MAIL_PORT=free_port(), MAIL_TIMEOUT=2)  # nothing listens there: SMTP is down
    try:
        work(mail_queue)
    finally:
        ctx.config.update(MAIL_PORT=working_port)
    db.session.expire_all()
    [notice] = notices("hoankiem.officer")
    retries = ctx.config["MAIL_RETRIES"]
    assert notice.email_status == "failed" and notice.email_attempts == retries and notice.email_error
    assert f"e-mail of notice {notice.id}" in caplog.text  # logged
    job = Job.fetch(job_id, connection=mail_queue.connection)
    assert job.get_status() == "scheduled" and job.retries_left == max(1, retries) - 1  # RQ retries it later
    assert smtp.to("hoankiem.officer@congdoan.vn") == []

    # the retry comes due (moved to the queue as RQ's scheduler does) and the SMTP server is back
    registry = ScheduledJobRegistry(queue=mail_queue)
    assert job_id in registry.get_job_ids()
    registry.remove(job)
    mail_queue.enqueue_job(job)
    work(mail_queue)
    db.session.expire_all()
    [notice] = notices("hoankiem.officer")
    assert notice.email_status == "sent" and notice.email_attempts == retries + 1 and notice.email_error is None
    assert len(smtp.to("hoankiem.officer@congdoan.vn")) == 1
