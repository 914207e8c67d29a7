"""rounds managed by the talent section and the nominee list signed in one act: reminders and
changes of the submission period, the committee review instance and list place of a nomination,
the nominee list

Revision ID: workflows_0004
Revises: workflows_0003
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import engine.tables


revision = 'workflows_0004'
down_revision = 'workflows_0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('round_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('due_at', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('sent_at', engine.tables.UTCDateTime(), nullable=True),
    sa.Column('units', sa.Integer(), nullable=True),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_round_reminders_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_reminders'))
    )
    op.create_index(op.f('ix_round_reminders_round_id'), 'round_reminders', ['round_id'], unique=False)
    op.create_table('round_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('old_deadline', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('new_deadline', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by', sa.String(length=80), nullable=False),
    sa.Column('at', engine.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_round_changes_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_changes'))
    )
    op.create_index(op.f('ix_round_changes_round_id'), 'round_changes', ['round_id'], unique=False)
    op.create_table('nominee_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('prepared_by', sa.String(length=80), nullable=False),
    sa.Column('prepared_at', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('prepare_comment', sa.Text(), nullable=False),
    sa.Column('listed', sa.Integer(), nullable=False),
    sa.Column('signed_by', sa.String(length=80), nullable=True),
    sa.Column('signed_at', engine.tables.UTCDateTime(), nullable=True),
    sa.Column('sign_comment', sa.Text(), nullable=False),
    sa.Column('signed', sa.Integer(), nullable=False),
    sa.Column('struck', sa.Integer(), nullable=False),
    sa.Column('published_at', engine.tables.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_nominee_lists_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nominee_lists')),
    sa.UniqueConstraint('round_id', name=op.f('uq_nominee_lists_round_id'))
    )
    op.add_column('nominations', sa.Column('review_instance_id', sa.Integer(), nullable=True))
    op.add_column('nominations', sa.Column('list_rank', sa.Integer(), nullable=True))
    op.add_column('nominations', sa.Column('list_status', sa.String(length=10), nullable=True))
    op.add_column('nominations', sa.Column('list_note', sa.Text(), nullable=False, server_default=''))
    op.create_index(op.f('ix_nominations_review_instance_id'), 'nominations', ['review_instance_id'], unique=False)


def downgrade():
    with op.batch_alter_table('nominations') as batch:
        batch.drop_index(op.f('ix_nominations_review_instance_id'))
        for column in ('list_note', 'list_status', 'list_rank', 'review_instance_id'):
            batch.drop_column(column)
    op.drop_table('nominee_lists')
    op.drop_index(op.f('ix_round_changes_round_id'), table_name='round_changes')
    op.drop_table('round_changes')
    op.drop_index(op.f('ix_round_reminders_round_id'), table_name='round_reminders')
    op.drop_table('round_reminders')
