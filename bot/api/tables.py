"""Tables of bot.api (filled in with its Alembic revision)."""

from __future__ import annotations
