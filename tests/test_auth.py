"""Login, logout, password change, throttling, CSRF and password storage."""
import pytest

from adminapp import accounts
from adminapp.extensions import db
from models import AuditEvent, User
from tests.conftest import Auth, csrf_from


def client_from(app, ip: str):
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = ip
    return c


def test_login_success_records_last_login_and_audit(client, auth, user):
    r = auth.login("hanoi.officer")
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/")
    u = user("hanoi.officer")
    db.session.refresh(u)
    assert u.last_login_at is not None
    assert db.session.execute(
        db.select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action == "user.login")
    ).scalar_one() == 1


def test_wrong_password_is_refused_in_vietnamese(client, auth):
    r = auth.login("hanoi.officer", "wrong-password")
    assert r.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in r.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_inactive_user_cannot_log_in(client, auth, user):
    u = user("hanoi.viewer")
    u.active = False
    db.session.commit()
    assert auth.login("hanoi.viewer").status_code == 401


def test_deactivated_user_loses_running_session(ctx, login_as, user):
    c = login_as("hanoi.viewer")
    assert c.get("/admin/").status_code == 200
    u = user("hanoi.viewer")
    u.active = False
    db.session.commit()
    assert c.get("/admin/").status_code == 302


def test_passwords_are_hashed_never_plain(ctx):
    rows = db.session.execute(db.select(User.password_hash)).scalars().all()
    assert rows and all(h.startswith("$argon2id$") for h in rows)
    assert all("Demo@2026" not in h for h in rows)


def test_logout_requires_post_with_csrf(client, auth):
    auth.login("hanoi.officer")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no token
    assert client.get("/admin/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/admin/").status_code == 302


def test_change_own_password(client, auth, user):
    auth.login("hoankiem.officer")
    token = auth.token("/password")
    r = client.post("/password", data={"csrf_token": token, "current_password": "wrong",
                                       "new_password": "NewPass#2026", "confirm": "NewPass#2026"})
    assert r.status_code == 400 and "Mật khẩu hiện tại không đúng" in r.get_data(as_text=True)
    r = client.post("/password", data={"csrf_token": token, "current_password": "Demo@2026",
                                       "new_password": "NewPass#2026", "confirm": "Different#1"})
    assert r.status_code == 400 and "không khớp" in r.get_data(as_text=True)
    r = client.post("/password", data={"csrf_token": token, "current_password": "Demo@2026",
                                       "new_password": "NewPass#2026", "confirm": "NewPass#2026"})
    assert r.status_code == 302
    auth.logout()
    assert auth.login("hoankiem.officer").status_code == 401
    assert auth.login("hoankiem.officer", "NewPass#2026").status_code == 302


def test_failed_logins_are_throttled_per_account(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "LOGIN_LIMIT_PER_ACCOUNT", "3 per 10 minutes")
    for i in range(3):
        c = client_from(ctx, f"10.0.0.{i + 1}")
        assert Auth(c).login("hanoi.officer", "bad").status_code == 401
    c = client_from(ctx, "10.0.0.9")
    r = Auth(c).login("hanoi.officer")  # even the right password, from another IP
    assert r.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in r.get_data(as_text=True)
    # other accounts are not affected
    assert Auth(c).login("hoankiem.officer").status_code == 302


def test_failed_logins_are_throttled_per_ip(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "LOGIN_LIMIT_PER_IP", "4 per 10 minutes")
    c = client_from(ctx, "10.1.1.1")
    for name in ["a1", "a2", "a3", "a4"]:
        assert Auth(c).login(name, "bad").status_code == 401
    assert Auth(c).login("hanoi.officer").status_code == 429
    other = client_from(ctx, "10.1.1.2")
    assert Auth(other).login("hanoi.officer").status_code == 302


def test_successful_logins_are_not_counted(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "LOGIN_LIMIT_PER_ACCOUNT", "2 per 10 minutes")
    for _ in range(4):
        c = ctx.test_client()
        assert Auth(c).login("hanoi.officer").status_code == 302


def test_login_without_csrf_token_is_refused(client):
    r = client.post("/login", data={"username": "hanoi.officer", "password": "Demo@2026"})
    assert r.status_code == 400
    assert "CSRF" in r.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_login_with_forged_csrf_token_is_refused(client):
    client.get("/login")
    r = client.post("/login", data={"username": "hanoi.officer", "password": "Demo@2026", "csrf_token": "forged"})
    assert r.status_code == 400


def test_open_redirect_after_login_is_ignored(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    r = client.post("/login?next=https://evil.example/x",
                    data={"username": "hanoi.officer", "password": "Demo@2026", "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/admin/"


def test_session_cookie_flags(client, auth):
    r = auth.login("hanoi.officer")
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_default_secret_key(monkeypatch):
    from adminapp import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"APP_ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "SECRET_KEY": "dev-insecure-change-me"})
    app = create_app({"APP_ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 40})
    assert app.config["ENV_NAME"] == "production"


def test_weak_passwords_are_refused(ctx):
    for bad in ["short1", "abcdefghij", "1234567890"]:
        with pytest.raises(accounts.AccountError):
            accounts.validate_password(bad)


def test_proxy_fix_uses_the_forwarded_client_address_only_when_configured(tmp_path):
    from adminapp import create_app

    for hops, expected in ((0, "127.0.0.1"), (1, "203.0.113.7")):
        app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p{hops}.db",
                          "PROXY_FIX_HOPS": hops, "INSTANCE_PATH": str(tmp_path)})
        seen = {}

        @app.route("/_ip")
        def _ip(seen=seen):
            from flask import request

            seen["ip"] = request.remote_addr
            return "ok"

        app.test_client().get("/_ip", headers={"X-Forwarded-For": "203.0.113.7"})
        assert seen["ip"] == expected
