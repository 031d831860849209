"""Building blocks for worker tests: a migrated database, a counting feature, row queries."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.channels.base import Limit
from bot.engine.processor import Processor
from bot.engine.registry import Registry
from bot.engine.replies import say
from bot.engine.types import ContactInfo, Outcome, Record, Turn
from bot.messages import Inbound, Kind, Reply
from bot.storage import migrate
from bot.storage.models import Base, Conversation, InboxItem, OutboxItem
from bot.storage.session import SessionMaker, create_engine, create_sessionmaker

Model = TypeVar("Model", bound=Base)
_update_ids = itertools.count(1)


async def open_db(url: str, *, upgrade: bool = True) -> tuple[AsyncEngine, SessionMaker]:
    """An engine and sessionmaker of their own, like a separate worker process would have."""
    if upgrade:
        await migrate.upgrade(url)
    engine = create_engine(url)
    return engine, create_sessionmaker(engine)


def statements(engine: AsyncEngine, prefix: str | tuple[str, ...]) -> list[str]:
    """A list that collects, from now on, each statement ``engine`` runs that starts with
    ``prefix`` (or one of them: to count claims and round trips)."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().startswith(prefix):
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    return seen


INBOX_CLAIMS = ("SELECT inbox.id", "UPDATE inbox SET status=$1::VARCHAR, attempts=")
"""How the processor's claims start: candidates read, then claimed (SQLite), or claimed in one
UPDATE ... FROM (PostgreSQL, ``queue.claim_firsts``); a turn's finish sets no attempts."""


def message(chat: str, text: str | None, *, hint: str | None = None,
            update_id: str | None = None, kind: Kind = Kind.TEXT) -> Inbound:
    """An inbound text from user ``chat`` in its private chat ``chat``."""
    return Inbound(channel="test", update_id=update_id or f"u{next(_update_ids)}", user_id=chat,
                   chat_id=chat, kind=kind, text=text, language_hint=hint)


@dataclass(frozen=True)
class Boom(Record):
    """A record whose storage handler fails while ``Counting.failures`` is positive."""


@dataclass
class Counting:
    """A test feature: counts turns in ``state.data`` and answers ``"<count>:<text>"``."""

    failures: int = 0
    boom_calls: int = 0
    registry: Registry = field(default_factory=Registry)

    def __post_init__(self) -> None:
        self.registry.text("count", self._count)
        self.registry.record(Boom, self._boom)

    def _count(self, turn: Turn) -> Outcome:
        if turn.text == "poison":
            raise RuntimeError("this handler always fails")
        count = int(turn.state.data.get("count", 0)) + 1
        records = (Boom(),) if turn.text == "boom" else ()
        return say(turn, "{count}:{text}", state=turn.state.at("counting", count=count),
                   records=records, count=count, text=turn.text)

    async def _boom(self, session: AsyncSession, _contact: ContactInfo, _record: Any) -> None:
        self.boom_calls += 1
        await session.flush()  # the state and the log rows reach the database, then roll back
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError("crash in the middle of a turn")


def processor(sessionmaker: SessionMaker, feature: Counting, **options: Any) -> Processor:
    """A processor running ``feature`` that retries failed turns at once."""
    options.setdefault("retry_delay", lambda _attempt: 0.0)
    return Processor(sessionmaker, feature.registry, None, **options)


async def rows(sessionmaker: SessionMaker, model: type[Model], *where: Any) -> list[Model]:
    """Rows of ``model`` in id order."""
    async with sessionmaker() as session:
        stmt = select(model).where(*where).order_by(model.id)  # type: ignore[attr-defined]
        return list((await session.scalars(stmt)).all())


async def outbox_texts(sessionmaker: SessionMaker, chat: str) -> list[str]:
    """The texts queued for ``chat``, in outbox order."""
    found = await rows(sessionmaker, OutboxItem, OutboxItem.chat_id == chat)
    return [Reply.from_json(row.reply).text for row in found]


async def count_of(sessionmaker: SessionMaker, chat: str) -> int | None:
    """The turn counter stored in the conversation of ``chat``."""
    found = await rows(sessionmaker, Conversation, Conversation.chat_id == chat)
    return int(found[0].data["count"]) if found and "count" in found[0].data else None


async def inbox(sessionmaker: SessionMaker) -> list[InboxItem]:
    """Every inbox row."""
    return await rows(sessionmaker, InboxItem)


@dataclass
class RecordingChannel:
    """A channel that keeps what it sent, can be told to fail, and has ``{chat}`` limits."""

    name: str = "test"
    limit: Sequence[Limit] = ()
    sent: list[tuple[str, str]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    calls: int = 0

    def limits(self, chat_id: str, account: str | None = None) -> Sequence[Limit]:
        return [Limit(x.key.format(chat=chat_id), x.count, x.period) for x in self.limit]

    async def send(self, *, chat_id: str, reply: Reply, account: str | None) -> str:
        self.calls += 1
        error = self.errors.pop(0) if self.errors else None
        if error is not None and not isinstance(error, Exception):
            self.sent.append((chat_id, reply.text))  # delivered, then the process dies
        if error is not None:
            raise error
        self.sent.append((chat_id, reply.text))
        return f"p{len(self.sent)}"


async def queue_replies(sessionmaker: SessionMaker, *items: tuple[str, str]) -> None:
    """Put ``(chat, text)`` replies straight into the outbox, as a turn would."""
    async with sessionmaker.begin() as session:
        for chat, text in items:
            session.add(OutboxItem(channel="test", chat_id=chat, chat_key=f"test::{chat}",
                                   reply=Reply(text).to_json()))
