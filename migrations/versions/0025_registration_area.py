"""Registrations: the level-1 unit of the registration's unit (area_unit_id), as initiatives have it

A province officer's registrations were "the unit is in my subtree, or the campaign was launched by my
subtree": no index returns those in id order, so the newest page walked the registrations of every other
province first (a national campaign's lists are created in unit order), and the count read the whole table.
With the area stored, the page is a walk of the (area_unit_id, column, id) index and the count two index
lookups (adminapp/access.py, adminapp/areas.py). Back-filled here from the unit tree.

Revision ID: 0025_registration_area
Revises: 0024_fts_vocab
"""
import sqlalchemy as sa
from alembic import op

revision = "0025_registration_area"
down_revision = "0024_fts_vocab"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_registration_area_id", ["area_unit_id", "id", "campaign_id"]),
    *((f"ix_registration_area_{c}_id", ["area_unit_id", c, "id", "campaign_id"])
      for c in ("status", "sent_at", "reviewed_at")),
]


def upgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("area_unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_registration_area_unit_id_unit"), "unit", ["area_unit_id"],
                                    ["id"], ondelete="RESTRICT")
    # back-fill: each level-1 unit (a path of two codes) is the area of its subtree's registrations
    bind = op.get_bind()
    unit = sa.table("unit", sa.column("id", sa.Integer), sa.column("path", sa.String))
    registration = sa.table("registration", sa.column("unit_id", sa.Integer), sa.column("area_unit_id", sa.Integer))
    for uid, path in bind.execute(sa.select(unit.c.id, unit.c.path)).all():
        if len([c for c in path.strip("/").split("/") if c]) != 2:
            continue
        subtree = sa.select(unit.c.id).where(unit.c.path >= path, unit.c.path < path[:-1] + "0")
        bind.execute(registration.update().where(registration.c.unit_id.in_(subtree)).values(area_unit_id=uid))
    for name, columns in INDEXES:
        op.create_index(name, "registration", columns, unique=False)


def downgrade():
    for name, _ in INDEXES:
        op.drop_index(name, table_name="registration")
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_registration_area_unit_id_unit"), type_="foreignkey")
        batch_op.drop_column("area_unit_id")
