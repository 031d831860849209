"""feedback tables

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.base

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TS = bot.storage.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('feedback_themes',
    sa.Column('id', ID, nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('signature', sa.JSON(), nullable=False),
    sa.Column('merged_into_id', ID, nullable=True),
    sa.Column('manual', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['merged_into_id'], ['feedback_themes.id'], name=op.f('fk_feedback_themes_merged_into_id_feedback_themes'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_themes'))
    )
    with op.batch_alter_table('feedback_themes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_themes_merged_into_id'), ['merged_into_id'], unique=False)

    op.create_table('feedback_items',
    sa.Column('id', ID, nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('contact_id', ID, nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('source', sa.String(length=128), nullable=True),
    sa.Column('campaign', sa.String(length=128), nullable=True),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=True),
    sa.Column('product', sa.String(length=48), nullable=True),
    sa.Column('sentiment', sa.String(length=8), nullable=False),
    sa.Column('sentiment_score', sa.Float(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('concepts', sa.JSON(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('ticket_id', ID, nullable=True),
    sa.Column('survey_id', sa.String(length=64), nullable=True),
    sa.Column('survey_question', sa.String(length=64), nullable=True),
    sa.Column('survey_response', sa.String(length=64), nullable=True),
    sa.Column('theme_id', ID, nullable=True),
    sa.Column('theme_manual', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('erased', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_feedback_items_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_feedback_items_ticket_id_tickets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['theme_id'], ['feedback_themes.id'], name=op.f('fk_feedback_items_theme_id_feedback_themes'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_items')),
    sa.UniqueConstraint('key', name=op.f('uq_feedback_items_key'))
    )
    with op.batch_alter_table('feedback_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_items_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_items_contact_id'), ['contact_id', 'text_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_items_theme_id'), ['theme_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_items_source'), ['source'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_items_campaign'), ['campaign'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_items_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_items_product'), ['product'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_items_ticket_id'), ['ticket_id'], unique=False)


def downgrade() -> None:
    op.drop_table('feedback_items')
    op.drop_table('feedback_themes')
