"""Writing inbound updates to the inbox before the platform is acknowledged."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import re
from dataclasses import fields, replace
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import ReturningInsert

from bot.messages import Inbound
from bot.storage.base import table_of
from bot.storage.models import InboxItem
from bot.storage.outage import Unavailable, is_outage, outage_log
from bot.storage.session import SessionMaker, statementwise, writing

MAX_ID = 128
"""Length of the id columns; longer update ids are hashed, longer message ids cut."""
MAX_NAME = 256
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""NUL (PostgreSQL text refuses it) and lone UTF-16 surrogates (no UTF-8 encoder takes them;
JSON's ``\\ud800`` escape makes them)."""


def clean_text(value: str) -> str:
    """``value`` as UTF-8 storage keeps it: NUL dropped, a lone surrogate shown as U+FFFD."""
    if not _UNSTORABLE.search(value):
        return value
    return _UNSTORABLE.sub(lambda found: "" if found.group() == "\x00" else "\ufffd", value)


def chat_key(channel: str, account: str | None, chat_id: str) -> str:
    """One key per chat, across accounts (bots, pages) of a channel."""
    return f"{channel}:{account or ''}:{chat_id}"


def storable(message: Inbound) -> Inbound:
    """``message`` as every database can keep it: valid UTF-8 without NUL, ids and name that fit.

    Cleaning beats refusing: a webhook platform redelivers what it was refused, forever.
    """
    if _fits(message):  # nearly every update: no copies (this runs once per webhook)
        return message
    cleaned: dict[str, Any] = {f.name: clean_text(value) for f in fields(message)
                               if isinstance(value := getattr(message, f.name), str)}
    message = replace(message, **cleaned)
    update_id = message.update_id
    if len(update_id) > MAX_ID:  # still deduplicates: the same long id gives the same digest
        update_id = "sha256:" + hashlib.sha256(update_id.encode()).hexdigest()
    return replace(message, update_id=update_id,
                   message_id=message.message_id[:MAX_ID] if message.message_id else None,
                   user_name=message.user_name[:MAX_NAME] if message.user_name else None)


async def enqueue(sessionmaker: SessionMaker, message: Inbound) -> bool:
    """Store ``message`` durably; False when this update was already stored (a redelivery).

    Raises ``Unavailable`` when the database cannot be reached (logged once per outage).
    """
    message = storable(message)
    item = InboxItem(
        channel=message.channel,
        update_id=message.update_id,
        chat_key=chat_key(message.channel, message.account, message.chat_id),
        message=message.to_json(),
    )
    try:
        async with sessionmaker.begin() as session:
            session.add(item)
    except IntegrityError:
        outage_log(sessionmaker).reached()
        return False
    except Exception as exc:
        if not is_outage(exc):
            raise
        outage_log(sessionmaker).failed(exc)
        raise Unavailable(str(exc)) from exc
    outage_log(sessionmaker).reached()
    return True


MAX_BATCH = 500
"""Most updates one group commit stores."""


class InboxWriter:
    """``enqueue`` with group commit: updates arriving together share one transaction.

    Each caller still returns only after the transaction holding its row committed, so the
    platform is acknowledged after its update is stored, as with ``enqueue``. One batch is
    written at a time; whatever arrives meanwhile goes into the next, so under load a commit
    (and on SQLite the write lock) serves many webhooks instead of one.
    """

    def __init__(self, sessionmaker: SessionMaker) -> None:
        self.sessionmaker = sessionmaker
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def __call__(self, message: Inbound) -> bool:
        """Store ``message``; False when it was already stored (a redelivery)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((_row(storable(message)), future))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_all())
        return await future

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                stored = await _insert(self.sessionmaker, [row for row, _ in batch])
            except Exception as exc:
                error = _refusal(self.sessionmaker, exc)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            outage_log(self.sessionmaker).reached()
            for row, future in batch:
                key = (row["channel"], row["update_id"])
                if not future.done():  # a caller that gave up (a closed connection)
                    future.set_result(key in stored)
                stored.discard(key)  # the same update twice in one batch: stored once


_FIELDS = tuple(f.name for f in fields(Inbound))


def _fits(message: Inbound) -> bool:
    """True when ``storable`` would change nothing: ids and name short, no unstorable text."""
    if len(message.update_id) > MAX_ID or len(message.message_id or "") > MAX_ID \
            or len(message.user_name or "") > MAX_NAME:
        return False
    return not any(isinstance(value := getattr(message, name), str) and _UNSTORABLE.search(value)
                   for name in _FIELDS)


def _row(message: Inbound) -> dict[str, Any]:
    return {"channel": message.channel, "update_id": message.update_id,
            "chat_key": chat_key(message.channel, message.account, message.chat_id),
            "message": message.to_json()}


async def _insert(sessionmaker: SessionMaker, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Insert ``rows`` in one statement, committed; the keys of those that were new."""
    async with writing(sessionmaker, urgent=True), statementwise(sessionmaker).begin() as session:
        dialect = (await session.connection()).dialect.name
        result = await session.execute(_insert_statement(dialect), rows)
        return {(channel, update_id) for channel, update_id in result.all()}


@functools.cache
def _insert_statement(dialect: str) -> ReturningInsert[str, str]:
    """The inbox insert, built once and on the table: the ORM's bulk insert path cost more CPU
    than the round trip, and this runs for every webhook."""
    table = table_of(InboxItem)
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (insert(table).on_conflict_do_nothing(index_elements=["channel", "update_id"])
            .returning(table.c.channel, table.c.update_id))


def _refusal(sessionmaker: SessionMaker, error: Exception) -> Exception:
    if not is_outage(error):
        return error
    outage_log(sessionmaker).failed(error)
    refusal = Unavailable(str(error))
    refusal.__cause__ = error
    return refusal
