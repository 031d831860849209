"""Delivers the outbox: per-chat order, platform rate limits, retries and permanent failures."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import JSON, Insert, bindparam, case, cast, insert, literal, select, tuple_, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningUpdate

from bot.channels.base import BulkLimited, Channel, Limit, PermanentFailure, RetryLater
from bot.engine import ratelimit
from bot.engine.leases import Leases, claim_terms, holding
from bot.engine.loop import run_until_stopped
from bot.engine.ratelimit import Limiter, SharedRateLimiter
from bot.messages import Reply
from bot.storage import queue
from bot.storage.base import table_of, utcnow
from bot.storage.models import MessageLog, OutboxItem
from bot.storage.session import SessionMaker, dialect_of, statementwise, writing

log = logging.getLogger("sarafan.sender")
LEASE_SECONDS = 60.0
MAX_ATTEMPTS = 8
CLAIM_PASSES = 3
GROUP_SECONDS = 0.02
BATCH = 50
"""Most rows claimed and sent at once. Each claim reads every unfinished row once (a chat's
oldest goes first); during a burst of 4,000 replies on SQLite, 20 a claim made claiming a
third of the send's cost."""
"""How long the first finished send of a batch waits for the others to share its commit."""
PRUNE_SECONDS = 60.0
Plan = tuple[Sequence[Limit], Sequence[Limit]]
"""The limits a row waits for, and those its send counts toward."""


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
        limiter: Limiter | None = None,
        leases: Leases | None = None,
        on_delivered: Callable[[str], None] = lambda _chat_key: None,
    ) -> None:
        self.sessionmaker, self.channels = sessionmaker, channels
        self.limiter: Limiter = limiter or SharedRateLimiter()
        """Shared by every process through the database, unless a test passes its own."""
        self.leases = leases
        """Short renewed leases and this worker's identity; without, a fixed LEASE_SECONDS."""
        self.on_delivered = on_delivered
        """Called with the chat key of each delivered row (per-chat wake-ups)."""
        self.wake = asyncio.Event()
        self.held_back: float | None = None
        """Seconds until the soonest row that the last claim left to a rate limit may go."""
        self._one_statement = dialect_of(sessionmaker) == "postgresql"
        """PostgreSQL: a batch all delivered is marked sent and logged in one statement (an
        UPDATE ... RETURNING feeding an INSERT), outside a transaction block: one round trip
        instead of BEGIN, UPDATE, INSERT and COMMIT after every batch."""
        self._more = False
        """Whether the last claim left rows that may go once its batch is out: it was full,
        or a chat it took has a later row waiting for this one."""
        self._pruned = time.monotonic()

    async def run_once(self, stop: asyncio.Event | None = None) -> int:
        """Send everything that may go now, or until ``stop``; returns how many were delivered."""
        sent = 0
        while not (stop and stop.is_set()):
            self.wake.clear()  # a row stored from here on wakes us again (run_until_stopped)
            if not (batch := await self._claim_batch()):
                break
            sent += await self._send_batch(batch)
            # Claim again only if there is known work: a claim that found nothing cost a
            # transaction (three round trips) after most batches at a steady 100 updates/s.
            if not (self._more or self.wake.is_set()):
                break
        await self._prune_now_and_then()
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

    async def _claim_batch(self, size: int = BATCH) -> list[tuple[OutboxItem, str]]:
        chosen: list[tuple[OutboxItem, Plan]] = []
        self.held_back, self._more = None, False
        seen: set[str] = set()  # chats looked at: chosen, rate-limited or taken by another sender
        stored = Rates(self.limiter.clock())
        tats: dict[str, float] = {}  # as this claim leaves them
        async with writing(self.sessionmaker), self.sessionmaker.begin() as session:
            # Rows of other deployments' channels are never fetched; rate-limited chats are
            # skipped on the next pass, so a crowd of them cannot hide a chat that may send now.
            later: set[int] = set()  # rows whose chat has another row after them
            full = False
            for _ in range(CLAIM_PASSES):
                counted = await queue.counted_candidates(
                    session, OutboxItem, skip_chats=seen, limit=size * 2,
                    channels=self.channels.keys())
                rows = [row for row, _ in counted]
                later.update(row.id for row, queued in counted if queued > 1)
                full = len(rows) >= size * 2
                plans = [(row, self._limits(row)) for row in rows]
                await stored.read(self.limiter, session, [plan for _, plan in plans], into=tats)
                for row, plan in plans:
                    seen.add(row.chat_key)
                    if len(chosen) < size and self._admit(tats, plan, stored.now):
                        chosen.append((row, plan))
                if len(rows) < size * 2 or len(chosen) >= size:
                    break
            # One statement for the batch; a row another sender took meanwhile is left out,
            # and only the rows this sender got count toward the limits it writes back.
            claimed = await queue.claim_many(session, [row for row, _ in chosen],
                                             **claim_terms(self.leases, LEASE_SECONDS))
            if stored.locked:
                got = {row.id for row, _ in claimed}
                await self.limiter.save(session, stored.after(
                    [plan for row, plan in chosen if row.id in got], stored.now))
            self._more = (full or len(chosen) >= size
                          or any(row.id in later for row, _ in claimed))
            return claimed

    def _admit(self, tats: dict[str, float], plan: Plan, now: float) -> bool:
        """Whether the limits let a row go now; if so its send is counted in ``tats``."""
        if (delay := ratelimit.wait(tats, plan[0], now)) > 0:
            self.held_back = delay if self.held_back is None else min(self.held_back, delay)
            return False
        ratelimit.charge(tats, *plan, now)
        return True

    def _limits(self, row: OutboxItem) -> Plan:
        """The limits ``row`` waits for, and those its send counts toward.

        Replies wait only for their chat's (and group's) limits; bulk rows also wait for the
        bot-wide one. Replies still count toward it, so broadcasts yield to conversations.
        """
        channel = self.channels[row.channel]
        limits = list(channel.limits(row.chat_id, row.account))
        bulk = (list(typing.cast(BulkLimited, channel).bulk_limits(row.account))
                if _bulk_limited(type(channel)) else [])
        return (limits + bulk if row.bulk else limits), limits + bulk

    async def _send_batch(self, batch: list[tuple[OutboxItem, str]]) -> int:
        """Send the claimed rows side by side; record their outcomes in few transactions.

        The outcomes that are in within ``GROUP_SECONDS`` of the first share one commit; a slow
        send (a platform's 429 on a later piece) is recorded on its own, not waited for.
        """
        delivered = 0
        with contextlib.ExitStack() as held:  # keep the leases alive until the outcome is in
            for token in {token for _, token in batch}:
                held.enter_context(holding(self.leases, OutboxItem, token))
            pending = {asyncio.ensure_future(self._send(row, token)) for row, token in batch}
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                if pending:
                    more, pending = await asyncio.wait(pending, timeout=GROUP_SECONDS)
                    done |= more
                delivered += await self._record([task.result() for task in done])
        return delivered

    async def _send(self, row: OutboxItem, token: str) -> Outcome:
        channel = self.channels[row.channel]
        try:
            reply = Reply.from_json(row.reply)
        except (ValueError, TypeError, KeyError) as exc:
            log.error("outbox %s is unreadable: %s", row.id, exc)
            return Outcome(row, token, {"status": "failed", "error": f"unreadable: {exc}"})
        try:
            message_id = await channel.send(chat_id=row.chat_id, reply=reply, account=row.account)
        except RetryLater as exc:
            return self._retry(row, token, str(exc), exc.seconds)
        except PermanentFailure as exc:
            log.warning("outbox %s to %s stopped: %s", row.id, row.channel, exc)
            return Outcome(row, token, {"status": "failed", "error": str(exc)[:2000]})
        except Exception as exc:
            log.exception("outbox %s: unexpected send error", row.id)
            return self._retry(row, token, f"{type(exc).__name__}: {exc}", None)
        return Outcome(row, token, {"platform_message_id": message_id}, reply)

    def _retry(self, row: OutboxItem, token: str, error: str, seconds: float | None) -> Outcome:
        attempt = row.attempts + 1  # the row was read before this claim counted it
        if attempt >= MAX_ATTEMPTS:
            return Outcome(row, token, {"status": "failed", "error": f"gave up: {error}"[:2000]})
        wait = seconds if seconds is not None else backoff(attempt)
        return Outcome(row, token, {"status": "pending", "error": error[:2000],
                                    "not_before": utcnow() + timedelta(seconds=wait)})

    async def _record(self, outcomes: list[Outcome]) -> int:
        """Close the rows of ``outcomes`` in one transaction; how many were delivered.

        A delivered row whose claim was lost meanwhile (another sender took it after the lease
        ran out) is not logged: that sender logs its own delivery.
        """
        delivered = [outcome for outcome in outcomes if outcome.reply is not None]
        try:
            if delivered and len(delivered) == len(outcomes) and self._one_statement:
                async with statementwise(self.sessionmaker).begin() as session:
                    await session.execute(_delivered_and_logged_statement(len(delivered)),
                                          _delivered_params(delivered))
            else:
                async with writing(self.sessionmaker), self.sessionmaker.begin() as session:
                    await _finish_delivered(session, delivered)
                    for outcome in outcomes:
                        if outcome.reply is None:
                            await queue.finish(session, OutboxItem, outcome.row.id,
                                               outcome.token, **outcome.values)
        except DBAPIError:
            log.exception("outbox: could not record %d outcomes; their leases will expire",
                          len(outcomes))
            return len(delivered)
        for outcome in delivered:
            self.on_delivered(outcome.row.chat_key)
        return len(delivered)

    async def _prune_now_and_then(self) -> None:
        """Delete the limit keys of chats long quiet, once in ``PRUNE_SECONDS``, not per send."""
        if time.monotonic() - self._pruned < PRUNE_SECONDS:
            return
        self._pruned = time.monotonic()
        try:
            async with writing(self.sessionmaker), self.sessionmaker.begin() as session:
                await self.limiter.prune(session)
        except DBAPIError:
            log.warning("send rates: pruning failed; trying again later", exc_info=True)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the send of one claimed row ended: the values that close it, the reply delivered."""

    row: OutboxItem
    token: str
    values: dict[str, object]
    reply: Reply | None = None
    """Set when the platform took the message: the row becomes ``sent`` and is logged."""


class Rates:
    """The arrival times one claim read, the keys it looked for, and the time it reads them at."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.tats: dict[str, float] = {}
        self.asked: set[str] = set()
        self.locked = False

    async def read(self, limiter: Limiter, session: AsyncSession, plans: Sequence[Plan],
                   *, into: dict[str, float]) -> None:
        """Load the keys of ``plans`` not read yet, in one query; copy them ``into`` too."""
        keys = {limit.key for _, counts in plans for limit in counts} - self.asked
        if not keys:
            return
        if not self.locked:
            await limiter.lock(session)
            self.locked = True
            self.now = limiter.clock()  # after waiting for the lock: as near the send as can be
        loaded = await limiter.load(session, keys)
        self.asked |= keys
        self.tats.update(loaded)
        into.update(loaded)

    def after(self, sends: Sequence[Plan], now: float) -> dict[str, float]:
        """The arrival times that changed once ``sends`` are counted, in order."""
        tats = dict(self.tats)
        for plan in sends:
            ratelimit.charge(tats, *plan, now)
        return {key: tat for key, tat in tats.items() if self.tats.get(key) != tat}


