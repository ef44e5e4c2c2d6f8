"""Notifications: a notice to the people of a unit when something of theirs moves, in the app (the bell) and
by e-mail (Flask-Mailman) unless the person switched e-mail off.

The workflow services call the `on_*` functions inside their own transaction: the notices are rows of
that transaction, so a rolled-back action notifies nobody. E-mail leaves only after the commit
(`after_commit` of the session): as an RQ job when REDIS_URL is set (retried by RQ), else in this process
right after the commit, on its own connection. A failure is retried (MAIL_RETRIES), logged and recorded on
the notice (email_status "failed"); it never blocks or undoes the action. `flask notifications retry` sends
what is still pending or failed; `flask notifications deadlines` sends the reminders of deadlines in 3 days.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

from flask import current_app, has_app_context, url_for
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from adminapp import clock, formatting, labels
from adminapp.extensions import db
from models import Notification, User, utcnow

log = logging.getLogger(__name__)
PENDING_KEY = "notifications_to_mail"
DEADLINE_DAYS = 3

KINDS = {
    "campaign.launched": "Phong trào được phát động tới đơn vị",
    "registration.sent": "Danh sách đăng ký gửi tới đơn vị",
    "registration.approve": "Danh sách đăng ký được duyệt",
    "registration.reject": "Danh sách đăng ký bị từ chối",
    "registration.revoke": "Danh sách đăng ký bị hủy phê duyệt",
    "initiative.nominate": "Sáng kiến được đề xuất lên đơn vị",
    "initiative.reject": "Sáng kiến không đạt",
    "initiative.honour": "Sáng kiến được biểu dương",
    "deadline": "Sắp đến hạn",
}


# --------------------------------------------------------------------------- creating notices


def mail_configured() -> bool:
    return has_app_context() and bool(current_app.config.get("MAIL_SERVER"))


def unit_people(unit_id: int | None) -> list[User]:
    if unit_id is None:
        return []
    return list(db.session.execute(
        select(User).where(User.unit_id == unit_id, User.active.is_(True)).order_by(User.id)).scalars())


def notify(users, kind: str, title: str, body: str = "", url: str | None = None,
           dedupe_key: str | None = None, exclude: User | None = None) -> list[Notification]:
    """One notice per person (the actor excluded); e-mail pending for those who have an address and want it."""
    made = []
    mail = mail_configured()
    for user in users:
        if exclude is not None and user.id == exclude.id:
            continue
        if dedupe_key and db.session.execute(select(Notification.id).where(
                Notification.user_id == user.id, Notification.dedupe_key == dedupe_key)).first():
            continue
        wants_mail = mail and bool(user.email) and bool(user.email_notifications)
        n = Notification(user_id=user.id, kind=kind, title=title[:300], body=body or "", url=url,
                         dedupe_key=dedupe_key, created_at=utcnow(),
                         email_status="pending" if wants_mail else "none", email_attempts=0)
        db.session.add(n)
        made.append(n)
    if made:
        db.session.flush()
    return made


def notify_units_many(items, exclude: User | None = None) -> list[Notification]:
    """notify_unit for many (kind, unit id, title, body, url) at once: the people of all the units in one
    query, the notices in one INSERT (a bulk approval of 500 lists stays a few statements). Returns the ids."""
    unit_ids = sorted({item[1] for item in items if item[1] is not None})
    people: dict[int, list[User]] = {}
    for i in range(0, len(unit_ids), 5000):
        for user in db.session.execute(select(User).where(User.unit_id.in_(unit_ids[i:i + 5000]),
                                                          User.active.is_(True)).order_by(User.id)).scalars():
            people.setdefault(user.unit_id, []).append(user)
    mail = mail_configured()
    now = utcnow()
    rows = [{"user_id": user.id, "kind": kind, "title": title[:300], "body": body or "", "url": url,
             "dedupe_key": None, "created_at": now, "email_attempts": 0,
             "email_status": "pending" if mail and user.email and user.email_notifications else "none"}
            for kind, unit_id, title, body, url in items for user in people.get(unit_id, [])
            if exclude is None or user.id != exclude.id]
    if not rows:
        return []
    made = db.session.execute(insert(Notification).returning(Notification.id, Notification.email_status),
                              rows).all()  # one multi-row INSERT
    pending = [nid for nid, status in made if status == "pending"]
    if pending:  # e-mailed after the commit, like the notices flushed one by one (_collect)
        db.session.info.setdefault(PENDING_KEY, []).extend(pending)
    return [nid for nid, _ in made]


def notify_unit(unit_id: int | None, kind: str, title: str, body: str = "", url: str | None = None,
                dedupe_key: str | None = None, exclude: User | None = None) -> list[Notification]:
    return notify(unit_people(unit_id), kind, title, body, url, dedupe_key, exclude)


def _url(endpoint: str, **values) -> str | None:
    try:
        return url_for(endpoint, **values)
    except RuntimeError:  # outside a request (CLI) without SERVER_NAME
        return None


# --------------------------------------------------------------------------- workflow events


def on_campaign_launched(actor: User | None, campaign) -> None:
    url = _url("campaign.detail", campaign_id=campaign.id)
    deadline = (f" Hạn đăng ký: {formatting.format_date(campaign.registration_deadline)}."
                if campaign.registration_deadline else "")
    for cu in campaign.units:
        notify_unit(cu.unit_id, "campaign.launched", f"Phong trào mới: {campaign.name}",
                    f"{campaign.owner_unit.name} đã phát động phong trào “{campaign.name}” tới đơn vị của bạn "
                    f"với vai trò {cu.role.name}.{deadline}", url, exclude=actor)


def _registration_notice(reg, action: str, reason: str | None):
    """(kind, unit id, title, body, url) of the notice a registration's move sends, or None."""
    campaign = reg.campaign
    url = _url("campaign.registration", registration_id=reg.id)
    if action == "send":
        return ("registration.sent", campaign.owner_unit_id, f"Danh sách đăng ký mới: {reg.unit.name}",
                f"{reg.unit.name} đã gửi danh sách đăng ký phong trào “{campaign.name}”, chờ duyệt.", url)
    verb = {"approve": "đã được duyệt", "reject": "bị từ chối", "revoke": "bị hủy phê duyệt"}.get(action)
    if verb is None:
        return None
    body = f"Danh sách đăng ký phong trào “{campaign.name}” của {reg.unit.name} {verb}."
    if reason:
        body += f" Lý do: {reason}"
    if action == "revoke":
        body += " Đơn vị sửa danh sách rồi bấm “Gửi lại”."
    elif action == "reject":
        body += " Đơn vị sửa danh sách rồi gửi lại."
    return (f"registration.{action}", reg.unit_id, f"Danh sách đăng ký {verb}: {campaign.name}", body, url)


