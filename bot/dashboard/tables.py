"""Tables of bot.dashboard (filled in with its Alembic revision)."""

from __future__ import annotations
