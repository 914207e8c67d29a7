"""notifications tables

Revision ID: notifications_0001
Revises: 
Create Date: 2026-11-23 21:07:40.752357
"""
from alembic import op
import sqlalchemy as sa
import engine.tables


revision = 'notifications_0001'
down_revision = None
branch_labels = ('notifications',)
depends_on = 'engine_0001'


def upgrade():
    op.create_table('mails',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=240), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('to_address', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('sent_at', engine.tables.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mails')),
    sa.UniqueConstraint('key', name=op.f('uq_mails_key'))
    )
    with op.batch_alter_table('mails', schema=None) as batch_op:
        batch_op.create_index('ix_mails_status', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mails_username'), ['username'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=240), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('template', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('context_json', sa.Text(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('created_at', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('read_at', engine.tables.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('key', name=op.f('uq_notifications_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_inbox', ['username', 'read_at', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_inbox')

    op.drop_table('notifications')
    with op.batch_alter_table('mails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mails_username'))
        batch_op.drop_index('ix_mails_status')

    op.drop_table('mails')