def on_registration_moved(actor: User | None, reg, action: str, reason: str | None) -> None:
    on_registrations_moved(actor, [reg], action, reason)  # one list: the same path as many


def on_registrations_moved(actor: User | None, regs, action: str, reason: str | None) -> None:
    notify_units_many([n for n in (_registration_notice(reg, action, reason) for reg in regs) if n], exclude=actor)


def on_initiative_moved(actor: User | None, initiative, action: str, reason: str | None = None) -> None:
    url = _url("initiatives.details_view", id=initiative.id)
    title = initiative.title
    if action == "nominate":
        notify_unit(initiative.holder_unit_id, "initiative.nominate", f"Sáng kiến được đề xuất: {title}",
                    f"{actor.unit.name if actor else 'Đơn vị cấp dưới'} đề xuất sáng kiến “{title}” "
                    f"(mã {initiative.tracking_code}) lên đơn vị của bạn để xét chọn.", url, exclude=actor)
    elif action == "reject":
        # the unit that sent it up (or the author's unit) learns it did not pass, with the reason
        target = initiative.nominated_by_unit_id or initiative.unit_id
        notify_unit(target, "initiative.reject", f"Sáng kiến không đạt: {title}",
                    f"Sáng kiến “{title}” (mã {initiative.tracking_code}) không đạt."
                    + (f" Lý do: {reason}" if reason else ""), url, exclude=actor)
    elif action == "honour":
        for unit_id in dict.fromkeys([initiative.unit_id, initiative.level1_unit_id]):
            notify_unit(unit_id, "initiative.honour", f"Sáng kiến được biểu dương: {title}",
                        f"Sáng kiến “{title}” của {initiative.author_name} (mã {initiative.tracking_code}) "
                        "đã được biểu dương.", url, exclude=actor)


