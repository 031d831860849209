"""Short claim leases kept alive by a heartbeat, and a worker identity that survives restarts.

A claim's lease is what lets another worker take over the row of a worker that died. A long
lease makes a chat wait that long after a crash; a short one would expire under a slow turn.
So leases are short and renewed while the process lives: one UPDATE per queue per beat, for
every claim held. A process restarted under the same identity hands its old claims back at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

from bot.storage import queue
from bot.storage.models import InboxItem, OutboxItem
from bot.storage.queue import Queue
from bot.storage.session import SessionMaker, writing

log = logging.getLogger("sarafan.leases")
QUEUES: tuple[Queue, ...] = (InboxItem, OutboxItem)
BEATS_PER_LEASE = 3
"""Renewals per lease period: two beats may be missed (a busy loop, a slow commit) safely."""


def worker_identity(configured: str | None, port: int) -> str:
    """The configured id, else host and port: stable across restarts, distinct per instance."""
    if configured:
        return configured
    if port == 0:  # a random port is not stable: nothing to reclaim after a restart
        return f"{socket.gethostname()}:{uuid.uuid4().hex[:12]}"
    return f"{socket.gethostname()}:{port}"


def claim_terms(leases: Leases | None, default_seconds: float) -> dict[str, Any]:
    """Keyword arguments of ``queue.claim``: the short lease and identity, or a fixed lease."""
    if leases is None:
        return {"lease_seconds": default_seconds}
    return {"lease_seconds": leases.seconds, "worker": leases.worker}


def holding(
    leases: Leases | None, model: Queue, token: str
) -> AbstractContextManager[None]:
    """``leases.holding(model, token)``, or nothing without a heartbeat."""
    return contextlib.nullcontext() if leases is None else leases.holding(model, token)


class Leases:
    """The claims this process holds, per queue, and their heartbeat."""

    def __init__(self, sessionmaker: SessionMaker, *, worker: str, seconds: float) -> None:
        self.sessionmaker, self.worker, self.seconds = sessionmaker, worker, seconds
        self._held: dict[Queue, Counter[str]] = {q: Counter() for q in QUEUES}
        """Tokens in use, counted: rows claimed together share one token."""

    @contextlib.contextmanager
    def holding(self, model: Queue, token: str) -> Iterator[None]:
        """Keep the claim ``token`` alive for the duration of the block."""
        held = self._held[model]
        held[token] += 1
        try:
            yield
        finally:
            held[token] -= 1
            if held[token] <= 0:
                del held[token]

    async def renew(self) -> int:
        """Extend every held lease; how many rows were renewed."""
        renewed = 0
        held = {model: set(tokens) for model, tokens in self._held.items() if tokens}
        if not held:
            return 0
        async with writing(self.sessionmaker), self.sessionmaker.begin() as session:
            for model, tokens in held.items():
                renewed += await queue.renew(session, model, tokens, lease_seconds=self.seconds)
        return renewed

    async def reclaim_own(self) -> int:
        """At start: release what a dead run under this identity still held."""
        async with writing(self.sessionmaker), self.sessionmaker.begin() as session:
            released = [await queue.release_own(session, model, self.worker) for model in QUEUES]
        if any(released):
            log.info("took back %d inbox and %d outbox claim(s) of this worker's previous run",
                     *released)
        return sum(released)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Renew every ``seconds / BEATS_PER_LEASE`` until ``stop``; a failed beat is retried."""
        interval = self.seconds / BEATS_PER_LEASE
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
            try:
                await self.renew()
            except Exception as exc:  # an outage: the next beat tries again
                log.debug("lease renewal failed: %s", exc)
