"""Fixtures for feedback: a real bot on SQLite and PostgreSQL with the trained NLU."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.feedback.tables import FeedbackItem
from tests.harness import BotHarness, make_harness


@pytest.fixture
async def fb(database_url: str) -> AsyncIterator[BotHarness]:
    """A production-built bot (migrated database, trained NLU) with a collecting channel."""
    settings = Settings(database_url=database_url, environment="test",  # type: ignore[call-arg]
                        _env_file=None)
    harness = await make_harness(settings)
    yield harness
    await harness.close()


async def items(bot: BotHarness) -> list[FeedbackItem]:
    """Every stored feedback item, oldest first."""
    async with bot.bot.sessionmaker() as session:
        return list((await session.scalars(select(FeedbackItem).order_by(FeedbackItem.id))).all())