def _delivered_params(delivered: Sequence[Outcome]) -> dict[str, Any]:
    """The values of ``_delivered_statement`` (and the one that logs too) for ``delivered``."""
    params: dict[str, Any] = {"sent_at": utcnow(), "claims": [(outcome.row.id, outcome.token)
                                                               for outcome in delivered]}
    for n, outcome in enumerate(delivered):
        params.update({f"id{n}": outcome.row.id,
                       f"message{n}": str(outcome.values["platform_message_id"])})
    return params


async def _finish_delivered(session: AsyncSession, delivered: Sequence[Outcome]) -> None:
    """Mark ``delivered`` sent and log each row whose claim still held: two statements."""
    if not delivered:
        return
    by_id = {outcome.row.id: outcome for outcome in delivered}
    result = await session.execute(_delivered_statement(len(delivered)),
                                   _delivered_params(delivered))
    logged = [by_id[row_id] for row_id in sorted(result.scalars().all())]
    if logged:
        await session.execute(insert(table_of(MessageLog)), [_log_entry(o) for o in logged])


@functools.cache
def _delivered_statement(count: int) -> ReturningUpdate[int]:
    """Mark ``count`` claimed rows sent, each with its platform message id; built once per
    batch size (building it per batch cost more CPU than running it)."""
    outbox = table_of(OutboxItem)
    message_id = case(*((outbox.c.id == bindparam(f"id{n}"), bindparam(f"message{n}"))
                        for n in range(count)))
    return (update(outbox)
            .where(tuple_(outbox.c.id, outbox.c.claim_token)
                   .in_(bindparam("claims", expanding=True)))
            .values(status="sent", sent_at=bindparam("sent_at"), error=None,
                    platform_message_id=message_id)
            .returning(outbox.c.id))


