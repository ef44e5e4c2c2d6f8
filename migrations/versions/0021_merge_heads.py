"""Merge the parallel branches: export documents (issue 13), notifications (issue 14), sort indexes (issue 17)
and the earlier merge of programme steps and unit history.

Revision ID: 0021_merge_heads
Revises: 0020_merge_heads, 0012_export_documents, 0013_notifications, 0016_sort_indexes
"""
revision = "0021_merge_heads"
down_revision = ("0020_merge_heads", "0012_export_documents", "0013_notifications", "0016_sort_indexes")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
