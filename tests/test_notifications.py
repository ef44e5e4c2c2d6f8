"""Notifications: in the app (bell, list, mark as read) and by e-mail through a real SMTP server (aiosmtpd),
for every workflow event; e-mail switched off per person; a failing SMTP server never blocks the action."""
from __future__ import annotations

import email
import socket
from datetime import timedelta
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from adminapp.extensions import db
from models import Notification
from tests.campaigns.conftest import fill, make_campaign, registration_of  # noqa: F401 (fixtures)
from tests.campaigns.test_campaign_pages import page, post
from tests.conftest import csrf_from, recorded_statements
from tests.initiatives.conftest import act, allot, make_programme, programme, submit  # noqa: F401 (fixtures)


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        msg = email.message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((envelope.rcpt_tos, msg["Subject"], msg.get_content()))
        return "250 OK"

    def to(self, address):
        return [(s, b) for rcpt, s, b in self.messages if address in rcpt]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def smtp(ctx, user):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = {k: ctx.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT")}
    ctx.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    for name in ("hanoi.officer", "hoankiem.officer", "cdcs.officer", "hanoi.leader"):
        user(name).email = f"{name}@congdoan.vn"
    db.session.commit()
    yield inbox
    ctx.config.update(saved)
    controller.stop()


def notices(username):
    from models import User

    uid = db.session.execute(db.select(User.id).where(User.username == username)).scalar_one()
    return list(db.session.execute(db.select(Notification).where(Notification.user_id == uid)
                                   .order_by(Notification.id)).scalars())


def test_registration_workflow_notifies_in_app_and_by_mail(smtp, login_as, unit, make_campaign,  # noqa: F811
                                                          registration_of, fill):  # noqa: F811
    campaign = make_campaign(units=("01-002",))
    [launched] = notices("hoankiem.officer")
    assert launched.kind == "campaign.launched" and campaign.name in launched.title
    assert launched.email_status == "sent"
    [(subject, body)] = smtp.to("hoankiem.officer@congdoan.vn")
    assert campaign.name in subject and "Kính gửi Đỗ Thị Lan" in body and "với vai trò" in body
    assert notices("hanoi.officer") == []  # the actor is not told of their own action

    reg = registration_of(campaign, "01-002")
    fill(reg)
    district, province = login_as("hoankiem.officer"), login_as("hanoi.officer")
    reg_url = f"/admin/campaign/registration/{reg.id}"
    post(district, f"{reg_url}/action", {"action": "send"}, form_url=reg_url, status=200)
    assert [n.kind for n in notices("hanoi.officer")] == ["registration.sent"]
    assert any("Liên đoàn Lao động quận Hoàn Kiếm" in s for s, _ in smtp.to("hanoi.officer@congdoan.vn"))

    post(province, f"{reg_url}/action", {"action": "reject", "reason": "Thiếu chức vụ của thành viên"},
         form_url=reg_url, status=200)
    rejected = notices("hoankiem.officer")[-1]
    assert rejected.kind == "registration.reject" and "Lý do: Thiếu chức vụ của thành viên" in rejected.body
    assert "Lý do: Thiếu chức vụ của thành viên" in smtp.to("hoankiem.officer@congdoan.vn")[-1][1]

    post(district, f"{reg_url}/action", {"action": "send"}, form_url=reg_url, status=200)
    post(province, f"{reg_url}/action", {"action": "approve"}, form_url=reg_url, status=200)
    assert notices("hoankiem.officer")[-1].kind == "registration.approve"
    review = f"/admin/campaign/{campaign.id}/registrations"
    post(province, f"{review}/action", {"action": "revoke", "rowid": [str(reg.id)], "reason": "Sai số lượng"},
         form_url=review, status=200)
    revoked = notices("hoankiem.officer")[-1]
    assert revoked.kind == "registration.revoke" and "Lý do: Sai số lượng" in revoked.body
    assert "Gửi lại" in smtp.to("hoankiem.officer@congdoan.vn")[-1][1]

    # the bell counts unread notices; the list shows them; marking read clears the count
    with recorded_statements() as recorded:
        home = page(district, "/admin/")
    unread = len([n for n in notices("hoankiem.officer") if n.read_at is None])
    assert f'id="notification-count">{unread}<' in home
    # read with the user in the loader's statement, not by a statement of its own
    counts = [s for s, _ in recorded if "FROM notification" in s]
    assert len(counts) == 1 and "user_account" in counts[0], counts
    html = page(district, "/admin/notifications/")
    assert "Lý do: Sai số lượng" in html and "Mới" in html
    r = district.post("/admin/notifications/read", data={"all": "1", "csrf_token": csrf_from(html)})
    assert r.status_code == 302
    assert 'id="notification-count"' not in page(district, "/admin/")
    # nobody marks another person's notices
    other = notices("hanoi.officer")[0]
    html = page(district, "/admin/notifications/")
    district.post("/admin/notifications/read", data={"id": str(other.id), "csrf_token": csrf_from(html)})
    db.session.expire_all()
    assert db.session.get(Notification, other.id).read_at is None
    assert "Danh sách đăng ký mới" not in page(district, "/admin/notifications/")


def test_email_switched_off_keeps_the_in_app_notice(smtp, login_as, make_campaign):  # noqa: F811
    district = login_as("hoankiem.officer")
    html = page(district, "/admin/notifications/")
    r = district.post("/admin/notifications/email", data={"email_notifications": "0", "csrf_token": csrf_from(html)})
    assert r.status_code == 302
    make_campaign(units=("01-002",))
    [n] = notices("hoankiem.officer")
    assert n.email_status == "none" and smtp.to("hoankiem.officer@congdoan.vn") == []
    assert '<option value="0" selected>' in page(district, "/admin/notifications/")


def test_smtp_failure_never_blocks_the_action(ctx, user, make_campaign, caplog):  # noqa: F811
    user("hoankiem.officer").email = "hoankiem.officer@congdoan.vn"
    db.session.commit()
    saved = {k: ctx.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")}
    ctx.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)  # nothing listens
    try:
        campaign = make_campaign(units=("01-002",))
    finally:
        ctx.config.update(saved)
    assert campaign.status == "launched"
    [n] = notices("hoankiem.officer")
    assert n.email_status == "failed" and n.email_attempts == ctx.config["MAIL_RETRIES"] and n.email_error
    assert "e-mail of notice" in caplog.text


def test_deadline_reminder_in_three_days_once(smtp, ctx, make_campaign):  # noqa: F811
    from adminapp import clock

    today = clock.today_vn()
    campaign = make_campaign(units=("01-002", "01-001"), start_date=today - timedelta(days=30),
                             end_date=today + timedelta(days=200), registration_deadline=today + timedelta(days=3),
                             dossier_deadline=today + timedelta(days=100))
    runner = ctx.test_cli_runner()
    r = runner.invoke(args=["notifications", "deadlines"])
    assert r.exit_code == 0, r.output
    runner.invoke(args=["notifications", "deadlines"])  # run twice the same day: no repeat
    db.session.expire_all()
    reminders = [n for n in notices("hoankiem.officer") if n.kind == "deadline"]
    assert len(reminders) == 1 and campaign.name in reminders[0].title and "còn 3 ngày" in reminders[0].title
    assert any("còn 3 ngày" in s for s, _ in smtp.to("hoankiem.officer@congdoan.vn"))


def test_initiative_events(smtp, unit, submit, allot, act):  # noqa: F811
    allot("hanoi.officer", {"01-002": 2})
    allot("hoankiem.officer", {"01-002-01": 2})
    ini = submit()
    act("cdcs.officer", ini, "appraise", score=85)
    act("cdcs.officer", ini, "nominate")
    [nominated] = [n for n in notices("hoankiem.officer") if n.kind == "initiative.nominate"]
    assert ini.title in nominated.title and ini.tracking_code in nominated.body
    assert any(ini.title in s for s, _ in smtp.to("hoankiem.officer@congdoan.vn"))
    act("hoankiem.officer", ini, "reject", reason="Chưa chứng minh được hiệu quả")
    [rejected] = [n for n in notices("cdcs.officer") if n.kind == "initiative.reject"]
    assert "Lý do: Chưa chứng minh được hiệu quả" in rejected.body

    other = submit()
    act("cdcs.officer", other, "appraise", score=90)
    act("cdcs.officer", other, "nominate")
    act("hoankiem.officer", other, "select", score=90)
    act("hoankiem.officer", other, "nominate")
    act("hanoi.officer", other, "select")
    act("hanoi.officer", other, "nominate")
    act("tld.officer", other, "honour")
    assert any(n.kind == "initiative.honour" for n in notices("cdcs.officer"))
    assert any(n.kind == "initiative.honour" for n in notices("hanoi.officer"))
