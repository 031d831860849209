"""foundation: scheduler, events, consent ledger, attribution, outbox bulk flag

Revision ID: 0003
Revises: 5c1a7e45
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.base

revision: str = '0003'
down_revision: str | None = '5c1a7e45'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TS = bot.storage.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=128), nullable=True))
        batch_op.create_index(batch_op.f('ix_contacts_source'), ['source'], unique=False)
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account', sa.String(length=128), nullable=True))
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=128), nullable=True))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bulk', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))

    op.create_table('jobs',
    sa.Column('id', ID, nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('run_at', TS, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claim_token', sa.String(length=64), nullable=True),
    sa.Column('lease_until', TS, nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.Column('finished_at', TS, nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('key', name=op.f('uq_jobs_key'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_status'), ['status', 'run_at'], unique=False)

    op.create_table('events',
    sa.Column('id', ID, nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('contact_id', ID, nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_events_contact_id_contacts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_contact_id'), ['contact_id'], unique=False)

    op.create_table('consent_events',
    sa.Column('id', ID, nullable=False),
    sa.Column('contact_id', ID, nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('text_version', sa.String(length=64), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=True),
    sa.Column('created_at', TS, nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_consent_events_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_events'))
    )
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_events_contact_id'), ['contact_id', 'purpose', 'id'], unique=False)


def downgrade() -> None:
    op.drop_table('consent_events')
    op.drop_table('events')
    op.drop_table('jobs')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('bulk')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('source')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_column('account')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_source'))
        batch_op.drop_column('source')
