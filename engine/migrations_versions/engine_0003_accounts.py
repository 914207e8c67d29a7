"""accounts: session version, one-time password links, several API tokens per user (issue 11)

Existing API tokens move to ``api_tokens`` (the same SHA-256, so they keep working) and the
column ``users.api_token_hash`` goes.

Revision ID: engine_0003
Revises: engine_0002
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = 'engine_0003'
down_revision = 'engine_0002'
branch_labels = None
depends_on = None


# ALTER TABLE in place on both databases: a batch copy of ``users`` on SQLite would drop the old
# table, and with foreign keys on that cascades into ``memberships`` (SQLite >= 3.35 drops columns)


def upgrade():
    op.add_column('users', sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
    op.add_column('users', sa.Column('password_changed_at', sa.DateTime(), nullable=True))

    op.create_table('account_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_account_tokens_token_hash'))
    )
    with op.batch_alter_table('account_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    # the one token a user could have so far keeps working, under a name that says where it came from
    conn = op.get_bind()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('api_token_hash', sa.String))
    tokens = sa.table('api_tokens', sa.column('user_id', sa.Integer), sa.column('name', sa.String),
                      sa.column('token_hash', sa.String), sa.column('hint', sa.String), sa.column('created_at', sa.DateTime))
    rows = conn.execute(sa.select(users.c.id, users.c.api_token_hash).where(users.c.api_token_hash.is_not(None))).all()
    if rows:
        conn.execute(tokens.insert(), [{"user_id": r.id, "name": "原有令牌", "token_hash": r.api_token_hash[:64],
                                        "hint": "pd_", "created_at": now} for r in rows])

    op.drop_index('ix_users_api_token_hash', table_name='users')
    op.execute('ALTER TABLE users DROP COLUMN api_token_hash')


def downgrade():
    op.add_column('users', sa.Column('api_token_hash', sa.String(length=128), nullable=True))
    op.create_index('ix_users_api_token_hash', 'users', ['api_token_hash'], unique=False)

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))
    op.drop_table('api_tokens')
    with op.batch_alter_table('account_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_tokens_user_id'))
    op.drop_table('account_tokens')

    op.execute('ALTER TABLE users DROP COLUMN password_changed_at')
    op.execute('ALTER TABLE users DROP COLUMN session_version')
