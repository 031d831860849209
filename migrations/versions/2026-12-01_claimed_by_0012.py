"""claimed by: which worker holds an inbox/outbox claim, so a restarted one reclaims its own

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A process killed mid-turn is restarted under the same identity and hands back its own
    # claims at once, instead of its chats waiting for the leases to run out.
    for table in ('inbox', 'outbox'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('claimed_by', sa.String(length=128), nullable=True))


def downgrade() -> None:
    for table in ('inbox', 'outbox'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('claimed_by')
