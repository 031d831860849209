"""Workers that take inbox rows in per-chat order and run them as turns."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from bot.config import LANGUAGES
from bot.engine.leases import Leases, claim_terms, holding
from bot.engine.loop import run_until_stopped
from bot.engine.middlewares import Middleware, TimingMiddleware, chain
from bot.engine.registry import Registry
from bot.engine.turns import LostClaim, Preloaded, Prepared, finish_group, prepare, run_turn
from bot.i18n import N_, gettext
from bot.messages import Inbound, Reply
from bot.storage import queue
from bot.storage.base import utcnow
from bot.storage.contacts import Person, contacts_and_conversations, languages_of
from bot.storage.inbox import chat_key
from bot.storage.models import Contact, InboxItem, OutboxItem
from bot.storage.outage import is_outage
from bot.storage.session import (
    SessionMaker,
    dialect_of,
    open_transaction,
    statementwise,
    writing,
)
from nlu.types import NluBackend

log = logging.getLogger("sarafan.processor")
LEASE_SECONDS = 60.0
MAX_ATTEMPTS = 5
EXPECTED = (StaleDataError, IntegrityError, DBAPIError, LostClaim)
"""Races and database hiccups: retried quietly; anything else is logged with its traceback."""
GROUP_MAX = 32
"""Most turns committed together (a group is at most ``concurrency`` rows)."""
LANGUAGES_KEPT = 10_000
"""Senders whose language this process remembers from their last turn (``Processor``)."""
APOLOGY = N_("Sorry, something went wrong on our side. Please try again in a moment.")


@dataclass(frozen=True, slots=True)
class Claimed:
    """Rows one claim took (with their tokens), their messages and their senders' stored
    ``(language, source)``, read in the claim's transaction."""

    rows: list[tuple[InboxItem, str]]
    messages: dict[int, Inbound]
    languages: dict[Person, tuple[str | None, str | None]]


class _TurnFailed(Exception):
    """A turn of a group raised: the group is rolled back and runs again without it."""

    def __init__(self, row: InboxItem, token: str, cause: Exception) -> None:
        super().__init__(f"turn {row.id} failed")
        self.row, self.token, self.cause = row, token, cause


def retry_delay(attempt: int) -> float:
    """Seconds before a failed turn runs again: 0.5, 1, 2, 4 … at most 30."""
    return min(30.0, 0.5 * 2.0 ** max(0, attempt - 1))


