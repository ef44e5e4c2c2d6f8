"""SQLite: an fts5vocab table over initiative_fts, the trigram frequencies a search looks up by

A search looks each word up by its rarest trigrams only (adminapp/fts.py): a tracking code's "000" is in
every row. The vocab table is a read-only view of the FTS5 index (no storage, nothing to keep in sync).
PostgreSQL: nothing (its GIN trigram index, migration 0006).

Revision ID: 0024_fts_vocab
Revises: 0023_area_alias
"""
from alembic import op

revision = "0024_fts_vocab"
down_revision = "0023_area_alias"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS initiative_fts_vocab USING fts5vocab(initiative_fts, 'row')")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS initiative_fts_vocab")
