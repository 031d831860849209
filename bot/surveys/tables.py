"""Tables of bot.surveys (filled in with its Alembic revision)."""

from __future__ import annotations
