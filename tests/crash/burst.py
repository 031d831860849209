"""A burst of Telegram updates into a real ``sarafan run`` that is killed -9 mid-burst.

Shared by ``tests/crash`` (which asserts correctness) and ``bench/crash`` (which prints the
figures). The process gets its updates through the webhook and replies to a loopback Bot API
in this process; each chat's updates are posted in order, and an update whose webhook call did
not end in 200 is posted again, as Telegram redelivers. At given shares of the acknowledged
updates the process is killed with SIGKILL and started again under the same identity.
Every wait is on a condition with a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import socket
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

from bot.storage.models import InboxItem, MessageLog, OutboxItem
from bot.storage.queue import BUSY
from bot.storage.session import create_engine, create_sessionmaker
from tests.fakes.botapi import TOKEN, FakeBotApi

SECRET = "crash-burst-secret"
PATH = "/telegram/webhook"
CONNECTIONS = 64
FIRST_CHAT = 50_000
TEXTS = ("Where is my order?", "Где мой заказ?", "سفارش من کجاست؟", "Къде е поръчката ми?",
         "Πού είναι η παραγγελία μου;")
REDELIVERY_PAUSES = (0.05, 0.1, 0.2, 0.5, 1.0)
"""Between deliveries of an update that was not acknowledged (Telegram waits longer)."""


@dataclass
class Sent:
    """A message as the Bot API accepted it."""

    message_id: int
    text: str
    at: float


class RecordingBotApi(FakeBotApi):
    """The loopback Bot API, keeping each chat's accepted messages in arrival order."""

    def __init__(self) -> None:
        super().__init__(TOKEN)
        self.chats: defaultdict[int, list[Sent]] = defaultdict(list)

    async def _sendMessage(self, params: dict[str, Any]) -> web.Response:
        response = await super()._sendMessage(params)
        if response.status == 200:
            message_id = int(json.loads(response.text or "{}")["result"]["message_id"])
            self.chats[int(params["chat_id"])].append(
                Sent(message_id, str(params.get("text", "")), time.monotonic()))
        self.calls.clear()  # only the per-chat record is needed
        return response


@dataclass
class Kill:
    """One kill -9: when, when the new process listened again, which chats held claims."""

    at: float
    ready: float
    held_chats: set[int]


@dataclass
class Burst:
    """What a run observed: the Bot API's record, the database's rows, the kills."""

    updates: int
    chats: int
    api: RecordingBotApi
    kills: list[Kill] = field(default_factory=list)
    redelivered: int = 0
    inbox: list[tuple[str, str]] = field(default_factory=list)
    """``(update_id, status)`` of every inbox row."""
    received: dict[int, list[int]] = field(default_factory=dict)
    """Per chat, the Telegram message ids of the logged inbound messages, in processing order."""
    outbox: dict[int, list[tuple[str, str, str | None]]] = field(default_factory=dict)
    """Per chat, ``(status, text, platform message id)`` of its outbox rows in queue order."""
    seconds: float = 0.0
    starts: list[float] = field(default_factory=list)
    """Seconds from launching (or killing) the process to its port listening."""


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    """Whether something accepts connections on ``port``."""
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def update(update_id: int, chat: int, number: int) -> dict[str, Any]:
    """Update ``number`` of ``chat``; its message id is ``number`` so order can be checked."""
    person = {"id": chat, "is_bot": False, "first_name": f"Crash {chat}", "language_code": "en"}
    return {"update_id": update_id, "message": {
        "message_id": number, "date": int(time.time()), "text": TEXTS[chat % len(TEXTS)],
        "from": person, "chat": {"id": chat, "type": "private", "first_name": f"Crash {chat}"}}}


NEW_IDENTITY = "new-per-start"
"""``SARAFAN_WORKER_ID`` value asking for a fresh identity at each start (nothing reclaimed)."""


