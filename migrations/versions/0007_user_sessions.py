"""login sessions as rows; the last login read from them

Revision ID: 0007_user_sessions
Revises: 0006_search_trigram
Create Date: 2026-12-01 23:30:00

Also grants the new permission dossier.manage to the shipped officer and admin roles (issue 16: leaders
only view dossiers).

Sessions end for real (issue 16): each login is a row of user_session, checked on every request, so
logout, "log out everywhere", password changes and resets, deactivation and role changes end them on
every app instance. The last login time moves off the versioned user row (a login wrote it through the
version column: two logins at once answered 500, and a login made an administrator's open edit of that
user fail with a false conflict): each user's known last login becomes an ended session row, and the
column is dropped.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_user_sessions'
down_revision = '0006_search_trigram'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('ip', sa.String(length=64), nullable=True),
        sa.Column('user_agent', sa.String(length=255), nullable=True),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('end_reason', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_user_session_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash')),
    )
    op.create_index('ix_user_session_user_created', 'user_session', ['user_id', 'created_at'], unique=False)
    # keep each known last login (as an ended session: its token is unknowable, so it never authenticates)
    op.execute(
        "INSERT INTO user_session (user_id, token_hash, created_at, ended_at, end_reason) "
        "SELECT id, 'migrated-' || CAST(id AS VARCHAR(20)), last_login_at, last_login_at, 'migrated' "
        "FROM user_account WHERE last_login_at IS NOT NULL"
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('last_login_at')
    _grant_dossier_manage(add=True)


def _grant_dossier_manage(add: bool):
    """Dossiers are saved and sent with the new permission dossier.manage (no longer initiative.nominate,
    which leaders hold): the shipped officer and admin roles get it; other roles as their administrator
    decides."""
    bind = op.get_bind()
    role = sa.table('role', sa.column('id', sa.Integer), sa.column('name', sa.String),
                    sa.column('permissions', sa.JSON))
    for rid, name, perms in bind.execute(sa.select(role.c.id, role.c.name, role.c.permissions)).all():
        perms = list(perms or [])
        if add and name in ('admin', 'officer') and 'dossier.manage' not in perms:
            perms.append('dossier.manage')
        elif not add and 'dossier.manage' in perms:
            perms.remove('dossier.manage')
        else:
            continue
        bind.execute(role.update().where(role.c.id == rid).values(permissions=perms))


def downgrade():
    _grant_dossier_manage(add=False)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_login_at', sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE user_account SET last_login_at = "
        "(SELECT MAX(s.created_at) FROM user_session s WHERE s.user_id = user_account.id)"
    )
    op.drop_index('ix_user_session_user_created', table_name='user_session')
    op.drop_table('user_session')
