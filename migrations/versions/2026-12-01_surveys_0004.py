"""surveys tables

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.base

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TS = bot.storage.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('survey_versions',
    sa.Column('id', ID, nullable=False),
    sa.Column('survey_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=256), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_versions')),
    sa.UniqueConstraint('survey_id', 'version', name=op.f('uq_survey_versions_survey_id_version'))
    )

    op.create_table('survey_responses',
    sa.Column('id', ID, nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('survey_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=16), nullable=False),
    sa.Column('contact_id', ID, nullable=True),
    sa.Column('ticket_id', ID, nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('source', sa.String(length=128), nullable=True),
    sa.Column('campaign', sa.String(length=128), nullable=True),
    sa.Column('hidden', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('ending', sa.String(length=64), nullable=True),
    sa.Column('current_question', sa.String(length=64), nullable=True),
    sa.Column('promoter_asked', sa.Boolean(), nullable=False),
    sa.Column('started_at', TS, nullable=False),
    sa.Column('last_activity_at', TS, nullable=False),
    sa.Column('completed_at', TS, nullable=True),
    sa.Column('reminded_at', TS, nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_survey_responses_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_survey_responses_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sa.UniqueConstraint('key', name=op.f('uq_survey_responses_key'))
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_survey_id'), ['survey_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_contact_id'), ['contact_id', 'survey_id'], unique=False)

    op.create_table('survey_answers',
    sa.Column('id', ID, nullable=False),
    sa.Column('response_id', ID, nullable=False),
    sa.Column('survey_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=16), nullable=False),
    sa.Column('question_id', sa.String(length=64), nullable=False),
    sa.Column('question_type', sa.String(length=16), nullable=False),
    sa.Column('question_text', sa.Text(), nullable=False),
    sa.Column('option_ids', sa.JSON(), nullable=False),
    sa.Column('number', sa.Float(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('skipped', sa.Boolean(), nullable=False),
    sa.Column('superseded', sa.Boolean(), nullable=False),
    sa.Column('erased', sa.Boolean(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'], name=op.f('fk_survey_answers_response_id_survey_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers'))
    )
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answers_response_id'), ['response_id', 'question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_answers_survey_id'), ['survey_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_answers_survey_id'))
        batch_op.drop_index(batch_op.f('ix_survey_answers_response_id'))
    op.drop_table('survey_answers')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_contact_id'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_survey_id'))
    op.drop_table('survey_responses')
    op.drop_table('survey_versions')