class Process:
    """``sarafan run`` on a fixed port and identity, started and killed at will."""

    def __init__(self, database_url: str, workdir: Path, api: str, *,
                 env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.log_path = workdir / "sarafan.log"
        self.env = {**os.environ,
                    "SARAFAN_DATABASE_URL": database_url,
                    "SARAFAN_HOST": "127.0.0.1", "SARAFAN_PORT": str(self.port),
                    "SARAFAN_WORKER_ID": "crash-test-worker",
                    "SARAFAN_LOG_LEVEL": "INFO", "SARAFAN_ENVIRONMENT": "production",
                    "SARAFAN_TELEGRAM__BOT_TOKEN": TOKEN, "SARAFAN_TELEGRAM__API_BASE": api,
                    "SARAFAN_TELEGRAM__WEBHOOK_URL": f"http://127.0.0.1:{self.port}",
                    "SARAFAN_TELEGRAM__WEBHOOK_SECRET": SECRET,
                    # The crash window is measured, not the 1/s per-chat pacing of replies.
                    "SARAFAN_TELEGRAM__PER_CHAT_PER_SECOND": "1000", **(env or {})}
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, within: float = 300.0) -> float:
        """Start and wait until the webhook port listens; the monotonic time it did."""
        sarafan = Path(sys.executable).with_name("sarafan")
        if self.env["SARAFAN_WORKER_ID"] == NEW_IDENTITY:  # as before claims had an owner
            self.env = {**self.env, "SARAFAN_WORKER_ID": f"run-{time.monotonic_ns()}"}
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                str(sarafan), "run", env=self.env, stdout=log, stderr=asyncio.subprocess.STDOUT)
        deadline = time.monotonic() + within
        while not listening(self.port):
            if self.process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sarafan run did not start:\n{self.log_tail()}")
            await asyncio.sleep(0.05)
        return time.monotonic()

    async def kill(self) -> float:
        """SIGKILL, and wait for the process to be gone; the monotonic time of the kill."""
        assert self.process is not None
        at = time.monotonic()
        self.process.kill()
        await self.process.wait()
        return at

    async def stop(self) -> None:
        """SIGTERM (clean stop), or SIGKILL after 30 s."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout=30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def log_tail(self, size: int = 4000) -> str:
        """The end of the processes' shared log."""
        return self.log_path.read_text("utf-8", "replace")[-size:]


class Poster:
    """Posts each chat's updates in order, redelivering until the webhook answers 200."""

    def __init__(self, url: str, chats: list[int], per_chat: int) -> None:
        self.url, self.chats, self.per_chat = url, chats, per_chat
        self.acked = 0
        self.redelivered = 0
        self.progress = asyncio.Condition()

    async def run(self, http: aiohttp.ClientSession) -> None:
        """Post every update of every chat; returns when all were acknowledged."""
        gate = asyncio.Semaphore(CONNECTIONS)
        await asyncio.gather(*(self._chat(http, gate, index, chat)
                               for index, chat in enumerate(self.chats)))

    async def _chat(self, http: aiohttp.ClientSession, gate: asyncio.Semaphore, index: int,
                    chat: int) -> None:
        for number in range(1, self.per_chat + 1):
            update_id = (number - 1) * len(self.chats) + index + 1
            async with gate:
                await self._deliver(http, update(update_id, chat, number))

    async def _deliver(self, http: aiohttp.ClientSession, body: dict[str, Any]) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        for attempt in itertools.count():
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                async with http.post(self.url, json=body, headers=headers) as response:
                    if response.status == 200:
                        async with self.progress:
                            self.acked += 1
                            self.progress.notify_all()
                        return
                    if response.status < 500:
                        raise RuntimeError(f"webhook answered {response.status}")
            self.redelivered += 1
            await asyncio.sleep(REDELIVERY_PAUSES[min(attempt, len(REDELIVERY_PAUSES) - 1)])

    async def reached(self, count: int) -> None:
        """Wait until ``count`` updates were acknowledged."""
        async with self.progress:
            await self.progress.wait_for(lambda: self.acked >= count)


