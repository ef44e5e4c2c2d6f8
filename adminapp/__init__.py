"""Application factory."""
from __future__ import annotations

import itertools
import os
import secrets

from flask import Flask, Request, abort, g, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.utils import cached_property

from adminapp import areas, audit, formatting, labels, params, unit_history  # noqa: F401 - mapper events
from adminapp.config import DEV_SECRET_KEY, config_class, default_sqlite_uri, shared_state_warning
from adminapp.extensions import babel, csrf, db, limiter, login_manager, mail, migrate

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _normalise_db_url(url: str) -> str:
    # Plain postgresql:// URLs use psycopg 3, the driver we ship.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class NfcRequest(Request):
    """Form fields and query parameters in NFC (adminapp.text.nfc), for every reader: WTForms, Flask-Admin,
    and views that read request.form directly (reasons, opinions, notes). Passwords are left as typed."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form:
            from adminapp.text import nfc_multidict

            self.__dict__["form"] = nfc_multidict(form, type(form))

    @cached_property
    def args(self):
        from adminapp.text import nfc_multidict

        raw = super().args
        return nfc_multidict(raw, type(raw)) if raw else raw


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or os.path.join(BASE_DIR, "instance"))
    app.request_class = NfcRequest
    app.url_map.converters["int"] = params.IdConverter  # <int:id> beyond an INTEGER column is 404, not 500
    cfg_name = (config or {}).get("APP_ENV") or os.environ.get("APP_ENV")
    app.config.from_object(config_class(cfg_name))
    if config:
        app.config.update(config)

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = default_sqlite_uri(app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["ENV_NAME"] == "production" and app.config["SECRET_KEY"] in (None, "", DEV_SECRET_KEY):
        raise RuntimeError(
            "SECRET_KEY must be set in production (APP_ENV=production): "
            "export SECRET_KEY=<a long random string shared by all app instances>."
        )

    from adminapp import accounts

    accounts.configure_hasher(app.config.get("ARGON2_TIME_COST"), app.config.get("ARGON2_MEMORY_COST"))
    _init_extensions(app)
    hops = int(os.environ.get("PROXY_FIX_HOPS", app.config.get("PROXY_FIX_HOPS", 0)) or 0)
    if hops:
        # Behind trusted reverse proxies: the client's address (rate limits, audit IP) and scheme.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _init_request_hooks(app)
    _init_templates(app)
    warn_shared_state(app)

    from adminapp.auth import bp as auth_bp
    from adminapp.public import bp as public_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(public_bp)

    from adminapp import guide

    app.register_blueprint(guide.bp)
    app.jinja_env.globals["help_url"] = guide.help_url

    from views import init_admin
    init_admin(app)

    from adminapp.cli import register_cli
    register_cli(app)

    @app.route("/")
    def home():
        if current_user.is_authenticated:
            return redirect(url_for("admin.index"))
        return redirect(url_for("auth.login"))

    @app.route("/healthz")
    def healthz():
        db.session.execute(db.text("SELECT 1"))
        return {"status": "ok"}

    return app


PLAN_CACHE_MODES = ("auto", "force_custom_plan", "force_generic_plan")


def _init_planner_settings(app: Flask) -> None:
    """PostgreSQL: PG_RANDOM_PAGE_COST and PG_PLAN_CACHE_MODE on every connection of the app's engine (committed,
    so that the pool's rollback on return keeps them)."""
    settings = []
    cost = str(app.config.get("PG_RANDOM_PAGE_COST") or "").strip()
    if cost:
        settings.append(f"SET random_page_cost = {float(cost)}")  # a number, or the app does not start
    mode = str(app.config.get("PG_PLAN_CACHE_MODE") or "").strip()
    if mode:
        if mode not in PLAN_CACHE_MODES:
            raise ValueError(f"PG_PLAN_CACHE_MODE must be one of {', '.join(PLAN_CACHE_MODES)}")
        settings.append(f"SET plan_cache_mode = {mode}")
    if not settings:
        return
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _set_costs(dbapi_connection, connection_record):  # noqa: ARG001
        with dbapi_connection.cursor() as cursor:
            for statement in settings:
                cursor.execute(statement)
        dbapi_connection.commit()


