"""Fixtures shared by the channel tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.botapi import TOKEN, FakeBotApi


@pytest.fixture
async def botapi() -> AsyncIterator[FakeBotApi]:
    """The local Bot API server."""
    server = await FakeBotApi(TOKEN).start()
    yield server
    await server.stop()
