"""trigram index for the initiatives search on PostgreSQL

Revision ID: 0006_search_trigram
Revises: 0005_id_order_indexes
Create Date: 2026-12-01 14:00:00

The list search is a diacritic-free substring match (search_text LIKE '%term%'), which a b-tree
cannot serve: on PostgreSQL a GIN trigram index (pg_trgm) can, so searching 1,000,000 initiatives
reads the index, not the table. pg_trgm is a trusted extension (PostgreSQL 13+): a database owner
may create it. It is installed once per database in schema public; where it cannot be installed the
migration says so and goes on (the search then scans, as on SQLite). The index is PostgreSQL-only
and not declared on the model: adminapp.extensions.include_object keeps autogenerate from dropping it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_search_trigram'
down_revision = '0005_id_order_indexes'
branch_labels = None
depends_on = None

TRGM_INDEXES = {"ix_initiative_search_trgm": ("initiative", "search_text")}


def _trgm_schema(bind) -> str | None:
    return bind.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'").scalar()


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = _trgm_schema(bind)
    if schema is None:
        try:
            with bind.begin_nested():  # a refusal must not abort the migration's transaction
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        except sa.exc.DBAPIError as exc:  # no privilege, or created concurrently by another schema's run
            print(f"pg_trgm not installed ({exc.orig}); the list search will scan instead of using an index")
        schema = _trgm_schema(bind)
        if schema is None:
            return
    for name, (table, column) in TRGM_INDEXES.items():
        op.execute(f'CREATE INDEX {name} ON {table} USING gin ({column} "{schema}".gin_trgm_ops)')


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for name in TRGM_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
