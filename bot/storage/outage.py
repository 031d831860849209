"""Telling a database outage from a bug, and logging it once per outage instead of per request.

During an outage every webhook delivery, web-chat post and poll fails the same way; a
traceback for each buries the log (thousands a minute under load) and says nothing new. So the
first failure is logged as one line, the rest are counted, and the recovery is one more line.
"""

from __future__ import annotations

import logging
import time
import weakref

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger("sarafan.database")

UNREACHABLE: tuple[type[BaseException], ...] = (DBAPIError, OSError, TimeoutError, PoolTimeout)
"""What a down, restarting or unreachable database raises (asyncpg's refused connection is a
bare OSError; SQLite's unreadable file and PostgreSQL's dropped connection are DBAPI errors)."""

RETRY_AFTER_SECONDS = 5
"""What 503 answers ask clients to wait (the ``Retry-After`` header)."""


class Unavailable(Exception):
    """The database could not be reached; the request may be repeated later."""


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` means the database is unreachable (a duplicate key is no outage)."""
    return isinstance(error, UNREACHABLE) and not isinstance(error, IntegrityError)


class OutageLog:
    """Whether the database looked down at the last try; logs each change of that once."""

    def __init__(self) -> None:
        self.down_since: float | None = None
        self.refused = 0

    def failed(self, error: BaseException) -> None:
        """A request found the database unreachable."""
        self.refused += 1
        if self.down_since is None:
            self.down_since = time.monotonic()
            log.error("database unreachable (%s: %s); answering 503 until it is back",
                      type(error).__name__, str(error).splitlines()[0][:300] if str(error) else "")

    def reached(self) -> None:
        """A request reached the database."""
        if self.down_since is not None:
            log.warning("database reachable again after %.0f s (%d requests answered 503)",
                        time.monotonic() - self.down_since, self.refused)
            self.down_since, self.refused = None, 0


_logs: weakref.WeakKeyDictionary[object, OutageLog] = weakref.WeakKeyDictionary()


def outage_log(database: object) -> OutageLog:
    """The one log of ``database`` (its sessionmaker), shared by every door of this process."""
    found = _logs.get(database)
    if found is None:
        found = _logs[database] = OutageLog()
    return found
