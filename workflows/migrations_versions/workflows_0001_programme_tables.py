"""programme tables

Revision ID: workflows_0001
Revises: 
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import engine.tables


revision = 'workflows_0001'
down_revision = None
branch_labels = ('workflows',)
depends_on = 'engine_0001'


def upgrade():
    op.create_table('org_units',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('urban', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_units'))
    )
    op.create_table('rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('deadline', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('experts_per_panel', sa.Integer(), nullable=False),
    sa.Column('rule_num', sa.Integer(), nullable=False),
    sa.Column('rule_den', sa.Integer(), nullable=False),
    sa.Column('reminder_days', sa.String(length=200), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('closed_at', engine.tables.UTCDateTime(), nullable=True),
    sa.Column('published_at', engine.tables.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rounds')),
    sa.UniqueConstraint('year', name=op.f('uq_rounds_year'))
    )
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('gender', sa.String(length=4), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('unit_id', sa.String(length=64), nullable=True),
    sa.Column('workplace', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_people_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_username'), ['username'], unique=False)

    op.create_table('benefit_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('applied_at', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('decided_at', engine.tables.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_benefit_applications_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benefit_applications'))
    )
    with op.batch_alter_table('benefit_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benefit_applications_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_benefit_person_kind', ['person_id', 'kind', 'status'], unique=False)

    op.create_table('nominations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('gender', sa.String(length=4), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('chifeng_since', sa.Date(), nullable=True),
    sa.Column('talent_type', sa.String(length=20), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=True),
    sa.Column('degree', sa.String(length=20), nullable=True),
    sa.Column('title_level', sa.String(length=30), nullable=True),
    sa.Column('age', sa.Integer(), nullable=True),
    sa.Column('years_in_chifeng', sa.Integer(), nullable=True),
    sa.Column('exceptional', sa.Boolean(), nullable=False),
    sa.Column('exceptional_reason', sa.Text(), nullable=False),
    sa.Column('application_json', sa.Text(), nullable=False),
    sa.Column('eligible', sa.Boolean(), nullable=True),
    sa.Column('eligibility_json', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('returns', sa.Integer(), nullable=False),
    sa.Column('last_comment', sa.Text(), nullable=False),
    sa.Column('agree', sa.Integer(), nullable=True),
    sa.Column('experts', sa.Integer(), nullable=True),
    sa.Column('average_score', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('submitted_at', engine.tables.UTCDateTime(), nullable=True),
    sa.Column('decided_at', engine.tables.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_nominations_person_id_people')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_nominations_round_id_rounds')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_nominations_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nominations'))
    )
    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nominations_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_nominations_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nominations_round_id'), ['round_id'], unique=False)
        batch_op.create_index('ix_nominations_round_unit_status', ['round_id', 'unit_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_nominations_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_nominations_unit_id'), ['unit_id'], unique=False)

    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('revoked_at', engine.tables.UTCDateTime(), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['nomination_id'], ['nominations.id'], name=op.f('fk_certificates_nomination_id_nominations')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_certificates_person_id_people')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_certificates_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('nomination_id', name=op.f('uq_certificates_nomination_id')),
    sa.UniqueConstraint('number', name=op.f('uq_certificates_number'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_person_id'), ['person_id'], unique=False)

    op.create_table('expert_opinions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('expert', sa.String(length=80), nullable=False),
    sa.Column('vote', sa.String(length=10), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('at', engine.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['nomination_id'], ['nominations.id'], name=op.f('fk_expert_opinions_nomination_id_nominations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_opinions')),
    sa.UniqueConstraint('nomination_id', 'expert', name=op.f('uq_expert_opinions_nomination_id'))
    )
    with op.batch_alter_table('expert_opinions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_opinions_nomination_id'), ['nomination_id'], unique=False)

    op.create_table('mentor_pool',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('entered_at', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('ended_at', engine.tables.UTCDateTime(), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_mentor_pool_certificate_id_certificates')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_mentor_pool_person_id_people')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_mentor_pool_round_id_rounds')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_mentor_pool_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_pool'))
    )
    with op.batch_alter_table('mentor_pool', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_pool_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentor_pool_unit_id'), ['unit_id'], unique=False)

    op.create_table('mentorships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('pool_entry_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('period_years', sa.Integer(), nullable=True),
    sa.Column('indicators', sa.Text(), nullable=False),
    sa.Column('agreement_confirmed_at', engine.tables.UTCDateTime(), nullable=True),
    sa.Column('started_at', engine.tables.UTCDateTime(), nullable=True),
    sa.Column('ends_at', engine.tables.UTCDateTime(), nullable=True),
    sa.Column('ended_at', engine.tables.UTCDateTime(), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['mentor_id'], ['people.id'], name=op.f('fk_mentorships_mentor_id_people')),
    sa.ForeignKeyConstraint(['pool_entry_id'], ['mentor_pool.id'], name=op.f('fk_mentorships_pool_entry_id_mentor_pool')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_mentorships_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentorships'))
    )
    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentorships_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentorships_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentorships_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentorships_unit_id'), ['unit_id'], unique=False)

    op.create_table('activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.Column('mentee_ids', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('logged_by', sa.String(length=80), nullable=False),
    sa.Column('logged_at', engine.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_activities_mentorship_id_mentorships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_mentorship_id'), ['mentorship_id'], unique=False)

    op.create_table('assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('year_no', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('unit_result', sa.String(length=12), nullable=True),
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('final_result', sa.String(length=12), nullable=True),
    sa.Column('outstanding', sa.Boolean(), nullable=False),
    sa.Column('section_comment', sa.Text(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', engine.tables.UTCDateTime(), nullable=False),
    sa.Column('decided_at', engine.tables.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_assessments_mentorship_id_mentorships')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_assessments_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments')),
    sa.UniqueConstraint('mentorship_id', 'year_no', name=op.f('uq_assessments_mentorship_id'))
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessments_mentorship_id'), ['mentorship_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessments_unit_id'), ['unit_id'], unique=False)

    op.create_table('mentees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('plan_json', sa.Text(), nullable=False),
    sa.Column('released_at', engine.tables.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_mentees_mentorship_id_mentorships')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_mentees_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentees'))
    )
    with op.batch_alter_table('mentees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentees_mentorship_id'), ['mentorship_id'], unique=False)

    op.create_table('second_tier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('mentorship_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.String(length=64), nullable=True),
    sa.Column('since', engine.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['mentee_id'], ['mentees.id'], name=op.f('fk_second_tier_mentee_id_mentees')),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorships.id'], name=op.f('fk_second_tier_mentorship_id_mentorships')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_second_tier_person_id_people')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_second_tier_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_second_tier')),
    sa.UniqueConstraint('person_id', name=op.f('uq_second_tier_person_id'))
    )


def downgrade():
    op.drop_table('second_tier')
    with op.batch_alter_table('mentees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentees_mentorship_id'))

    op.drop_table('mentees')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessments_unit_id'))
        batch_op.drop_index(batch_op.f('ix_assessments_mentorship_id'))

    op.drop_table('assessments')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_mentorship_id'))

    op.drop_table('activities')
    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentorships_unit_id'))
        batch_op.drop_index(batch_op.f('ix_mentorships_status'))
        batch_op.drop_index(batch_op.f('ix_mentorships_mentor_id'))
        batch_op.drop_index(batch_op.f('ix_mentorships_instance_id'))

    op.drop_table('mentorships')
    with op.batch_alter_table('mentor_pool', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentor_pool_unit_id'))
        batch_op.drop_index(batch_op.f('ix_mentor_pool_person_id'))

    op.drop_table('mentor_pool')
    with op.batch_alter_table('expert_opinions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_opinions_nomination_id'))

    op.drop_table('expert_opinions')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_person_id'))

    op.drop_table('certificates')
    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nominations_unit_id'))
        batch_op.drop_index(batch_op.f('ix_nominations_status'))
        batch_op.drop_index('ix_nominations_round_unit_status')
        batch_op.drop_index(batch_op.f('ix_nominations_round_id'))
        batch_op.drop_index(batch_op.f('ix_nominations_instance_id'))
        batch_op.drop_index(batch_op.f('ix_nominations_category'))

    op.drop_table('nominations')
    with op.batch_alter_table('benefit_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_benefit_person_kind')
        batch_op.drop_index(batch_op.f('ix_benefit_applications_person_id'))

    op.drop_table('benefit_applications')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_username'))
        batch_op.drop_index(batch_op.f('ix_people_unit_id'))

    op.drop_table('people')
    op.drop_table('rounds')
    op.drop_table('org_units')