def _init_extensions(app: Flask) -> None:
    import models  # noqa: F401  (register the tables)

    db.init_app(app)
    _init_planner_settings(app)
    from adminapp import prepared

    with app.app_context():
        prepared.install(db.engine)
    migrate.init_app(app, db, directory=os.path.join(BASE_DIR, "migrations"), compare_type=True)
    csrf.init_app(app)
    mail.init_app(app)
    from adminapp import access, notifications  # its session events send e-mail after commit; the user loader reads it

    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=lambda: "vi",
        timezone_selector=lambda: app.config["DISPLAY_TIMEZONE"],
        default_translation_directories=os.path.join(os.path.dirname(__file__), "translations"),
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        from flask import session
        from sqlalchemy import bindparam
        from sqlalchemy.orm import contains_eager, joinedload

        from adminapp import sessions
        from adminapp.auth import SESSION_TOKEN_KEY
        from adminapp.params import parse_id
        from models import Role, User, UserSession, user_role

        uid = parse_id(user_id)
        token = session.get(SESSION_TOKEN_KEY)
        if uid is None or not token:
            return None
        # One statement per request: the user, the unit and the roles every page reads, through the live
        # session row of the cookie's token (a session ended by logout, a password change or reset,
        # deactivation or a role change finds no row: the request is anonymous, on every instance).
        stmt = app.extensions.get("user_loader_statement")
        if stmt is None:  # built once: constructing it was a third of the loader's time
            # the roles by plain outer joins (contains_eager): joinedload's "LEFT JOIN (user_role JOIN role)"
            # made SQLite materialise the roles of every user on every request
            stmt = app.extensions["user_loader_statement"] = (
                db.select(User, notifications.unread_subquery(User.id), areas.aliases_subquery(User.unit_id),
                          *access.unit_facts_columns(User.unit_id, bindparam("facts_day")))
                .join(UserSession, (UserSession.user_id == User.id) & sessions.LIVE)
                .outerjoin(user_role, user_role.c.user_id == User.id).outerjoin(Role, Role.id == user_role.c.role_id)
                .where(User.id == bindparam("uid")).order_by(Role.id)
                .options(joinedload(User.unit), contains_eager(User.roles)))
        params = sessions.live_params(token, app.permanent_session_lifetime.total_seconds())
        row = db.session.execute(stmt, {"uid": uid, "facts_day": unit_history.today(), **params}
                                 ).unique().one_or_none()
        if row is None or not row[0].is_active:
            return None
        user, unread, aliases, below, owns_programme = row
        user.facts_at_load = (bool(below), bool(owns_programme))  # the offered actions (access._unit_facts)
        user.unread_at_load = unread  # the bell of every page (notifications.bell_count), in the same statement
        user.area_aliases_at_load = areas.parse_aliases(aliases)  # a province's scope (access._initiative_areas)
        return user


