"""Accounts: password hashing, authentication, user and role changes.

Passwords are hashed with Argon2id (argon2-cffi); plain text is never stored.
Services change and flush; the caller commits.
"""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import update

from adminapp import access, audit, sessions
from adminapp.extensions import db
from models import Role, Unit, User

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters


def configure_hasher(time_cost: int | None = None, memory_cost: int | None = None) -> None:
    """Tests lower the cost (TestingConfig); production keeps the library defaults."""
    global _hasher
    if time_cost or memory_cost:
        _hasher = PasswordHasher(time_cost=time_cost or 2, memory_cost=memory_cost or 65536, parallelism=1)
    else:
        _hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    """A Vietnamese message for the user, raised on invalid account input."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def validate_password(password: str) -> None:
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    if password.isdigit() or password.isalpha():
        raise AccountError("Mật khẩu phải có cả chữ và số hoặc ký tự đặc biệt.")


def set_password(user: User, password: str) -> None:
    validate_password(password)
    user.password_hash = hash_password(password)


def authenticate(username: str, password: str) -> User | None:
    """The active user with this username and password, or None (the login itself is sessions.start).

    Writes nothing to the versioned user row: a rehash of an old-parameter hash is a Core UPDATE of the
    hash alone, so two logins at once, or a login while an administrator edits the account, never conflict."""
    user = db.session.execute(
        db.select(User).where(User.username == (username or "").strip().lower())
    ).scalar_one_or_none()
    if user is None:
        _hasher.hash(password or "x")  # same cost whether or not the account exists
        return None
    if not check_password(user, password or "") or not user.is_active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        db.session.execute(update(User).where(User.id == user.id, User.password_hash == user.password_hash)
                           .values(password_hash=hash_password(password)),
                           execution_options={"synchronize_session": False})
    return user


def login(user: User, *, ip: str | None = None, user_agent: str | None = None) -> str:
    """Open a session for an authenticated user (audited as user.login); returns the cookie's token."""
    sessions.purge(user.id)
    token = sessions.start(user, ip=ip, user_agent=user_agent)
    audit.record(user, user, "user.login")
    return token


def logout(user: User, token: str | None, *, everywhere: bool = False) -> int:
    """End this session, or all of the user's sessions ("Đăng xuất khỏi mọi thiết bị"). Audited."""
    if everywhere:
        ended = sessions.end_all(user.id, "logout_all")
        audit.record(user, user, "user.logout_all", details={"sessions": ended})
    else:
        ended = sessions.end(token, "logout")
        audit.record(user, user, "user.logout")
    return ended


def change_own_password(user: User, current: str, new: str, *, keep_token: str | None = None) -> None:
    """Change one's own password; every other session of the account ends (this one goes on)."""
    if not check_password(user, current):
        raise AccountError("Mật khẩu hiện tại không đúng.")
    if current == new:
        raise AccountError("Mật khẩu mới phải khác mật khẩu hiện tại.")
    set_password(user, new)
    ended = sessions.end_all(user.id, "password", keep_token=keep_token)
    audit.record(user, user, "user.password_change", details={"sessions_ended": ended})


def end_sessions_after_change(user: User, *, password_reset: bool) -> str | None:
    """After an edit of `user` by a manager (flushed or pending): a password reset, deactivation or a change
    of the user's roles ends all of the user's sessions. Returns the reason, or None if nothing ended."""
    state = sa_inspect(user)
    if password_reset:
        reason = "password_reset"
    elif state.attrs.active.history.has_changes() and not user.active:
        reason = "deactivated"
    elif state.attrs.roles.history.has_changes():
        reason = "roles"
    else:
        return None
    if user.id is not None:
        sessions.end_all(user.id, reason)
    return reason


def create_user(
    *,
    actor: User | None,
    username: str,
    full_name: str,
    unit: Unit,
    password: str,
    roles: list[Role],
    email: str | None = None,
    phone: str | None = None,
) -> User:
    """Create an account. `actor=None` is the command line (trusted operator)."""
    username = (username or "").strip().lower()
    if not username:
        raise AccountError("Tên đăng nhập không được để trống.")
    if db.session.execute(db.select(User.id).where(User.username == username)).first():
        raise AccountError(f"Tên đăng nhập “{username}” đã tồn tại.")
    if actor is not None:
        access.require(actor, "user.manage", unit)
        for role in roles:
            if not access.can_assign_role(actor, role):
                raise access.PermissionDenied(f"Bạn không thể gán vai trò “{role.title}”.")
    user = User(username=username, full_name=full_name, unit=unit, email=email, phone=phone, roles=list(roles))
    set_password(user, password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, user, "user.create", details={"unit": unit.code, "roles": [r.name for r in roles]})
    return user


def ensure_shipped_roles() -> dict[str, Role]:
    """Create the shipped roles if missing (idempotent; existing roles are left as edited)."""
    roles = {}
    for spec in access.SHIPPED_ROLES:
        role = db.session.execute(db.select(Role).where(Role.name == spec["name"])).scalar_one_or_none()
        if role is None:
            role = Role(is_system=True, **spec)
            db.session.add(role)
        roles[spec["name"]] = role
    db.session.flush()
    return roles
