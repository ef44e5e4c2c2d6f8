"""Login sessions that end for real (issue 16).

The session cookie is signed but kept by the browser: on its own, a copy saved before /logout would stay
valid until it expires. Each login therefore gets a row in `user_session` whose random token travels in the
cookie (only its SHA-256 is stored), and every request loads the user through that row (one statement with
the user, the unit and the roles, see adminapp.create_app). A session ends when its row ends:

- logout ends this session; "Đăng xuất khỏi mọi thiết bị" ends all of the user's sessions;
- a password change ends the user's other sessions; a reset by an officer, deactivation and a change of the
  user's roles end all of them.

The table is shared by every app instance behind the load balancer, so an ended session is refused
everywhere at once. Sessions also end `SESSION_LIFETIME_SECONDS` after login. Services flush; the caller
commits.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, update

from adminapp.extensions import db
from models import User, UserSession, utcnow

END_REASONS = {
    "logout": "Đăng xuất",
    "logout_all": "Đăng xuất khỏi mọi thiết bị",
    "password": "Đổi mật khẩu",
    "password_reset": "Đặt lại mật khẩu",
    "deactivated": "Khóa tài khoản",
    "roles": "Thay đổi vai trò",
}
KEEP_ENDED_DAYS = 90  # ended sessions are kept this long (the last login is read from them), then purged


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(user: User, *, ip: str | None = None, user_agent: str | None = None,
          now: datetime | None = None) -> str:
    """A new session of `user`; returns the token for the cookie (never stored in clear)."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=token_hash(token), created_at=now or utcnow(),
                               ip=(ip or "")[:64] or None, user_agent=(user_agent or "")[:255] or None))
    db.session.flush()
    return token


# SQL condition: the session row of a token exists, has not ended and has not expired; its values are
# live_params(...). Bound, so that a statement built with it once serves every request (the user loader).
LIVE = ((UserSession.token_hash == bindparam("live_token")) & UserSession.ended_at.is_(None)
        & (UserSession.created_at > bindparam("live_since")))


def live_params(token: str | None, lifetime_seconds: float, now: datetime | None = None) -> dict:
    return {"live_token": token_hash(token or ""), "live_since": (now or utcnow()) - timedelta(seconds=lifetime_seconds)}


def live_condition(token: str | None, lifetime_seconds: float, now: datetime | None = None):
    """LIVE with the values of `token` (a condition to use in any statement)."""
    return LIVE.params(**live_params(token, lifetime_seconds, now))


def end(token: str | None, reason: str = "logout", now: datetime | None = None) -> int:
    """End the session of `token` (logout). Returns 1 if it was live."""
    if not token:
        return 0
    result = db.session.execute(
        update(UserSession).where(UserSession.token_hash == token_hash(token), UserSession.ended_at.is_(None))
        .values(ended_at=now or utcnow(), end_reason=reason), execution_options={"synchronize_session": False})
    return result.rowcount


def end_all(user_id: int, reason: str, *, keep_token: str | None = None, now: datetime | None = None) -> int:
    """End every live session of the user (but `keep_token`'s, if given). Returns how many ended."""
    stmt = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != token_hash(keep_token))
    result = db.session.execute(stmt.values(ended_at=now or utcnow(), end_reason=reason),
                                execution_options={"synchronize_session": False})
    return result.rowcount


def live_count(user_id: int, lifetime_seconds: int, now: datetime | None = None) -> int:
    since = (now or utcnow()) - timedelta(seconds=lifetime_seconds)
    return db.session.execute(
        db.select(db.func.count()).select_from(UserSession).where(
            UserSession.user_id == user_id, UserSession.ended_at.is_(None), UserSession.created_at > since)
    ).scalar_one()


def purge(user_id: int, now: datetime | None = None) -> None:
    """Drop the user's sessions older than KEEP_ENDED_DAYS, except the newest (the last login)."""
    cutoff = (now or utcnow()) - timedelta(days=KEEP_ENDED_DAYS)
    newest = db.select(db.func.max(UserSession.id)).where(UserSession.user_id == user_id).scalar_subquery()
    db.session.execute(delete(UserSession).where(UserSession.user_id == user_id, UserSession.created_at < cutoff,
                                                 UserSession.id != newest),
                       execution_options={"synchronize_session": False})