async def run_burst(database_url: str, workdir: Path, *, updates: int = 2000, chats: int = 200,
                    kill_at: tuple[float, ...] = (0.3, 0.65), within: float = 600.0,
                    env: dict[str, str] | None = None) -> Burst:
    """The whole run; kills when ``kill_at`` shares of the updates were acknowledged."""
    api = RecordingBotApi()
    await api.start()
    process = Process(database_url, workdir, api.base_url, env=env)
    chat_ids = [FIRST_CHAT + n for n in range(chats)]
    burst = Burst(updates, chats, api)
    poster = Poster(f"http://127.0.0.1:{process.port}{PATH}", chat_ids, updates // chats)
    started = time.monotonic()
    try:
        burst.starts.append(await process.start() - started)
        async with _client() as http:
            posting = asyncio.create_task(poster.run(http))
            try:
                for share in kill_at:
                    await asyncio.wait_for(poster.reached(int(updates * share)), within)
                    # Mid-burst means mid-work: kill while the process holds claims.
                    await _claims_held(database_url, within)
                    killed = await process.kill()
                    held = await _chats_with_claims(database_url)
                    ready = await process.start()
                    burst.kills.append(Kill(killed, ready, held))
                    burst.starts.append(ready - killed)
                await asyncio.wait_for(posting, within)
            finally:
                posting.cancel()
                await asyncio.gather(posting, return_exceptions=True)
        await _settled(database_url, updates, within)
        await process.stop()
        burst.seconds = time.monotonic() - started
        burst.redelivered = poster.redelivered
        await _read_rows(database_url, burst)
    except BaseException:
        await process.stop()
        print(process.log_tail(), file=sys.stderr)
        raise
    finally:
        await api.stop()
    return burst


def _client() -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30))


