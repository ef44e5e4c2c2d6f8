"""The migrations build the schema from empty and agree with the models."""
import os

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from adminapp.extensions import db, include_object

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_models_and_migrations_agree(ctx):
    # The app fixture built the schema with `flask db upgrade`; autogenerate must find nothing to add.
    with db.engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        diff = compare_metadata(mc, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_single_head_is_applied(ctx):
    cfg = Config()
    cfg.set_main_option("script_location", os.path.join(ROOT, "migrations"))
    heads = list(ScriptDirectory.from_config(cfg).get_heads())
    with db.engine.connect() as conn:
        applied = conn.execute(db.text("SELECT version_num FROM alembic_version")).scalar_one()
    assert heads == [applied]


def test_search_uses_the_trigram_index_on_postgresql(ctx):
    """On PostgreSQL the initiatives search (search_text LIKE '%term%') can read a GIN trigram index
    (migration 0006) instead of the whole table."""
    if ctx.config["BACKEND"] != "postgresql":
        return  # SQLite searches through its FTS5 trigram table (migration 0016, tests/initiatives/test_search_fts.py)
    with db.engine.connect() as conn:
        assert conn.execute(db.text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_initiative_search_trgm' "
                                    "AND schemaname = current_schema()")).scalar() == 1
        conn.execute(db.text("SET LOCAL enable_seqscan = off"))  # an empty table: ask if the index can serve
        plan = "\n".join(conn.execute(db.text(
            "EXPLAIN SELECT id FROM initiative WHERE search_text LIKE :p ESCAPE '\\'"), {"p": "%cai tien%"}).scalars())
    assert "ix_initiative_search_trgm" in plan, plan


def test_search_index_kept_in_sync_after_every_migration(ctx):
    """The search index is fed by triggers (SQLite FTS5, 0016) or is an index of the table (PostgreSQL, 0006):
    a migration that rebuilds the initiative table must set it up again (0021 does, after 0014)."""
    with db.engine.connect() as conn:
        if ctx.config["BACKEND"] == "postgresql":
            names = set(conn.execute(db.text("SELECT indexname FROM pg_indexes WHERE tablename = 'initiative' "
                                             "AND schemaname = current_schema()")).scalars())
            assert "ix_initiative_search_trgm" in names
            return
        triggers = set(conn.execute(db.text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'initiative'")).scalars())
    assert {"initiative_fts_insert", "initiative_fts_delete", "initiative_fts_update"} <= triggers, triggers
