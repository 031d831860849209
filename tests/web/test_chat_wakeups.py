"""A web-chat long-poll wakes when its own chat gets a reply, and not for anyone else's."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.engine.signals import ChatSignals
from bot.storage.inbox import chat_key
from bot.storage.models import MessageLog
from bot.web.chat import RECHECK_SECONDS
from tests.harness import BotHarness
from tests.web.chat_ids import chat_client

CHAT = "chat-wakeup-0001"
API = "/chat/api/messages"


@pytest.fixture
async def client(harness: BotHarness) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP straight into the bot's ASGI app, speaking for the chat ``CHAT``."""
    async with chat_client(harness.bot.http, CHAT) as http:
        yield http


async def deliver(harness: BotHarness, chat_id: str) -> None:
    """What the sender does: log the reply, then signal that chat."""
    async with harness.bot.sessionmaker.begin() as session:
        session.add(MessageLog(direction="out", channel="webchat", chat_id=chat_id, text="Hi"))
    signals: ChatSignals = harness.bot.state.extras["chat_signals"]
    signals.notify(chat_key("webchat", None, chat_id))


async def test_a_reply_to_the_chat_answers_its_long_poll_at_once(
        harness: BotHarness, client: httpx.AsyncClient) -> None:
    poll = asyncio.create_task(client.get(API, params={"after": 0, "wait": 1}))
    await asyncio.sleep(0.3)  # the poll has read nothing and waits
    assert not poll.done()
    await deliver(harness, CHAT)
    # Well before the fallback recheck: the signal, not the timer, answered.
    response = await asyncio.wait_for(poll, timeout=RECHECK_SECONDS / 2)
    assert [m["text"] for m in response.json()["messages"]] == ["Hi"]


async def test_a_reply_to_another_chat_leaves_the_long_poll_waiting(
        harness: BotHarness, client: httpx.AsyncClient) -> None:
    poll = asyncio.create_task(client.get(API, params={"after": 0, "wait": 1}))
    await asyncio.sleep(0.3)
    await deliver(harness, "chat-someone-else")
    await asyncio.sleep(0.3)
    assert not poll.done()
    poll.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await poll