@contextlib.asynccontextmanager
async def _database(database_url: str) -> AsyncIterator[Any]:
    engine = create_engine(database_url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def _claims_held(database_url: str, within: float) -> None:
    """Until the running process holds an inbox or outbox claim."""
    deadline = time.monotonic() + within
    async with _database(database_url) as sessionmaker:
        while time.monotonic() < deadline:
            async with sessionmaker() as session:
                held = await session.scalar(select(func.count()).select_from(InboxItem)
                                            .where(InboxItem.status == BUSY))
            if held:
                return
            await asyncio.sleep(0.01)
    raise TimeoutError("the process never held a claim")


async def _chats_with_claims(database_url: str) -> set[int]:
    """Chats with an inbox or outbox row the killed process held."""
    async with _database(database_url) as sessionmaker, sessionmaker() as session:
        keys = set((await session.scalars(
            select(InboxItem.chat_key).where(InboxItem.status == BUSY))).all())
        keys |= set((await session.scalars(
            select(OutboxItem.chat_key).where(OutboxItem.status == BUSY))).all())
    return {int(key.rsplit(":", 1)[1]) for key in keys}


async def _settled(database_url: str, updates: int, within: float) -> None:
    """Until every update is stored and nothing is left to process or send."""
    deadline = time.monotonic() + within
    async with _database(database_url) as sessionmaker:
        while time.monotonic() < deadline:
            async with sessionmaker() as session:
                stored = await session.scalar(select(func.count()).select_from(InboxItem))
                open_in = await session.scalar(select(func.count()).select_from(InboxItem)
                                               .where(InboxItem.status.in_(("pending", BUSY))))
                open_out = await session.scalar(select(func.count()).select_from(OutboxItem)
                                                .where(OutboxItem.status.in_(("pending", BUSY))))
            if stored == updates and open_in == 0 and open_out == 0:
                return
            await asyncio.sleep(0.2)
    raise TimeoutError("the burst was not fully processed and sent in time")


async def _read_rows(database_url: str, burst: Burst) -> None:
    async with _database(database_url) as sessionmaker, sessionmaker() as session:
        burst.inbox = [(u, s) for u, s in (await session.execute(
            select(InboxItem.update_id, InboxItem.status))).all()]
        received: defaultdict[int, list[int]] = defaultdict(list)
        for chat, message_id in (await session.execute(
                select(MessageLog.chat_id, MessageLog.platform_message_id)
                .where(MessageLog.direction == "in").order_by(MessageLog.id))).all():
            received[int(chat)].append(int(message_id))
        outbox: defaultdict[int, list[tuple[str, str, str | None]]] = defaultdict(list)
        for chat, status, reply, sent_id in (await session.execute(
                select(OutboxItem.chat_id, OutboxItem.status, OutboxItem.reply,
                       OutboxItem.platform_message_id).order_by(OutboxItem.id))).all():
            outbox[int(chat)].append((status, json.loads(reply)["text"], sent_id))
    burst.received, burst.outbox = dict(received), dict(outbox)


def problems(burst: Burst) -> list[str]:
    """Every broken guarantee: a lost or twice-processed update, a reply lost or out of order."""
    found: list[str] = []
    per_chat = burst.updates // burst.chats
    if len(burst.inbox) != burst.updates or {s for _, s in burst.inbox} != {"done"}:
        statuses = sorted({status for _, status in burst.inbox})
        found.append(f"inbox: {len(burst.inbox)} rows, statuses {statuses}")
    for chat in range(FIRST_CHAT, FIRST_CHAT + burst.chats):
        if burst.received.get(chat) != list(range(1, per_chat + 1)):
            found.append(f"chat {chat}: processed {burst.received.get(chat)}")
        rows = burst.outbox.get(chat, [])
        if len(rows) != per_chat or {status for status, _, _ in rows} != {"sent"}:
            found.append(f"chat {chat}: outbox {[status for status, _, _ in rows]}")
        found += _delivery_problems(chat, [sent_id for _, _, sent_id in rows],
                                    burst.api.chats.get(chat, []))
    return found


def _delivery_problems(chat: int, recorded: list[str | None], seen: list[Sent]) -> list[str]:
    """Recorded sends arrived in queue order; any other arrival repeats the next recorded one."""
    position = {str(sent.message_id): index for index, sent in enumerate(seen)}
    if None in recorded or any(sent_id not in position for sent_id in recorded):
        return [f"chat {chat}: a recorded send never reached the Bot API"]
    places = [position[str(sent_id)] for sent_id in recorded]
    if places != sorted(places):
        return [f"chat {chat}: replies out of order"]
    found = []
    for index, sent in enumerate(seen):
        if index in places:
            continue
        following = next((seen[p] for p in places if p > index), None)
        if following is None or following.text != sent.text:
            found.append(f"chat {chat}: message {sent.message_id} is neither a recorded send "
                         "nor a repeat of the next one")
    return found


def duplicates(burst: Burst) -> int:
    """Messages the Bot API accepted beyond one per outbox row (the at-least-once window)."""
    return sum(len(seen) for seen in burst.api.chats.values()) - sum(
        len(rows) for rows in burst.outbox.values())


def stalls(burst: Burst) -> list[float]:
    """Per chat that held a claim at a kill: its longest wait for a reply after the restart.

    The gaps between its replies from the restart until the next kill: a claim left to run out
    its lease shows as one long gap, wherever in the chat's queue it was.
    """
    found = []
    for number, kill in enumerate(burst.kills):
        until = burst.kills[number + 1].at if number + 1 < len(burst.kills) else float("inf")
        for chat in kill.held_chats:
            times = [kill.ready] + [sent.at for sent in burst.api.chats.get(chat, [])
                                    if kill.at <= sent.at < until]
            if len(times) > 1:
                found.append(max(b - a for a, b in itertools.pairwise(times)))
    return found