def deadline_reminders(today: date | None = None) -> int:
    """Notices for the registration and dossier deadlines of launched campaigns that fall in DEADLINE_DAYS
    days, to the units that have not sent their list yet. Idempotent (one per unit, campaign and deadline)."""
    from models import Campaign, Registration

    today = today or clock.today_vn()
    day = today + timedelta(days=DEADLINE_DAYS)
    made = 0
    campaigns = db.session.execute(select(Campaign).where(
        Campaign.status == "launched",
        (Campaign.registration_deadline == day) | (Campaign.dossier_deadline == day))).scalars()
    for campaign in campaigns:
        which = "registration" if campaign.registration_deadline == day else "dossier"
        what = "Hạn đăng ký" if which == "registration" else "Hạn nộp hồ sơ"
        regs = db.session.execute(select(Registration).where(
            Registration.campaign_id == campaign.id,
            Registration.status.in_(("not_sent", "rejected")) if which == "registration"
            else Registration.status != "approved")).scalars()
        for reg in regs:
            made += len(notify_unit(
                reg.unit_id, "deadline", f"{what} còn {DEADLINE_DAYS} ngày: {campaign.name}",
                f"{what} của phong trào “{campaign.name}” là {formatting.format_date(day)}. Danh sách của "
                f"{reg.unit.name} đang ở trạng thái “{labels.REGISTRATION_STATUSES.get(reg.status, reg.status)}”.",
                _url("campaign.registration", registration_id=reg.id),
                dedupe_key=f"deadline:{which}:{campaign.id}:{day.isoformat()}:{reg.unit_id}"))
    return made


# --------------------------------------------------------------------------- reading


def unread_count(user: User) -> int:
    return db.session.execute(select(unread_subquery(user.id))).scalar_one()


def unread_subquery(user_id):
    """The number of unread notices of `user_id` (a value or a column: the user loader reads it with the user)."""
    return (select(db.func.count()).select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery())


def bell_count(user: User) -> int:
    """The bell of the page: the count read with the user at the start of the request (no statement of its
    own), or read now once notices were marked read in this request."""
    loaded = getattr(user, "unread_at_load", None)
    return loaded if loaded is not None else unread_count(user)


def mark_read(user: User, ids: list[int] | None = None) -> int:
    """Mark the user's own notices read (all of them without ids); others' ids change nothing."""
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    user = getattr(user, "_get_current_object", lambda: user)()
    user.unread_at_load = None  # the bell reads the count again
    return db.session.execute(stmt.values(read_at=utcnow())).rowcount or 0


# --------------------------------------------------------------------------- e-mail after commit


@event.listens_for(Session, "after_flush")
def _collect(session, flush_context):  # noqa: ARG001
    ids = [o.id for o in session.new if isinstance(o, Notification) and o.email_status == "pending"]
    if ids:
        session.info.setdefault(PENDING_KEY, []).extend(ids)


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    ids = session.info.pop(PENDING_KEY, None)
    if ids and has_app_context():
        dispatch(ids)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop(PENDING_KEY, None)


