"""A real bot (migrated database, workers, the HTTP app) with an API client and tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from bot.api.tokens import create_token
from bot.config import Settings
from tests.harness import BotHarness, make_harness


@dataclass
class Api:
    """The bot, an HTTP client on its ASGI app, and a way to mint tokens."""

    harness: BotHarness
    client: httpx.AsyncClient

    async def token(self, *scopes: str, rate: int = 10_000) -> str:
        async with self.harness.bot.sessionmaker() as session:
            token, _ = await create_token(session, "test", list(scopes), rate_per_minute=rate)
            await session.commit()
        return token

    async def get(self, path: str, token: str | None, **params: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.client.get(f"/api/v1{path}", headers=headers, params=params)

    async def post(self, path: str, token: str | None, json: object = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.client.post(f"/api/v1{path}", headers=headers, json=json)


async def _api(settings: Settings) -> AsyncIterator[Api]:
    harness = await make_harness(settings)
    transport = httpx.ASGITransport(app=harness.bot.http)
    async with httpx.AsyncClient(transport=transport, base_url="http://sarafan.test") as client:
        yield Api(harness, client)
    await harness.close()


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    """The API on SQLite and on PostgreSQL."""
    settings = Settings(database_url=database_url, environment="test",
                        _env_file=None)  # type: ignore[call-arg]
    async for value in _api(settings):
        yield value


@pytest.fixture
async def sqlite_api(settings: Settings) -> AsyncIterator[Api]:
    """The API on SQLite only (for tests where storage does not matter)."""
    async for value in _api(settings):
        yield value

