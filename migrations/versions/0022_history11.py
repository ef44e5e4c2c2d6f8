"""unit history: the directory of one level as of a date is an index range (level, valid_from)

`unit_history.directory_at(day, level)` read every version (valid_from <= day holds for nearly all of them, so
ix_unit_version_period could not narrow it): with (level, valid_from) it reads the level's versions only.

Revision ID: 0022_history11
Revises: 0021_merge_heads
"""
from alembic import op

revision = "0022_history11"
down_revision = "0021_merge_heads"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_unit_version_level_from", "unit_version", ["level", "valid_from"], unique=False)


def downgrade():
    op.drop_index("ix_unit_version_level_from", table_name="unit_version")
