"""Reading web chats' messages for their long-polls, the reads of one moment in one query.

A group of turns delivers its replies together and so wakes its chats' long-polls together;
each used to read on a connection of its own: one checkout and one statement per poll and,
beyond the pool's size, a new connection. Reads asked for while one query runs now wait for
the next, which answers all of them: each (chat, cursor) its rows after the cursor, oldest
first, at most ``HISTORY``, as one part of a UNION ALL. A first load (cursor 0, the newest
``HISTORY``) is read on its own: it happens once per page load.
"""

from __future__ import annotations

import asyncio
import functools
from collections import defaultdict
from typing import Any

from sqlalchemy import BigInteger, CompoundSelect, Row, Select, bindparam, select, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.webchat import NAME
from bot.storage.base import padded
from bot.storage.models import MessageLog

HISTORY = 200
"""Messages one read returns at most; the page asks again from the last one it got."""
MAX_BATCH = 32
"""Cursors one query reads at most (padded to a power of two: six statement shapes)."""

Cursor = tuple[str, int]
"""A chat id and the id of the last message its page has."""

_SHOWN = (MessageLog.id, MessageLog.chat_id, MessageLog.direction, MessageLog.text,
          MessageLog.body)


class ChatReads:
    """Long-polls ask here; reads asked for while a query runs share the next one."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._waiting: list[tuple[Cursor, asyncio.Future[list[Row[Any]]]]] = []
        self._reading: asyncio.Task[None] | None = None

    async def __call__(self, chat_id: str, after: int) -> list[Row[Any]]:
        """The chat's messages after ``after``, oldest first (with 0: its newest)."""
        if after == 0:
            async with self.engine.connect() as connection:
                result = await connection.execute(_newest(), {"chat_id": chat_id})
                return sorted(result.all(), key=lambda row: int(row.id))
        future: asyncio.Future[list[Row[Any]]] = asyncio.get_running_loop().create_future()
        self._waiting.append(((chat_id, after), future))
        if self._reading is None or self._reading.done():
            self._reading = asyncio.create_task(self._read_all())
        return await future

    async def _read_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            cursors = sorted({cursor for cursor, _ in batch})
            try:
                found = await self._read(cursors)
            except Exception as exc:  # every poll of the batch reports it (an outage: a 503)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for cursor, future in batch:
                if not future.done():  # a poll that gave up (its client left)
                    future.set_result(found[cursor])

    async def _read(self, cursors: list[Cursor]) -> dict[Cursor, list[Row[Any]]]:
        values: dict[str, Any] = {}
        parts = padded(cursors)
        for n, (chat_id, after) in enumerate(parts):
            values[f"chat{n}"], values[f"after{n}"] = chat_id, after
        async with self.engine.connect() as connection:
            rows = (await connection.execute(_after(len(parts)), values)).all()
        found: dict[Cursor, list[Row[Any]]] = defaultdict(list)
        # A padded cursor's rows come twice: one per (cursor, id).
        unique = {(row.chat_id, int(row.cursor), int(row.id)): row for row in rows}
        for (chat_id, after, _), row in sorted(unique.items(), key=lambda item: item[0][2]):
            found[(chat_id, after)].append(row)
        return {cursor: found[cursor] for cursor in cursors}


@functools.cache
def _newest() -> Select[Any]:
    return (select(*_SHOWN).where(MessageLog.channel == NAME,
                                  MessageLog.chat_id == bindparam("chat_id"))
            .order_by(MessageLog.id.desc()).limit(HISTORY))


@functools.cache
def _after(count: int) -> CompoundSelect[Any]:
    """``count`` cursors' rows: each one a bounded scan of the (channel, chat_id, id) index.
    The cursor comes back with each row, to tell two cursors of one chat (two tabs) apart."""
    parts = [select(*_SHOWN, bindparam(f"after{n}", type_=BigInteger).label("cursor"))
             .where(MessageLog.channel == NAME, MessageLog.chat_id == bindparam(f"chat{n}"),
                    MessageLog.id > bindparam(f"after{n}"))
             .order_by(MessageLog.id).limit(HISTORY)
             .subquery().select()  # SQLite takes a LIMIT in a compound's part only so
             for n in range(count)]
    return union_all(*parts)
