"""Tables of bot.feedback (filled in with its Alembic revision)."""

from __future__ import annotations
