"""Imports every module that defines tables, so Alembic and tests see the whole schema."""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from bot.storage.base import Base

# Feature modules add their table modules here when they add a migration.
TABLE_MODULES = (
    "bot.storage.models",
    "bot.support.tickets",
    "bot.storage.events",
    "bot.storage.secrets",
    "bot.scheduler.tables",
    "bot.consent.tables",
    "bot.surveys.tables",
    "bot.feedback.tables",
    "bot.beta.tables",
    "bot.webhooks.tables",
    "bot.api.tables",
    "bot.dashboard.tables",
)


def all_metadata() -> MetaData:
    """The metadata with every Sarafan table registered."""
    for name in TABLE_MODULES:
        importlib.import_module(name)
    return Base.metadata
