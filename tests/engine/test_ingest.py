"""An inbound update is acknowledged only once it is durable, and a redelivery is handled once."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from tests.engine.helpers import inbox
from tests.harness import BotHarness
from tests.web.chat_ids import chat_headers

CHAT = "ingest-test-chat"


async def client(harness: BotHarness) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=harness.bot.http, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://sarafan.test",
                             headers=await chat_headers(harness.bot.http, CHAT))


async def test_web_chat_acknowledges_after_storing_and_once_per_client_id(
    harness: BotHarness,
) -> None:
    body = {"text": "/start", "client_id": "client-msg-0001"}
    async with await client(harness) as http:
        first = await http.post("/chat/api/messages", json=body)
        again = await http.post("/chat/api/messages", json=body)
    assert (first.status_code, first.json()["stored"]) == (202, True)
    assert (again.status_code, again.json()["stored"]) == (202, False)
    [row] = await inbox(harness.bot.sessionmaker)
    assert row.status == "pending"  # durable before any worker ran
    assert await harness.bot.processor.run_once() == 1
    assert await harness.bot.processor.run_once() == 0


async def test_nothing_is_acknowledged_when_it_could_not_be_stored(harness: BotHarness) -> None:
    async with harness.bot.sessionmaker.begin() as session:
        await session.execute(text("DROP TABLE inbox"))
    async with await client(harness) as http:
        response = await http.post("/chat/api/messages", json={"text": "hi"})
    assert response.status_code == 503  # the platform (or the page) sends it again later
    assert response.headers["retry-after"] == "5"