@functools.cache
def _delivered_and_logged_statement(count: int) -> Insert:
    """``_delivered_statement`` and the message log entries of the rows it marked, in one
    statement (PostgreSQL: a data-modifying WITH). What ``_log_entry`` writes, taken from the
    marked rows themselves: the reply's text and its JSON as the body, in the rows' order; a
    row whose claim was lost is neither marked nor logged."""
    outbox, log_table = table_of(OutboxItem), table_of(MessageLog)
    marked = (_delivered_statement(count)
              .returning(outbox.c.contact_id, outbox.c.channel, outbox.c.chat_id,
                         outbox.c.platform_message_id, outbox.c.reply)
              .cte("marked"))
    body = cast(marked.c.reply, JSON)
    entries = (select(marked.c.contact_id, literal("out"), marked.c.channel, marked.c.chat_id,
                      marked.c.platform_message_id, body["text"].as_string(), body,
                      bindparam("sent_at"))
               .order_by(marked.c.id))
    return insert(log_table).from_select(
        ["contact_id", "direction", "channel", "chat_id", "platform_message_id", "text", "body",
         "created_at"], entries)


def _log_entry(outcome: Outcome) -> dict[str, Any]:
    row, reply = outcome.row, outcome.reply
    assert reply is not None  # only delivered outcomes are logged
    return {"contact_id": row.contact_id, "direction": "out", "channel": row.channel,
            "chat_id": row.chat_id, "platform_message_id": outcome.values["platform_message_id"],
            "text": reply.text, "body": json.loads(row.reply)}


@functools.cache
def _bulk_limited(kind: type[Channel]) -> bool:
    """Whether a channel class has bot-wide limits; asked once per class, since a runtime
    Protocol check walks the protocol's members on every call (2% of a burst's CPU)."""
    return issubclass(kind, BulkLimited)
