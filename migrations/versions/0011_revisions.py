"""revisions of every editable record; field rules per role; removed attachments kept; append-only

Revision ID: 0011_revisions
Revises: 0007_user_sessions
Create Date: 2026-12-02 01:00:00

Issue 12. The revision table holds each change of an editable record (adminapp/revisions.py). A campaign
attachment removed with "Xóa" keeps its bytes (removed_at) so that a restore brings it back. On PostgreSQL,
audit events and revisions are append-only for every database user but a superuser with the triggers
disabled: a trigger refuses UPDATE and DELETE (and TRUNCATE) of both tables.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_revisions'
down_revision = '0007_user_sessions'
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_event", "revision")


def upgrade():
    op.create_table(
        'revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_unit_id', sa.Integer(), nullable=True),
        sa.Column('ip', sa.String(length=64), nullable=True),
        sa.Column('object_type', sa.String(length=64), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=True),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('snapshot', sa.JSON(), nullable=True),
        sa.Column('restored_from_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_revision_actor_id_user_account'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['actor_unit_id'], ['unit.id'], name=op.f('fk_revision_actor_unit_id_unit'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['restored_from_id'], ['revision.id'],
                                name=op.f('fk_revision_restored_from_id_revision'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_revision')),
    )
    op.create_index('ix_revision_object', 'revision', ['object_type', 'object_id', 'id'], unique=False)
    with op.batch_alter_table('campaign_attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('role', schema=None) as batch_op:
        batch_op.add_column(sa.Column('field_rules', sa.JSON(), nullable=False, server_default='{}'))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION adminapp_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP "
            "USING ERRCODE = 'insufficient_privilege'; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION adminapp_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION adminapp_append_only()")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS adminapp_append_only()")
    with op.batch_alter_table('campaign_attachment', schema=None) as batch_op:
        batch_op.drop_column('removed_at')
    with op.batch_alter_table('role', schema=None) as batch_op:
        batch_op.drop_column('field_rules')
    op.drop_index('ix_revision_object', table_name='revision')
    op.drop_table('revision')
