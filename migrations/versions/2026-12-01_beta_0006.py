"""beta tables: applications, referral codes, referrals; the erasure log of bot.consent

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.base

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TS = bot.storage.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('beta_applications',
    sa.Column('id', ID, nullable=False),
    sa.Column('campaign', sa.String(length=64), nullable=False),
    sa.Column('contact_id', ID, nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=128), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('consent_version', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('source', sa.String(length=128), nullable=True),
    sa.Column('via', sa.String(length=32), nullable=True),
    sa.Column('applied_at', TS, nullable=False),
    sa.Column('updated_at', TS, nullable=False),
    sa.Column('invited_at', TS, nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_beta_applications_contact_id_contacts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_beta_applications')),
    sa.UniqueConstraint('campaign', 'contact_id', name=op.f('uq_beta_applications_campaign_contact_id'))
    )
    with op.batch_alter_table('beta_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_beta_applications_campaign'), ['campaign', 'status'], unique=False)

    op.create_table('referral_codes',
    sa.Column('id', ID, nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('contact_id', ID, nullable=True),
    sa.Column('source', sa.String(length=128), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_referral_codes_contact_id_contacts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_referral_codes_code')),
    sa.UniqueConstraint('contact_id', name=op.f('uq_referral_codes_contact_id'))
    )

    op.create_table('referrals',
    sa.Column('id', ID, nullable=False),
    sa.Column('code_id', ID, nullable=False),
    sa.Column('referred_contact_id', ID, nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['referral_codes.id'], name=op.f('fk_referrals_code_id_referral_codes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['referred_contact_id'], ['contacts.id'], name=op.f('fk_referrals_referred_contact_id_contacts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals')),
    sa.UniqueConstraint('referred_contact_id', name=op.f('uq_referrals_referred_contact_id'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_code_id'), ['code_id'], unique=False)

    op.create_table('erasures',
    sa.Column('id', ID, nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('contact_id', ID, nullable=True),
    sa.Column('requested_at', TS, nullable=False),
    sa.Column('done_at', TS, nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_erasures_contact_id_contacts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasures')),
    sa.UniqueConstraint('code', name=op.f('uq_erasures_code'))
    )
    with op.batch_alter_table('erasures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erasures_contact_id'), ['contact_id'], unique=False)


def downgrade() -> None:
    op.drop_table('erasures')
    op.drop_table('referrals')
    op.drop_table('referral_codes')
    op.drop_table('beta_applications')
