"""Instance secrets: generated once, the same for every process, survive restarts."""

from __future__ import annotations

import asyncio

from bot.storage.secrets import instance_secret
from tests.engine.helpers import open_db


async def test_every_process_gets_the_same_secret_even_when_they_race(database_url: str) -> None:
    engines = [await open_db(database_url, upgrade=index == 0) for index in range(4)]
    try:
        found = await asyncio.gather(*(instance_secret(maker, "webchat") for _, maker in engines))
        assert len(set(found)) == 1 and len(found[0]) == 32
        assert await instance_secret(engines[0][1], "webchat") == found[0]
        other = await instance_secret(engines[1][1], "another")
        assert other != found[0]
    finally:
        for engine, _ in engines:
            await engine.dispose()
