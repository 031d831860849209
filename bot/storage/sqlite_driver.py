"""aiosqlite with one trip to its thread per statement instead of four.

aiosqlite runs every call on the sqlite3 connection in a thread of its own and hands the result
back to the event loop. SQLAlchemy's adapter makes four such calls for each statement: open a
cursor, execute, fetch the rows, close the cursor. Each trip costs the loop a future, a wake-up
through its self-pipe and a greenlet switch: on a steady stream of lone turns that was 81 trips
per update, 39 of them only to open and close cursors, and most of the CPU SQLite cost over
PostgreSQL (``bench.cpu``). Here one trip does all four; the sqlite3 objects are still used
only on aiosqlite's thread, as SQLAlchemy intends (it does not share the connection across
threads). Server-side cursors (streamed results) keep SQLAlchemy's own cursor.

``create_engine`` passes ``dbapi()`` as the aiosqlite dialect's ``module``, the documented way to
give a dialect another DBAPI object.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import immutabledict

Outcome = tuple[Any, list[Any], int, int | None]
"""What one trip brings back: description, rows, rowcount, lastrowid."""


def _run(connection: sqlite3.Connection, operation: str, parameters: Any,
         many: bool) -> Outcome:
    """On aiosqlite's thread: a cursor's whole life for one statement."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description is not None else []
        # rowcount after the fetch: for a DML statement with RETURNING it counts as rows come.
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, its statement run in one trip to the thread."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:  # no aiosqlite cursor: no trip
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = immutabledict()
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        """Nothing stays open between trips."""

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        return await self._trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        return await self._trip(operation, seq_of_parameters, many=True)

    async def _trip(self, operation: str, parameters: Any, *, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            outcome: Outcome = await connection._execute(  # type: ignore[no-untyped-call]
                _run, connection._conn, operation, parameters, many)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    def nextset(self) -> None:
        """sqlite3 has one result set per statement."""

    def setinputsizes(self, *inputsizes: Sequence[Any]) -> None:
        """sqlite3 takes no sizes."""


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection, handing out ``OneTripCursor``, that skips a
    rollback with nothing to roll back.

    The pool rolls a connection back each time it is returned, most often right after its
    session committed: a trip for nothing, five per lone update. Since the last commit or
    rollback, a cursor handed out may have begun a transaction; without one, none is open.
    (``sqlite3``'s own ``in_transaction`` may not be read from the event loop's thread.)
    """

    __slots__ = ("_settled",)
    _cursor_cls = OneTripCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._settled = False  # unknown until the first commit or rollback

    def cursor(self, server_side: bool = False) -> Any:
        self._settled = False
        return super().cursor(server_side)

    def commit(self) -> None:
        super().commit()  # raises if it failed: then nothing is known
        self._settled = True

    def rollback(self) -> None:
        if self._settled:
            return
        super().rollback()
        self._settled = True


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI module, its connections wrapped in ``OneTripConnection``."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def dbapi() -> OneTripDBAPI:
    """The DBAPI object to give ``create_async_engine(..., module=...)`` for aiosqlite URLs."""
    return OneTripDBAPI(aiosqlite, sqlite3)
