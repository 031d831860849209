"""A real bot with the Messenger channel, wired to a local Graph API, plus Meta-shaped events.

Event shapes come from Meta's webhook reference, copied verbatim into ``messenger_webhooks/``
(see its PROVENANCE.md and SOURCES.json); placeholders like ``<PSID>`` are filled in here.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bot.app import Bot, build_bot
from bot.channels.messenger_signature import HEADER, sign
from bot.config import MessengerPage, MessengerSettings, Settings
from bot.engine.ratelimit import RateLimiter
from bot.storage.models import InboxItem
from tests.fakes.graphapi import FakeGraphApi

DATA = Path(__file__).parent / "messenger_webhooks"
PAGE_A, PAGE_B = "104519535647000", "104519535647111"
TOKENS = {PAGE_A: "EAAG-page-a-token", PAGE_B: "EAAG-page-b-token"}
APP_SECRET = "3b1f0c8e-app-secret"
VERIFY_TOKEN = "sarafan-verify-7q2"
WEBHOOK = "/messenger/webhook"
_mids = itertools.count(1)


def dataset(name: str, *, psid: str = "6543210987654321", page: str = PAGE_A) -> Any:
    """A published example with Meta's placeholders replaced by ids."""
    raw = (DATA / name).read_text(encoding="utf-8")
    return json.loads(raw.replace("<PSID>", psid).replace("<PAGE_ID>", page))


def envelope(*entries: tuple[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """A delivery as Meta batches it: one entry per page, each with its messaging events."""
    return {"object": "page", "entry": [
        {"id": page, "time": 1_700_000_000_000, "messaging": events} for page, events in entries]}


def text_event(psid: str, text: str, *, page: str = PAGE_A,
               mid: str | None = None) -> dict[str, Any]:
    """A plain text ``messages`` event, shaped like the published example."""
    event: dict[str, Any] = dataset("messages_reply_to.event.json", psid=psid, page=page)
    del event["message"]["reply_to"]
    event["message"].update(text=text, mid=mid or f"m_test{next(_mids)}")
    return event


@dataclass
class MessengerHarness:
    """Posts signed deliveries to the bot's HTTP app and runs its workers."""

    bot: Bot
    graph: FakeGraphApi
    http: httpx.AsyncClient
    now: list[float] = field(default_factory=lambda: [0.0])

    async def deliver(self, payload: Any, *, signature: str | None = None,
                      signed: bool = True) -> httpx.Response:
        """POST ``payload`` (bytes, or JSON-serialised) as Meta would."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signed:
            headers[HEADER] = signature or sign(body, APP_SECRET.encode())
        return await self.http.post(WEBHOOK, content=body, headers=headers)

    async def drain(self) -> None:
        """Run both workers until nothing is left; time jumps so rate limits never stall."""
        while True:
            self.now[0] += 10.0
            if not await self.bot.processor.run_once() + await self.bot.sender.run_once():
                return

    async def say(self, psid: str, text: str, *, page: str = PAGE_A) -> list[str]:
        """One text message from ``psid``; the texts the bot sent back through the Graph API."""
        before = len(self.graph.sent)
        response = await self.deliver(envelope((page, [text_event(psid, text, page=page)])))
        assert response.status_code == 200, response.text
        await self.drain()
        return [sent.text for sent in self.graph.sent[before:]]

    async def inbox_count(self) -> int:
        async with self.bot.sessionmaker() as session:
            return int(await session.scalar(select(func.count()).select_from(InboxItem)) or 0)


def messenger_settings(database_url: str, graph_base: str) -> Settings:
    """Test settings with two Messenger pages served by the local Graph API."""
    pages = [MessengerPage(page_id=p, access_token=t) for p, t in TOKENS.items()]  # type: ignore[arg-type]
    messenger = MessengerSettings(app_secret=APP_SECRET, verify_token=VERIFY_TOKEN,  # type: ignore[arg-type]
                                  graph_base=graph_base, pages=pages)
    return Settings(database_url=database_url, environment="test", messenger=messenger,
                    _env_file=None)  # type: ignore[call-arg]


@asynccontextmanager
async def messenger_bot(database_url: str) -> AsyncIterator[MessengerHarness]:
    """Start the fake Graph API, build the bot against it, and clean both up."""
    graph = FakeGraphApi(TOKENS)
    await graph.start()
    bot = await build_bot(messenger_settings(database_url, graph.base_url))
    harness = MessengerHarness(bot, graph, httpx.AsyncClient(
        transport=httpx.ASGITransport(app=bot.http), base_url="http://sarafan.test"))
    bot.sender.limiter = RateLimiter(clock=lambda: harness.now[0])
    try:
        yield harness
    finally:
        await harness.http.aclose()
        await bot.close()
        await graph.close()
