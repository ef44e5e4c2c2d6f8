"""Login, logout, change own password. Failed logins are throttled per IP and per account."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from adminapp import accounts
from adminapp.extensions import db, limiter
from forms.auth import ChangePasswordForm, LoginForm

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    return "login-account:" + (request.form.get("username") or "").strip().lower()


def _failed(response) -> bool:  # noqa: ARG001
    return bool(g.get("login_failed"))


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key, methods=["POST"],
    deduct_when=_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data, form.password.data)
        if user is not None:
            db.session.commit()
            login_user(user)
            flash(f"Xin chào {user.full_name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
        g.login_failed = True
        flash("Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đã bị khóa.", "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_own_password(current_user, form.current_password.data, form.new_password.data)
        except accounts.AccountError as e:
            db.session.rollback()
            flash(str(e), "error")
            return render_template("auth/password.html", form=form), 400
        db.session.commit()
        flash("Đã đổi mật khẩu.", "success")
        return redirect(url_for("admin.index"))
    return render_template("auth/password.html", form=form), (400 if request.method == "POST" else 200)