def dispatch(ids: list[int]) -> None:
    """Queue the e-mails (RQ) or send them now; never raises."""
    try:
        if current_app.config.get("REDIS_URL"):
            from rq import Retry

            from adminapp import jobs

            retries = max(1, current_app.config.get("MAIL_RETRIES", 3))
            jobs.queue().enqueue(send_emails, list(ids), retry=Retry(max=retries, interval=[30, 120, 600]),
                                 result_ttl=0)
            return
    except Exception:  # noqa: BLE001 - the queue is down: send from here instead
        log.exception("notifications: could not queue e-mails %s, sending in process", ids)
    try:
        send_emails(list(ids), raise_errors=False)
    except Exception:  # noqa: BLE001 - never block the action that was committed
        log.exception("notifications: e-mail of %s failed", ids)


def _connection():
    """An SMTP connection from the settings as they are now (Flask-Mailman reads them once, at start-up)."""
    from adminapp.extensions import mail

    cfg = current_app.config
    return mail.get_connection(backend=cfg.get("MAIL_BACKEND") or "smtp", host=cfg["MAIL_SERVER"],
                               port=cfg.get("MAIL_PORT", 25), username=cfg.get("MAIL_USERNAME"),
                               password=cfg.get("MAIL_PASSWORD"), use_tls=cfg.get("MAIL_USE_TLS", False),
                               use_ssl=cfg.get("MAIL_USE_SSL", False), timeout=cfg.get("MAIL_TIMEOUT"))


def _message(n: Notification, user: User, connection=None):
    from flask_mailman import EmailMessage

    base = (current_app.config.get("APP_BASE_URL") or "").rstrip("/")
    link = f"\n\nXem chi tiết: {base}{n.url}" if n.url and base else (f"\n\nĐường dẫn: {n.url}" if n.url else "")
    body = (f"Kính gửi {user.full_name},\n\n{n.body}{link}\n\n"
            "—\nThư gửi tự động từ hệ thống Thi đua – Khen thưởng. Có thể tắt nhận thư ở trang Thông báo.")
    return EmailMessage(subject=f"[Thi đua – Khen thưởng] {n.title}", body=body,
                        from_email=current_app.config.get("MAIL_DEFAULT_SENDER"), to=[user.email],
                        connection=connection)


def send_emails(ids: list[int], raise_errors: bool = True) -> int:
    """Send the pending e-mails of these notices (worker or in process), on a session of its own. A failure
    is retried MAIL_RETRIES times here, then recorded ("failed") and logged; under RQ it is raised so that
    RQ retries later."""
    if not has_app_context():
        from adminapp import create_app

        with create_app().app_context():
            return send_emails(ids, raise_errors)
    retries = max(1, current_app.config.get("MAIL_RETRIES", 3))
    sent, failed = 0, []
    with Session(db.engine) as session:
        rows = session.execute(select(Notification, User).join(User, User.id == Notification.user_id).where(
            Notification.id.in_(ids), Notification.email_status.in_(("pending", "failed")))).all()
        for n, user in rows:
            if not user.email or not user.email_notifications:
                n.email_status = "none"
                continue
            error = None
            for _ in range(retries):
                n.email_attempts += 1
                try:
                    _message(n, user, _connection()).send()
                    error = None
                    break
                except Exception as exc:  # noqa: BLE001 - SMTP down, refused, timeout…
                    error = f"{type(exc).__name__}: {exc}"[:1000]
            if error is None:
                n.email_status, n.email_error = "sent", None
                sent += 1
            else:
                n.email_status, n.email_error = "failed", error
                failed.append(n.id)
                log.warning("notifications: e-mail of notice %s to %s failed: %s", n.id, user.email, error)
        session.commit()
    if failed and raise_errors:
        raise RuntimeError(f"e-mail failed for notices {failed}")
    return sent


def retry_failed() -> int:
    ids = list(db.session.execute(select(Notification.id).where(
        Notification.email_status.in_(("pending", "failed")))).scalars())
    return send_emails(ids, raise_errors=False) if ids else 0
