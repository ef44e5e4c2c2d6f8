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
    version = user("hanoi.officer").version
    r = auth.login("hanoi.officer")
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/")
    u = user("hanoi.officer")
    db.session.refresh(u)
    assert u.last_login_at is not None
    assert u.version == version  # bookkeeping never bumps the versioned row
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


def test_failed_logins_slow_down_the_pair_never_lock_out_the_owner(ctx):
    """Issue 16 (9): five wrong passwords used to lock the owner out for 10 minutes from anywhere. Now the
    (account, IP) pair waits 2, 4, 8 … seconds after the third failure; the owner elsewhere is not slowed,
    and the pair's wait ends by itself (the storage's key expiry; the test expires it by hand)."""
    from adminapp.auth import throttle

    def wait_is_over():
        throttle._storage().clear(throttle._keys("hanoi.officer", "10.0.0.66")[1])

    attacker = client_from(ctx, "10.0.0.66")
    for _ in range(throttle.FREE_FAILURES - 1):
        assert Auth(attacker).login("hanoi.officer", "bad").status_code == 401
    r = Auth(attacker).login("hanoi.officer", "bad")
    assert r.status_code == 401 and "cần đợi 2 giây" in r.get_data(as_text=True)
    r = Auth(attacker).login("hanoi.officer")  # even the right password waits, from this IP only
    assert r.status_code == 429 and r.headers["Retry-After"] in ("1", "2")
    assert "không bị khóa" in r.get_data(as_text=True)
    # the owner, at another computer, logs in at once
    assert Auth(client_from(ctx, "10.0.0.7")).login("hanoi.officer").status_code == 302
    wait_is_over()
    r = Auth(attacker).login("hanoi.officer", "bad")  # the 4th failure: 4 seconds
    assert r.status_code == 401 and "cần đợi 4 giây" in r.get_data(as_text=True)
    assert Auth(attacker).login("hanoi.officer").status_code == 429
    assert 3 <= throttle.wait_seconds("hanoi.officer", "10.0.0.66") <= 4
    wait_is_over()
    assert Auth(attacker).login("hanoi.officer").status_code == 302  # the wait is over; success resets
    assert Auth(client_from(ctx, "10.0.0.66")).login("hanoi.officer", "bad").status_code == 401
    assert throttle.wait_seconds("hanoi.officer", "10.0.0.66") == 0  # counting starts again from zero
    assert [throttle.delay_for(n) for n in range(1, 12)] == [0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 300]


def test_failed_logins_are_throttled_per_ip(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "LOGIN_LIMIT_PER_IP", "4 per 10 minutes")
    c = client_from(ctx, "10.1.1.1")
    for name in ["a1", "a2", "a3", "a4"]:
        assert Auth(c).login(name, "bad").status_code == 401
    assert Auth(c).login("hanoi.officer").status_code == 429
    other = client_from(ctx, "10.1.1.2")
    assert Auth(other).login("hanoi.officer").status_code == 302


def test_successful_logins_are_not_counted(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "LOGIN_LIMIT_PER_IP", "2 per 10 minutes")
    for _ in range(4):
        c = ctx.test_client()
        assert Auth(c).login("hanoi.officer").status_code == 302


