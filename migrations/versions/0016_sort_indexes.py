"""sort indexes: every offered list sort is an index walk; initiatives' level-1 unit for province scopes

Revision ID: 0016_sort_indexes
Revises: 0011_revisions
Create Date: 2026-12-02 03:40:00

Issue 17. A list page sorted by a column (then by id, the tiebreaker) read the whole table and sorted it
when no index held that order: page 2000 sorted by title cost 10x page 1. Each offered sort now has a
(column, id) index, and a province officer's initiatives list an (area_unit_id, column, id) index, where
area_unit_id is the initiative's level-1 unit (adminapp/areas.py), back-filled here from the unit tree.
tests/test_sort_indexes.py checks every offered sort's plan on SQLite and PostgreSQL.

On SQLite the initiatives search (a substring of the folded search_text) reads an FTS5 trigram index,
initiative_fts, an external-content table over initiative.search_text kept in sync by triggers on every
insert, update of search_text and delete (whoever writes: the ORM, a bulk load, a migration); PostgreSQL
keeps its GIN trigram index (0006). The FTS tables are not on the models (adminapp.extensions.include_object).
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_sort_indexes'
down_revision = '0011_revisions'
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_unit_name_id", "unit", ["name", "id"]),
    ("ix_unit_level_id", "unit", ["level", "id"]),
    ("ix_user_account_full_name_id", "user_account", ["full_name", "id"]),
    ("ix_audit_event_created_id", "audit_event", ["created_at", "id"]),
    ("ix_audit_event_action_id", "audit_event", ["action", "id"]),
    *((f"ix_campaign_owner_{c}_id", "campaign", ["owner_unit_id", c, "id"])
      for c in ("name", "start_date", "end_date", "registration_deadline", "dossier_deadline", "created_at")),
    ("ix_registration_id_campaign", "registration", ["id", "campaign_id"]),
    ("ix_registration_status_id", "registration", ["status", "id", "campaign_id"]),
    ("ix_registration_sent_at_id", "registration", ["sent_at", "id", "campaign_id"]),
    ("ix_registration_reviewed_at_id", "registration", ["reviewed_at", "id", "campaign_id"]),
    *((f"ix_initiative_{c}_id", "initiative", [c, "id"])
      for c in ("tracking_code", "title", "status", "score", "created_at")),
    ("ix_initiative_area_id", "initiative", ["area_unit_id", "id"]),
    *((f"ix_initiative_area_{c}_id", "initiative", ["area_unit_id", c, "id"])
      for c in ("tracking_code", "title", "status", "score", "created_at")),
    ("ix_export_job_user_created_id", "export_job", ["user_id", "created_at", "id"]),
]


# single-column indexes that a (column, id) index replaces: left in place, PostgreSQL's planner may walk
# them and sort each run of equal values (an incremental sort) instead of walking the composite
REPLACED = [("ix_unit_level", "unit", ["level"]), ("ix_audit_event_created_at", "audit_event", ["created_at"]),
            ("ix_audit_event_action", "audit_event", ["action"]), ("ix_registration_status", "registration", ["status"]),
            ("ix_initiative_created_at", "initiative", ["created_at"])]


def upgrade():
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area_unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_initiative_area_unit_id_unit'), 'unit', ['area_unit_id'], ['id'],
                                    ondelete='RESTRICT')
    # back-fill: each level-1 unit (a path of two codes) is the area of its subtree's initiatives
    bind = op.get_bind()
    unit = sa.table("unit", sa.column("id", sa.Integer), sa.column("path", sa.String))
    initiative = sa.table("initiative", sa.column("unit_id", sa.Integer), sa.column("area_unit_id", sa.Integer))
    for uid, path in bind.execute(sa.select(unit.c.id, unit.c.path)).all():
        if len([c for c in path.strip("/").split("/") if c]) != 2:
            continue
        subtree = sa.select(unit.c.id).where(unit.c.path >= path, unit.c.path < path[:-1] + "0")
        bind.execute(initiative.update().where(initiative.c.unit_id.in_(subtree)).values(area_unit_id=uid))
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    for name, table, _ in REPLACED:
        op.drop_index(name, table_name=table)
    if bind.dialect.name == "sqlite":
        for statement in FTS_UP:
            op.execute(statement)


FTS_UP = [
    "CREATE VIRTUAL TABLE initiative_fts USING fts5(search_text, content='initiative', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER initiative_fts_insert AFTER INSERT ON initiative BEGIN "
    "INSERT INTO initiative_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER initiative_fts_delete AFTER DELETE ON initiative BEGIN "
    "INSERT INTO initiative_fts(initiative_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER initiative_fts_update AFTER UPDATE OF search_text ON initiative BEGIN "
    "INSERT INTO initiative_fts(initiative_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO initiative_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO initiative_fts(initiative_fts) VALUES ('rebuild')",
]
FTS_DOWN = ["DROP TRIGGER IF EXISTS initiative_fts_insert", "DROP TRIGGER IF EXISTS initiative_fts_delete",
            "DROP TRIGGER IF EXISTS initiative_fts_update", "DROP TABLE IF EXISTS initiative_fts"]


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for statement in FTS_DOWN:
            op.execute(statement)
    for name, table, columns in REPLACED:
        op.create_index(name, table, columns, unique=False)
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_initiative_area_unit_id_unit'), type_='foreignkey')
        batch_op.drop_column('area_unit_id')
