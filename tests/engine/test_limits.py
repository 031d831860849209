"""Which sends wait for which limits: replies for their chat and group, bulk sends bot-wide too."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from bot.channels.base import BulkLimited, Limit
from bot.channels.messenger import MessengerChannel
from bot.config import MessengerSettings, load_settings
from bot.engine.ratelimit import SharedRateLimiter
from bot.engine.sender import Sender
from bot.messages import Reply
from bot.storage.models import OutboxItem
from bot.storage.session import SessionMaker
from tests.engine.helpers import RecordingChannel, open_db


class Clock:
    """A clock (Unix seconds) the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class BroadcastChannel(RecordingChannel):
    """A channel with a bot-wide cap for broadcasts, like Telegram's ~30 a second."""

    overall: int = 30

    def bulk_limits(self, account: str | None = None) -> Sequence[Limit]:
        return [Limit("test:all", self.overall, 1.0)]


async def queue(sessionmaker: SessionMaker, prefix: str, count: int, *, bulk: bool) -> None:
    """``count`` rows, one chat each, marked ``bulk`` or not."""
    async with sessionmaker.begin() as session:
        for n in range(count):
            chat = f"{prefix}{n}"
            session.add(OutboxItem(channel="test", chat_id=chat, chat_key=f"test::{chat}",
                                   reply=Reply(f"{prefix} {n}").to_json(), bulk=bulk))


def sender(sessionmaker: SessionMaker, channel: RecordingChannel, clock: Clock) -> Sender:
    return Sender(sessionmaker, {"test": channel}, limiter=SharedRateLimiter(clock))


def test_the_broadcast_channel_is_bulk_limited_and_the_recording_one_is_not() -> None:
    assert isinstance(BroadcastChannel(), BulkLimited)
    assert not isinstance(RecordingChannel(), BulkLimited)


async def test_replies_do_not_wait_for_the_bot_wide_limit(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    await queue(sessionmaker, "r", 45, bulk=False)
    channel = BroadcastChannel(limit=[Limit("chat:{chat}", 1, 1.0)])
    worker = sender(sessionmaker, channel, Clock())  # the clock stands still: one burst
    assert await worker.run_once() == 45
    assert worker.held_back is None
    await engine.dispose()


async def test_bulk_sends_wait_for_the_bot_wide_limit(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    await queue(sessionmaker, "b", 45, bulk=True)
    clock = Clock()
    worker = sender(sessionmaker, BroadcastChannel(), clock)
    assert await worker.run_once() == 30
    assert worker.held_back == pytest.approx(1 / 30)  # the computed wait: the next slot
    clock.now += 1.0
    assert await worker.run_once() == 15
    await engine.dispose()


async def test_replies_count_toward_the_bot_wide_limit_so_broadcasts_yield(
    database_url: str,
) -> None:
    engine, sessionmaker = await open_db(database_url)
    await queue(sessionmaker, "r", 25, bulk=False)
    await queue(sessionmaker, "b", 10, bulk=True)
    clock = Clock()
    channel = BroadcastChannel()
    worker = sender(sessionmaker, channel, clock)
    assert await worker.run_once() == 30  # 25 replies, then the 5 broadcasts left room for
    assert sum(text.startswith("r") for _, text in channel.sent) == 25
    clock.now += 1.0
    assert await worker.run_once() == 5
    await engine.dispose()


async def test_a_held_back_row_goes_after_its_wait_not_the_next_poll(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    async with sessionmaker.begin() as session:
        for text in ("first", "second"):
            session.add(OutboxItem(channel="test", chat_id="c", chat_key="test::c",
                                   reply=Reply(text).to_json()))
    channel = RecordingChannel(limit=[Limit("chat:{chat}", 1, 0.05)])
    worker = Sender(sessionmaker, {"test": channel})  # the real clock: a 50 ms window
    # One call with a poll far longer than the window sends both: the sender slept for the
    # computed wait; sleeping to the poll would have returned after the first.
    assert await worker.run_paced(asyncio.Event(), poll_seconds=3600.0) == 2
    assert channel.sent == [("c", "first"), ("c", "second")]
    await engine.dispose()


async def test_a_stop_ends_the_wait_for_a_held_back_row(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    async with sessionmaker.begin() as session:
        for text in ("first", "second"):
            session.add(OutboxItem(channel="test", chat_id="c", chat_key="test::c",
                                   reply=Reply(text).to_json()))
    channel = RecordingChannel(limit=[Limit("chat:{chat}", 1, 3000.0)])
    worker = Sender(sessionmaker, {"test": channel})
    stop = asyncio.Event()
    stop.set()  # asked to stop: no wait at all, whatever the limit says
    assert await worker.run_paced(stop, poll_seconds=3600.0) == 0
    assert worker.held_back is None
    await engine.dispose()


def test_messenger_limits_are_settings() -> None:
    settings = MessengerSettings(page_sends_per_second=100, thread_sends=2,
                                 thread_period_seconds=3.0)
    channel = MessengerChannel(graph=None, tokens={}, settings=settings)  # type: ignore[arg-type]
    page, thread = channel.limits("psid-1", "page-a")
    assert (page.count, page.period) == (100, 1.0)
    assert (thread.count, thread.period) == (2, 3.0)
    assert not isinstance(channel, BulkLimited)  # Meta's page cap applies to every call


def test_limits_load_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SARAFAN_TELEGRAM__BULK_PER_SECOND", "12")
    monkeypatch.setenv("SARAFAN_MESSENGER__THREAD_SENDS", "3")
    settings = load_settings()
    assert settings.telegram.bulk_per_second == 12
    assert settings.messenger.thread_sends == 3
    assert settings.telegram.per_chat_per_second == 1  # today's values stay the defaults
    assert settings.telegram.per_group_per_minute == 20