def test_production_warns_when_workers_count_logins_in_their_own_memory(monkeypatch, tmp_path, caplog):
    import logging
    import runpy
    from pathlib import Path
    from types import SimpleNamespace

    from adminapp import config, create_app

    warned = []
    server = SimpleNamespace(cfg=SimpleNamespace(workers=2), log=SimpleNamespace(warning=warned.append))
    monkeypatch.setattr(config.ProductionConfig, "RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setenv("APP_ENV", "production")
    hooks = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    hooks["when_ready"](server)  # gunicorn -w 2 with the in-memory default
    assert warned and "with 2 workers" in warned[0]
    server.cfg.workers = 1
    hooks["when_ready"](server)
    assert len(warned) == 1
    monkeypatch.setattr(config.ProductionConfig, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379")
    server.cfg.workers = 4
    hooks["when_ready"](server)
    assert len(warned) == 1
    assert config.shared_state_warning("development", "memory://", 4) is None
    # WEB_CONCURRENCY at create_app
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    with caplog.at_level(logging.WARNING):
        create_app({"APP_ENV": "production", "SECRET_KEY": "k" * 40, "RATELIMIT_STORAGE_URI": "memory://",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/w.db", "INSTANCE_PATH": str(tmp_path)})
    assert "with 3 workers" in caplog.text


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


# --------------------------------------------------------------------------- sessions end for real (issue 16)


def _cookie_jar(client):
    return [(c.key, c.value) for c in client._cookies.values()]


def _replay(ctx, jar, path="/admin/initiatives/"):
    c = ctx.test_client()
    for key, value in jar:
        c.set_cookie(key, value)
    return c.get(path)


def test_session_cookie_saved_before_logout_is_dead_after_it(ctx, client, auth):
    auth.login("hanoi.officer")
    saved = _cookie_jar(client)
    assert _replay(ctx, saved).status_code == 200
    assert auth.logout().status_code == 302
    r = _replay(ctx, saved)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_logout_ends_only_this_session_log_out_everywhere_ends_all(ctx, login_as):
    desk, phone = login_as("hanoi.officer"), login_as("hanoi.officer")
    desk_jar = _cookie_jar(desk)
    Auth(desk).logout()
    assert _replay(ctx, desk_jar).status_code == 302
    assert phone.get("/admin/").status_code == 200  # the other device goes on
    laptop = login_as("hanoi.officer")
    r = phone.post("/logout/all", data={"csrf_token": Auth(phone).token("/password")})
    assert r.status_code == 302
    assert laptop.get("/admin/").status_code == 302 and phone.get("/admin/").status_code == 302
    assert db.session.execute(db.select(AuditEvent.action).where(AuditEvent.action == "user.logout_all")).first()


def test_password_change_ends_the_other_sessions_keeps_this_one(ctx, login_as):
    here, elsewhere = login_as("hoankiem.officer"), login_as("hoankiem.officer")
    r = here.post("/password", data={"csrf_token": Auth(here).token("/password"), "current_password": "Demo@2026",
                                     "new_password": "NewPass#2026", "confirm": "NewPass#2026"})
    assert r.status_code == 302
    assert here.get("/admin/").status_code == 200
    assert elsewhere.get("/admin/").status_code == 302


@pytest.mark.parametrize("change", ["reset", "deactivate", "roles"])
def test_reset_deactivation_and_role_change_end_every_session(ctx, login_as, user, change):
    victim = login_as("hanoi.viewer")
    saved = _cookie_jar(victim)
    officer = login_as("hanoi.officer")
    target = user("hanoi.viewer")
    url = f"/admin/users/edit/?id={target.id}"
    data = _edit_form_data(officer.get(url).get_data(as_text=True))
    if change == "reset":
        data["new_password"] = "Reset#2026x"
    elif change == "deactivate":
        data.pop("active", None)
    else:
        from models import Role

        leader = db.session.execute(db.select(Role).where(Role.name == "leader")).scalar_one()
        data["roles"] = [str(leader.id)]
    r = officer.post(url, data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert victim.get("/admin/").status_code == 302
    assert _replay(ctx, saved).status_code == 302
    if change != "deactivate":
        password = "Reset#2026x" if change == "reset" else None
        assert login_as_password(ctx, "hanoi.viewer", password).status_code == 302


def _edit_form_data(html: str) -> dict:
    """What the browser would post from a Flask-Admin edit form as it was loaded (unchecked boxes omitted)."""
    from tests.security.discover import main_form

    data = {}
    for name, f in main_form(html).fields.items():
        if f.type in {"checkbox", "radio"} and not f.value:
            continue
        data[name] = f.value
    return data


def login_as_password(ctx, username, password=None):
    return Auth(ctx.test_client()).login(username, password)


def test_a_login_during_an_admins_edit_is_no_conflict(ctx, login_as, user):
    """Issue 16 (5): a login wrote last_login_at through the versioned row, so the admin's save failed."""
    admin = login_as("admin")
    target = user("hanoi.viewer")
    url = f"/admin/users/edit/?id={target.id}"
    data = _edit_form_data(admin.get(url).get_data(as_text=True))
    login_as("hanoi.viewer")  # the user logs in meanwhile
    data["full_name"] = "Phạm Thu Hà (đã sửa)"
    r = admin.post(url, data=data)
    assert r.status_code == 302
    db.session.expire_all()
    assert user("hanoi.viewer").full_name == "Phạm Thu Hà (đã sửa)"


def test_the_user_loader_is_one_indexed_statement(ctx, login_as):
    """Every request loads the user, the unit, the roles and the bell's count in one statement built once, and
    reads no whole table for it (joinedload's nested "LEFT JOIN (user_role JOIN role)" made SQLite materialise
    the roles of every user on every request)."""
    from tests.conftest import recorded_statements

    client = login_as("hanoi.officer")
    with recorded_statements() as recorded:
        html = client.get("/admin/").get_data(as_text=True)
    assert "hanoi.officer" in html or "Hà Nội" in html
    stmt = ctx.extensions["user_loader_statement"]
    loads = [(s, p) for s, p in recorded if "FROM user_account JOIN user_session" in s]
    assert len(loads) == 1, loads
    if db.engine.dialect.name == "sqlite":
        statement, parameters = loads[0]
        with db.engine.connect() as conn:
            plan = " | ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
        assert "MATERIALIZE" not in plan and "SCAN user_role" not in plan and "SCAN role" not in plan, plan
    assert ctx.extensions["user_loader_statement"] is stmt  # not rebuilt
