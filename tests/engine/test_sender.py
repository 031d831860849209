"""Outbox delivery on SQLite and PostgreSQL: order, rate limits, retries, crashes, restarts."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.channels.base import Limit, PermanentFailure, RetryLater
from bot.config import Settings
from bot.engine import ratelimit
from bot.engine import sender as sender_module
from bot.engine.ratelimit import SharedRateLimiter
from bot.engine.sender import Sender, backoff
from bot.storage import send_rates
from bot.storage.base import utcnow
from bot.storage.models import MessageLog, OutboxItem
from bot.storage.session import SessionMaker
from tests.engine.helpers import (
    RecordingChannel,
    message,
    open_db,
    queue_replies,
    rows,
    statements,
)
from tests.harness import make_harness


class Crash(BaseException):
    """The process dies: nothing after this line runs."""


class Clock:
    """A clock (Unix seconds) the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def sender(sessionmaker: SessionMaker, channel: RecordingChannel, clock: Clock | None = None
           ) -> Sender:
    return Sender(sessionmaker, {"test": channel}, limiter=SharedRateLimiter(clock or Clock()))


async def statuses(sessionmaker: SessionMaker) -> list[str]:
    return [row.status for row in await rows(sessionmaker, OutboxItem)]


async def test_each_chat_gets_its_replies_in_order(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    await queue_replies(sessionmaker, *((f"c{n % 3}", f"r{n}") for n in range(12)))
    channel = RecordingChannel()
    assert await sender(sessionmaker, channel).run_once() == 12
    for chat in ("c0", "c1", "c2"):
        texts = [text for to, text in channel.sent if to == chat]
        assert texts == sorted(texts, key=lambda t: int(t[1:]))
    out = await rows(sessionmaker, MessageLog)
    assert len(out) == 12
    assert {m.direction for m in out} == {"out"}
    assert all(m.platform_message_id for m in out)
    # What was sent, as the reply's text and its whole JSON; in the order the rows were sent.
    assert sorted(m.text or "" for m in out) == sorted(f"r{n}" for n in range(12))
    assert all(m.body is not None and m.body["text"] == m.text for m in out)
    sent = {row.id: row for row in await rows(sessionmaker, OutboxItem)}
    assert all(sent_row.status == "sent" for sent_row in sent.values())
    by_message = {row.platform_message_id: row for row in sent.values()}
    assert all(by_message[m.platform_message_id].chat_id == m.chat_id for m in out)
    await engine.dispose()


async def test_a_claim_that_can_find_nothing_is_not_made(database_url: str) -> None:
    """After a batch, the sender claims again only for known work: a chat's later row (it may
    go once the earlier one is out), a full batch, or a wake-up; not to find nothing."""
    engine, sessionmaker = await open_db(database_url)
    claims = statements(engine, "SELECT outbox.id")
    channel = RecordingChannel()
    outbox = sender(sessionmaker, channel)
    await queue_replies(sessionmaker, ("c1", "one"))
    assert await outbox.run_once() == 1
    assert len(claims) == 1  # was 2: the second found nothing
    claims.clear()
    await queue_replies(sessionmaker, ("c1", "two"), ("c1", "three"), ("c2", "four"))
    assert await outbox.run_once() == 3  # c1's "three" waits for "two", then goes at once
    assert [text for to, text in channel.sent if to == "c1"] == ["one", "two", "three"]
    assert len(claims) == 2
    await engine.dispose()


async def test_rate_limits_hold_sends_back_until_their_turn(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    await queue_replies(sessionmaker, *((chat, f"{chat}-{n}") for n in range(3)
                                        for chat in ("a", "b")))
    clock = Clock()
    channel = RecordingChannel(limit=[Limit("chat:{chat}", 1, 1.0), Limit("all", 3, 10.0)])
    worker = sender(sessionmaker, channel, clock)
    assert await worker.run_once() == 2  # one per chat
    clock.now += 1.0
    assert await worker.run_once() == 1  # the global limit's burst of 3 is used up
    assert worker.held_back == pytest.approx(10 / 3 - 1)  # then one send every 10/3 s
    clock.now += 2.0
    assert await worker.run_once() == 0
    for _ in range(3):
        clock.now += 10 / 3 + 0.01
        assert await worker.run_once() == 1
    assert [text for chat, text in channel.sent if chat == "a"] == ["a-0", "a-1", "a-2"]
    assert [text for chat, text in channel.sent if chat == "b"] == ["b-0", "b-1", "b-2"]
    await engine.dispose()


async def test_retry_later_is_honoured_and_keeps_the_chat_in_order(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    await queue_replies(sessionmaker, ("c1", "first"), ("c1", "second"), ("c2", "other"))
    channel = RecordingChannel(errors=[RetryLater("429 Too Many Requests", 0.4)])
    worker = sender(sessionmaker, channel)
    started = utcnow()
    assert await worker.run_once() == 1  # c2 is not held up by c1's wait
    first = (await rows(sessionmaker, OutboxItem))[0]
    assert first.status == "pending"
    assert "429" in (first.error or "")
    assert first.not_before >= started + timedelta(seconds=0.4)
    calls = channel.calls
    assert await worker.run_once() == 0
    assert channel.calls == calls  # not tried again before the time the platform asked for
    await asyncio.sleep(0.45)
    assert await worker.run_once() == 2
    assert channel.sent == [("c2", "other"), ("c1", "first"), ("c1", "second")]
    await engine.dispose()


async def test_permanent_failure_closes_the_row_and_the_chat_moves_on(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    await queue_replies(sessionmaker, ("c1", "blocked"), ("c1", "next"))
    channel = RecordingChannel(errors=[PermanentFailure("403 bot was blocked by the user")])
    assert await sender(sessionmaker, channel).run_once() == 1
    assert await statuses(sessionmaker) == ["failed", "sent"]
    assert channel.sent == [("c1", "next")]
    await engine.dispose()


async def test_unexpected_error_backs_off_and_gives_up_after_max_attempts(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, sessionmaker = await open_db(database_url)
    await queue_replies(sessionmaker, ("c1", "x"))
    monkeypatch.setattr(sender_module, "backoff", lambda _attempt: 0.0)
    channel = RecordingChannel(errors=[OSError("connection reset")] * 20)
    worker = sender(sessionmaker, channel)
    for _ in range(sender_module.MAX_ATTEMPTS + 2):
        await worker.run_once()
    [row] = await rows(sessionmaker, OutboxItem)
    assert row.status == "failed"
    assert (row.error or "").startswith("gave up")
    assert channel.calls == sender_module.MAX_ATTEMPTS
    await engine.dispose()


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff(30) == 300.0


async def test_send_that_succeeded_before_a_crash_is_sent_again_after_the_lease(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, sessionmaker = await open_db(database_url)
    await queue_replies(sessionmaker, ("c1", "hello"), ("c1", "after"))
    monkeypatch.setattr(sender_module, "LEASE_SECONDS", 0.3)
    channel = RecordingChannel(errors=[Crash()])
    with pytest.raises(Crash):
        await sender(sessionmaker, channel).run_once()
    assert await statuses(sessionmaker) == ["processing", "pending"]
    restarted = sender(sessionmaker, channel)
    assert await restarted.run_once() == 0  # the dead sender's lease still holds
    await asyncio.sleep(0.35)
    assert await restarted.run_once() == 2
    # At-least-once: the platform got "hello" twice, the log records one delivery of each.
    assert channel.sent == [("c1", "hello"), ("c1", "hello"), ("c1", "after")]
    assert [m.text for m in await rows(sessionmaker, MessageLog)] == ["hello", "after"]
    await engine.dispose()


async def test_rows_of_unconfigured_channels_are_left_for_others(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    await queue_replies(sessionmaker, ("c1", "hello"))
    assert await Sender(sessionmaker, {}).run_once() == 0
    assert await statuses(sessionmaker) == ["pending"]
    await engine.dispose()


async def test_a_new_bot_sends_what_the_old_one_left_pending(database_url: str) -> None:
    settings = Settings(database_url=database_url, environment="test",
                        _env_file=None)  # type: ignore[call-arg]
    first = await make_harness(settings)
    await first.bot.ingest(message("c1", "/start"))
    assert await first.bot.processor.run_once() == 1
    await first.close()  # stopped before its sender ran
    second = await make_harness(settings)
    assert await second.bot.sender.run_once() == 1
    assert "Hello" in second.channel.sent[0][1].text
    await second.close()


async def test_a_backlog_of_another_channel_does_not_starve_this_one(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    async with sessionmaker.begin() as session:  # a channel this deployment no longer serves
        session.add_all(OutboxItem(channel="gone", chat_id=f"g{n}", chat_key=f"gone::g{n}",
                                   reply='{"text": "old"}') for n in range(60))
    await queue_replies(sessionmaker, ("c1", "fresh"))
    channel = RecordingChannel()
    assert await sender(sessionmaker, channel).run_once() == 1
    assert channel.sent == [("c1", "fresh")]
    await engine.dispose()


async def test_chats_held_by_their_rate_limit_do_not_hold_back_the_others(
    database_url: str,
) -> None:
    engine, sessionmaker = await open_db(database_url)
    await queue_replies(sessionmaker, *((f"busy{n}", "second") for n in range(60)))
    await queue_replies(sessionmaker, ("quiet", "hello"))
    clock = Clock()
    channel = RecordingChannel(limit=[Limit("chat:{chat}", 1, 60.0)])
    worker = sender(sessionmaker, channel, clock)
    tats: dict[str, float] = {}
    for n in range(60):  # each busy chat was just sent its first message
        ratelimit.take(tats, channel.limits(f"busy{n}"), clock.now)
    async with sessionmaker.begin() as session:
        await send_rates.save(session, tats)
    assert await worker.run_once() == 1
    assert channel.sent == [("quiet", "hello")]
    await engine.dispose()
