"""Merge the parallel branches: export documents (issue 13), notifications (issue 14), sort indexes (issue 17)
and the earlier merge of programme steps and unit history.

On SQLite, 0014 rebuilds the initiative table (batch mode) and may run after 0016: a rebuilt table loses
its triggers, so the FTS5 search index of 0016 is set up again here (drop, create, rebuild) from the same
statements. Any later migration that rebuilds the initiative table on SQLite must do the same.

Revision ID: 0021_merge_heads
Revises: 0020_merge_heads, 0012_export_documents, 0013_notifications, 0016_sort_indexes
"""
import importlib.util
from pathlib import Path

from alembic import op

revision = "0021_merge_heads"
down_revision = ("0020_merge_heads", "0012_export_documents", "0013_notifications", "0016_sort_indexes")
branch_labels = None
depends_on = None


def _sort_indexes():
    spec = importlib.util.spec_from_file_location("_m0016", Path(__file__).with_name("0016_sort_indexes.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        m0016 = _sort_indexes()
        for statement in m0016.FTS_DOWN + m0016.FTS_UP:
            op.execute(statement)


def downgrade():
    pass
