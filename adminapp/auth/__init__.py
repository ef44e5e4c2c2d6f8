"""Login, logout (this session or everywhere), change own password.

Failed logins are throttled per (account, IP) pair with growing delays and per IP (auth/throttle.py);
sessions are rows that end for real (adminapp/sessions.py).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from adminapp import accounts
from adminapp.auth import throttle
from adminapp.extensions import db, limiter
from forms.auth import ChangePasswordForm, LoginForm

bp = Blueprint("auth", __name__)
SESSION_TOKEN_KEY = "sid"


def _failed(response) -> bool:  # noqa: ARG001
    return bool(g.get("login_failed"))


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("admin.index")


def _wait_message(seconds: int) -> str:
    return (f"Đăng nhập sai nhiều lần từ máy này. Vui lòng đợi {seconds} giây rồi thử lại "
            "(tài khoản không bị khóa: đăng nhập từ máy khác vẫn được).")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username, ip = form.username.data, request.remote_addr
        wait = throttle.wait_seconds(username, ip)
        if wait:
            flash(_wait_message(wait), "error")
            response = current_app.make_response((render_template("auth/login.html", form=form), 429))
            response.headers["Retry-After"] = str(wait)
            return response
        user = accounts.authenticate(username, form.password.data)
        if user is not None:
            token = accounts.login(user, ip=ip, user_agent=request.user_agent.string)
            db.session.commit()
            throttle.succeeded(username, ip)
            session.clear()  # nothing of an earlier session survives the login (fixation)
            login_user(user)
            session[SESSION_TOKEN_KEY] = token
            flash(f"Xin chào {user.full_name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
        g.login_failed = True
        delay = throttle.failed(username, ip)
        message = "Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đã bị khóa."
        if delay:
            message += f" Lần thử tiếp theo từ máy này cần đợi {delay} giây."
        flash(message, "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


def _end_session(everywhere: bool):
    if current_user.is_authenticated:
        accounts.logout(current_user._get_current_object(), session.get(SESSION_TOKEN_KEY), everywhere=everywhere)
        db.session.commit()
    logout_user()
    session.clear()


@bp.route("/logout", methods=["POST"])
def logout():
    _end_session(everywhere=False)
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/logout/all", methods=["POST"])
@login_required
def logout_everywhere():
    _end_session(everywhere=True)
    flash("Đã đăng xuất tài khoản khỏi mọi thiết bị.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_own_password(current_user, form.current_password.data, form.new_password.data,
                                         keep_token=session.get(SESSION_TOKEN_KEY))
        except accounts.AccountError as e:
            db.session.rollback()
            flash(str(e), "error")
            return render_template("auth/password.html", form=form), 400
        db.session.commit()
        flash("Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản đã kết thúc.", "success")
        return redirect(url_for("admin.index"))
    return render_template("auth/password.html", form=form), (400 if request.method == "POST" else 200)
