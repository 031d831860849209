"""query indexes: composite indexes for the product-team queries (feedback filters, counts)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A page filtered by category, language and channel walks this index in id order.
    op.create_index('ix_feedback_items_category_language_channel', 'feedback_items',
                    ['category', 'language', 'channel', 'id'], unique=False)
    # Counts by category (items and distinct people) are answered from the index alone.
    op.create_index('ix_feedback_items_category_contact_id', 'feedback_items',
                    ['category', 'contact_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_feedback_items_category_contact_id', table_name='feedback_items')
    op.drop_index('ix_feedback_items_category_language_channel', table_name='feedback_items')
