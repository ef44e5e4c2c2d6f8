"""area aliases: a merged province's initiatives keep their area; the successor's scope reads it too

The 2025 reform rewrote `initiative.area_unit_id` on every initiative of a merged province (40% of the
table, each row updating every index of the table): at 1M initiatives that alone ran past the 60 s target.
`area_alias` (area -> the level-1 unit it now counts under) replaces that rewrite (adminapp/areas.py).

Revision ID: 0023_area_alias
Revises: 0022_history11
"""
import sqlalchemy as sa
from alembic import op

revision = "0023_area_alias"
down_revision = "0022_history11"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "area_alias",
        sa.Column("area_unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_unit_id"], ["unit.id"], name=op.f("fk_area_alias_area_unit_id_unit"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_area_alias_unit_id_unit"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("area_unit_id", name=op.f("pk_area_alias")),
    )
    with op.batch_alter_table("area_alias", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_area_alias_unit_id"), ["unit_id"], unique=False)


def downgrade():
    with op.batch_alter_table("area_alias", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_alias_unit_id"))
    op.drop_table("area_alias")
