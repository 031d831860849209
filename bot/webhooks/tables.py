"""Tables of bot.webhooks (filled in with its Alembic revision)."""

from __future__ import annotations
