"""Delivers the outbox: per-chat order, platform rate limits, retries and permanent failures."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta

from sqlalchemy.exc import DBAPIError

from bot.channels.base import BulkLimited, Channel, Limit, PermanentFailure, RetryLater
from bot.engine.leases import Leases, claim_terms, holding
from bot.engine.loop import run_until_stopped
from bot.engine.ratelimit import RateLimiter
from bot.messages import Reply
from bot.storage import queue
from bot.storage.base import utcnow
from bot.storage.models import MessageLog, OutboxItem
from bot.storage.session import SessionMaker, writing

log = logging.getLogger("sarafan.sender")
LEASE_SECONDS = 60.0
MAX_ATTEMPTS = 8
CLAIM_PASSES = 3


def backoff(attempt: int) -> float:
    """Seconds before retry number ``attempt`` of a transient failure (1, 2, 4 … 300)."""
    return float(min(300, 2 ** max(0, attempt - 1)))


class Sender:
    """Sends pending outbox rows through the configured channels."""

    def __init__(
        self,
        sessionmaker: SessionMaker,
        channels: Mapping[str, Channel],
        *,
        limiter: RateLimiter | None = None,
        on_sent: Callable[[], None] = lambda: None,
        leases: Leases | None = None,
        on_delivered: Callable[[str], None] = lambda _chat_key: None,
    ) -> None:
        self.sessionmaker, self.channels = sessionmaker, channels
        self.limiter = limiter or RateLimiter()
        self.on_sent = on_sent
        self.leases = leases
        self.on_delivered = on_delivered
        """Called with the chat key of each delivered row (per-chat wake-ups)."""
        """Short renewed leases and this worker's identity; without, a fixed LEASE_SECONDS."""
        self.wake = asyncio.Event()
        self.held_back: float | None = None
        """Seconds until the soonest row that the last claim left to a rate limit may go."""

    async def run_once(self, stop: asyncio.Event | None = None) -> int:
        """Send everything that may go now, or until ``stop``; returns how many were delivered."""
        sent = 0
        while not (stop and stop.is_set()) and (batch := await self._claim_batch()):
            results = await asyncio.gather(*(self._send(row, token) for row, token in batch))
            sent += sum(results)
        return sent

    async def run_forever(self, stop: asyncio.Event, poll_seconds: float = 0.5) -> None:
        """Send until ``stop`` is set, then finish what was claimed."""

        async def paced(stop: asyncio.Event) -> int:
            return await self.run_paced(stop, poll_seconds)

        await run_until_stopped(paced, wake=self.wake, stop=stop, name="outbox",
                                poll_seconds=poll_seconds)

    async def run_paced(self, stop: asyncio.Event, poll_seconds: float) -> int:
        """``run_once``, then again as soon as a rate-limited row may go, within one poll.

        Sleeping to the poll instead would cap a limited chat (or bulk sends) below its rate
        and re-run claim queries that claim nothing; a wake-up or ``stop`` ends the wait.
        """
        sent = await self.run_once(stop)
        while (wait := self.held_back) is not None and wait < poll_seconds:
            if stop.is_set() or self.wake.is_set():
                break  # the caller loops at once on a wake-up and finishes on stop
            waiters = [asyncio.ensure_future(event.wait()) for event in (self.wake, stop)]
            await asyncio.wait(waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            sent += await self.run_once(stop)
        return sent

    async def _claim_batch(self, size: int = 20) -> list[tuple[OutboxItem, str]]:
        chosen: list[OutboxItem] = []
        self.held_back = None
        seen: set[str] = set()  # chats looked at: chosen, rate-limited or taken by another sender
        async with writing(self.sessionmaker), self.sessionmaker.begin() as session:
            # Rows of other deployments' channels are never fetched; rate-limited chats are
            # skipped on the next pass, so a crowd of them cannot hide a chat that may send now.
            for _ in range(CLAIM_PASSES):
                rows = await queue.candidates(session, OutboxItem, skip_chats=seen,
                                              limit=size * 2, channels=self.channels.keys())
                for row in rows:
                    seen.add(row.chat_key)
                    if len(chosen) < size and self._may_send(row):
                        chosen.append(row)
                if len(rows) < size * 2 or len(chosen) >= size:
                    break
            # One statement for the batch; a row another sender took meanwhile is left out
            # (its send was counted toward the limits above: erring on the slow side).
            return await queue.claim_many(session, chosen,
                                          **claim_terms(self.leases, LEASE_SECONDS))

    def _may_send(self, row: OutboxItem) -> bool:
        """Whether the limits let ``row`` go now; if so its send is counted toward them."""
        waits_for, counts_toward = self._limits(row)
        if (delay := self.limiter.delay(waits_for)) > 0:
            self.held_back = delay if self.held_back is None else min(self.held_back, delay)
            return False
        self.limiter.record(counts_toward)
        return True

    def _limits(self, row: OutboxItem) -> tuple[Sequence[Limit], Sequence[Limit]]:
        """The limits ``row`` waits for, and those its send counts toward.

        Replies wait only for their chat's (and group's) limits; bulk rows also wait for the
        bot-wide one. Replies still count toward it, so broadcasts yield to conversations.
        """
        channel = self.channels[row.channel]
        limits = list(channel.limits(row.chat_id, row.account))
        bulk = list(channel.bulk_limits(row.account)) if isinstance(channel, BulkLimited) else []
        return (limits + bulk if row.bulk else limits), limits + bulk

    async def _send(self, row: OutboxItem, token: str) -> bool:
        with holding(self.leases, OutboxItem, token):
            return await self._send_claimed(row, token)

    async def _send_claimed(self, row: OutboxItem, token: str) -> bool:
        channel = self.channels[row.channel]
        try:
            reply = Reply.from_json(row.reply)
        except (ValueError, TypeError, KeyError) as exc:
            log.error("outbox %s is unreadable: %s", row.id, exc)
            return await self._close(row, token, status="failed", error=f"unreadable: {exc}")
        try:
            message_id = await channel.send(chat_id=row.chat_id, reply=reply, account=row.account)
        except RetryLater as exc:
            return await self._retry(row, token, str(exc), exc.seconds)
        except PermanentFailure as exc:
            log.warning("outbox %s to %s stopped: %s", row.id, row.channel, exc)
            return await self._close(row, token, status="failed", error=str(exc)[:2000])
        except Exception as exc:
            log.exception("outbox %s: unexpected send error", row.id)
            return await self._retry(row, token, f"{type(exc).__name__}: {exc}", None)
        await self._delivered(row, token, reply, message_id)
        return True

    async def _retry(self, row: OutboxItem, token: str, error: str, seconds: float | None) -> bool:
        attempt = row.attempts + 1  # the row was read before this claim counted it
        if attempt >= MAX_ATTEMPTS:
            return await self._close(row, token, status="failed", error=f"gave up: {error}"[:2000])
        wait = seconds if seconds is not None else backoff(attempt)
        return await self._close(row, token, status="pending", error=error[:2000],
                                 not_before=utcnow() + timedelta(seconds=wait))

    async def _close(self, row: OutboxItem, token: str, **values: object) -> bool:
        try:
            async with writing(self.sessionmaker), self.sessionmaker.begin() as session:
                await queue.finish(session, OutboxItem, row.id, token, **values)
        except DBAPIError:
            log.exception("outbox %s: could not record the outcome; the lease will expire", row.id)
        return False

    async def _delivered(self, row: OutboxItem, token: str, reply: Reply, message_id: str) -> None:
        async with writing(self.sessionmaker), self.sessionmaker.begin() as session:
            if await queue.finish(session, OutboxItem, row.id, token, status="sent",
                                  sent_at=utcnow(), platform_message_id=message_id, error=None):
                session.add(MessageLog(contact_id=row.contact_id, direction="out",
                                       channel=row.channel, chat_id=row.chat_id,
                                       platform_message_id=message_id, text=reply.text,
                                       body=json.loads(row.reply)))
        self.on_delivered(row.chat_key)
        self.on_sent()
