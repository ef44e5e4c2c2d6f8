"""Settings read from the environment, one class per mode.

Every variable is documented in README.md ("Cấu hình").
"""
import os
from pathlib import Path

DEV_SECRET_KEY = "dev-insecure-change-me"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # default set in create_app
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # PostgreSQL: the planner's cost of a random page read, set on each connection the app opens (empty: the
    # server's setting). PostgreSQL's default 4.0 is for spinning disks; on SSD or a database held in memory
    # it makes the planner prefer marking a bitmap of half the table to reading rows in an index's order.
    PG_RANDOM_PAGE_COST = os.environ.get("PG_RANDOM_PAGE_COST", "1.1")
    # PostgreSQL: plan_cache_mode of each connection (empty: the server's, `auto`). The app's statements are
    # prepared once a connection has run them 5 times (adminapp/prepared.py); "force_custom_plan" plans each
    # execution for its values, as an unprepared statement is.
    PG_PLAN_CACHE_MODE = os.environ.get("PG_PLAN_CACHE_MODE", "")
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    DISPLAY_TIMEZONE = "Asia/Ho_Chi_Minh"

    # Session cookie: signed, HttpOnly, SameSite; Secure when served over HTTPS.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = int(os.environ.get("SESSION_LIFETIME_SECONDS", 8 * 3600))

    WTF_CSRF_TIME_LIMIT = None  # token valid for the session's life

    # Flask-Limiter: memory by default (one process); redis://... for several instances.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # No X-RateLimit-* headers: they would tell a guesser its budget, and Retry-After is set by our own
    # login throttle (the pair's real wait), which the limiter's window would overwrite.
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "adminapp")
    # Failed logins from one IP, whatever the account (an office behind one NAT shares it: keep it generous).
    # Per account the throttle is per (account, IP) pair with growing delays, never a lockout (auth/throttle.py).
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "50 per 10 minutes")

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", 20)) * 1024 * 1024 + 64 * 1024
    MAX_UPLOAD_MB = int(os.environ.get("MAX_UPLOAD_MB", 20))

    # Background jobs (exports) on RQ + Redis; unset = lists up to EXPORT_SYNC_MAX_ROWS stream in the request and
    # larger ones run on EXPORT_THREADS threads of the app process (adminapp/jobs.py): no size limit either way.
    REDIS_URL = os.environ.get("REDIS_URL")
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "adminapp")
    EXPORT_SYNC_MAX_ROWS = int(os.environ.get("EXPORT_SYNC_MAX_ROWS", 20_000))
    EXPORT_THREADS = int(os.environ.get("EXPORT_THREADS", 2))
    # the public results page of a programme is rebuilt when its snapshot is older than this (seconds)
    RESULTS_TTL = int(os.environ.get("RESULTS_TTL", 300))
    EXPORT_TTL_HOURS = int(os.environ.get("EXPORT_TTL_HOURS", 24))

    # E-mail of notifications (adminapp/notifications.py, Flask-Mailman). No MAIL_SERVER: in-app only.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")  # also under tests: they read a real SMTP server
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", 10))
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "thidua-khenthuong@localhost")
    MAIL_RETRIES = int(os.environ.get("MAIL_RETRIES", 3))
    APP_BASE_URL = os.environ.get("APP_BASE_URL", "")  # absolute links in e-mails, e.g. https://thidua.congdoan.vn

    ARGON2_TIME_COST = None  # library defaults
    ARGON2_MEMORY_COST = None
    TESTING = False
    DEBUG = False
    ENV_NAME = "production"


class DevelopmentConfig(Config):
    DEBUG = _bool("FLASK_DEBUG", False)
    ENV_NAME = "development"


class ProductionConfig(Config):
    ENV_NAME = "production"


class TestingConfig(Config):
    TESTING = True
    ENV_NAME = "testing"
    SECRET_KEY = "test-secret-key"
    RATELIMIT_STORAGE_URI = "memory://"
    REDIS_URL = None  # tests that need the queue set it themselves
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def config_class(name: str | None = None) -> type[Config]:
    name = name or os.environ.get("APP_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"APP_ENV must be one of {sorted(CONFIGS)}, got {name!r}") from None


def shared_state_warning(env_name: str, storage_uri: str | None, workers: int) -> str | None:
    """The warning when production counts login failures in process memory while several workers serve:
    each worker would count on its own, so the limits would really be N times weaker (issue 16)."""
    if env_name == "production" and (storage_uri or "memory://").startswith("memory://") and workers > 1:
        return (f"RATELIMIT_STORAGE_URI=memory:// with {workers} workers: login throttling is counted per "
                "worker. Set RATELIMIT_STORAGE_URI=redis://… shared by every worker and instance.")
    return None


def default_sqlite_uri(instance_path: str) -> str:
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return "sqlite:///" + str(Path(instance_path) / "adminapp.db")