def _init_request_hooks(app: Flask) -> None:
    @app.before_request
    def _remember_ip():
        audit.current_ip.set(request.remote_addr)

    @app.before_request
    def _refuse_nul_bytes():
        # PostgreSQL text cannot hold NUL: such a value reached the database and answered 500
        # (login, every form). No legitimate input contains one, so refuse it up front (400).
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
                "application/x-www-form-urlencoded", "multipart/form-data"):
            values = request.form.listvalues()
        else:
            values = iter(())
        for group in itertools.chain(request.args.listvalues(), values):
            if any("\x00" in v for v in group):
                abort(400)

    @app.before_request
    def _apply_due_reorganisations():
        """Reorganisations planned for a date that has come take effect at the first app access of that day
        (also `flask units apply-due` from cron). Checked at most once a minute per process."""
        import time

        from adminapp import reorganisation

        now = time.monotonic()
        if now - app.extensions.get("reorg_checked_at", -1e9) < 60:
            return
        app.extensions["reorg_checked_at"] = now
        try:
            if reorganisation.has_due():
                reorganisation.apply_due()
        except Exception:  # noqa: BLE001 - never break a page; cron runs it again and logs
            db.session.rollback()
            app.logger.exception("applying due reorganisations failed")

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # Scripts only from our origin or inline with this response's nonce (Flask-Admin's
        # csp_nonce_generator); inline event handlers are replaced by static/csp.js. Inline *style*
        # attributes remain (Flask-Admin and select2 set them), hence style-src 'unsafe-inline'.
        nonce = g.get("csp_nonce")
        script_src = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            f"script-src {script_src} 'report-sample'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; "
            "base-uri 'self'",
        )
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if not (request.endpoint or "").endswith("static"):
            # Pages, error pages (they show the user's name) and every download (exports and attachments
            # hold phone numbers): never stored by a browser or proxy. send_file's "no-cache" is replaced.
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
            response.headers.pop("ETag", None)
            response.headers.pop("Last-Modified", None)
        return response

    @app.teardown_request
    def _rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def _csrf_error(e):
        return render_template(
            "error.html", code=400, title="Phiên làm việc đã hết hạn",
            message="Biểu mẫu đã hết hạn hoặc thiếu mã bảo mật (CSRF). Vui lòng tải lại trang và thử lại.",
        ), 400

    messages = {
        400: ("Yêu cầu không hợp lệ", "Dữ liệu gửi lên không hợp lệ. Vui lòng kiểm tra và thử lại."),
        403: ("Không có quyền truy cập", "Bạn không có quyền thực hiện thao tác này."),
        404: ("Không tìm thấy", "Trang hoặc bản ghi bạn yêu cầu không tồn tại hoặc nằm ngoài phạm vi của bạn."),
        405: ("Phương thức không được hỗ trợ", "Thao tác này không được hỗ trợ."),
        413: ("Tệp quá lớn", "Tệp tải lên vượt quá dung lượng cho phép ({} MB).".format(app.config["MAX_UPLOAD_MB"])),
        429: ("Quá nhiều yêu cầu", "Bạn đã thử quá nhiều lần. Vui lòng đợi vài phút rồi thử lại."),
        500: ("Lỗi hệ thống", "Đã xảy ra lỗi. Thao tác chưa được lưu; vui lòng thử lại sau."),
    }

    def _handler(code):
        def handle(e):
            title, message = messages[code]
            if code == 429 and request.endpoint == "auth.login":
                message = "Đăng nhập sai quá nhiều lần. Vui lòng đợi 10 phút rồi thử lại."
            if code == 500:
                db.session.rollback()
            return render_template("error.html", code=code, title=title, message=message), code
        return handle

    for code in messages:
        app.register_error_handler(code, _handler(code))

    from sqlalchemy.exc import DBAPIError

    @app.errorhandler(DBAPIError)
    def _database_unavailable(e):
        # The connection dropped (server restart, failover, killed backend): the transaction was rolled
        # back as a whole; the pool reconnects on the next request (pool_pre_ping).
        db.session.rollback()
        lost = getattr(e, "connection_invalidated", False) or any(
            word in str(e).lower() for word in ("closed", "terminat", "disk i/o", "could not connect"))
        if not lost:
            app.logger.exception("database error")
            title, message = messages[500]
            return render_template("error.html", code=500, title=title, message=message), 500
        return render_template(
            "error.html", code=503, title="Mất kết nối cơ sở dữ liệu",
            message="Kết nối tới cơ sở dữ liệu bị gián đoạn nên thao tác chưa được lưu (không có thay đổi nào). "
                    "Vui lòng thử lại sau ít phút.",
        ), 503


def warn_shared_state(app: Flask) -> bool:
    """Log the warning of config.shared_state_warning at start-up (WEB_CONCURRENCY workers; gunicorn's own
    -w is checked by gunicorn.conf.py). Returns True when it warned."""
    workers = params.parse_int(os.environ.get("WEB_CONCURRENCY"), 1, lo=1)
    message = shared_state_warning(app.config["ENV_NAME"], app.config.get("RATELIMIT_STORAGE_URI"), workers)
    if message:
        app.logger.warning(message)
    return message is not None


def _init_templates(app: Flask) -> None:
    app.jinja_env.filters["vn_date"] = formatting.format_date
    app.jinja_env.filters["vn_datetime"] = formatting.format_datetime
    app.jinja_env.filters["vnd"] = formatting.format_vnd
    app.jinja_env.globals["labels"] = labels
    app.jinja_env.globals["app_name"] = "Thi đua – Khen thưởng"


def csp_nonce() -> str:
    """The nonce of this response's Content-Security-Policy (one per request, made on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def translations_path() -> str:
    """Our catalog for Flask-Admin's `admin` domain (fixes the shipped `vi` mistranslations)."""
    return os.path.join(os.path.dirname(__file__), "translations")
