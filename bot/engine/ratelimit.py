"""Send rate limits (per chat, per group, per page, bot-wide) by the generic cell rate algorithm.

A ``Limit(key, count, period)`` keeps one number per key, its "theoretical arrival time" (TAT):
a send is allowed while ``tat - now <= period - period / count`` and moves the key's TAT to
``max(tat, now) + period / count``. That allows a burst of ``count`` at once and then one send
every ``period / count``: over any stretch of ``t`` seconds at most ``count + t * count / period``.
One number per key is what lets every sender process share the state in the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Mapping, MutableMapping
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import Limit
from bot.storage import send_rates

EPSILON = 1e-9
"""Float slack, so a send exactly one interval later is not held back by a rounding error."""


def wait(tats: Mapping[str, float], limits: Iterable[Limit], now: float) -> float:
    """Seconds until a send under ``limits`` is allowed; 0 when it is allowed now."""
    longest = 0.0
    for limit in limits:
        tat = tats.get(limit.key)
        if tat is not None:
            longest = max(longest, tat - now - (limit.period - limit.period / limit.count))
    return longest if longest > EPSILON else 0.0


def take(tats: MutableMapping[str, float], limits: Iterable[Limit], now: float) -> None:
    """Count one send against every limit of ``limits``."""
    for limit in limits:
        tats[limit.key] = max(tats.get(limit.key, now), now) + limit.period / limit.count


def charge(tats: MutableMapping[str, float], waited: Iterable[Limit], also: Iterable[Limit],
           now: float) -> None:
    """Count a send that waited for ``waited`` and counts toward ``also`` without waiting.

    A send that did not wait (a reply, for the bot-wide limit) fills that limit at most to one
    period ahead: a spike of replies holds broadcasts back while it lasts, not for as long
    again after it.
    """
    waited = list(waited)
    take(tats, waited, now)
    keys = {limit.key for limit in waited}
    for limit in also:
        if limit.key not in keys:
            tat = max(tats.get(limit.key, now), now) + limit.period / limit.count
            tats[limit.key] = min(tat, max(now + limit.period, tats.get(limit.key, now)))


class Limiter(Protocol):
    """Where a sender keeps the arrival times: each call is part of its claim transaction."""

    clock: Callable[[], float]
    """Unix seconds: a shared limiter compares them across processes (hosts keep NTP time)."""

    async def lock(self, session: AsyncSession) -> None:
        """Before ``load``: keep other senders off these keys until ``session`` commits."""

    async def load(self, session: AsyncSession, keys: Collection[str]) -> dict[str, float]:
        """The arrival times stored for ``keys`` (a key with none holds nothing back)."""
        ...

    async def save(self, session: AsyncSession, tats: Mapping[str, float]) -> None:
        """Store new arrival times, with the claim they belong to."""

    async def prune(self, session: AsyncSession) -> int:
        """Forget keys whose arrival time has passed; how many."""
        ...


class RateLimiter:
    """Keeps the arrival times in this process: for one sender process, and for tests."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._tats: dict[str, float] = {}

    async def lock(self, session: AsyncSession) -> None:
        """One sender per process: nobody else to keep off."""

    async def load(self, session: AsyncSession, keys: Collection[str]) -> dict[str, float]:
        """The arrival times of ``keys`` kept here."""
        return {key: self._tats[key] for key in keys if key in self._tats}

    async def save(self, session: AsyncSession, tats: Mapping[str, float]) -> None:
        """Keep the new arrival times."""
        self._tats.update(tats)

    async def prune(self, session: AsyncSession) -> int:
        """Forget keys whose arrival time has passed; how many."""
        now = self.clock()
        stale = [key for key, tat in self._tats.items() if tat < now]
        for key in stale:
            del self._tats[key]
        return len(stale)

    def delay(self, limits: Iterable[Limit]) -> float:
        """Seconds to wait before a send under ``limits`` is allowed (0 when allowed now)."""
        return wait(self._tats, limits, self.clock())

    def record(self, limits: Iterable[Limit]) -> None:
        """Count one send against every limit."""
        take(self._tats, limits, self.clock())


class SharedRateLimiter:
    """Keeps the arrival times in the ``send_rates`` table: N processes share each limit.

    Reads and writes happen in the sender's claim transaction, one statement each for the
    whole batch, after ``lock`` (processes wait for each other's claim to commit).
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    async def lock(self, session: AsyncSession) -> None:
        """Take the ``send_rates`` lock row until the claim commits."""
        await send_rates.lock(session)

    async def load(self, session: AsyncSession, keys: Collection[str]) -> dict[str, float]:
        """One query for the batch's keys."""
        return await send_rates.load(session, keys)

    async def save(self, session: AsyncSession, tats: Mapping[str, float]) -> None:
        """One upsert for the batch's keys."""
        await send_rates.save(session, tats)

    async def prune(self, session: AsyncSession) -> int:
        """Delete the rows of keys that hold nothing back (chats long quiet)."""
        return await send_rates.prune(session, before=self.clock())
