"""A database outage on demand: every new connection is refused, pooled ones are dropped.

This is what a stopped PostgreSQL looks like to a running worker (asyncpg raises
``ConnectionRefusedError``; SQLAlchemy's pool finds its old connections dead), on either
database, without stopping the server other tests share.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine


class Outage:
    """``start()`` takes the database away from ``engine``; ``end()`` gives it back."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine.sync_engine
        self.down = False

    def _refuse(self, *_args: Any) -> None:
        raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432) [simulated]")

    def _drop(self, *_args: Any) -> None:
        raise DisconnectionError("server closed the connection unexpectedly [simulated]")

    def start(self) -> None:
        if not self.down:
            event.listen(self.engine, "do_connect", self._refuse)
            event.listen(self.engine, "checkout", self._drop)
            self.down = True

    def end(self) -> None:
        if self.down:
            event.remove(self.engine, "do_connect", self._refuse)
            event.remove(self.engine, "checkout", self._drop)
            self.down = False

    @contextlib.contextmanager
    def during(self) -> Iterator[None]:
        self.start()
        try:
            yield
        finally:
            self.end()
