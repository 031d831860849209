"""A database outage: 503 with Retry-After everywhere, one log line, readiness fails, and a turn
that failed mid-outage gives its claim back as soon as the database answers again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import httpx
import pytest

from bot.app import Bot
from bot.engine.loop import run_until_stopped
from bot.engine.types import ContactInfo
from bot.storage.inbox import enqueue
from tests.engine.helpers import Boom, Counting, message, open_db, outbox_texts, processor
from tests.hardening.outage import Outage
from tests.hardening.test_hostile_input import (
    CHAT,
    messenger_text,
    telegram_text,
    to_chat,
    to_messenger,
    to_telegram,
)

CHAT_BODY = b'{"text": "hello"}'  # for the client's chat (its header)


async def test_every_door_answers_503_and_the_log_has_one_line_per_outage(
    doors: Bot, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    assert (await client.get("/readyz")).status_code == 200
    caplog.set_level(logging.INFO)
    with Outage(doors.engine).during():
        answers = []
        for n in range(10):
            answers += [
                await to_telegram(client, telegram_text(100 + n, '"hi"')),
                await to_messenger(client, messenger_text('"6543210987654321"', '"hi"',
                                                          mid=f"m_out{n}")),
                await to_chat(client, CHAT_BODY),
                await client.get(CHAT, params={"after": "0"}),
                await client.get("/readyz"),
            ]
        assert (await client.get("/healthz")).status_code == 200  # liveness: still alive
    assert {a.status_code for a in answers} == {503}, [a.text for a in answers[:5]]
    assert all(a.headers.get("retry-after") == "5" for a in answers)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage().split(" (")[0] for r in errors] == ["database unreachable"]
    assert all(r.exc_info is None for r in caplog.records)  # no tracebacks

    caplog.clear()
    assert (await client.get("/readyz")).status_code == 200
    assert (await to_chat(client, CHAT_BODY)).status_code == 202
    assert (await to_telegram(client, telegram_text(999, '"hi"'))).status_code == 200
    [back] = [r for r in caplog.records if r.name == "sarafan.database"]
    assert "reachable again" in back.getMessage()
    assert "(50 requests answered 503)" in back.getMessage()


async def test_a_turn_failing_mid_outage_releases_its_claim_when_the_database_returns(
    database_url: str,
) -> None:
    engine, sessionmaker = await open_db(database_url)
    outage = Outage(engine)
    feature = Counting()

    async def crash_once(_session: Any, _contact: ContactInfo, _record: Any) -> None:
        if feature.boom_calls == 0:
            feature.boom_calls += 1
            outage.start()  # the database goes away in the middle of the turn
            raise ConnectionResetError("connection lost mid-turn [simulated]")

    feature.registry.record(Boom, crash_once)
    worker = processor(sessionmaker, feature)
    try:
        await enqueue(sessionmaker, message("c1", "boom"))
        with contextlib.suppress(OSError):  # before the fix, releasing the claim failed here
            await worker.run_once()
        outage.end()
        # No 60 s wait for the lease: the next round hands the claim back and runs the turn.
        assert await worker.run_once() == 1
        assert await outbox_texts(sessionmaker, "c1") == ["1:boom"]
    finally:
        outage.end()
        await engine.dispose()


async def test_a_worker_loop_failing_every_poll_logs_once_and_once_more_when_it_works(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stop, wake = asyncio.Event(), asyncio.Event()
    rounds = 0

    async def work(_stop: asyncio.Event) -> int:
        nonlocal rounds
        rounds += 1
        if rounds == 8:
            stop.set()
        if rounds <= 5:
            raise ConnectionRefusedError(111, "refused")
        return 0

    caplog.set_level(logging.INFO, logger="sarafan.worker")
    await run_until_stopped(work, wake=wake, stop=stop, name="inbox", poll_seconds=0)
    logged = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "sarafan.worker"]
    assert logged == [("ERROR", "inbox loop failed; retrying quietly until it works"),
                      ("INFO", "inbox loop works again")]
