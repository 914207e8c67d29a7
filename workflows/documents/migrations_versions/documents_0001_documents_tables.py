"""documents tables

Revision ID: documents_0001
Revises: 
Create Date: 2026-11-23 20:45:13.578003
"""
from alembic import op
import sqlalchemy as sa
import engine.tables


revision = 'documents_0001'
down_revision = None
branch_labels = ('documents',)
depends_on = 'engine_0001'


def upgrade():
    op.create_table('document_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('ref', sa.String(length=120), nullable=False),
    sa.Column('fmt', sa.String(length=8), nullable=False),
    sa.Column('data_digest', sa.String(length=64), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('renders', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('updated_at', engine.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_files')),
    sa.UniqueConstraint('kind', 'ref', 'fmt', name=op.f('uq_document_files_kind'))
    )
    op.create_table('document_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('uploaded_by', sa.String(length=80), nullable=False),
    sa.Column('uploaded_at', engine.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_uploads'))
    )
    with op.batch_alter_table('document_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_uploads_nomination_id'), ['nomination_id'], unique=False)

    op.create_table('document_verification_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('certificate_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_verification_codes')),
    sa.UniqueConstraint('certificate_id', name=op.f('uq_document_verification_codes_certificate_id')),
    sa.UniqueConstraint('code', name=op.f('uq_document_verification_codes_code'))
    )


def downgrade():
    op.drop_table('document_verification_codes')
    with op.batch_alter_table('document_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_uploads_nomination_id'))

    op.drop_table('document_uploads')
    op.drop_table('document_files')
