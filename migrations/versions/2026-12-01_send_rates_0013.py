"""send rates: send rate limits kept in the database, shared by every sender process

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # One GCRA "theoretical arrival time" per limit key, so N processes never send N times the
    # allowed rate. The row '*' is the lock senders take before reading the shared keys.
    table = op.create_table(
        'send_rates',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('tat', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_send_rates')),
    )
    op.bulk_insert(table, [{'key': '*', 'tat': 0.0}])


def downgrade() -> None:
    op.drop_table('send_rates')
