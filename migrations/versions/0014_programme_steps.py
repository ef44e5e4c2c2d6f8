"""programme steps: deadline policies, late marks and extensions

Revision ID: 0014_programme_steps
Revises: 0011_revisions
Create Date: 2026-12-02 03:20:47

Issue 15. Initiatives marked as technology secrets (bí mật công nghệ), and whether a programme's summary
table masks them. A campaign's registration deadline and a programme's dossier deadline each have a policy (refuse
after / accept and mark late); a late participant list or dossier is marked; extensions of a deadline for
every unit or one unit are kept as rows. An xlsx import is kept server-side (import_preview) between its dry run and its
confirmation.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_programme_steps'
down_revision = '0011_revisions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('results_snapshot',
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('built_at', sa.DateTime(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_results_snapshot_programme_id_programme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme_id', name=op.f('pk_results_snapshot'))
    )
    op.create_index('ix_initiative_programme_level1_status', 'initiative', ['programme_id', 'level1_unit_id', 'status'], unique=False)
    op.create_table('import_preview',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_import_preview_registration_id_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_import_preview_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_preview')),
    sa.UniqueConstraint('token', name=op.f('uq_import_preview_token'))
    )
    with op.batch_alter_table('import_preview', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_preview_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_preview_user_id'), ['user_id'], unique=False)

    
    op.create_table('deadline_extension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('owner_unit_id', sa.Integer(), nullable=False),
    sa.Column('previous_date', sa.Date(), nullable=True),
    sa.Column('new_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(campaign_id IS NULL) <> (programme_id IS NULL)', name=op.f('ck_deadline_extension_one_target')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_deadline_extension_campaign_id_campaign'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_deadline_extension_created_by_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['unit.id'], name=op.f('fk_deadline_extension_owner_unit_id_unit'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_deadline_extension_programme_id_programme'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_deadline_extension_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_extension'))
    )
    with op.batch_alter_table('deadline_extension', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_extension_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadline_extension_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadline_extension_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_deadline_policy', sa.String(length=16), server_default='late', nullable=False))

    with op.batch_alter_table('initiative_dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_initiative_dossier_late'), ['late'], unique=False)

    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dossier_deadline_policy', sa.String(length=16), server_default='refuse', nullable=False))
        batch_op.add_column(sa.Column('mask_secrets_in_summary', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('requires_moderation', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_secret', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_registration_late'), ['late'], unique=False)




def downgrade():
    op.drop_index('ix_initiative_programme_level1_status', table_name='initiative')
    op.drop_table('results_snapshot')
    op.drop_table('import_preview')
    
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_late'))
        batch_op.drop_column('late')

    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.drop_column('is_secret')

    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_column('requires_moderation')
        batch_op.drop_column('mask_secrets_in_summary')
        batch_op.drop_column('dossier_deadline_policy')

    with op.batch_alter_table('initiative_dossier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_dossier_late'))
        batch_op.drop_column('late')

    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('registration_deadline_policy')

    with op.batch_alter_table('deadline_extension', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_extension_unit_id'))
        batch_op.drop_index(batch_op.f('ix_deadline_extension_programme_id'))
        batch_op.drop_index(batch_op.f('ix_deadline_extension_campaign_id'))

    op.drop_table('deadline_extension')

