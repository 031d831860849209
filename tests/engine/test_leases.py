"""Short renewed leases: a live worker keeps its claims, a restarted one takes back its own."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.engine.leases import Leases, worker_identity
from bot.storage import queue
from bot.storage.base import utcnow
from bot.storage.inbox import enqueue
from bot.storage.models import InboxItem
from bot.storage.session import SessionMaker
from tests.engine.helpers import Counting, inbox, message, open_db, outbox_texts, processor


async def _claim_first(sessionmaker: SessionMaker, leases: Leases) -> str:
    async with sessionmaker.begin() as session:
        [row] = await queue.candidates(session, InboxItem, skip_chats=set(), limit=1)
        token = await queue.claim(session, row, lease_seconds=leases.seconds,
                                  worker=leases.worker)
    assert token is not None
    return token


async def test_heartbeat_extends_only_the_claims_still_held(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    await enqueue(sessionmaker, message("c1", "hello"))
    leases = Leases(sessionmaker, worker="host:1", seconds=30)
    token = await _claim_first(sessionmaker, leases)
    [before] = await inbox(sessionmaker)
    assert before.lease_until is not None and before.claimed_by == "host:1"
    with leases.holding(InboxItem, token):
        await asyncio.sleep(0.01)  # utcnow must move on for the renewed lease to be later
        assert await leases.renew() == 1
    [after] = await inbox(sessionmaker)
    assert after.lease_until is not None and after.lease_until > before.lease_until
    assert await leases.renew() == 0  # released: nothing held, no statement at all
    await engine.dispose()


async def test_a_slow_turn_keeps_its_chat_while_the_heartbeat_beats(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    await enqueue(sessionmaker, message("c1", "hello"))
    leases = Leases(sessionmaker, worker="host:1", seconds=1)
    token = await _claim_first(sessionmaker, leases)
    other = processor(sessionmaker, Counting())
    stop = asyncio.Event()
    with leases.holding(InboxItem, token):
        beating = asyncio.create_task(leases.run_forever(stop))
        deadline = utcnow() + timedelta(seconds=2.5)  # past the 1 s lease, twice
        while utcnow() < deadline:
            assert await other.run_once() == 0, "a live worker's claim was taken over"
            await asyncio.sleep(0.1)
        stop.set()
        await beating
    await engine.dispose()


async def test_a_restarted_worker_takes_back_its_own_claims_at_once(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    await enqueue(sessionmaker, message("mine", "hello"))
    await enqueue(sessionmaker, message("theirs", "hello"))
    dead = Leases(sessionmaker, worker="host:1", seconds=600)
    await _claim_first(sessionmaker, dead)  # then killed -9: the claim stays behind
    alive = Leases(sessionmaker, worker="host:2", seconds=600)
    await _claim_first(sessionmaker, alive)
    restarted = Leases(sessionmaker, worker="host:1", seconds=600)
    assert await restarted.reclaim_own() == 1
    assert await processor(sessionmaker, Counting(), leases=restarted).run_once() == 1
    assert await outbox_texts(sessionmaker, "mine") == ["1:hello"]
    statuses = {row.chat_key: row.status for row in await inbox(sessionmaker)}
    assert statuses == {"test::mine": "done", "test::theirs": "processing"}
    await engine.dispose()


def test_worker_identity_is_stable_per_host_and_port() -> None:
    assert worker_identity(None, 8080) == worker_identity(None, 8080)
    assert worker_identity(None, 8080) != worker_identity(None, 8081)
    assert worker_identity("blue-1", 8080) == "blue-1"
    assert worker_identity(None, 0) != worker_identity(None, 0)
