"""Merge the parallel branches of issue 15 (programme steps) and issue 11 (unit history).

Revision ID: 0020_merge_heads
Revises: 0014_programme_steps, 0015_unit_history
"""
revision = "0020_merge_heads"
down_revision = ("0014_programme_steps", "0015_unit_history")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
