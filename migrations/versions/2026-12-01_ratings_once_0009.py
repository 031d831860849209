"""ratings once: one rating per contact, FAQ entry and answer message (a new tap changes it)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Repeated taps used to add a row each; keep each contact's latest verdict per entry, so
    # the unique key can be created (these rows have no answer message: they share '').
    op.execute(
        "DELETE FROM answer_ratings WHERE contact_id IS NOT NULL AND id NOT IN ("
        "SELECT MAX(id) FROM answer_ratings WHERE contact_id IS NOT NULL "
        "GROUP BY contact_id, entry_id)"
    )
    with op.batch_alter_table('answer_ratings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_message', sa.String(length=128),
                                      server_default='', nullable=False))
        batch_op.create_unique_constraint(
            batch_op.f('uq_answer_ratings_contact_id_entry_id_answer_message'),
            ['contact_id', 'entry_id', 'answer_message'])


def downgrade() -> None:
    with op.batch_alter_table('answer_ratings', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('uq_answer_ratings_contact_id_entry_id_answer_message'), type_='unique')
        batch_op.drop_column('answer_message')
