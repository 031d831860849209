"""A real bot on SQLite and PostgreSQL with a scripted NLU and an operators' group."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from tests.harness import BotHarness
from tests.support.conftest import OPERATORS, ScriptedNlu, support_bot


@pytest.fixture
async def bot(database_url: str, nlu_model_dir: Path) -> AsyncIterator[BotHarness]:
    """The whole bot (migrated database, workers, jobs) on each database."""
    settings = Settings(database_url=database_url, environment="test",  # type: ignore[call-arg]
                        telegram={"operators_chat_id": OPERATORS},
                        nlu={"model_dir": nlu_model_dir}, _env_file=None)
    harness = await support_bot(settings, ScriptedNlu())
    yield harness
    await harness.close()
