"""Wake-ups between the processes of one deployment (PostgreSQL LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg  # type: ignore[import-untyped]
import pytest

from bot.storage import wakeups as wakeups_module
from bot.storage.wakeups import CHANNEL, Handler, Wakeups, asyncpg_dsn

pytestmark = pytest.mark.postgres


class Heard:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        self.changed = asyncio.Event()

    def __call__(self, kind: str, key: str) -> None:
        self.items.append((kind, key))
        self.changed.set()

    async def until(self, count: int) -> list[tuple[str, str]]:
        async with asyncio.timeout(5):
            while len(self.items) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.items


async def met(*processes: Wakeups) -> None:
    """Until each of ``processes`` has heard from all the others."""
    async with asyncio.timeout(5):
        while any(p.peers < len(processes) - 1 for p in processes):  # noqa: ASYNC110
            await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def running(url: str, heard: Handler) -> AsyncIterator[Wakeups]:
    wakeups, stop = Wakeups(url, heard), asyncio.Event()
    task = asyncio.create_task(wakeups.run_forever(stop))
    await asyncio.wait_for(wakeups.connected.wait(), 10)
    try:
        yield wakeups
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_another_process_hears_what_one_publishes_and_not_its_own(
    postgres_url: str,
) -> None:
    first, second = Heard(), Heard()
    async with running(postgres_url, first) as a, running(postgres_url, second) as b:
        await met(a, b)
        a.publish("chat", "webchat::x1")
        a.publish("chat", "webchat::x1")  # coalesced with the first
        a.publish("inbox")
        assert sorted(await second.until(2)) == [("chat", "webchat::x1"), ("inbox", "")]
        b.publish("chat", "webchat::y")
        assert await first.until(1) == [("chat", "webchat::y")]
        await asyncio.sleep(0.2)
        assert first.items == [("chat", "webchat::y")]  # never its own


async def test_listening_resumes_after_the_connection_is_killed(postgres_url: str) -> None:
    heard = Heard()
    async with running(postgres_url, heard) as listener, running(postgres_url, Heard()) as talker:
        dsn = asyncpg_dsn(postgres_url)
        admin = await asyncpg.connect(dsn)
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND datname = current_database() "
                # The listening connections: their last statement was LISTEN or a NOTIFY.
                "AND (query LIKE $1 OR query LIKE '%pg_notify%')", f"%LISTEN%{CHANNEL}%")
        finally:
            await admin.close()
        async with asyncio.timeout(10):
            while listener.connected.is_set():  # noqa: ASYNC110  # no event for "lost"
                await asyncio.sleep(0.05)
            await listener.connected.wait()
            while not heard.items:  # the talker may have reconnected too: publish until heard
                talker.publish("chat", "webchat::after")
                await asyncio.sleep(0.1)
        assert heard.items[0] == ("chat", "webchat::after")


async def test_a_failing_handler_does_not_stop_the_listener(postgres_url: str) -> None:
    calls: list[str] = []

    def flaky(kind: str, key: str) -> None:
        calls.append(key)
        if key == "bad":
            raise RuntimeError("boom")

    heard = Heard()
    async with running(postgres_url, flaky) as listener, \
            running(postgres_url, heard) as talker:
        await met(listener, talker)
        talker.publish("chat", "bad")
        talker.publish("chat", "good")
        async with asyncio.timeout(5):
            while sorted(calls) != ["bad", "good"]:  # noqa: ASYNC110  # a plain callback
                await asyncio.sleep(0.05)


async def test_a_lone_process_sends_only_its_presence(postgres_url: str) -> None:
    """One process on PostgreSQL has nobody to wake: its wake-ups cost no statement until
    another process says hello, and stop once that one has been silent for PEER_SECONDS."""
    dsn = asyncpg_dsn(postgres_url)
    spy = await asyncpg.connect(dsn)
    payloads: list[str] = []
    await spy.add_listener(CHANNEL, lambda _c, _pid, _ch, payload: payloads.append(payload))
    try:
        async with running(postgres_url, Heard()) as alone:
            for _ in range(20):
                alone.publish("inbox")
            await asyncio.sleep(0.3)
            assert [p.split(" ")[1] for p in payloads] == ["hello"]
            second = Heard()
            async with running(postgres_url, second) as newcomer:
                await met(alone, newcomer)  # hello, answered by "here" at once
                alone.publish("inbox")
                assert await second.until(1) == [("inbox", "")]
                async with asyncio.timeout(5):  # the spy's own copy may come later
                    while not any(p.endswith(" inbox ") for p in payloads):  # noqa: ASYNC110
                        await asyncio.sleep(0.01)
                # The newcomer falls silent (as if gone) for longer than PEER_SECONDS.
                alone._peers = {origin: at - wakeups_module.PEER_SECONDS - 1
                                for origin, at in alone._peers.items()}
                assert alone.peers == 0
                before = len(payloads)
                alone.publish("inbox")
                await asyncio.sleep(0.3)
                assert payloads[before:] == []
                assert second.items == [("inbox", "")]
    finally:
        await spy.close()


def test_sqlite_has_none() -> None:
    wakeups = Wakeups("sqlite+aiosqlite:///x.db", lambda kind, key: None)
    assert not wakeups.enabled
    wakeups.publish("inbox")  # nothing to do, no error
    assert asyncpg_dsn("postgresql+asyncpg://u:p@h:5/db") == "postgresql://u:p@h:5/db"
