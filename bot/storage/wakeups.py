"""Wake-ups shared by every process of a deployment: PostgreSQL's LISTEN/NOTIFY.

Each process wakes its own workers directly (an ``asyncio.Event``); with several processes on
one database, the process that stored an update or delivered a web-chat reply is often not
the one whose worker or long-poll is waiting. Without this they find out at their next poll
(the web chat rechecks every 2 s, the processor every 0.5 s). With it, every process LISTENs
on one channel and the others' events arrive within a round trip.

It is a hint, never a guarantee: the polls stay, so a lost notification (the listening
connection dropped, the database restarted) costs latency, not data. On SQLite (one process)
nothing is sent.

Nobody to tell, nothing sent: a process that has heard no other within ``PEER_SECONDS``
publishes nothing but its presence. Each says ``hello`` when it starts listening (the others
answer ``here`` at once) and ``here`` every ``PRESENCE_SECONDS``. A lone process on PostgreSQL
(the common deployment) sent a NOTIFY statement for most webhooks: at 100 updates/s, 763 of
12,979 statements in ten seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import make_url

log = logging.getLogger("sarafan.wakeups")

CHANNEL = "sarafan_wakeups"
RECONNECT_SECONDS = (0.5, 1.0, 2.0, 5.0)
"""Waits between attempts to (re)open the listening connection; the last one repeats."""

GATHER_SECONDS = 0.01
"""After a statement, wake-ups gather this long before the next one."""

PRESENCE_SECONDS = 10.0
"""How often a listening process says it is there."""

PEER_SECONDS = 3 * PRESENCE_SECONDS
"""A process not heard from for this long is gone: no more wake-ups are sent for it."""

HELLO, HERE = "hello", "here"
"""Presence: a process that starts listening says ``hello``; the others answer ``here``."""

Handler = Callable[[str, str], None]
"""Called with ``(kind, key)`` for each wake-up another process published."""


def asyncpg_dsn(database_url: str) -> str | None:
    """The asyncpg DSN of a PostgreSQL URL; ``None`` for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return None
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class Wakeups:
    """Publishes this process's wake-ups and delivers the other processes' to ``handler``."""

    def __init__(self, database_url: str, handler: Handler) -> None:
        self.dsn = asyncpg_dsn(database_url)
        self.handler = handler
        self.origin = f"{os.getpid()}.{secrets.token_hex(3)}"
        """Our own notifications come back to us too; they carry this and are skipped."""
        self._pending: set[str] = set()
        self._peers: dict[str, float] = {}
        """Other processes' origins, and when each was last heard (``time.monotonic()``)."""
        self._wake = asyncio.Event()
        self.connected = asyncio.Event()

    @property
    def enabled(self) -> bool:
        return self.dsn is not None

    @property
    def peers(self) -> int:
        """How many other processes were heard from within ``PEER_SECONDS``."""
        since = time.monotonic() - PEER_SECONDS
        return sum(1 for heard in self._peers.values() if heard > since)

    def publish(self, kind: str, key: str = "") -> None:
        """Tell the other processes (coalesced: one statement for what piles up meanwhile);
        nothing when none is listening."""
        if self.dsn is None or not self.peers:
            return
        self._announce(kind, key)

    def _announce(self, kind: str, key: str = "") -> None:
        self._pending.add(f"{self.origin} {kind} {key}")
        self._wake.set()

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Listen and publish until ``stop``; reconnects after any failure."""
        if self.dsn is None:
            return
        attempt = 0
        while not stop.is_set():
            try:
                await self._session(stop)
                attempt = 0
            except Exception as exc:  # a database outage or restart: try again, never crash
                self.connected.clear()
                delay = RECONNECT_SECONDS[min(attempt, len(RECONNECT_SECONDS) - 1)]
                attempt += 1
                log.info("wake-ups between processes paused (%s); retrying in %.1f s",
                         type(exc).__name__, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)

    async def _session(self, stop: asyncio.Event) -> None:
        import asyncpg  # type: ignore[import-untyped]  # the PostgreSQL driver, no stubs

        assert self.dsn is not None
        connection: Any = await asyncpg.connect(self.dsn)
        try:
            await connection.add_listener(CHANNEL, self._received)
            connection.add_termination_listener(lambda _connection: self._wake.set())
            self._announce(HELLO)  # after LISTEN: the answers cannot be missed
            self.connected.set()
            while not stop.is_set():
                # Before the wake-up is cleared: the termination listener may have set it
                # while a NOTIFY went out or during the gathering sleep.
                if connection.is_closed():
                    raise ConnectionError("the listening connection closed")
                if not self._pending:
                    self._wake.clear()
                    stopping = asyncio.ensure_future(stop.wait())
                    waking = asyncio.ensure_future(self._wake.wait())
                    try:
                        await asyncio.wait({stopping, waking}, timeout=PRESENCE_SECONDS,
                                           return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        stopping.cancel()
                        waking.cancel()
                    if not self._wake.is_set() and not stop.is_set():
                        self._announce(HERE)  # a quiet spell: still here
                    continue
                batch, self._pending = list(self._pending), set()
                await connection.execute(
                    "SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload",
                    CHANNEL, batch)
                # What is published meanwhile goes in the next statement: a burst of webhooks
                # costs ~100 statements a second, not one each.
                await asyncio.sleep(GATHER_SECONDS)
        finally:
            self.connected.clear()
            await connection.close(timeout=2)

    def _received(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        origin, _, rest = payload.partition(" ")
        if origin == self.origin:
            return
        self._peers[origin] = time.monotonic()
        kind, _, key = rest.partition(" ")
        if kind == HELLO:
            self._announce(HERE)  # so a process that just started knows at once who is here
            since = time.monotonic() - PEER_SECONDS  # and forget the ones long gone
            self._peers = {peer: at for peer, at in self._peers.items() if at > since}
        if kind in (HELLO, HERE):
            return
        try:
            self.handler(kind, key)
        except Exception:  # a wake-up must never take the listener down
            log.exception("wake-up %r failed", payload)
