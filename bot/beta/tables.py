"""Tables of bot.beta (filled in with its Alembic revision)."""

from __future__ import annotations
