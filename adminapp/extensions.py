"""Extensions, created unbound and bound in create_app via init_app."""
import sqlite3

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
mail = Mail()  # notification e-mail (adminapp/notifications.py), MAIL_* settings


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ARG001
    """Autogenerate's filter: PostgreSQL-only trigram indexes (migration 0006, named *_trgm) and the SQLite
    FTS5 search tables (migration 0016, *_fts and its shadow tables *_fts_*) are not on the models, and must
    not be proposed for dropping."""
    if type_ == "table" and reflected and compare_to is None and ("_fts" in (name or "")):
        return False
    return not (type_ == "index" and reflected and compare_to is None and (name or "").endswith("_trgm"))


migrate = Migrate(include_object=include_object)
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):  # noqa: ARG001
    """SQLite (the embedded default): WAL so readers never block the writer (a background export reports
    progress while its read cursor is open; the threaded server reads while another request writes)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
