"""One conversation on Messenger, Telegram and the web chat gets the same answers.

A single bot serves all three, as in production: Telegram polls the local Bot API server
(tests/fakes/botapi.py), Messenger posts signed webhooks and replies to the local Graph API
(tests/fakes/graphapi.py), the web chat goes through its HTTP API. Only the adapters differ.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.app import Bot, build_bot
from bot.config import TelegramSettings
from bot.engine.ratelimit import RateLimiter
from bot.i18n import gettext
from tests.channels.messenger_harness import (
    PAGE_A,
    MessengerHarness,
    dataset,
    envelope,
    messenger_settings,
    text_event,
)
from tests.fakes.botapi import TOKEN, FakeBotApi, dataset_update, eventually, running
from tests.fakes.graphapi import FakeGraphApi
from tests.web.chat_ids import chat_headers

TELEGRAM_NAME = ", Test Firstname Test Lastname"
"""Telegram tells us the first name and /start greets with it; Messenger and the web chat
do not know names, which is the one intended difference between the channels' answers."""
WEB_CHAT = "webchat-same-answers"
PSID = "6543210987654321"


@dataclass
class Everywhere:
    """The three ways into the same bot; each ``ask`` returns the one answer it got."""

    bot: Bot
    botapi: FakeBotApi
    messenger: MessengerHarness
    ids: itertools.count[int]

    async def telegram(self, text: str | None, payload: str | None) -> str:
        before = len(self.botapi.sent())
        update_id = next(self.ids)
        update = dataset_update("02_message_text.json", update_id)
        if payload is None:
            update["message"].update(text=text, message_id=update_id)
        else:
            tap = dataset_update("w03_callback_query.json", update_id)["callback_query"]
            tap["from"], tap["data"] = update["message"]["from"], payload
            tap["message"]["chat"] = update["message"]["chat"]
            update = {"update_id": update_id, "callback_query": tap}
        await self.botapi.add_update(update)
        await eventually(lambda: len(self.botapi.sent()) > before)
        return str(self.botapi.sent()[before]["text"])

    async def on_messenger(self, text: str | None, payload: str | None) -> str:
        before = len(self.messenger.graph.sent)
        if payload is None:
            event = text_event(PSID, text or "")
        else:
            event = dataset("messages_text_quick_reply.event.json", psid=PSID)
            event["message"].update(mid=f"m_tap{next(self.ids)}", quick_reply={"payload": payload})
        response = await self.messenger.deliver(envelope((PAGE_A, [event])))
        assert response.status_code == 200
        await eventually(lambda: len(self.messenger.graph.sent) > before)
        return self.messenger.graph.sent[before].text

    async def web_chat(self, text: str | None, payload: str | None) -> str:
        http = self.messenger.http
        before = await self._web_answers()
        body = {"text": text} if payload is None else {"payload": payload}
        assert (await http.post("/chat/api/messages", json=body)).status_code == 202
        answers: list[str] = []

        async def arrived() -> bool:
            answers[:] = await self._web_answers()
            return len(answers) > len(before)

        await eventually_async(arrived)
        return answers[len(before)]

    async def _web_answers(self) -> list[str]:
        response = await self.messenger.http.get("/chat/api/messages",
                                                 params={"after": 1})
        messages: list[dict[str, Any]] = response.json()["messages"]
        return [m["text"] for m in messages if m["direction"] == "out"]

    async def ask(self, text: str | None = None, payload: str | None = None) -> dict[str, str]:
        """The same message on every channel, one after the other."""
        return {
            "telegram": (await self.telegram(text, payload)).replace(TELEGRAM_NAME, ""),
            "messenger": await self.on_messenger(text, payload),
            "webchat": await self.web_chat(text, payload),
        }


async def eventually_async(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    """``eventually`` for an async check."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest.fixture
async def everywhere(sqlite_url: str) -> AsyncIterator[Everywhere]:
    botapi = await FakeBotApi(TOKEN).start()
    graph = FakeGraphApi({PAGE_A: "EAAG-page-a-token"})
    await graph.start()
    telegram = TelegramSettings(bot_token=SecretStr(TOKEN), api_base=botapi.base_url)
    settings = messenger_settings(sqlite_url, graph.base_url).model_copy(
        update={"telegram": telegram})
    bot = await build_bot(settings)
    # Time jumps between sends, so per-chat rate limits never make the test wait.
    bot.sender.limiter = RateLimiter(clock=itertools.count(0.0, 10.0).__next__)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=bot.http),
                             base_url="http://sarafan.test",
                             headers=await chat_headers(bot.http, WEB_CHAT))
    try:
        async with running(bot):
            yield Everywhere(bot, botapi, MessengerHarness(bot, graph, http), itertools.count(1))
    finally:
        await http.aclose()
        await bot.close()
        await graph.close()
        await botapi.stop()


async def test_start_help_unknown_command_and_language_choice(everywhere: Everywhere) -> None:
    steps: list[dict[str, str | None]] = [
        {"text": "/start"}, {"text": "/help"}, {"text": "/frobnicate"},
        {"payload": "lang:fa"}, {"text": "/help"}, {"text": "/nope"},
    ]
    seen = []
    for step in steps:
        answers = await everywhere.ask(**step)
        assert len(set(answers.values())) == 1, (step, answers)
        seen.append(answers["messenger"])
    assert seen[0].startswith("Hello!") and "/language" in seen[1] and "/frobnicate" in seen[2]
    assert seen[3] == gettext("fa", "I will write to you in English from now on.")
    assert seen[4] != seen[1]  # /help again, now in Persian


@pytest.mark.parametrize(("question", "expected"), [
    ("How long does delivery take?", "Delivery takes 1–3 working days"),
    ("Сколько идёт доставка?", "Доставка по ЕС занимает 1–3 рабочих дня"),
], ids=["en", "ru"])
async def test_a_support_question_and_its_rating_get_the_same_answers(
        everywhere: Everywhere, question: str, expected: str) -> None:
    answers = await everywhere.ask(text=question)
    assert len(set(answers.values())) == 1, answers
    assert expected in answers["messenger"]
    rated = await everywhere.ask(payload="rate:shipping_time:yes")
    assert len(set(rated.values())) == 1, rated