class Processor:
    """Runs turns for inbox rows; any number of these may share one database."""

    def __init__(
        self,
        sessionmaker: SessionMaker,
        registry: Registry,
        nlu: NluBackend | None,
        *,
        default_language: str = "en",
        on_outbox: Callable[[], None] = lambda: None,
        middlewares: list[Middleware] | None = None,
        retry_delay: Callable[[int], float] = retry_delay,
        concurrency: int = 8,
        leases: Leases | None = None,
    ) -> None:
        self.sessionmaker, self.registry, self.nlu = sessionmaker, registry, nlu
        self.default_language = default_language
        self.retry_delay = retry_delay
        self.concurrency = concurrency
        self.on_outbox = on_outbox
        self.leases = leases
        """Short renewed leases and this worker's identity; without, a fixed LEASE_SECONDS."""
        self.wake = asyncio.Event()
        self._busy: set[str] = set()
        self._unreleased: dict[int, tuple[str, dict[str, Any]]] = {}
        """Claims of turns that failed while the database was down: ``row id -> (token,
        values)``, written as soon as it answers, so their chats need not wait for the lease."""
        self._handle = chain(self._turn, middlewares or [TimingMiddleware()])
        self._full = False
        """Whether the last claim took as many rows as it asked for: there may be more."""
        self._later: set[str] = set()
        """Chats claimed with a later row waiting behind the claimed one: once their turn is
        done, a claim finds work (a claim that can find none is not made)."""
        self._languages: OrderedDict[Person, tuple[str | None, str | None]] = OrderedDict()
        """``(language, source)`` of recent senders as their last turn here left them: the
        parse made before a group's transaction needs it, and reading it cost a statement per
        group. A stale one (changed by another process) costs no wrong answer: the turn
        checks it against the contact row it loads and parses again if it differs."""

    @property
    def busy(self) -> bool:
        """Whether turns are running: a row stored now waits for them to finish."""
        return bool(self._busy)

    async def run_once(self, stop: asyncio.Event | None = None) -> int:
        """Process every row that can run now, or until ``stop``; returns how many turns ran.

        Claimed rows run as groups of up to ``concurrency`` turns sharing one commit, one group
        at a time: the next is claimed when the last has finished, so whatever arrived meanwhile
        makes one larger group. The process is short of CPU, not of waiting, under load: a
        second group claimed while the first ran (tried) made groups smaller and statements per
        update more (bench.e2e on PostgreSQL: 390 -> 320 updates/s; at 100/s, p50 61 -> 103 ms).
        """
        done, first = 0, True
        running: set[asyncio.Task[int]] = set()
        try:
            while True:
                if len(running) < 2 and not (stop and stop.is_set()) \
                        and (first or self._work_known()):
                    first = False
                    self.wake.clear()  # a row stored from here on wakes us (run_until_stopped)
                    claimed = await self._claim_batch(min(self.concurrency, GROUP_MAX))
                    if claimed.rows:
                        running.add(asyncio.create_task(self._run_group(claimed)))
                if not running:
                    return done
                finished, running = await asyncio.wait(running,
                                                       return_when=asyncio.FIRST_COMPLETED)
                done += sum(task.result() for task in finished)
        finally:
            if running:  # an error ends the round; the turns already started still finish
                await asyncio.wait(running)

    def _work_known(self) -> bool:
        """Whether a claim now would find rows: one was stored since the last claim began,
        the last claim was full, or a chat claimed with a later row is free again. Claiming
        only then saves, at a steady rate, the claim that followed every turn and found
        nothing (its query is the costliest of a turn's); the poll still finds the rest."""
        return self.wake.is_set() or self._full or bool(self._later - self._busy)

    async def run_forever(self, stop: asyncio.Event, poll_seconds: float = 0.5) -> None:
        """Process until ``stop`` is set; a finished turn is never cut in half."""
        await run_until_stopped(self.run_once, wake=self.wake, stop=stop, name="inbox",
                                poll_seconds=poll_seconds)

    async def _release_unreleased(self) -> None:
        """Hand back the claims a database outage kept us from closing (raises while it lasts)."""
        if not self._unreleased:
            return
        async with writing(self.sessionmaker), self.sessionmaker.begin() as session:
            for row_id, (token, values) in list(self._unreleased.items()):
                # A lost claim (the lease ran out, another worker took the row) is no error.
                await queue.finish(session, InboxItem, row_id, token, **values)
        log.info("released %d turn(s) held by the database outage", len(self._unreleased))
        self._unreleased.clear()

    async def _claim_batch(self, size: int) -> Claimed:
        """Claim up to ``size`` rows of distinct chats, with their messages and their senders'
        stored languages, read with the claim (a session of their own cost a connection
        checkout and more round trips per group)."""
        await self._release_unreleased()
        # No transaction around it on PostgreSQL: the claim is a compare-and-swap that needs
        # none, and BEGIN and COMMIT cost two round trips per group.
        async with writing(self.sessionmaker), statementwise(self.sessionmaker).begin() \
                as session:
            claimed, counted = await self._claim_firsts(session, size)
            self._full = len(counted) >= size
            # A chat not busy could be seen by this claim: it is known again from what it saw.
            self._later = {key for key in self._later if key in self._busy} | {
                chat for chat, queued in counted if queued > 1}
            messages: dict[int, Inbound] = {}
            for row, _ in claimed:
                try:
                    messages[row.id] = Inbound.from_json(row.message)
                except (ValueError, TypeError, KeyError):
                    continue  # the turn itself reports it, as when it runs alone
            people = {(m.channel, m.user_id) for m in messages.values()}
            stored = {person: self._languages[person] for person in people
                      if person in self._languages}
            if unknown := people - stored.keys():
                stored.update(await languages_of(session=session, people=unknown))
        self._busy.update(row.chat_key for row, _ in claimed)
        return Claimed(claimed, messages, stored)

    async def _claim_firsts(
        self, session: AsyncSession, size: int
    ) -> tuple[list[tuple[InboxItem, str]], list[tuple[str, int]]]:
        """The first rows of up to ``size`` chats not busy here, claimed: the rows this worker
        got (with their token), and the ``(chat, unfinished rows)`` the claim saw."""
        terms = claim_terms(self.leases, LEASE_SECONDS)
        if dialect_of(self.sessionmaker) == "postgresql":
            # One statement: at a steady rate a claim is made for every turn.
            found = await queue.claim_firsts(session, skip_chats=self._busy, limit=size,
                                             **terms)
            return ([(row, token) for row, token, _ in found],
                    [(row.chat_key, queued) for row, _, queued in found])
        counted = await queue.counted_candidates(session, InboxItem,
                                                 skip_chats=self._busy, limit=size)
        first_of_chat: dict[str, InboxItem] = {}
        for row, _ in counted:
            first_of_chat.setdefault(row.chat_key, row)
        claimed = await queue.claim_many(session, list(first_of_chat.values()), **terms)
        return claimed, [(row.chat_key, queued) for row, queued in counted]

    async def _run_group(self, batch: Claimed) -> int:
        """Run ``batch``'s rows (of distinct chats) in one transaction.

        A turn that fails is retried or failed as if it ran alone; the others commit
        together. If the group's transaction itself fails (its commit, the
        connection), nothing of it was kept and each turn runs again on its own.
        """
        claimed = batch.rows
        try:
            worn = [(row, token) for row, token in claimed if row.attempts >= MAX_ATTEMPTS]
            fresh = [(row, token) for row, token in claimed if row.attempts < MAX_ATTEMPTS]
            done = sum([await self._run(row, token) for row, token in worn])
            # A row claimed alone runs as a group of one too: its NLU parse is made before
            # the transaction (on SQLite, before the write lock every webhook's insert and
            # every send's claim waits for), and its contact and conversation come in one
            # query; alone, a turn read each itself (~0.5 ms more CPU per turn on PostgreSQL).
            prepared = await self._prepare(batch, [row for row, _ in fresh])
            if not prepared:
                return done + sum([await self._run(row, token) for row, token in fresh])
            return done + await self._commit_group(fresh, prepared)
        finally:
            self._busy.difference_update(row.chat_key for row, _ in claimed)

    async def _prepare(self, batch: Claimed, rows: list[InboxItem]) -> dict[int, Prepared]:
        """Each row's NLU parse, made before the write lock is taken (an unreadable message
        has none: its turn reports it)."""
        return {row.id: await prepare(self.nlu, message, batch.languages.get(
                    (message.channel, message.user_id), (None, None)))
                for row in rows if (message := batch.messages.get(row.id)) is not None}

    async def _commit_group(
        self, rows: list[tuple[InboxItem, str]], prepared: dict[int, Prepared]
    ) -> int:
        """Commit ``rows``' turns together. A turn that raises rolls the group back and the
        others run again as a group without it; it is retried or failed as if it ran alone."""
        failed: list[tuple[InboxItem, str, Exception]] = []
        replied = False
        while rows:
            try:
                replied = await self._group_transaction(rows, prepared)
                break
            except _TurnFailed as stop:
                failed.append((stop.row, stop.token, stop.cause))
                rows = [(row, token) for row, token in rows if row is not stop.row]
            except Exception as exc:
                log.info("a group of %d turns was rolled back (%s); each runs alone",
                         len(rows), type(exc).__name__)
                done = sum([await self._run(row, token) for row, token in rows])
                for row, token, cause in failed:
                    await self._retry_or_fail(row, token, cause)
                return done
        if replied:
            self.on_outbox()
        for row, token, cause in failed:
            await self._retry_or_fail(row, token, cause)
        return len(rows)

    async def _group_transaction(
        self, rows: list[tuple[InboxItem, str]], prepared: dict[int, Prepared]
    ) -> bool:
        """One transaction for every turn of ``rows``; whether any of them replied."""
        replied = False
        with contextlib.ExitStack() as held:
            for token in {token for _, token in rows}:  # one claim_many: one token
                held.enter_context(holding(self.leases, InboxItem, token))
            async with writing(self.sessionmaker), self.sessionmaker.begin() as session:
                await open_transaction(session)
                preloaded = await _preload(session, prepared, self.registry)
                done: dict[str, list[int]] = {}
                for row, token in rows:
                    data = {"token": token, "session": session,
                            "prepared": prepared.get(row.id), "preloaded": preloaded}
                    try:
                        await self._handle(row, data)
                    except Exception as error:
                        if is_outage(error):
                            raise
                        raise _TurnFailed(row, token, error) from error
                    replied = replied or bool(data.get("replied"))
                    done.setdefault(token, []).append(row.id)
                for token, row_ids in done.items():
                    await finish_group(session, row_ids, token)
                learned = _languages_held(preloaded.contacts)
        self._remember(learned)  # committed
        return replied

    def _remember(self, languages: dict[Person, tuple[str | None, str | None]]) -> None:
        for person, language in languages.items():
            self._languages[person] = language
            self._languages.move_to_end(person)
        while len(self._languages) > LANGUAGES_KEPT:
            self._languages.popitem(last=False)

    async def _run(self, row: InboxItem, token: str) -> bool:
        self._busy.add(row.chat_key)
        try:
            if row.attempts >= MAX_ATTEMPTS:
                await self._fail(row, token, "gave up after repeated failures")
                return False
            with holding(self.leases, InboxItem, token):
                await self._handle(row, {"token": token})
            return True
        except Exception as exc:
            await self._retry_or_fail(row, token, exc)
        finally:
            self._busy.discard(row.chat_key)
        return False

    async def _turn(self, item: InboxItem, data: dict[str, Any]) -> None:
        """One turn: in the group's transaction, or in its own.

        A group's turns take no SAVEPOINT each: their rows are flushed together (one INSERT
        per table for the whole group instead of SAVEPOINT, INSERTs, UPDATE and RELEASE per
        turn), and a turn that fails rolls the whole group back (``_commit_group``).
        """
        group: AsyncSession | None = data.get("session")
        if group is not None:
            outcome = await run_turn(group, item=item, token=data["token"],
                                     registry=self.registry, nlu=self.nlu,
                                     default_language=self.default_language,
                                     prepared=data.get("prepared"),
                                     preloaded=data.get("preloaded"), finish=False)
            data["replied"] = bool(outcome.replies or outcome.sends)  # told after the commit
            return
        async with writing(self.sessionmaker), self.sessionmaker.begin() as session:
            outcome = await run_turn(session, item=item, token=data["token"],
                                     registry=self.registry, nlu=self.nlu,
                                     default_language=self.default_language)
        if outcome.replies or outcome.sends:
            self.on_outbox()

    async def _retry_or_fail(self, row: InboxItem, token: str, exc: Exception) -> None:
        """The turn was rolled back: run it again later, or give up after MAX_ATTEMPTS."""
        error = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, EXPECTED) or is_outage(exc):
            log.info("turn %s will be retried: %s", row.id, type(exc).__name__)
        else:
            log.exception("turn %s failed (attempt %d)", row.id, row.attempts + 1)
        if row.attempts + 1 >= MAX_ATTEMPTS:
            await self._fail(row, token, error)
            return
        retry_at = utcnow() + timedelta(seconds=self.retry_delay(row.attempts + 1))
        values: dict[str, Any] = {"status": "pending", "lease_until": retry_at,
                                  "error": error[:2000]}
        try:
            async with writing(self.sessionmaker), self.sessionmaker.begin() as session:
                await queue.finish(session, InboxItem, row.id, token, **values)
        except Exception as release_error:
            if not is_outage(release_error):
                raise
            # The database is down: keep the claim in memory and release it the moment it
            # answers again, instead of leaving the chat stuck until the lease runs out.
            self._unreleased[row.id] = (token, values)
        self.wake.set()  # a claim looks for it again: no claim follows a turn unless work is known

    async def _fail(self, row: InboxItem, token: str, error: str) -> None:
        """The error boundary: keep the update, mark it failed, apologise once."""
        async with writing(self.sessionmaker), self.sessionmaker.begin() as session:
            if not await queue.finish(session, InboxItem, row.id, token, status="failed",
                                      error=error[:2000], lease_until=None):
                return
            try:
                message = Inbound.from_json(row.message)
            except (ValueError, TypeError, KeyError):
                log.error("inbox %s is unreadable; kept as failed, nobody to apologise to", row.id)
                return
            language = await self._language_of(session, message)
            text = gettext(language, APOLOGY)
            session.add(OutboxItem(
                channel=message.channel, account=message.account, chat_id=message.chat_id,
                chat_key=chat_key(message.channel, message.account, message.chat_id),
                reply=Reply(text, language=language).to_json(), not_before=utcnow(),
            ))
        self.on_outbox()

    async def _language_of(self, session: AsyncSession, message: Inbound) -> str:
        stored = await session.scalar(select(Contact.language).where(
            Contact.channel == message.channel, Contact.external_id == message.user_id))
        hint = (message.language_hint or "").split("-")[0].lower()
        return str(stored or (hint if hint in LANGUAGES else self.default_language))


