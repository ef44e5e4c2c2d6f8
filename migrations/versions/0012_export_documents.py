"""printable documents: the signer's title and the place of the summary table

Revision ID: 0012_export_documents
Revises: 0011_revisions
Create Date: 2026-12-02 03:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0012_export_documents"
down_revision = "0011_revisions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("initiative_dossier") as batch_op:
        batch_op.add_column(sa.Column("signer_title", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("place", sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table("initiative_dossier") as batch_op:
        batch_op.drop_column("place")
        batch_op.drop_column("signer_title")
