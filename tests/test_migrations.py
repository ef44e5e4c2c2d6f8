"""The migrations build the schema from empty and agree with the models."""
import os

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from adminapp.extensions import db

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_models_and_migrations_agree(ctx):
    # The app fixture built the schema with `flask db upgrade`; autogenerate must find nothing to add.
    with db.engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(mc, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_single_head_is_applied(ctx):
    cfg = Config()
    cfg.set_main_option("script_location", os.path.join(ROOT, "migrations"))
    heads = list(ScriptDirectory.from_config(cfg).get_heads())
    with db.engine.connect() as conn:
        applied = conn.execute(db.text("SELECT version_num FROM alembic_version")).scalar_one()
    assert heads == [applied]
