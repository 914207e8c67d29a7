"""admin tables

Revision ID: admin_0001
Revises: 
Create Date: 2026-11-23 21:11:53.621621
"""
from alembic import op
import sqlalchemy as sa
import engine.tables


revision = 'admin_0001'
down_revision = None
branch_labels = ('admin',)
depends_on = 'engine_0001'


def upgrade():
    op.create_table('admin_model_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('base_version_id', sa.Integer(), nullable=True),
    sa.Column('files_json', sa.Text(), nullable=False),
    sa.Column('problems_json', sa.Text(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=80), nullable=False),
    sa.Column('saved_at', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('deployed_version_id', sa.Integer(), nullable=True),
    sa.Column('dry_run_json', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['base_version_id'], ['model_versions.id'], name=op.f('fk_admin_model_drafts_base_version_id_model_versions')),
    sa.ForeignKeyConstraint(['deployed_version_id'], ['model_versions.id'], name=op.f('fk_admin_model_drafts_deployed_version_id_model_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_model_drafts'))
    )
    with op.batch_alter_table('admin_model_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_model_drafts_saved_at'), ['saved_at'], unique=False)



def downgrade():
    with op.batch_alter_table('admin_model_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admin_model_drafts_saved_at'))

    op.drop_table('admin_model_drafts')