def _languages_held(contacts: dict[Person, Contact]
                    ) -> dict[Person, tuple[str | None, str | None]]:
    """Each contact's ``(language, source)`` as loaded now; one that a rolled-back savepoint
    expired is left out (reading it would load it, outside the session's greenlet)."""
    held: dict[Person, tuple[str | None, str | None]] = {}
    for person, contact in contacts.items():
        values = inspect(contact).dict
        if "language" in values and "language_source" in values:
            held[person] = (values["language"], values["language_source"])
    return held


async def _preload(session: AsyncSession, prepared: dict[int, Prepared],
                   registry: Registry) -> Preloaded:
    """The group's contacts and their conversations: one query (and an insert for new
    ones); then, for turns whose contact has no other turn here, what the batch loaders add."""
    messages = [p.message for p in prepared.values()]
    people: dict[Person, str | None] = {(m.channel, m.user_id): m.user_name for m in messages}
    chats: dict[Person, dict[str, str | None]] = {}
    for m in messages:
        chats.setdefault((m.channel, m.user_id), {})[m.chat_id] = m.account
    contacts, conversations = await contacts_and_conversations(
        session=session, people=people, chats=chats)
    preloaded = Preloaded(contacts, conversations)
    if not registry.batch_loaders:
        return preloaded
    turns = {row_id: (p.message, contacts[p.message.channel, p.message.user_id].id)
             for row_id, p in prepared.items()}
    # A contact writing in two chats of this group: its second turn could depend on what the
    # first writes (a ticket, a survey answer), so both load their own context.
    twice = {contact_id for contact_id, n in Counter(c for _, c in turns.values()).items()
             if n > 1}
    alone = [(row_id, turn) for row_id, turn in turns.items() if turn[1] not in twice]
    if not alone:
        return preloaded
    for index, many in registry.batch_loaders.items():
        found = await many(session, [turn for _, turn in alone])
        for (row_id, _), context in zip(alone, found, strict=True):
            preloaded.contexts.setdefault(row_id, {})[index] = context
    return preloaded
